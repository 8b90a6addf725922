"""Every knowledge-check question of the bundled course is traced to the source paper.

docs/quiz-sources.md holds one table per module (heading "## `module-id`") with
one row per question ("| `question-id` | objective numbers | paper section /
footnote | support |"). These tests keep that mapping in step with the course
as the real loader reads it, so a new, renamed or removed question cannot leave
it silently behind, and every learning objective is tested by a question.
"""
from __future__ import annotations

import re

import pytest

from conftest import BUNDLED_COURSE, REPO, SHARED
from scormpack.loader import load_course

SOURCES = REPO / "docs" / "quiz-sources.md"
SEED = SHARED / "seeds" / "000_81b4ba1e1c7ae76e.txt"

SECTION = re.compile(r"§(\d+(?:\.\d+)?)")
FOOTNOTE = re.compile(r"\bfn (\d+)")

pytestmark = pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")


def parse_sources(text: str) -> tuple[dict[tuple[str, str], tuple[str, str, str]], list[tuple[str, str]]]:
    """(module id, question id) -> (objective cell, paper cell, support cell); and the keys given twice."""
    entries: dict[tuple[str, str], tuple[str, str, str]] = {}
    duplicates: list[tuple[str, str]] = []
    module = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = re.fullmatch(r"## `([^`]+)`\s*", line)
            module = heading.group(1) if heading else None
            continue
        if module is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        question = re.fullmatch(r"`([^`]+)`", cells[0])
        if question is None:  # the header and separator rows
            continue
        assert len(cells) == 4, f"row for {question.group(1)} in {module} has {len(cells)} cells, not 4: {line}"
        key = (module, question.group(1))
        if key in entries:
            duplicates.append(key)
        entries[key] = (cells[1], cells[2], cells[3])
    return entries, duplicates


@pytest.fixture(scope="module")
def course_questions() -> set[tuple[str, str]]:
    course = load_course(BUNDLED_COURSE)
    return {
        (module.id, question.id)
        for module in course.modules
        if module.quiz is not None
        for question in module.quiz.questions
    }


@pytest.fixture(scope="module")
def sources() -> dict[tuple[str, str], tuple[str, str, str]]:
    assert SOURCES.is_file(), f"{SOURCES} is missing"
    entries, duplicates = parse_sources(SOURCES.read_text(encoding="utf-8"))
    assert not duplicates, f"questions listed twice in {SOURCES.name}: {duplicates}"
    return entries


def test_every_question_of_every_module_has_a_source_entry(course_questions, sources):
    assert course_questions, "the bundled course has no knowledge-check questions"
    missing = sorted(course_questions - sources.keys())
    assert not missing, f"questions without a row in {SOURCES.name}: {missing}"


def test_the_source_table_lists_no_question_the_course_does_not_have(course_questions, sources):
    stale = sorted(sources.keys() - course_questions)
    assert not stale, f"rows in {SOURCES.name} for questions that no longer exist: {stale}"


def test_every_entry_cites_a_section_of_the_paper_and_says_what_supports_the_answer(sources):
    for (module, question), (_, paper, support) in sources.items():
        assert SECTION.search(paper), f"{module}/{question}: no paper section in {paper!r}"
        assert len(support.split()) >= 5, f"{module}/{question}: support pointer too short: {support!r}"


def objective_numbers(cell: str) -> set[int]:
    numbers = [part.strip() for part in cell.split(",")]
    assert numbers and all(n.isdigit() for n in numbers), f"objective cell {cell!r} is not a list of numbers"
    return {int(n) for n in numbers}


def test_every_objective_of_every_module_is_tested_by_a_question(sources):
    course = load_course(BUNDLED_COURSE)
    for module in course.modules:
        if module.quiz is None:
            continue
        named = set()
        for (module_id, question), (objective_cell, _, _) in sources.items():
            if module_id == module.id:
                numbers = objective_numbers(objective_cell)
                assert numbers <= set(range(1, len(module.objectives) + 1)), (
                    f"{module.id}/{question}: objective {sorted(numbers)} but the module has {len(module.objectives)}")
                named |= numbers
        untested = [module.objectives[n - 1] for n in range(1, len(module.objectives) + 1) if n not in named]
        assert not untested, f"{module.id}: objectives no question tests: {untested}"


def test_the_objective_check_reads_lists_and_rejects_words():
    assert objective_numbers("2, 4") == {2, 4}
    with pytest.raises(AssertionError):
        objective_numbers("dates")


@pytest.mark.skipif(not SEED.is_file(), reason=f"source paper not found at {SEED} (../shared absent)")
def test_cited_sections_and_footnotes_exist_in_the_paper(sources):
    paper = SEED.read_text(encoding="utf-8")
    sections = set(re.findall(r"^#+\s*\**(\d+(?:\.\d+)?)\.?\s", paper, re.MULTILINE))
    footnotes = set(re.findall(r"^<sup>(\d+)</sup>", paper, re.MULTILINE))
    assert {"1", "2", "3", "3.1", "3.5", "4"} <= sections, sections  # the headings were found at all
    for (module, question), (_, paper_cell, _) in sources.items():
        unknown_sections = set(SECTION.findall(paper_cell)) - sections
        unknown_footnotes = set(FOOTNOTE.findall(paper_cell)) - footnotes
        assert not unknown_sections, f"{module}/{question}: no section {sorted(unknown_sections)} in the paper"
        assert not unknown_footnotes, f"{module}/{question}: no footnote {sorted(unknown_footnotes)} in the paper"


@pytest.mark.skipif(not SEED.is_file(), reason=f"source paper not found at {SEED} (../shared absent)")
def test_the_source_pointers_do_not_quote_ten_word_runs_of_the_paper():
    from test_course_content import NGRAM, paper_prose_ngrams, words

    paper = paper_prose_ngrams(SEED.read_text(encoding="utf-8"))
    tokens = words(SOURCES.read_text(encoding="utf-8"))
    copied = [" ".join(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1)
              if tuple(tokens[i : i + NGRAM]) in paper]
    assert not copied, f"{SOURCES.name} repeats ten-word runs of the paper, e.g. {copied[:3]}"
