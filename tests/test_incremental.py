"""Rebuilds reuse an earlier build's work (zip members, saved-state estimates, rendered modules)
and give byte for byte what a clean build gives."""
from __future__ import annotations

import os
import pickle
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED_COURSE
from scormpack import loader, package, pipeline, reading_cache
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


def test_a_page_digest_known_from_rendering_is_used_only_for_that_very_content():
    import hashlib

    from scormpack.validate import validate_plan

    course = load_course(BUNDLED_COURSE)
    target = TARGETS["scorm12"]
    rendered = render_bundle(course, course.bundles[0], target.layout)
    plan = target.plan(rendered)
    launch = rendered.modules[0].launch
    page = plan.entries[launch]
    assert rendered.modules[0].digests[launch] == hashlib.sha256(page).hexdigest()

    def estimated(known: dict) -> dict:
        estimates: dict = {}
        validate_plan(plan.manifest, plan.entries, plan.extra_documents, plan.schema_set, estimates, known)
        return estimates

    assert "as-known" in estimated({launch: (page, "as-known")})  # the very content: its digest is taken
    equal_copy = bytes(bytearray(page))
    hashed = estimated({launch: (equal_copy, "as-known")})  # other content (even equal bytes): hashed
    assert "as-known" not in hashed and hashlib.sha256(page).hexdigest() in hashed


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

    def counting(root, *rest):
        reads.append(Path(root))
        return real(root, *rest)

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


def settle(folder: Path) -> None:
    """Every file touched, its modification time a minute ago (its change time is now)."""
    earlier = time.time_ns() - 60_000_000_000
    for path in folder.rglob("*"):
        os.utime(path, ns=(earlier, earlier))


@pytest.fixture
def module_reads(monkeypatch) -> list[str]:
    """The module files the loader read from disk (not taken from the last build's readings).

    The readings keep only files unchanged for reading_cache.STABLE_NS before they were read, which
    the files a test has just written are not: here any file counts as settled (see
    test_a_module_file_changed_just_before_it_was_read_is_read_again for the rule itself)."""
    monkeypatch.setattr(reading_cache, "STABLE_NS", 0)
    reads: list[str] = []
    real = loader.read_module

    def counting(path, *rest, **named):
        reads.append(Path(path).name)
        return real(path, *rest, **named)

    monkeypatch.setattr(loader, "read_module", counting)
    return reads


def clean_sums(course: Path, tmp_path: Path, targets: list[str], **options) -> str:
    clean = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
    run_pipeline(course, targets, [], clean, jobs=1, use_cache=False, **options)
    return digests(clean)


def test_a_rebuild_reads_only_the_module_files_changed_and_gives_the_clean_build_bytes(example_course, tmp_path, module_reads):
    settle(example_course)
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert len(module_reads) == 2

    module_reads.clear()
    module = example_course / "modules" / "02-emergency-numbers.md"
    module.write_text(module.read_text().replace("\n## ", "\nA sentence added for the test.\n\n## ", 1))
    rebuilt = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert module_reads == ["02-emergency-numbers.md"] and rebuilt.stats.modules_rendered > 0
    assert digests(dist) == clean_sums(example_course, tmp_path, ["all"])

    # Touched, content unchanged: read again (its times changed), the packages stay as they were.
    module_reads.clear()
    settle(example_course)
    again = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert sorted(module_reads) == ["01-first-minutes.md", "02-emergency-numbers.md"]
    assert again.stats.packages_built == 0 and digests(dist) == clean_sums(example_course, tmp_path, ["all"])


def test_course_toml_a_module_added_or_removed_and_a_duplicate_id_are_read_as_a_clean_build_reads_them(
    example_course, tmp_path, module_reads, cli
):
    settle(example_course)
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["all"], [], dist, jobs=1)

    # course.toml changed: every module file is read again.
    module_reads.clear()
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('title = "First Aid Basics"', 'title = "First Aid Basics, revised"'))
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert sorted(module_reads) == ["01-first-minutes.md", "02-emergency-numbers.md"]
    assert digests(dist) == clean_sums(example_course, tmp_path, ["all"])

    # A module added (a copy of another with its own id), then removed.
    settle(example_course)
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    module_reads.clear()
    original = example_course / "modules" / "02-emergency-numbers.md"
    added = example_course / "modules" / "03-added.md"
    text = original.read_text()
    added_id = "emergency-numbers-again"
    assert "\nid: emergency-numbers\n" in text
    added.write_text(text.replace("\nid: emergency-numbers\n", f"\nid: {added_id}\n").replace("\norder: 2\n", "\norder: 3\n"))
    with_added = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert module_reads == ["03-added.md"]
    assert added_id in {module.id for module in with_added.course.modules}
    assert digests(dist) == clean_sums(example_course, tmp_path, ["all"])
    added.unlink()
    module_reads.clear()
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert module_reads == []
    assert digests(dist) == clean_sums(example_course, tmp_path, ["all"])

    # The same id in a new file read before it: the file whose reading would be reused is read again,
    # and the duplicate reported there, as a clean build reports it.
    duplicate = example_course / "modules" / "00-duplicate.md"
    duplicate.write_text(text)
    module_reads.clear()
    result = cli("build", example_course, "-o", dist, "-t", "scorm12")
    assert result.exit_code == 1 and "02-emergency-numbers.md:2: error: duplicate module id 'emergency-numbers'" in result.output
    assert sorted(module_reads) == ["00-duplicate.md", "02-emergency-numbers.md"]


def test_a_changed_image_rebuilds_the_packages_that_hold_it(example_course, tmp_path):
    settle(example_course)
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    image = next(path for path in (example_course / "images").iterdir() if path.suffix == ".svg")
    image.write_text(image.read_text().replace("</svg>", "<!-- changed --></svg>"))
    rebuilt = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert rebuilt.stats.packages_built > 0
    assert digests(dist) == clean_sums(example_course, tmp_path, ["all"])


def test_a_changed_translation_catalogue_rebuilds_that_languages_pages(cli, example_course, tmp_path):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('language = "en"\n', 'language = "en"\ntranslations = ["fr"]\n'))
    assert cli("translate", "update", example_course, "--language", "fr").exit_code == 0
    catalogue = example_course / "translations" / "fr.po"
    text = catalogue.read_text()
    assert 'msgid "The first minutes"\nmsgstr ""' in text
    catalogue.write_text(text.replace('msgid "The first minutes"\nmsgstr ""', 'msgid "The first minutes"\nmsgstr "Les premières minutes"'))
    settle(example_course)
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1, languages="fr")
    catalogue.write_text(catalogue.read_text().replace('msgstr "Les premières minutes"', 'msgstr "Les toutes premières minutes"'))
    rebuilt = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1, languages="fr")
    assert rebuilt.stats.packages_built >= 1 and rebuilt.stats.modules_rendered > 0
    pages = [content for record in rebuilt.packages for content in entries_of(dist / record.file).values()]
    assert any("Les toutes premières minutes".encode() in content for content in pages)
    assert digests(dist) == clean_sums(example_course, tmp_path, ["scorm12"], languages="fr")


def test_a_module_file_changed_just_before_it_was_read_is_read_again(example_course, tmp_path, monkeypatch):
    reads: list[str] = []
    real = loader.read_module
    monkeypatch.setattr(loader, "read_module", lambda path, *rest: reads.append(path.name) or real(path, *rest))
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)  # every file was written just now
    settle(example_course)
    reads.clear()
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    assert len(reads) == 2


def test_an_edit_rebuild_adds_the_unchanged_modules_files_as_cached_deflated_without_comparing_them(
    example_course, tmp_path, monkeypatch, copies
):
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    asked: dict[str, bool] = {}
    real = package._PreviousMembers.member_like

    def recording(self, info, content, known_same=False):
        asked[info.filename] = known_same
        return real(self, info, content, known_same)

    monkeypatch.setattr(package._PreviousMembers, "member_like", recording)
    module = example_course / "modules" / "02-emergency-numbers.md"
    module.write_text(module.read_text().replace("\n## ", "\nA sentence added for the test.\n\n## ", 1))
    copies.clear()
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    # The first module's page comes from the module cache deflated, as the zip holds it: added as it
    # is, neither compared with the earlier package nor deflated again. The edited module's page and
    # the manifest are compared with the earlier package's members, as anything else is.
    assert "first-minutes/index.html" not in asked and "first-minutes/index.html" in copies
    assert asked["emergency-numbers/index.html"] is False and asked["imsmanifest.xml"] is False
    assert digests(dist) == clean_sums(example_course, tmp_path, ["scorm12"])


def test_an_entry_given_deflated_is_written_as_the_same_entry_given_as_bytes(tmp_path):
    page = b"<html>" + b"a page of a module " * 400 + b"</html>"
    entries = {"imsmanifest.xml": b"<manifest/>", "m/index.html": page, "m/picture.png": b"\x89PNG not deflated"}
    package.write_package(tmp_path / "as-bytes.zip", entries, ("imsmanifest.xml",))
    given = {name: package.Deflated.of(content) for name, content in entries.items()}
    package.write_package(tmp_path / "as-deflated.zip", given, ("imsmanifest.xml",))
    assert (tmp_path / "as-deflated.zip").read_bytes() == (tmp_path / "as-bytes.zip").read_bytes()
    assert given["m/index.html"].read() == page


@pytest.mark.parametrize("layout", ["sco", "paged"])
def test_a_cached_module_unpickles_its_pages_and_quiz_when_asked_and_equals_the_rendered_one(layout):
    from scormpack.cache import dumps_rendered, loads_rendered

    course = load_course(BUNDLED_COURSE)
    bundle = min(course.bundles, key=lambda b: len(b.modules))
    for rendered in render_bundle(course, bundle, layout).modules:
        cached = loads_rendered(dumps_rendered(rendered), rendered.module)
        assert "pages" not in cached.__dict__ and cached.files == rendered.files  # pages and quiz deferred
        again = loads_rendered(dumps_rendered(cached), rendered.module)  # pickled again while deferred
        assert cached == rendered and again == rendered
        assert cached.module is rendered.module
        if rendered.quiz is not None:
            assert cached.quiz.quiz is rendered.module.quiz


def test_the_command_exits_without_tearing_python_down_yet_prints_everything_and_keeps_its_exit_code(example_course, tmp_path):
    import subprocess
    import sys

    def scormpack(*arguments):
        return subprocess.run([sys.executable, "-m", "scormpack", *map(str, arguments)], capture_output=True, text=True)

    built = scormpack("build", example_course, "-o", tmp_path / "dist", "-t", "scorm12")
    assert built.returncode == 0 and "built" in built.stdout + built.stderr
    assert (tmp_path / "dist" / "SHA256SUMS").is_file() and not list((tmp_path / "dist").glob(".scormpack-staging-*"))
    missing = scormpack("build", tmp_path / "nowhere", "-o", tmp_path / "other")
    assert missing.returncode == 1 and "course directory not found" in missing.stderr
    assert scormpack("build", example_course, "--bogus").returncode == 2


def generated_course(folder: Path, modules: int) -> Path:
    """A course of that many modules, as the benchmarks generate it."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from make_course import make_course
    finally:
        sys.path.pop(0)
    return make_course(folder, modules)


def test_an_edit_rebuild_writes_only_the_changed_modules_beside_the_module_cache_and_gives_the_clean_bytes(tmp_path):
    course = generated_course(tmp_path / "course", 24)
    dist = tmp_path / "dist"
    run_pipeline(course, ["scorm12"], [], dist, jobs=1)
    full = dist / ".scormpack-cache" / "modules" / "complete--sco.pickle"
    changes = full.with_name("complete--sco.changes.pickle")
    written = full.read_bytes()

    def entries(path: Path) -> dict:
        return pickle.loads(path.read_bytes())

    def edit(name: str, round: int) -> None:
        module = course / "modules" / name
        module.write_text(module.read_text().replace("\n\n", f"\n\nA sentence added ({round}).\n\n", 1))

    assert len(entries(full)) == 24 and entries(changes) == {}
    # One module of 24 edited, then another: the full file stays, the changes file holds both.
    for round, name in enumerate(["m0005.md", "m0017.md"]):
        edit(name, round)
        rebuilt = run_pipeline(course, ["scorm12"], [], dist, jobs=1)
        assert rebuilt.stats.modules_rendered == 1
        assert full.read_bytes() == written
        assert digests(dist) == clean_sums(course, tmp_path, ["scorm12"])
    assert sorted(entries(changes)) == ["m0005", "m0017"]
    # Read back, the changed entries win over the full file's: nothing is rendered again.
    for package_file in dist.glob("*.zip"):
        package_file.unlink()  # the package built again, from the module cache
    again = run_pipeline(course, ["scorm12"], [], dist, jobs=1)
    assert (again.stats.modules_rendered, again.stats.modules_reused) == (0, 24)
    # A quarter of the modules edited: the full file is written again, the changes file emptied.
    for round, name in enumerate(["m0001.md", "m0002.md", "m0003.md", "m0004.md", "m0006.md", "m0007.md"], start=2):
        edit(name, round)
    run_pipeline(course, ["scorm12"], [], dist, jobs=1)
    assert full.read_bytes() != written and len(entries(full)) == 24 and entries(changes) == {}
    assert digests(dist) == clean_sums(course, tmp_path, ["scorm12"])


def test_a_preview_rebuild_reads_only_the_changed_module_and_copies_the_others_members(example_course, tmp_path, module_reads, copies):
    settle(example_course)
    bundle_id = load_course(example_course).bundles[0].id
    module_reads.clear()
    with Preview(example_course, bundle_id, "scorm12", port=0, report=lambda *_: None) as running:
        assert sorted(module_reads) == ["01-first-minutes.md", "02-emergency-numbers.md"]
        module_reads.clear()
        copies.clear()
        module = example_course / "modules" / "01-first-minutes.md"
        module.write_text(module.read_text().replace("\n## ", "\nA sentence added for the test.\n\n## ", 1))
        assert running.rebuild()
        assert module_reads == ["01-first-minutes.md"]  # the other module was taken from the last reading
        assert any(name.startswith("emergency-numbers/") for name in copies)  # its pages copied, not deflated again
        assert not any(name.startswith("first-minutes/") and name.endswith(".html") for name in copies)
        rebuilt = running.current.files
    with Preview(example_course, bundle_id, "scorm12", port=0, report=lambda *_: None) as fresh:
        assert fresh.current.files == rebuilt


def test_after_an_edit_only_that_modules_reading_is_written_beside_the_readings(tmp_path, module_reads):
    course = generated_course(tmp_path / "course", 24)
    dist = tmp_path / "dist"
    run_pipeline(course, ["scorm12"], [], dist, jobs=1)
    full = dist / ".scormpack-cache" / reading_cache.FILE_NAME
    changes = full.with_name(reading_cache.CHANGES_FILE_NAME)
    written = full.read_bytes()
    assert len(pickle.loads(written)["files"]) == 24 and pickle.loads(changes.read_bytes())["files"] == {}

    module = course / "modules" / "m0009.md"
    module.write_text(module.read_text().replace("\n\n", "\n\nA sentence added.\n\n", 1))
    module_reads.clear()
    run_pipeline(course, ["scorm12"], [], dist, jobs=1)
    assert module_reads == ["m0009.md"] and full.read_bytes() == written
    assert list(pickle.loads(changes.read_bytes())["files"]) == [str(module)]
    # The next reading takes every module from the two files; the build is the clean build's.
    for package_file in dist.glob("*.zip"):
        package_file.unlink()
    module_reads.clear()
    run_pipeline(course, ["scorm12"], [], dist, jobs=1)
    assert module_reads == [] and digests(dist) == clean_sums(course, tmp_path, ["scorm12"])
