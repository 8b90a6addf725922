"""Rebuilds reuse an earlier build's work (zip members, saved-state estimates, rendered modules)
and give byte for byte what a clean build gives."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED_COURSE
from scormpack import package, pipeline
from scormpack.build import EarlierBuild, build_package
from scormpack.loader import load_course
from scormpack.pipeline import run_pipeline
from scormpack.preview import Preview
from scormpack.render import render_bundle
from scormpack.targets import TARGETS


def digests(folder: Path) -> str:
    return (folder / "SHA256SUMS").read_text()


@pytest.fixture
def copies(monkeypatch) -> list[str]:
    """The zip members copied compressed from an earlier package."""
    copied: list[str] = []
    real = package._append_compressed

    def counting(archive, info, *rest):
        copied.append(info.filename)
        return real(archive, info, *rest)

    monkeypatch.setattr(package, "_append_compressed", counting)
    return copied


def entries_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_package_written_from_an_earlier_one_is_the_package_written_afresh(tmp_path, copies):
    # Every package of the bundled course, written again with and without its earlier self.
    dist = tmp_path / "dist"
    run_pipeline(BUNDLED_COURSE, ["all"], [], dist, use_cache=False)
    packages = sorted(p for p in dist.iterdir() if p.suffix in (".zip", ".imscc"))
    assert len(packages) >= 10
    for earlier in packages:
        entries = entries_of(earlier)
        first = (next(iter(entries)),)
        changed = dict(entries)
        page = next(name for name in entries if name.endswith(".html"))
        changed[page] = entries[page] + b"<!-- edited -->\n"
        package.write_package(tmp_path / "fresh", changed, first)
        copies.clear()
        package.write_package(tmp_path / "reused", changed, first, previous=earlier)
        assert (tmp_path / "reused").read_bytes() == (tmp_path / "fresh").read_bytes(), earlier.name
        deflated = [i.filename for i in zipfile.ZipFile(earlier).infolist() if i.compress_type == zipfile.ZIP_DEFLATED]
        assert sorted(copies) == sorted(name for name in deflated if name != page)


def test_a_member_is_copied_only_when_its_content_is_the_same(tmp_path, copies):
    earlier = tmp_path / "earlier.zip"
    package.write_package(earlier, {"a.html": b"<p>one</p>" * 50, "b.html": b"<p>two</p>" * 50})
    # Same length, other content; and a member the earlier package stored, not deflated.
    package.write_package(tmp_path / "new.zip", {"a.html": b"<p>One</p>" * 50, "b.html": b"<p>two</p>" * 50}, previous=earlier)
    assert copies == ["b.html"]
    assert entries_of(tmp_path / "new.zip")["a.html"] == b"<p>One</p>" * 50


def test_an_unreadable_earlier_package_is_ignored(tmp_path, copies):
    earlier = tmp_path / "earlier.zip"
    earlier.write_bytes(b"not a zip")
    package.write_package(tmp_path / "fresh.zip", {"a.html": b"<p>one</p>"})
    package.write_package(tmp_path / "new.zip", {"a.html": b"<p>one</p>"}, previous=earlier)
    assert copies == []
    assert (tmp_path / "new.zip").read_bytes() == (tmp_path / "fresh.zip").read_bytes()


def test_a_one_module_edit_rebuild_copies_the_rest_and_gives_the_clean_build_bytes(example_course, tmp_path, copies):
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    module = example_course / "modules" / "02-emergency-numbers.md"
    module.write_text(module.read_text().replace("\n## ", "\nA sentence added for the test.\n\n## ", 1))
    copies.clear()
    rebuilt = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert rebuilt.stats.packages_built > 0 and copies
    edited = {
        name
        for record in rebuilt.packages
        for name, content in entries_of(dist / record.file).items()
        if b"A sentence added for the test." in content
    }
    assert edited and not edited & set(copies)
    run_pipeline(example_course, ["all"], [], tmp_path / "clean", jobs=1, use_cache=False)
    assert digests(dist) == digests(tmp_path / "clean")


def test_saved_state_estimates_of_an_earlier_build_give_the_same_findings(tmp_path):
    course = load_course(BUNDLED_COURSE)
    bundle = course.bundles[0]
    target = TARGETS["scorm12"]
    rendered = render_bundle(course, bundle, target.layout)
    first = build_package(course, bundle, target, rendered, tmp_path / "first.zip")
    assert first.suspend_estimates  # one per SCO launch page
    again = build_package(course, bundle, target, rendered, tmp_path / "again.zip", EarlierBuild(first.path, first.suspend_estimates))
    assert [str(f) for f in again.findings] == [str(f) for f in first.findings]
    assert again.suspend_estimates == first.suspend_estimates
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "first.zip").read_bytes()


def test_a_preview_rebuild_serves_what_a_fresh_build_serves(example_course, tmp_path):
    bundle_id = load_course(example_course).bundles[0].id
    with Preview(example_course, bundle_id, "scorm12", port=0, report=lambda *_: None) as running:
        module = example_course / "modules" / "01-first-minutes.md"
        module.write_text(module.read_text().replace("\n## ", "\nA sentence added for the test.\n\n## ", 1))
        assert running.rebuild()
        rebuilt = running.current.files
        workdir = Path(running._workdir.name)
        assert len([p for p in workdir.iterdir() if p.suffix == ".zip"]) == 1  # the earlier package is gone
    with Preview(example_course, bundle_id, "scorm12", port=0, report=lambda *_: None) as fresh:
        assert fresh.current.files == rebuilt


@pytest.fixture
def course_reads(monkeypatch) -> list[Path]:
    """The courses the pipeline read (loader.load_course)."""
    reads: list[Path] = []
    real = pipeline.load_course

    def counting(root):
        reads.append(Path(root))
        return real(root)

    monkeypatch.setattr(pipeline, "load_course", counting)
    return reads


def test_a_rebuild_of_unchanged_sources_is_answered_from_the_last_build_unread(example_course, tmp_path, course_reads):
    dist = tmp_path / "dist"
    first = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    before = {path.name: path.stat().st_mtime_ns for path in dist.iterdir() if path.is_file()}
    course_reads.clear()
    again = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert course_reads == []
    assert again.packages == first.packages and again.matrix == first.matrix and again.selected == first.selected
    assert again.lint_warnings == first.lint_warnings
    assert again.stats.packages_built == 0 and again.stats.packages_reused == len(first.packages)
    assert {path.name: path.stat().st_mtime_ns for path in dist.iterdir() if path.is_file()} == before
    assert again.course.id == first.course.id  # read when asked for


def test_a_touched_source_another_request_or_a_replaced_package_reads_the_course_again(example_course, tmp_path, course_reads):
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    expected = digests(dist)

    course_reads.clear()
    module = example_course / "modules" / "01-first-minutes.md"
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1_000_000))
    touched = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    assert len(course_reads) == 1 and touched.stats.packages_built == 0  # same content: every package reused

    course_reads.clear()
    run_pipeline(example_course, ["scorm12", "cc13"], [], dist, jobs=1)
    assert len(course_reads) == 1

    course_reads.clear()
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    package = next(dist.glob("*-scorm12.zip"))
    package.write_bytes(package.read_bytes() + b"\0")
    rebuilt = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    assert len(course_reads) == 2 and rebuilt.stats.packages_built == 1
    assert digests(dist) == expected


def test_strict_fails_on_the_last_builds_warnings_too(cli, example_course, tmp_path):
    dist = tmp_path / "dist"
    module = example_course / "modules" / "02-emergency-numbers.md"
    module.write_text(module.read_text().replace("\n## ", "\nSee [the first minutes](01-first-minutes.md).\n\n## ", 1))
    assert cli("build", example_course, "-o", dist, "-t", "scorm12").exit_code == 0
    result = cli("build", example_course, "-o", dist, "-t", "scorm12", "--strict")
    assert result.exit_code == 1 and "nothing was written" in result.output
