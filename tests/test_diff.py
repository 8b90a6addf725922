"""`scormpack diff`: two versions of a course, each with one kind of change, and the verdict pinned.

The verdicts follow what Moodle 4.5 did when the package of an activity was
replaced (../shared/lms-notes.md): tracks follow the item identifier only,
a vanished identifier's tracks go at once, suspend data is handed as-is to
the new page, numeric-looking identifiers match loosely, and a malformed
manifest half-updates the activity.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED_COURSE, build
from scormpack.updates.compare import moodle_key


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def new_version(course: Path, to: Path, version: str = "0.2.0") -> Path:
    shutil.copytree(course, to)
    edit(to / "course.toml", 'version = "0.1.0"', f'version = "{version}"')
    return to


def diff_json(cli, old: Path, new: Path, *extra: str):
    result = cli("diff", old, new, "--format", "json", *extra)
    return result.exit_code, json.loads(result.output)


def changes(report: dict, bundle: str) -> list[dict]:
    (package,) = [p for p in report["packages"] if p["label"].startswith(f"{bundle} /")]
    return package["changes"]


@pytest.fixture
def versions(cli, example_course: Path, tmp_path: Path):
    """Build v1 of the example course, then v2 after `change(course_dir)`; return (v1 out, v2 out)."""

    def make(change) -> tuple[Path, Path]:
        build(cli, example_course, tmp_path / "v1")
        second = new_version(example_course, tmp_path / "course-2")
        change(second)
        build(cli, second, tmp_path / "v2")
        return tmp_path / "v1", tmp_path / "v2"

    return make


def test_text_edit_is_safe(cli, versions):
    v1, v2 = versions(lambda c: edit(c / "modules" / "01-first-minutes.md", "matters most.", "matters more than anything."))
    code, report = diff_json(cli, v1, v2)
    assert (code, report["verdict"]) == (0, "safe")
    assert [c["change"] for c in changes(report, "staff-induction")] == ["content"]


def test_module_added_is_safe(cli, versions):
    def add(course: Path) -> None:
        (course / "modules" / "03-recovery.md").write_text(
            "---\nid: recovery-position\ntitle: The recovery position\norder: 3\naudiences: [all]\nstages: [all]\n---\n\n"
            "Roll the person onto their side.\n",
            encoding="utf-8",
        )

    v1, v2 = versions(add)
    code, report = diff_json(cli, v1, v2)
    assert (code, report["verdict"]) == (0, "safe")
    added = [c for c in changes(report, "staff-induction") if c["change"] == "item-added"]
    assert [c["item"] for c in added] == ["ITEM-recovery-position"]


def test_module_id_renamed_loses_data(cli, versions):
    v1, v2 = versions(lambda c: edit(c / "modules" / "01-first-minutes.md", "id: first-minutes", "id: first-steps"))
    code, report = diff_json(cli, v1, v2)
    assert (code, report["verdict"]) == (1, "data-loss")
    (renamed,) = [c for c in changes(report, "staff-induction") if c["verdict"] != "safe"]
    assert (renamed["change"], renamed["old"], renamed["new"]) == ("item-renamed", "ITEM-first-minutes", "ITEM-first-steps")
    assert renamed["lms"]["moodle"]["verdict"] == renamed["lms"]["generic"]["verdict"] == "data-loss"
    assert "the moment the teacher saves" in renamed["lms"]["moodle"]["reason"]
    assert "grade" in renamed["lms"]["moodle"]["reason"]
    # The bundle without that module is unaffected.
    assert [p["verdict"] for p in report["packages"] if p["label"].startswith("reference")] == ["safe"]


def test_question_removed_resets(cli, versions):
    def remove_question(course: Path) -> None:
        edit(
            course / "modules" / "01-first-minutes.md",
            "? truefalse\nYou should wait for the person to respond for ten minutes before calling.\n\n"
            "answer: false\nif-wrong: Call as soon as someone does not respond.\n\n",
            "",
        )

    v1, v2 = versions(remove_question)
    code, report = diff_json(cli, v1, v2)
    assert (code, report["verdict"]) == (1, "reset")
    (questions,) = [c for c in changes(report, "staff-induction") if c["change"] == "questions"]
    assert questions["item"] == "ITEM-first-minutes"
    assert questions["verdict"] == "reset"
    assert len(questions["old"].split(", ")) == len(questions["new"].split(", ")) + 1


def test_pass_mark_changed_resets(cli, versions):
    v1, v2 = versions(lambda c: edit(c / "modules" / "01-first-minutes.md", "pass_mark: 75", "pass_mark: 80"))
    code, report = diff_json(cli, v1, v2)
    assert (code, report["verdict"]) == (1, "reset")
    (mark,) = [c for c in changes(report, "staff-induction") if c["change"] == "pass-mark"]
    assert (mark["item"], mark["old"], mark["new"]) == ("ITEM-first-minutes", "75%", "80%")


def test_target_changed_is_blocked(cli, versions):
    v1, v2 = versions(lambda c: edit(c / "course.toml", 'targets = ["scorm12"]', 'targets = ["scorm2004"]'))
    code, report = diff_json(cli, v1, v2)
    assert (code, report["verdict"]) == (1, "blocked")
    for package in report["packages"]:
        assert package["label"].endswith("scorm12 -> scorm2004")
        (standard,) = [c for c in package["changes"] if c["change"] == "standard"]
        assert (standard["old"], standard["new"]) == ("SCORM 1.2", "SCORM 2004 4th Edition")


def test_two_package_files_and_human_output(cli, versions):
    v1, v2 = versions(lambda c: edit(c / "modules" / "01-first-minutes.md", "id: first-minutes", "id: first-steps"))
    old = next(v1.glob("*staff-induction-scorm12.zip"))
    new = next(v2.glob("*staff-induction-scorm12.zip"))
    result = cli("diff", old, new)
    assert result.exit_code == 1
    assert re.search(r"data-loss: moodle: ITEM-first-minutes: item-renamed 'ITEM-first-minutes' -> 'ITEM-first-steps': Moodle deletes", result.output)
    assert result.output.strip().endswith("verdict: data-loss")
    same = cli("diff", old, old)
    assert same.exit_code == 0 and "byte-identical" in same.output


def test_usage_errors_exit_2(cli, versions, tmp_path: Path):
    v1, _ = versions(lambda c: None)
    package = next(v1.glob("*.zip"))
    assert cli("diff", package, v1).exit_code == 2  # a file and a folder
    assert cli("diff", package, tmp_path / "missing.zip").exit_code == 2
    not_a_build = tmp_path / "empty"
    not_a_build.mkdir()
    result = cli("diff", v1, not_a_build)
    assert result.exit_code == 2 and "build-report.json" in result.output


def _rewrite_manifest(package: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "imsmanifest.xml":
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    return out


def test_malformed_new_manifest_is_blocked(cli, versions, tmp_path: Path):
    v1, _ = versions(lambda c: None)
    old = next(v1.glob("*staff-induction-scorm12.zip"))
    broken = _rewrite_manifest(old, tmp_path / "broken.zip", lambda text: text.replace("</manifest>", ""))
    code, report = diff_json(cli, old, broken)
    assert (code, report["verdict"]) == (1, "blocked")
    (change,) = report["packages"][0]["changes"]
    assert "new files go live under the old items" in change["lms"]["moodle"]["reason"]


def test_loose_identifiers_match_in_moodle_only(cli, versions, tmp_path: Path):
    """Moodle compares identifiers loosely ("1" equals "01"): a rename between them keeps Moodle's records,
    but an LMS that compares exactly loses them."""
    v1, _ = versions(lambda c: None)
    old_package = next(v1.glob("*staff-induction-scorm12.zip"))
    old = _rewrite_manifest(old_package, tmp_path / "old.zip", lambda t: t.replace('"ITEM-first-minutes"', '"1"'))
    new = _rewrite_manifest(old_package, tmp_path / "new.zip", lambda t: t.replace('"ITEM-first-minutes"', '"01"'))
    code, report = diff_json(cli, old, new)
    assert code == 1
    (loose,) = [c for c in report["packages"][0]["changes"] if c["change"] == "loose-identifier"]
    assert (loose["old"], loose["new"]) == ("1", "01")
    assert loose["lms"]["moodle"]["verdict"] == "risky"
    assert loose["lms"]["generic"]["verdict"] == "data-loss"
    code, moodle_only = diff_json(cli, old, new, "--lms", "moodle")
    assert (code, moodle_only["verdict"]) == (1, "risky")


def test_swapped_launch_files_reset(cli, versions, tmp_path: Path):
    """Data follows the identifier, not the file: swapping two items' pages hands each the other's bookmark."""
    v1, _ = versions(lambda c: None)
    old = next(v1.glob("*staff-induction-scorm12.zip"))

    def swap(text: str) -> str:
        return text.replace('identifierref="RES-first-minutes"', "@A@").replace(
            'identifierref="RES-emergency-numbers"', 'identifierref="RES-first-minutes"'
        ).replace("@A@", 'identifierref="RES-emergency-numbers"')

    new = _rewrite_manifest(old, tmp_path / "swapped.zip", swap)
    code, report = diff_json(cli, old, new)
    assert (code, report["verdict"]) == (1, "reset")
    swapped = {c["item"] for c in report["packages"][0]["changes"] if c["change"] == "launch"}
    assert swapped == {"ITEM-first-minutes", "ITEM-emergency-numbers"}


def test_moodle_loose_comparison_follows_php():
    assert moodle_key("1") == moodle_key("01") == moodle_key("1.0")
    assert moodle_key("2") == moodle_key("2.0")
    assert moodle_key("ITEM-1") != moodle_key("ITEM-01")
    assert moodle_key("1a") == "1a"


def test_bundled_course_text_edit_and_new_module_is_safe(cli, tmp_path: Path):
    """The bundled course at 1.0.0 against a 1.1.0 with a text edit and a new module."""
    course = tmp_path / "course"
    shutil.copytree(BUNDLED_COURSE, course)
    version = re.search(r'^version = "([^"]+)"', (course / "course.toml").read_text(encoding="utf-8"), re.M).group(1)
    build(cli, course, tmp_path / "v1")
    second = tmp_path / "course-2"
    shutil.copytree(course, second)
    edit(second / "course.toml", f'version = "{version}"', 'version = "1.1.0"')
    first_module = sorted((second / "modules").glob("*.md"))[0]
    text = first_module.read_text(encoding="utf-8")
    body = text.index("\n---\n", 4) + len("\n---\n")
    first_module.write_text(text[:body] + "\nA sentence added in 1.1.0.\n" + text[body:], encoding="utf-8")
    (second / "modules" / "11-after-action.md").write_text(
        "---\nid: after-action-review\ntitle: After-action review\norder: 11\naudiences: [all]\nstages: [all]\n"
        "duration: 10\n---\n\nLook back at what happened, together, without blame.\n",
        encoding="utf-8",
    )
    build(cli, second, tmp_path / "v2")
    code, report = diff_json(cli, tmp_path / "v1", tmp_path / "v2")
    assert (code, report["verdict"]) == (0, "safe"), json.dumps(report, indent=1)[:3000]
    assert any(c["change"] == "item-added" and c["item"] == "ITEM-after-action-review" for p in report["packages"] for c in p["changes"])
    assert all(p["old"] and p["new"] for p in report["packages"])


def test_untrusted_zip_is_read_with_validates_limits(cli, versions, tmp_path: Path):
    """An entry that climbs out of the package is refused before anything is read: the update is blocked."""
    v1, _ = versions(lambda c: None)
    old = next(v1.glob("*staff-induction-scorm12.zip"))
    hostile = tmp_path / "hostile.zip"
    shutil.copy(old, hostile)
    with zipfile.ZipFile(hostile, "a") as archive:
        archive.writestr("../../evil.txt", "x")
    code, report = diff_json(cli, old, hostile)
    assert (code, report["verdict"]) == (1, "blocked")
    assert "'..' segment" in report["packages"][0]["changes"][0]["new"]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_new_saved_state_format_resets(cli, versions, tmp_path: Path):
    """A runtime that saves its state in another layout cannot read back what the old one saved."""
    v1, _ = versions(lambda c: None)
    old = next(v1.glob("*staff-induction-scorm12.zip"))
    new = tmp_path / "new-layout.zip"
    with zipfile.ZipFile(old) as source, zipfile.ZipFile(new, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "first-minutes/index.html":
                text = data.decode("utf-8")
                assert '"stateFormat":1' in text
                data = text.replace('"stateFormat":1', '"stateFormat":2').encode("utf-8")
            target.writestr(info, data)
    code, report = diff_json(cli, old, new)
    assert (code, report["verdict"]) == (1, "reset")
    (change,) = [c for c in report["packages"][0]["changes"] if c["change"] == "saved-state-format"]
    assert (change["item"], change["old"], change["new"]) == ("ITEM-first-minutes", "1", "2")


def test_cmi5_packages_are_not_compared_and_say_so(cli, example_course: Path, tmp_path: Path):
    build(cli, example_course, tmp_path / "v1", "-t", "cmi5", "-b", "reference")
    build(cli, example_course, tmp_path / "same", "-t", "cmi5", "-b", "reference")
    code, report = diff_json(cli, tmp_path / "v1", tmp_path / "same")
    assert (code, report["packages"][0]["changes"][0]["change"]) == (0, "identical")
    edit(example_course / "modules" / "02-emergency-numbers.md", "112", "112 (or 911)")
    build(cli, example_course, tmp_path / "v2", "-t", "cmi5", "-b", "reference")
    code, report = diff_json(cli, tmp_path / "v1", tmp_path / "v2")
    assert (code, report["verdict"]) == (1, "risky")
    assert report["packages"][0]["changes"][0]["change"] == "not-compared"
