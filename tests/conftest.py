"""Shared fixtures: small courses made in tmp_path, the CLI, and the official oracle."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from scormpack.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
OFFICIAL_VALIDATOR = SHARED / "reference" / "validate_official.py"
SCAFFOLD = REPO / "src" / "scormpack" / "scaffold"
BUNDLED_COURSE = REPO / "content"


@pytest.fixture
def example_course(tmp_path: Path) -> Path:
    """A copy of the scaffold course (`scormpack init`), free to modify."""
    course = tmp_path / "course"
    shutil.copytree(SCAFFOLD, course)
    return course


class Cli:
    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str):
        result = self.runner.invoke(main, [str(arg) for arg in args])
        # Every failure must be a clean exit, never an uncaught exception.
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


def build(cli: Cli, course: Path, out: Path, *extra: str):
    """`scormpack build COURSE -o OUT ...`, which must succeed."""
    result = cli("build", course, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    return result


def manifest_of(package: Path) -> etree._Element:
    with zipfile.ZipFile(package) as archive:
        return etree.fromstring(archive.read("imsmanifest.xml"))


@pytest.fixture
def cli() -> Cli:
    return Cli()


def official_verdict(package: Path, *extra: str) -> subprocess.CompletedProcess:
    if not OFFICIAL_VALIDATOR.is_file():
        pytest.skip("../shared/reference/validate_official.py is absent (it is present in CI)")
    return subprocess.run(
        [sys.executable, str(OFFICIAL_VALIDATOR), str(package), *extra], capture_output=True, text=True
    )


@pytest.fixture
def assert_official_ok():
    def check(package: Path, *extra: str) -> None:
        result = official_verdict(package, *extra)
        assert result.returncode == 0, f"{package.name}: {result.stdout}{result.stderr}"

    return check
