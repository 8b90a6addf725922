"""`--strict` a release pipeline can use: a known, intended difference the author accepted is a note, not a warning."""
from __future__ import annotations

from pathlib import Path

from conftest import BUNDLED_COURSE
from scormpack.lint import lint_course

QUESTIONS = """
? matching id=match-signs{accept}
Match each sign to its meaning.

- Red cross => First aid
- Green running man => Emergency exit
"""


def add_matching_question(course: Path, accept: str = "") -> Path:
    module = course / "modules" / "01-first-minutes.md"
    text = module.read_text()
    closing = text.rindex("\n:::")
    module.write_text(text[:closing] + "\n" + QUESTIONS.format(accept=accept) + text[closing:])
    return module


def strict_cc_build(cli, course: Path, out: Path):
    return cli("build", course, "-t", "cc13", "-b", "staff-induction", "--strict", "-o", out)


def test_strict_fails_on_a_difference_nobody_accepted(cli, example_course, tmp_path):
    add_matching_question(example_course)
    result = strict_cc_build(cli, example_course, tmp_path / "dist")
    assert result.exit_code == 1
    assert ": warning: module 'first-minutes', question 'match-signs': matching questions" in result.output
    assert not (tmp_path / "dist").exists()


def test_a_difference_accepted_for_the_course_is_a_note(cli, example_course, tmp_path):
    module = add_matching_question(example_course)
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text() + '\n[accept]\ncc-question-left-out = "Matching stays practice-only in cartridges."\n')
    result = strict_cc_build(cli, example_course, tmp_path / "dist")
    assert result.exit_code == 0, result.output
    line = next(n for n, text in enumerate(module.read_text().split("\n"), start=1) if "id=match-signs" in text)
    assert f"01-first-minutes.md:{line}: note: module 'first-minutes', question 'match-signs'" in result.output
    assert "(accepted: Matching stays practice-only in cartridges.)" in result.output
    assert ": warning: " not in result.output


def test_a_difference_accepted_on_the_question_is_a_note(cli, example_course, tmp_path):
    add_matching_question(example_course, " accept=cc-question-left-out")
    result = strict_cc_build(cli, example_course, tmp_path / "dist")
    assert result.exit_code == 0, result.output
    assert ": note: " in result.output and "(accepted on question 'match-signs')" in result.output


def test_accepting_a_warning_that_does_not_exist_is_an_error_with_a_suggestion(example_course):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text() + '\n[accept]\ncc-question-left = "typo"\n')
    module = add_matching_question(example_course, " accept=cc-questions-left-out")
    messages = {(f.path.name, f.message) for f in lint_course(example_course)}
    assert ("course.toml", "[accept]: no warning 'cc-question-left' to accept; did you mean 'cc-question-left-out'?") in messages
    assert (module.name, "accept=cc-questions-left-out: no such warning to accept; did you mean 'cc-question-left-out'?") in messages


def test_the_bundled_course_builds_every_target_with_strict(cli, tmp_path):
    result = cli("build", BUNDLED_COURSE, "--all-targets", "--strict", "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.output
    assert ": note: " in result.output and ": warning: " not in result.output
