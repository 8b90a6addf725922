"""Every command, given a path the file system refuses: one line naming the path, exit 1, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SCAFFOLD


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scormpack", *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text("<p>Hello</p>")
    return {"file": a_file, "under a file": a_file / "sub", "proc": Path("/proc/scormpack-test"), "html": html}


BAD_OUTPUTS = ["file", "under a file", "proc"]


def expect_one_line(result: subprocess.CompletedProcess, path: Path, code: int = 1) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and ": error: " in lines[0], result.stderr


@pytest.mark.parametrize("where", BAD_OUTPUTS)
def test_build_into_a_path_that_cannot_be_a_folder(places, where):
    expect_one_line(run("build", SCAFFOLD, "-o", places[where]), places[where])


@pytest.mark.parametrize("where", BAD_OUTPUTS)
def test_init_into_a_path_that_cannot_be_a_folder(places, where):
    expect_one_line(run("init", places[where]), places[where])


@pytest.mark.parametrize("where", BAD_OUTPUTS)
def test_wrap_into_a_path_that_cannot_hold_the_package(places, where):
    package = places[where] / "x.zip" if where != "proc" else places[where].with_suffix(".zip")
    result = run("wrap", places["html"], "--launch", "index.html", "--title", "Hello", "-o", package)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and ": error: " in result.stderr


@pytest.mark.parametrize("where", BAD_OUTPUTS)
def test_merge_reports_into_a_path_that_cannot_be_a_folder(places, tmp_path, where):
    dist = tmp_path / "dist"
    assert run("build", SCAFFOLD, "-o", dist).returncode == 0
    expect_one_line(run("merge-reports", dist, "-o", places[where]), places[where])


@pytest.mark.parametrize("command", ["build", "lint", "list", "preview"])
@pytest.mark.parametrize("where", ["file", "under a file"])
def test_reading_commands_on_a_course_that_is_not_a_folder(places, command, where):
    result = run(command, places[where])
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1
    assert f"{places[where]}: error: course directory not found" in result.stdout + result.stderr


def test_media_file_with_a_backslash_in_its_name_is_an_error_at_its_line(example_course, tmp_path):
    (example_course / "images" / "a\\b.svg").write_bytes((example_course / "images" / "steps.svg").read_bytes())
    module = example_course / "modules" / "01-first-minutes.md"
    module.write_text(module.read_text().replace("(../images/steps.svg)", "(<../images/a\\b.svg>)"))
    result = run("build", example_course, "-o", tmp_path / "dist")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{module}:28: error: " in result.stderr and "the file's name holds a backslash" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_a_course_id_too_long_for_file_names_is_an_error_naming_the_limit(example_course, tmp_path):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('id = "first-aid-basics"', f'id = "{"a" * 300}"'))
    result = run("build", example_course, "-o", tmp_path / "dist")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{toml}:3: error: [course].id is 300 characters long: at most 100" in result.stderr
    assert "255 bytes" in result.stderr


def test_unknown_target_or_bundle_is_a_usage_error(tmp_path):
    result = run("build", SCAFFOLD, "-t", "scorm3000", "-o", tmp_path / "dist")
    assert result.returncode == 2 and "unknown target 'scorm3000'" in result.stderr
    result = run("build", SCAFFOLD, "-b", "nope", "-o", tmp_path / "dist")
    assert result.returncode == 2 and "unknown bundle 'nope'" in result.stderr
    assert not (tmp_path / "dist").exists()
