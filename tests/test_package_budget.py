"""The package budget: each package's bytes and largest members in build-report.json, and
`build --max-package-size`, a gate a release pipeline can fail on (writing nothing)."""
from __future__ import annotations

import json
import zipfile

from conftest import build


def test_the_report_lists_each_packages_bytes_and_largest_members(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "-t", "scorm12", "-t", "web")
    report = json.loads((tmp_path / "dist" / "build-report.json").read_text())
    for package in report["packages"]:
        path = tmp_path / "dist" / package["file"]
        assert package["bytes"] == path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.compress_size for info in archive.infolist()}
        largest = package["largest"]
        assert 0 < len(largest) <= 5
        assert [member["compressed"] for member in largest] == sorted(sizes.values(), reverse=True)[: len(largest)]
        assert all(sizes[member["path"]] == member["compressed"] for member in largest)


def test_a_package_over_the_budget_fails_the_build_and_writes_nothing(cli, example_course, tmp_path):
    out = tmp_path / "dist"
    result = cli("build", example_course, "-o", out, "-t", "web", "--max-package-size", "25KB")
    assert result.exit_code == 1, result.output
    assert "--max-package-size 25.0 KB" in result.output and "nothing was written" in result.output
    assert "staff-induction-web.zip is " in result.output and "shared/scormpack.js" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(path.suffix == ".zip" for path in out.iterdir())

    # Under the budget it builds; over it later (the same packages, from the cache) it fails again.
    build(cli, example_course, out, "-t", "web", "--max-package-size", "1MB")
    before = sorted((path.name, path.stat().st_mtime_ns) for path in out.iterdir())
    result = cli("build", example_course, "-o", out, "-t", "web", "--max-package-size", "0.025MB")
    assert result.exit_code == 1, result.output
    assert sorted((path.name, path.stat().st_mtime_ns) for path in out.iterdir()) == before


def test_a_size_that_is_not_one_is_a_usage_error(cli, example_course, tmp_path):
    for value in ("5XB", "-3MB", "MB", "0"):
        result = cli("build", example_course, "-o", tmp_path / "dist", "--max-package-size", value)
        assert result.exit_code == 2, (value, result.output)
        assert "not a size like 50MB" in result.output
