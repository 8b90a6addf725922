"""Issue 17 in a real Moodle: a bundled-course cartridge restores with no warning and no dead page link.

Needs the local Moodle of ../shared/moodle (README there) and takes about a
minute, so it runs only with SCORMPACK_MOODLE=1; CI has no Moodle.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import BUNDLED_COURSE, SHARED
from scormpack.pipeline import run_pipeline

IMPORT_SCRIPT = SHARED / "moodle" / "moodle_import.sh"
HARNESS_ROOT = Path(os.environ.get("HARNESS_ROOT", Path.home() / ".cache" / "scormpack-moodle"))

pytestmark = [
    pytest.mark.skipif(os.environ.get("SCORMPACK_MOODLE") != "1", reason="set SCORMPACK_MOODLE=1 to import into the local Moodle"),
    pytest.mark.skipif(not IMPORT_SCRIPT.is_file(), reason="../shared/moodle/moodle_import.sh is absent"),
    pytest.mark.skipif(not (HARNESS_ROOT / "moodle").is_dir(), reason=f"no Moodle installed under {HARNESS_ROOT}"),
    pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout"),
]


def test_a_bundled_cartridge_restores_in_moodle_without_a_warning_or_a_dead_link(tmp_path):
    result = run_pipeline(BUNDLED_COURSE, ["cc11"], ["un-personnel-induction"], tmp_path, use_cache=False)
    [package] = [tmp_path / p.file for p in result.packages]
    completed = subprocess.run(
        ["bash", str(IMPORT_SCRIPT), str(package), "imscc", "--delete-course"],
        capture_output=True, text=True, timeout=600,
    )
    report = json.loads(completed.stdout)
    assert completed.returncode == 0 and report["ok"], completed.stdout[-2000:]
    assert report["restore_warnings_and_errors"] == []
    kinds = [module["type"] for module in report["modules"]]
    assert kinds.count("page") > 40 and kinds.count("quiz") > 0
    assert report["modules"][0]["name"] == "About this course" and report["modules"][0]["section"] == 0
