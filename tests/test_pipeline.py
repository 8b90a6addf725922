"""The release pipeline: the whole matrix, its proofs (SHA256SUMS, build report), strictness,
shards, reproducibility in any order and job count, and incremental rebuilds."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, build
from scormpack import __version__, render
from scormpack.loader import load_course
from scormpack.pipeline import parse_shard, run_pipeline, shard_slice, MatrixEntry
from scormpack.targets import TARGETS


def packages(folder: Path) -> dict[str, str]:
    """Package file name -> sha256 of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix in (".zip", ".imscc")
    }


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under folder (the cache included): content hash and modification time."""
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def full_matrix(course: Path) -> set[tuple[str, str]]:
    return {(bundle.id, target) for bundle in load_course(course).bundles for target in TARGETS}


@pytest.fixture
def render_count(monkeypatch):
    """The (bundle, module) pairs whose Markdown was rendered (in-process builds: --jobs 1)."""
    calls: list[tuple[str, str]] = []
    real = render._convert_module

    def counting(course, bundle, module, *rest):
        calls.append((bundle.id, module.id))
        return real(course, bundle, module, *rest)

    monkeypatch.setattr(render, "_convert_module", counting)
    return calls


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


# --- the matrix and its proofs ------------------------------------------------------


def test_all_targets_builds_every_bundle_for_every_registered_target(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "--all-targets")
    report = json.loads((tmp_path / "dist" / "build-report.json").read_text())
    built = {(p["bundle"], p["target"]) for p in report["packages"]}
    assert built == full_matrix(example_course)
    assert len(packages(tmp_path / "dist")) == len(built)


def test_target_all_is_the_same_as_all_targets(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "a", "--all-targets")
    build(cli, example_course, tmp_path / "b", "--target", "all")
    assert packages(tmp_path / "a") == packages(tmp_path / "b")


def test_sha256sums_lists_every_package_in_sha256sum_format(cli, example_course, tmp_path):
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "--all-targets")
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    expected = [f"{sha}  {name}" for name, sha in sorted(packages(dist).items())]
    assert lines == expected
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=dist, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_build_report_describes_the_course_and_every_package(cli, example_course, tmp_path):
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "-t", "scorm12")
    report = json.loads((dist / "build-report.json").read_text())
    course = load_course(example_course)
    assert report["course"] == {"id": course.id, "title": course.title, "version": course.version, "language": "en"}
    assert report["languages"] == ["en"] and report["matrix"][0].endswith("/scorm12/en")
    assert report["scormpack"] == __version__
    assert report["shard"] is None
    hashes = packages(dist)
    for entry in report["packages"]:
        bundle = course.bundle(entry["bundle"])
        package = dist / entry["file"]
        assert entry["target"] == "scorm12" and entry["language"] == "en"
        assert entry["modules"] == len(bundle.modules)
        assert entry["bytes"] == package.stat().st_size
        assert entry["sha256"] == hashes[entry["file"]]
        assert entry["validation"] == "valid"
        assert entry["warnings"] == []
        import zipfile

        with zipfile.ZipFile(package) as archive:
            assert entry["files"] == len(archive.namelist())


def test_report_carries_the_warnings_of_each_package(cli, example_course, tmp_path):
    # The reference bundle holds module 2 only, so this link cannot be kept there.
    edit(example_course / "modules" / "02-emergency-numbers.md", "\n## ", "\nSee [the first minutes](01-first-minutes.md).\n\n## ")
    dist = tmp_path / "dist"
    result = build(cli, example_course, dist, "-t", "scorm12")
    report = json.loads((dist / "build-report.json").read_text())
    warned = {p["bundle"]: p["warnings"] for p in report["packages"]}
    assert len(warned["reference"]) == 1
    assert warned["reference"][0].startswith("modules/02-emergency-numbers.md:")
    assert "not in this bundle" in warned["reference"][0]
    assert warned["staff-induction"] == []
    assert "modules/02-emergency-numbers.md:" in result.output and "warning: link to" in result.output
    assert "[reference/scorm12]" in result.output


def test_a_warning_shared_by_several_packages_is_printed_once(cli, example_course, tmp_path):
    edit(
        example_course / "modules" / "01-first-minutes.md",
        "answer: 112\n",
        "answer: 112\n\n? ordering\nPut the steps in order.\n\n1. Danger\n2. Response\n3. Call\n",
    )
    result = build(cli, example_course, tmp_path / "dist", "-t", "cc11")
    lines = [line for line in result.output.splitlines() if "ordering questions have no Common Cartridge QTI profile" in line]
    assert len(lines) == 1, lines
    assert lines[0].startswith("modules/01-first-minutes.md:")
    assert ": warning: " in lines[0] and lines[0].endswith("[2 packages: staff-induction/cc11, wardens-refresher/cc11]")
    report = json.loads((tmp_path / "dist" / "build-report.json").read_text())
    assert sum(len(p["warnings"]) for p in report["packages"]) == 2


def test_compressed_media_is_stored_and_text_deflated(cli, example_course, tmp_path):
    import zipfile

    from PIL import Image

    # A real JPEG (images are checked by content), of noise so that it does not compress.
    Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(example_course / "images" / "photo.jpg", quality=95)
    (example_course / "images" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + os.urandom(30_000))
    edit(
        example_course / "modules" / "02-emergency-numbers.md",
        "\n## ",
        "\n![A photo](../images/photo.jpg)\n\n[The clip](../images/clip.mp4)\n\n## ",
    )
    build(cli, example_course, tmp_path / "dist", "-t", "scorm12", "-b", "reference")
    (package,) = (tmp_path / "dist").glob("*.zip")
    with zipfile.ZipFile(package) as archive:
        kinds = {info.filename: info.compress_type for info in archive.infolist()}
    assert kinds["shared/media/images/photo.jpg"] == zipfile.ZIP_STORED
    assert kinds["shared/media/images/clip.mp4"] == zipfile.ZIP_STORED
    assert kinds["imsmanifest.xml"] == zipfile.ZIP_DEFLATED
    assert kinds["emergency-numbers/index.html"] == zipfile.ZIP_DEFLATED


def test_progress_is_plain_lines_when_not_on_a_terminal(cli, example_course, tmp_path):
    result = build(cli, example_course, tmp_path / "dist", "-t", "scorm12")
    progress = [line for line in result.output.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in progress] == ["[1/3", "[2/3", "[3/3"]
    assert all(": built, " in line for line in progress)


# --- strictness and failures ---------------------------------------------------------


def test_strict_fails_on_a_warning_and_writes_nothing(cli, example_course, tmp_path):
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "-t", "scorm12")
    before = snapshot(dist)
    edit(example_course / "modules" / "02-emergency-numbers.md", "\n## ", "\nSee [the first minutes](01-first-minutes.md).\n\n## ")
    result = cli("build", example_course, "-o", dist, "-t", "scorm12", "--strict")
    assert result.exit_code == 1
    assert "modules/02-emergency-numbers.md:" in result.output and "[reference/scorm12]" in result.output
    assert "--strict" in result.output and "nothing was written" in result.output
    assert snapshot(dist) == before


def test_strict_passes_a_build_without_warnings(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "-t", "scorm12", "--strict")
    assert len(packages(tmp_path / "dist")) == 3


def test_strict_fails_on_the_warnings_lint_prints(cli, example_course, tmp_path):
    # A picture without alt text: the build's own render warns, as lint does.
    edit(example_course / "modules" / "01-first-minutes.md", "![Three steps: danger, response, call]", "![]")
    lenient = build(cli, example_course, tmp_path / "lenient", "-t", "scorm12")
    assert "has no alt text" in lenient.output
    result = cli("build", example_course, "-o", tmp_path / "strict", "-t", "scorm12", "--strict")
    assert result.exit_code == 1
    assert "modules/01-first-minutes.md:" in result.output and "has no alt text" in result.output
    assert not (tmp_path / "strict").exists()


def test_a_failure_in_one_worker_leaves_the_output_directory_untouched(cli, example_course, tmp_path):
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "--all-targets")
    before = snapshot(dist)
    # Module 2 is in every bundle; a missing image fails each of its renders.
    edit(example_course / "modules" / "02-emergency-numbers.md", "\n## ", "\n![gone](../images/missing.png)\n\n## ")
    result = cli("build", example_course, "-o", dist, "--all-targets", "--jobs", "2")
    assert result.exit_code == 1
    assert "missing.png" in result.output and "Traceback" not in result.output
    assert snapshot(dist) == before
    assert not [p for p in dist.iterdir() if p.name.startswith(".scormpack-staging")]


def test_a_failed_build_into_a_new_directory_creates_nothing(cli, example_course, tmp_path):
    edit(example_course / "modules" / "02-emergency-numbers.md", "\n## ", "\n![gone](../images/missing.png)\n\n## ")
    result = cli("build", example_course, "-o", tmp_path / "dist", "--all-targets")
    assert result.exit_code == 1
    assert not (tmp_path / "dist").exists()


# --- reproducibility -----------------------------------------------------------------


def test_same_bytes_whatever_the_order_and_number_of_jobs(cli, example_course, tmp_path):
    course = load_course(example_course)
    bundles = [bundle.id for bundle in course.bundles]
    targets = list(TARGETS)
    forward = [arg for target in targets for arg in ("-t", target)] + [arg for b in bundles for arg in ("-b", b)]
    backward = [arg for target in reversed(targets) for arg in ("-t", target)]
    backward += [arg for b in reversed(bundles) for arg in ("-b", b)]
    build(cli, example_course, tmp_path / "one", *forward, "--jobs", "1")
    build(cli, example_course, tmp_path / "two", *backward, "--jobs", "2")
    # A separate process, with a different hash seed (set and dict orders of strings change).
    subprocess.run(
        [sys.executable, "-m", "scormpack", "build", str(example_course), "-o", str(tmp_path / "three"), "--all-targets"],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        cwd=REPO,
    )
    one = packages(tmp_path / "one")
    assert len(one) == len(bundles) * len(targets)
    assert packages(tmp_path / "two") == one
    assert packages(tmp_path / "three") == one
    for name in ("SHA256SUMS", "build-report.json"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "three" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def test_source_date_epoch_is_reported_and_changes_the_bytes(cli, example_course, tmp_path, monkeypatch):
    build(cli, example_course, tmp_path / "a", "-t", "scorm12")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(cli, example_course, tmp_path / "b", "-t", "scorm12")
    # Into the same directory: the cache must not hand back packages stamped with the old time.
    build(cli, example_course, tmp_path / "a", "-t", "scorm12")
    assert json.loads((tmp_path / "b" / "build-report.json").read_text())["source_date_epoch"] == 1700000000
    assert packages(tmp_path / "a") == packages(tmp_path / "b")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    build(cli, example_course, tmp_path / "c", "-t", "scorm12")
    assert set(packages(tmp_path / "c").values()).isdisjoint(packages(tmp_path / "b").values())


def test_a_big_bundle_rendered_in_parts_by_several_workers_gives_the_same_bytes(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from make_course import make_course
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    course = make_course(tmp_path / "big", 60)
    parallel = run_pipeline(course, ["scorm12"], [], tmp_path / "two", jobs=2)
    serial = run_pipeline(course, ["scorm12"], [], tmp_path / "one", jobs=1)
    assert parallel.stats.modules_rendered == serial.stats.modules_rendered == 60
    assert parallel.stats.modules_reused == 0
    assert packages(tmp_path / "two") == packages(tmp_path / "one")
    # The parts went into the module cache too: a change to one module re-renders that one only.
    edit(course / "modules" / "m0007.md", "\n## ", "\nOne more sentence.\n\n## ")
    again = run_pipeline(course, ["scorm12"], [], tmp_path / "two", jobs=2)
    assert (again.stats.modules_rendered, again.stats.modules_reused) == (1, 59)


# --- shards --------------------------------------------------------------------------


def test_parse_shard_accepts_k_of_n_only():
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "1/0", "x", "1/2/3", ""):
        with pytest.raises(ValueError):
            parse_shard(bad)


def test_shards_partition_the_sorted_matrix():
    matrix = [MatrixEntry(b, t) for b in ("c", "a", "b") for t in ("scorm12", "cc13")]
    for count in range(1, 8):
        slices = [shard_slice(matrix, index, count) for index in range(1, count + 1)]
        assert [entry for part in slices for entry in part] == sorted(matrix)
        assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_bad_shard_is_a_usage_error(cli, example_course, tmp_path):
    result = cli("build", example_course, "-o", tmp_path / "dist", "--shard", "3/2")
    assert result.exit_code == 2
    assert "K must be between 1 and N" in result.output


def test_sharded_build_merges_into_the_same_proofs_as_one_build(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "whole", "--all-targets")
    shard_dirs = []
    built: list[str] = []
    for index in (1, 2, 3):
        folder = tmp_path / f"shard-{index}"
        result = build(cli, example_course, folder, "--all-targets", "--shard", f"{index}/3")
        assert f"shard {index}/3:" in result.output
        report = json.loads((folder / "build-report.json").read_text())
        assert report["shard"] == f"{index}/3"
        built += list(packages(folder))
        shard_dirs.append(folder)
    assert sorted(built) == sorted(packages(tmp_path / "whole"))  # each package in exactly one shard
    merged = tmp_path / "merged"
    result = cli("merge-reports", *shard_dirs, "-o", merged)
    assert result.exit_code == 0, result.output
    assert packages(merged) == packages(tmp_path / "whole")
    for name in ("SHA256SUMS", "build-report.json"):
        assert (merged / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_merge_reports_refuses_shards_that_miss_part_of_the_matrix(cli, example_course, tmp_path):
    for index in (1, 2):
        build(cli, example_course, tmp_path / f"shard-{index}", "--all-targets", "--shard", f"{index}/3")
    result = cli("merge-reports", tmp_path / "shard-1", tmp_path / "shard-2", "-o", tmp_path / "merged")
    assert result.exit_code == 1
    assert "do not cover the matrix" in result.output
    assert not (tmp_path / "merged" / "SHA256SUMS").exists()


def test_merge_reports_refuses_a_package_that_does_not_match_its_report(cli, example_course, tmp_path):
    for index in (1, 2):
        build(cli, example_course, tmp_path / f"shard-{index}", "-t", "scorm12", "--shard", f"{index}/2")
    victim = sorted(packages(tmp_path / "shard-2"))[0]
    with open(tmp_path / "shard-2" / victim, "ab") as handle:
        handle.write(b"tampered")
    result = cli("merge-reports", tmp_path / "shard-1", tmp_path / "shard-2", "-o", tmp_path / "merged")
    assert result.exit_code == 1
    assert f"{victim} does not match the sha256" in result.output


def test_merge_reports_refuses_shards_of_different_builds(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "shard-1", "-t", "scorm12", "--shard", "1/2")
    edit(example_course / "course.toml", 'version = "0.1.0"', 'version = "0.2.0"')
    build(cli, example_course, tmp_path / "shard-2", "-t", "scorm12", "--shard", "2/2")
    result = cli("merge-reports", tmp_path / "shard-1", tmp_path / "shard-2", "-o", tmp_path / "merged")
    assert result.exit_code == 1
    assert "shards must come from one build" in result.output


# --- incremental rebuilds ------------------------------------------------------------


def test_no_change_rebuild_renders_nothing_and_leaves_every_package_alone(example_course, tmp_path, render_count):
    dist = tmp_path / "dist"
    first = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    # A module that links to another is converted a second time for the cartridges, without those links.
    assert len(set(render_count)) == first.stats.modules_rendered > 0
    before = snapshot(dist)
    render_count.clear()
    again = run_pipeline(example_course, ["all"], [], dist, jobs=1)
    assert render_count == []
    assert again.stats.packages_built == 0
    assert again.stats.packages_reused == len(first.packages)
    after = snapshot(dist)
    assert {name: after[name] for name in packages(dist)} == {name: before[name] for name in packages(dist)}
    assert [p.sha256 for p in again.packages] == [p.sha256 for p in first.packages]


def test_changing_one_module_re_renders_only_that_module(example_course, tmp_path, render_count):
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["all"], [], dist, jobs=1)
    before = packages(dist)
    render_count.clear()
    edit(example_course / "modules" / "02-emergency-numbers.md", "\n## ", "\nA sentence added for the test.\n\n## ")
    rebuilt = run_pipeline(example_course, ["all"], [], dist, jobs=1)

    course = load_course(example_course)
    holding = [bundle.id for bundle in course.bundles if "emergency-numbers" in [m.id for m in bundle.modules]]
    # Once per bundle that holds it, for every layout at once.
    assert sorted(render_count) == sorted((bundle, "emergency-numbers") for bundle in holding)
    assert rebuilt.stats.modules_reused > 0
    after = packages(dist)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {
        TARGETS[target].package_name(course, course.bundle(bundle)) for bundle in holding for target in TARGETS
    }
    # What the cache put together is what a build from scratch makes.
    fresh = run_pipeline(example_course, ["all"], [], tmp_path / "fresh", jobs=1, use_cache=False)
    assert packages(tmp_path / "fresh") == after
    assert fresh.stats.modules_reused == 0


def test_changing_an_image_rebuilds_the_packages_that_hold_it_without_rendering(example_course, tmp_path, render_count):
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    before = packages(dist)
    render_count.clear()
    image = example_course / "images" / "steps.svg"
    image.write_text(image.read_text().replace("</svg>", "<!-- changed --></svg>"))
    rebuilt = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    assert render_count == []
    after = packages(dist)
    changed = {name for name in after if after[name] != before[name]}
    assert changed and all("reference" not in name for name in changed)  # the reference bundle has no image
    assert rebuilt.stats.packages_reused == len(before) - len(changed)


def test_a_deleted_or_altered_package_is_built_again(example_course, tmp_path):
    dist = tmp_path / "dist"
    first = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    expected = packages(dist)
    names = sorted(expected)
    (dist / names[0]).unlink()
    with open(dist / names[1], "ab") as handle:
        handle.write(b"x")
    again = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    assert again.stats.packages_built == 2 and again.stats.packages_reused == len(first.packages) - 2
    assert packages(dist) == expected


def test_a_corrupt_cache_is_ignored(example_course, tmp_path):
    dist = tmp_path / "dist"
    run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    expected = packages(dist)
    for path in (dist / ".scormpack-cache").rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage")
    again = run_pipeline(example_course, ["scorm12"], [], dist, jobs=1)
    assert again.stats.packages_reused == 0 and again.stats.modules_reused == 0
    assert packages(dist) == expected


def test_no_cache_option_neither_reads_nor_keeps_a_cache(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "-t", "scorm12", "--no-cache")
    assert not (tmp_path / "dist" / ".scormpack-cache").exists()


# --- performance fixes keep the output the same ----------------------------------------


def test_text_rendered_without_the_markdown_parser_is_what_the_parser_gives():
    from markdown import Markdown

    from conftest import BUNDLED_COURSE

    parser = Markdown(extensions=list(render.MARKDOWN_EXTENSIONS), output_format="html")
    texts = [
        "Before", "It's \"quoted\", isn't it?", "Über café — naïve ‘x’ “y”", "100% (or less): yes/no!",
        "1. a list", "- a list", "a_b", "a *b*", "[a](b.md)", "x & y", "a <b>", "# title", "tab\there", "end  ",
        "> quote", "    code", "a  b", "a\nb", "=", "{: .class}", "3) three",
    ]
    for module in load_course(BUNDLED_COURSE).modules:
        for question in module.quiz.questions if module.quiz else []:
            texts += [question.prompt, question.feedback_correct, question.feedback_wrong]
            texts += [text for option in question.options for text in (option.text, option.feedback)]
    plain = [text for text in texts if render.is_plain_text(text)]
    assert len(plain) > 100  # the fast path is taken for most quiz text
    for text in texts:
        if render.is_plain_text(text):
            assert parser.reset().convert(text) == f"<p>{text}</p>", text


# --- the documented CI workflow ---------------------------------------------------------


def test_ci_example_runs_only_commands_and_options_that_exist():
    import shlex

    import click
    import yaml

    from scormpack.cli import main

    workflow = yaml.safe_load((REPO / "docs" / "ci-example.yml").read_text())
    lines = [
        line.strip()
        for job in workflow["jobs"].values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
        if line.strip().startswith("scormpack ")
    ]
    used = set()
    for line in lines:
        args = shlex.split(line.replace("${{ matrix.shard }}", "1"))[1:]
        command = main.get_command(click.Context(main), args[0])
        assert command is not None, line
        command.make_context(args[0], args[1:])  # raises on an unknown option or a bad value
        used.add(args[0])
    assert {"build", "merge-reports", "validate"} <= used
