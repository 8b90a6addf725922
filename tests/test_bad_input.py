"""Bad course input: `path:line: message` on stderr, exit 1, no traceback, output untouched."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest


def snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    # Every file, the build cache (.scormpack-cache/) included.
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def built(cli, example_course, tmp_path):
    """A course with a good previous build in dist/, to prove a failed build leaves it alone."""
    dist = tmp_path / "dist"
    assert cli("build", example_course, "-o", dist).exit_code == 0
    return example_course, dist


def expect_failure(cli, course: Path, dist: Path, message: str) -> str:
    before = snapshot(dist)
    result = cli("build", course, "-o", dist)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(dist) == before
    assert not [p for p in dist.iterdir() if p.name.startswith(".") and p.name != ".scormpack-cache"]
    return result.output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def module(course: Path) -> Path:
    return course / "modules" / "01-first-minutes.md"


def test_malformed_front_matter(cli, built):
    course, dist = built
    edit(module(course), "stages: [induction, refresher]", "stages: [induction, refresher")
    output = expect_failure(cli, course, dist, "malformed front matter")
    assert f"{module(course)}:" in output


def test_unknown_audience_names_its_line(cli, built):
    course, dist = built
    edit(module(course), "audiences: [all]", "audiences: [managers]")
    expect_failure(cli, course, dist, f"{module(course)}:5: error: unknown audience 'managers'")


def test_unknown_stage_names_its_line(cli, built):
    course, dist = built
    edit(module(course), "stages: [induction, refresher]", "stages: [induction, onboarding]")
    expect_failure(cli, course, dist, f"{module(course)}:6: error: unknown stage 'onboarding'")


def test_unknown_audience_in_a_passage_names_its_line(cli, built):
    course, dist = built
    edit(module(course), "::: only audience=wardens", "::: only audience=guards")
    expect_failure(cli, course, dist, f"{module(course)}:33: error: unknown audience 'guards' in '::: only'")


def test_unknown_audience_in_a_bundle(cli, built):
    course, dist = built
    edit(course / "course.toml", 'audience = "staff"', 'audience = "visitors"')
    expect_failure(cli, course, dist, f"{course / 'course.toml'}:39: error: bundle 'staff-induction': unknown audience 'visitors'")


def test_duplicate_module_id(cli, built):
    course, dist = built
    copy = course / "modules" / "03-copy.md"
    copy.write_text(module(course).read_text())
    output = expect_failure(cli, course, dist, "duplicate module id 'first-minutes'")
    assert f"{copy}:2:" in output


def test_missing_image_names_its_line(cli, built):
    course, dist = built
    edit(module(course), "../images/steps.svg", "../images/missing.svg")
    expect_failure(cli, course, dist, f"{module(course)}:28: error: '../images/missing.svg': no such file")


def test_link_leaving_the_course_directory(cli, built, tmp_path):
    course, dist = built
    (tmp_path / "secret.txt").write_text("outside")
    edit(module(course), "(02-emergency-numbers.md)", "(../../secret.txt)")
    expect_failure(cli, course, dist, f"{module(course)}:40: error: '../../secret.txt' points outside the course directory")


def test_file_that_is_not_utf8(cli, built):
    course, dist = built
    module(course).write_bytes(module(course).read_bytes().replace(b"minutes matters", b"minutes \xff matters"))
    expect_failure(cli, course, dist, f"{module(course)}:20: error: file is not valid UTF-8")


def test_unreadable_module(cli, built):
    course, dist = built
    (course / "modules" / "broken.md").symlink_to(course / "nowhere.md")
    expect_failure(cli, course, dist, "broken.md: error: cannot read file")


def test_invalid_toml(cli, built):
    course, dist = built
    edit(course / "course.toml", 'title = "First Aid Basics"', 'title = "First Aid Basics')
    expect_failure(cli, course, dist, f"{course / 'course.toml'}:4: error: invalid TOML")


def test_bad_version_is_not_semver(cli, built):
    course, dist = built
    edit(course / "course.toml", 'version = "0.1.0"', 'version = "one"')
    expect_failure(cli, course, dist, "course.toml:6: error: [course].version 'one' is not a semantic version")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("- [x] Check for danger around you", "- [ ] Check for danger around you", "single question 'first-step' has no correct option"),
        ("- [ ] Move the person", "- [ ] Start chest compressions", "duplicate option 'Start chest compressions'"),
        ("? truefalse", "? essay", "unknown question type 'essay'"),
        ("What do you do first when someone collapses?", "", "question 'first-step' has no prompt"),
        ("answer: false", "answer: maybe", "a truefalse answer is true or false"),
    ],
)
def test_quiz_errors_name_their_line(cli, built, old, new, message):
    course, dist = built
    edit(module(course), old, new)
    output = expect_failure(cli, course, dist, message)
    assert f"{module(course)}:" in output


def test_errors_are_one_line_from_the_real_command(example_course, tmp_path):
    edit(module(example_course), "audiences: [all]", "audiences: [managers]")
    result = subprocess.run(
        [sys.executable, "-m", "scormpack", "build", str(example_course), "-o", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"{module(example_course)}:5: error: unknown audience 'managers' (known audiences: staff, wardens)"
    assert not (tmp_path / "dist").exists()


def test_missing_course_directory(cli, tmp_path):
    result = cli("build", tmp_path / "nope", "-o", tmp_path / "dist")
    assert result.exit_code == 1
    assert "course directory not found" in result.output


def test_unknown_bundle_and_target(cli, example_course, tmp_path):
    result = cli("build", example_course, "-b", "nope", "-o", tmp_path / "dist")
    assert result.exit_code == 2 and "unknown bundle 'nope'" in result.output
    result = cli("build", example_course, "-t", "scorm3000", "-o", tmp_path / "dist")
    assert result.exit_code == 2 and "unknown target 'scorm3000'" in result.output
    assert not (tmp_path / "dist").exists()


def test_module_id_reserved_for_package_files(cli, built):
    course, dist = built
    edit(module(course), "id: first-minutes", "id: shared")
    expect_failure(cli, course, dist, f"{module(course)}:2: error: module id 'shared' is reserved")


def test_malformed_url_is_an_error_not_a_crash(cli, built):
    course, dist = built
    edit(module(course), "(02-emergency-numbers.md)", "(http://[bad)")
    expect_failure(cli, course, dist, f"{module(course)}:40: error: 'http://[bad' is not a valid link target")
