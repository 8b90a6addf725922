"""Issue 10: every package of the bundled course obeys the Moodle profile of `scormpack validate`."""
from __future__ import annotations

import pytest

from conftest import BUNDLED_COURSE
from scormpack.pipeline import run_pipeline
from scormpack.validate import validate_package

pytestmark = pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run_pipeline(BUNDLED_COURSE, ["scorm12", "scorm2004", "cc11"], [], out, use_cache=False)
    return sorted(p for p in out.iterdir() if p.suffix in (".zip", ".imscc"))


def test_every_package_was_built(packages):
    assert len(packages) == 3 * 14  # 14 bundles (docs/course-design.md), three targets


def test_scorm12_and_cc11_packages_have_no_moodle_findings(packages):
    for package in packages:
        if package.name.endswith(("-scorm12.zip", "-cc11.imscc")):
            report = validate_package(package, lms="moodle")
            assert report.findings == [], f"{package.name}: " + "; ".join(map(str, report.findings))


def test_scorm2004_packages_only_warn_that_moodle_ignores_sequencing(packages):
    for package in packages:
        if package.name.endswith("-scorm2004.zip"):
            report = validate_package(package, lms="moodle")
            assert report.valid, package.name
            [finding] = report.findings
            assert finding.severity == "warning", package.name
            assert "Moodle ignores SCORM 2004 sequencing" in finding.message, package.name
