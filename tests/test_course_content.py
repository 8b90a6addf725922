"""The bundled course in content/: our own prose, and modules that meet the brief.

These tests read the Markdown sources directly (front matter with PyYAML), so
they pin the course content independently of the loader.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "content"
MODULES = CONTENT / "modules"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seeds" / "000_81b4ba1e1c7ae76e.txt"

NGRAM = 10  # a run of this many consecutive words shared with the paper is a copy
QUESTION_KINDS = {"single", "multiple", "truefalse", "fillin", "matching", "ordering"}
# Modules that are reference pages, not teaching modules: no objectives or quiz needed.
REFERENCE_PAGES = {"glossary", "references"}

MARKDOWN_FILES = sorted(CONTENT.rglob("*.md"))
MODULE_FILES = sorted(p for p in MARKDOWN_FILES if p.name != "README.md")


def words(text: str) -> list[str]:
    """Lower-case words with punctuation, markup and footnote markers removed."""
    text = re.sub(r"<sup>.*?</sup>", " ", text)  # footnote numbers glued to words
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return text.split()


def ngrams(tokens: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def split_front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, f"{path}: no YAML front matter"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict), f"{path}: front matter is not a mapping"
    return meta, text[match.end() :]


def quiz_block(body: str) -> str | None:
    match = re.search(r"^::: quiz[ \t]*\n(.*?)^:::[ \t]*$", body, re.DOTALL | re.MULTILINE)
    return match.group(1) if match else None


def page_titles(body: str) -> list[str]:
    """Level-2 headings outside code fences and outside the quiz block."""
    quiz = quiz_block(body)
    if quiz is not None:
        body = body.replace(quiz, "")
    titles, fenced = [], False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            titles.append(line[3:].strip())
    return titles


def question_kinds(quiz: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\? (\w+)", quiz, re.MULTILINE)]


def is_reference_page(meta: dict, path: Path) -> bool:
    return meta.get("id") in REFERENCE_PAGES or any(
        path.stem.endswith(name) for name in REFERENCE_PAGES
    )


def course_config() -> dict:
    with (CONTENT / "course.toml").open("rb") as handle:
        return tomllib.load(handle)


def teaching_modules() -> list[Path]:
    return [p for p in MODULE_FILES if not is_reference_page(split_front_matter(p)[0], p)]


def test_the_course_has_modules():
    assert (CONTENT / "course.toml").is_file()
    assert len(teaching_modules()) >= 5


def paper_prose_ngrams(paper: str) -> set[tuple[str, ...]]:
    """Ten-word runs of the paper's prose that our text must not repeat.

    Bibliographic data is not prose: the title page (title, author, affiliation,
    publisher, funder) and the bibliography may be cited as they stand, so runs
    that occur there are allowed. Everything else, footnotes included, counts.
    """
    body_start = paper.index("# 1. The United Nations")
    bibliography_start = paper.index("# Bibliography")
    citable = paper[:body_start] + "\n" + paper[bibliography_start:]
    prose = paper[body_start:bibliography_start]
    return ngrams(words(prose)) - ngrams(words(citable))


@pytest.mark.skipif(not SEED.is_file(), reason=f"source paper not found at {SEED} (../shared absent)")
@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_no_ten_word_run_is_copied_from_the_paper(path: Path):
    paper = paper_prose_ngrams(SEED.read_text(encoding="utf-8"))
    tokens = words(path.read_text(encoding="utf-8"))
    copied = [" ".join(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1)
              if tuple(tokens[i : i + NGRAM]) in paper]
    assert not copied, f"{path.name} repeats {len(copied)} ten-word runs of the paper, e.g. {copied[:3]}"


@pytest.mark.skipif(not SEED.is_file(), reason=f"source paper not found at {SEED} (../shared absent)")
def test_citing_the_paper_is_not_copying_but_its_footnote_definitions_are():
    paper = paper_prose_ngrams(SEED.read_text(encoding="utf-8"))
    title = "Implications of a Comprehensive or Integrated Approach for Training in United Nations and African Union Peace Operations"
    assert not ngrams(words(title)) & paper
    footnote = "the systematic and objective assessment of an on-going or completed project, programme or policy"
    assert ngrams(words(footnote)) & paper


def test_the_copy_check_ignores_case_and_punctuation():
    # The check itself: case and punctuation must not hide a copied run.
    paper = ngrams(words("The Peacebuilding process ends when a society has developed the capacity."))
    learner = words("the peacebuilding-process ENDS, when a society has developed 'the' capacity")
    assert ngrams(learner) & paper
    assert not ngrams(words("A society that can run its own peace process no longer needs help.")) & paper


@pytest.mark.parametrize("path", teaching_modules(), ids=lambda p: p.name)
def test_teaching_module_meets_the_brief(path: Path):
    meta, body = split_front_matter(path)
    config = course_config()
    audience_ids = {a["id"] for a in config["audiences"]} | {"all"}
    stage_ids = {s["id"] for s in config["stages"]} | {"all"}

    objectives = meta.get("objectives") or []
    assert 3 <= len(objectives) <= 5, f"{path.name}: {len(objectives)} objectives"
    assert isinstance(meta.get("duration"), int) and meta["duration"] > 0
    assert meta.get("audiences") and set(meta["audiences"]) <= audience_ids, meta.get("audiences")
    assert meta.get("stages") and set(meta["stages"]) <= stage_ids, meta.get("stages")
    assert str(meta.get("source", "")).startswith("de Coning (2009)")

    pages = page_titles(body)
    assert 2 <= len(pages) <= 6, f"{path.name}: {len(pages)} pages: {pages}"

    quiz = quiz_block(body)
    assert quiz is not None, f"{path.name}: no knowledge check"
    kinds = question_kinds(quiz)
    assert 3 <= len(kinds) <= 6, f"{path.name}: {len(kinds)} questions"
    assert set(kinds) <= QUESTION_KINDS, kinds


def test_course_uses_every_question_kind():
    kinds: set[str] = set()
    for path in teaching_modules():
        quiz = quiz_block(split_front_matter(path)[1])
        kinds.update(question_kinds(quiz or ""))
    assert {"single", "multiple", "truefalse", "matching", "ordering", "fillin"} <= kinds


@pytest.mark.parametrize("path", MODULE_FILES, ids=lambda p: p.name)
def test_conditional_passages_name_known_audiences_and_stages(path: Path):
    config = course_config()
    known = {
        "audience": {a["id"] for a in config["audiences"]},
        "stage": {s["id"] for s in config["stages"]},
    }
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("::: only"):
            for key, values in re.findall(r"(\w+)=([\w,-]+)", line):
                assert key in known, f"{path.name}: unknown condition {key!r}"
                assert set(values.split(",")) <= known[key], f"{path.name}: {line}"


@pytest.mark.parametrize("path", MODULE_FILES, ids=lambda p: p.name)
def test_images_exist_and_have_alt_text(path: Path):
    for alt, target in re.findall(r"!\[([^\]]*)\]\(([^)\s]+)", path.read_text(encoding="utf-8")):
        assert alt.strip(), f"{path.name}: image {target} has no alt text"
        assert (path.parent / target).resolve().is_file(), f"{path.name}: missing {target}"


@pytest.mark.parametrize("svg", sorted(CONTENT.rglob("*.svg")), ids=lambda p: p.name)
def test_svg_diagrams_are_accessible(svg: Path):
    from lxml import etree

    root = etree.parse(str(svg)).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.find("svg:title", ns) is not None and root.find("svg:title", ns).text.strip()
    assert root.find("svg:desc", ns) is not None and root.find("svg:desc", ns).text.strip()
    assert root.findall(".//svg:text", ns), f"{svg.name} has no text"


def test_every_bundle_holds_modules_in_course_order():
    config = course_config()
    modules = []
    for path in MODULE_FILES:
        meta, _ = split_front_matter(path)
        modules.append(meta)
    by_order = sorted(modules, key=lambda m: (m.get("order", 0), m["id"]))
    for bundle in config["bundles"]:
        if "modules" in bundle:
            ids = {m["id"] for m in modules}
            assert set(bundle["modules"]) <= ids, bundle["id"]
            continue
        chosen = [
            m["id"] for m in by_order
            if ({"all", bundle["audience"]} & set(m["audiences"]))
            and ({"all", bundle["stage"]} & set(m["stages"]))
            and not is_reference_page(m, Path(m["id"]))
        ]
        # The generic core is two teaching modules by design (docs/course-design.md).
        assert len(chosen) >= 2, f"bundle {bundle['id']} teaches only {chosen}"
