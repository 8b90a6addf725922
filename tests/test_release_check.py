"""Releases that check themselves: `build --against PREVIOUS` and the identifier ledger."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import build


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rename_first_module(course: Path) -> None:
    edit(course / "modules" / "01-first-minutes.md", "id: first-minutes", "id: first-steps")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_against_refuses_a_data_losing_release_and_writes_nothing(cli, example_course: Path, tmp_path: Path):
    build(cli, example_course, tmp_path / "v1")
    rename_first_module(example_course)
    out = tmp_path / "v2"
    result = cli("build", example_course, "-o", out, "--against", tmp_path / "v1")
    assert result.exit_code == 1
    assert "deletes learners' records; nothing was written" in result.output
    assert "ITEM-first-minutes: item-renamed 'ITEM-first-minutes' -> 'ITEM-first-steps'" in result.output
    assert not out.exists()
    # Into an existing output folder: it stays exactly as it was.
    shutil.copytree(tmp_path / "v1", tmp_path / "same")
    before = snapshot(tmp_path / "same")
    result = cli("build", example_course, "-o", tmp_path / "same", "--against", tmp_path / "v1" / "build-report.json")
    assert result.exit_code == 1
    assert snapshot(tmp_path / "same") == before


def test_build_against_accepts_a_loss_per_module_and_records_the_verdict(cli, example_course: Path, tmp_path: Path):
    build(cli, example_course, tmp_path / "v1")
    rename_first_module(example_course)
    refused = cli("build", example_course, "-o", tmp_path / "v2", "--against", tmp_path / "v1", "--accept-loss", "emergency-numbers")
    assert refused.exit_code == 1  # accepting another module's loss does not cover this one
    build(cli, example_course, tmp_path / "v2", "--against", tmp_path / "v1", "--accept-loss", "first-minutes")
    release = json.loads((tmp_path / "v2" / "build-report.json").read_text())["release"]
    assert release["verdict"] == "data-loss"
    assert release["accepted"] == ["first-minutes"]
    lost = [c for p in release["packages"] for c in p["changes"] if c["verdict"] == "data-loss"]
    assert {(c["old"], c["new"]) for c in lost} == {("ITEM-first-minutes", "ITEM-first-steps")}
    build(cli, example_course, tmp_path / "v3", "--against", tmp_path / "v1", "--accept-loss", "all")


def test_build_against_a_safe_release_records_safe(cli, example_course: Path, tmp_path: Path):
    build(cli, example_course, tmp_path / "v1")
    edit(example_course / "modules" / "01-first-minutes.md", "matters most.", "matters more than anything.")
    result = build(cli, example_course, tmp_path / "v2", "--against", tmp_path / "v1")
    assert "safe (recorded in build-report.json)" in result.output
    assert json.loads((tmp_path / "v2" / "build-report.json").read_text())["release"]["verdict"] == "safe"
    # Without --against (and without a ledger) the report has no release entry.
    build(cli, example_course, tmp_path / "v3")
    assert "release" not in json.loads((tmp_path / "v3" / "build-report.json").read_text())


def test_build_against_something_that_is_not_a_release_fails_before_building(cli, example_course: Path, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("build", example_course, "-o", tmp_path / "out", "--against", empty)
    assert result.exit_code == 1 and "build-report.json" in result.output
    assert not (tmp_path / "out").exists()


def test_ledger_catches_a_rename_without_the_previous_packages(cli, example_course: Path, tmp_path: Path):
    recorded = cli("ledger", example_course, "--record")
    assert recorded.exit_code == 0, recorded.output
    ledger = json.loads((example_course / "released-ids.json").read_text())
    assert ledger["bundles"]["staff-induction"]["modules"] == ["first-minutes", "emergency-numbers"]
    assert "first-step" in ledger["modules"]["first-minutes"]["questions"]
    rename_first_module(example_course)
    result = cli("build", example_course, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "module 'first-minutes' of bundle 'staff-induction'" in result.output
    assert "it looks renamed to 'first-steps'" in result.output
    assert not (tmp_path / "out").exists()
    assert cli("ledger", example_course).exit_code == 1
    # Accepted, the build goes ahead; recorded, the old id is retired and can never come back.
    build(cli, example_course, tmp_path / "out", "--accept-loss", "first-minutes")
    assert cli("ledger", example_course, "--record", "--accept-loss", "first-minutes").exit_code == 0
    assert json.loads((example_course / "released-ids.json").read_text())["modules"]["first-minutes"]["retired"] == "0.1.0"
    build(cli, example_course, tmp_path / "again")
    edit(example_course / "modules" / "01-first-minutes.md", "id: first-steps", "id: first-minutes")
    reused = cli("build", example_course, "-o", tmp_path / "reused", "--accept-loss", "all")
    assert reused.exit_code == 1
    assert "module 'first-minutes': this id was retired" in reused.output


def test_ledger_reports_a_removed_question_as_a_reset(cli, example_course: Path):
    assert cli("ledger", example_course, "--record").exit_code == 0
    edit(example_course / "modules" / "01-first-minutes.md", "? single id=first-step", "? single id=first-move")
    result = cli("ledger", example_course)
    assert result.exit_code == 0  # a reset is reported, not refused
    assert "reset: module 'first-minutes': released question(s) first-step are gone" in result.output
    assert cli("ledger", example_course, "--record").exit_code == 0
    edit(example_course / "modules" / "01-first-minutes.md", "? single id=first-move", "? single id=first-step")
    reused = cli("ledger", example_course)
    assert reused.exit_code == 1
    assert "question 'first-step' of module 'first-minutes': this question id was retired" in reused.output


def test_build_against_of_some_targets_or_a_shard_checks_what_it_builds(cli, example_course: Path, tmp_path: Path):
    build(cli, example_course, tmp_path / "v1", "-t", "scorm12", "-t", "cc11")
    edit(example_course / "modules" / "01-first-minutes.md", "matters most.", "matters more than anything.")
    build(cli, example_course, tmp_path / "v2", "-t", "scorm12", "--against", tmp_path / "v1")
    release = json.loads((tmp_path / "v2" / "build-report.json").read_text())["release"]
    assert release["verdict"] == "safe"
    assert sorted(p["label"] for p in release["packages"]) == [
        "reference / scorm12", "staff-induction / scorm12", "wardens-refresher / scorm12"
    ]
    # Sharded: each shard checks its slice; merge-reports puts the whole release check together.
    for shard in ("1/2", "2/2"):
        build(cli, example_course, tmp_path / f"shard-{shard[0]}", "-t", "scorm12", "-t", "cc11",
              "--shard", shard, "--against", tmp_path / "v1")
    merged = cli("merge-reports", tmp_path / "shard-1", tmp_path / "shard-2", "-o", tmp_path / "merged")
    assert merged.exit_code == 0, merged.output
    release = json.loads((tmp_path / "merged" / "build-report.json").read_text())["release"]
    assert release["verdict"] == "safe"
    assert len(release["packages"]) == 6


def test_build_against_sees_a_changed_target(cli, example_course: Path, tmp_path: Path):
    build(cli, example_course, tmp_path / "v1")
    result = build(cli, example_course, tmp_path / "v2", "-t", "scorm2004", "--against", tmp_path / "v1")
    assert "blocked (recorded in build-report.json)" in result.output
    release = json.loads((tmp_path / "v2" / "build-report.json").read_text())["release"]
    assert {p["label"] for p in release["packages"]} == {
        "reference / scorm12 -> scorm2004", "staff-induction / scorm12 -> scorm2004", "wardens-refresher / scorm12 -> scorm2004"
    }
