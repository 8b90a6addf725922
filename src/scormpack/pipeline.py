"""The release pipeline: every bundle for every target, in parallel, cached, checked and reported.

    nothing changed since the last build? its result stands
                                                          cache.py (last_build: sizes and times of the sources)
    course = load_course(course_dir)                      loader.py
    its editions: the languages asked for                 translation.py (make_editions)
    matrix = bundles x targets x languages, this shard's slice   (here)
    reuse the packages whose inputs are unchanged         cache.py
    per bundle, in workers: render -> plan -> validate -> zip
                                                          workers.py -> render.py, build.build_package
    move the packages into place, write the proofs        reports.py (SHA256SUMS, build-report.json)

Packages are written into a staging folder inside the output directory and
moved into place only when everything succeeded (and, with strict, nothing
warned): a failed build leaves the output directory as it was. The bytes of
every package depend only on the sources, scormpack and SOURCE_DATE_EPOCH,
never on the number of jobs or the order the work was done in.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .build import relative_warning, select_bundles, select_targets
from .cache import CACHE_DIR_NAME, MODULES_FOLDER, TEMPLATES_FOLDER, BuildCache, collector_paused, thaws_collector, InputKeys, package_still_valid, source_snapshot
from .course import Course
from .errors import ScormpackError, count_words
from .loader import load_course
from .render import keep_compiled_templates
from .targets import get_target
from .reports import REPORT_NAME, SUMS_NAME, MatrixEntry, PackageRecord, check_budget, merge_reports, write_proofs
from .translation import Edition, make_editions
from .workers import GroupOutcome, build_bundles

__all__ = ["MatrixEntry", "PackageRecord", "PipelineResult", "StrictFailure", "merge_reports", "parse_shard", "run_pipeline", "shard_slice"]


STAGING_PREFIX = ".scormpack-staging-"


@dataclass
class BuildStats:
    """What the build had to do: the cache makes the difference."""

    modules_rendered: int = 0
    modules_reused: int = 0
    packages_built: int = 0
    packages_reused: int = 0


@dataclass
class PipelineResult:
    course_dir: Path
    loaded_course: Course | None  # None when the build was answered from the last one (cache.last_build)
    out_dir: Path
    matrix: list[MatrixEntry]  # the whole matrix, every shard included
    selected: list[MatrixEntry]  # what this build covered
    packages: list[PackageRecord]
    lint_warnings: list[str]
    stats: BuildStats
    shard: tuple[int, int] | None = None
    release: dict | None = None  # the release check's verdict (build --against, the identifier ledger)

    @property
    def warnings(self) -> list[str]:
        return [f"lint: {w}" for w in self.lint_warnings] + [
            f"{self.package_label(p)}: {w}" for p in self.packages for w in p.warnings
        ]

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(entry.language for entry in self.matrix))

    def package_label(self, record: PackageRecord) -> str:
        """bundle/target, and /language when the build made more than one edition."""
        return record.entry.label if len(self.languages) > 1 else f"{record.bundle}/{record.target}"

    @property
    def course(self) -> Course:
        """The course built; read on first use when nothing had to be built."""
        if self.loaded_course is None:
            self.loaded_course = load_course(self.course_dir)
        return self.loaded_course

    @property
    def report_path(self) -> Path:
        return self.out_dir / REPORT_NAME

    @property
    def sums_path(self) -> Path:
        return self.out_dir / SUMS_NAME


class StrictFailure(ScormpackError):
    """A build that warned, run with --strict: nothing was written."""

    def __init__(self, warnings: list[str], what: str = "the build"):
        super().__init__(f"--strict: {what} gave {count_words(len(warnings), 'warning')}; nothing was written")
        self.warnings = warnings


# Called after each package is done: (record, packages done, packages in this build, reused from the cache).
ProgressCallback = Callable[[PackageRecord, int, int, bool], None]


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N), with 1 <= K <= N."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ValueError(f"{text!r} is not K/N (for example 1/3)") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"{text!r}: K must be between 1 and N")
    return index, count


def shard_slice(matrix: list[MatrixEntry], index: int, count: int) -> list[MatrixEntry]:
    """The K-th of N contiguous slices of the sorted matrix (a bundle's targets stay together where they can)."""
    ordered = sorted(matrix)
    return ordered[(index - 1) * len(ordered) // count : index * len(ordered) // count]


def reading_warnings(course: Course) -> list[str]:
    """What reading the sources warned about (loader.read_course), files named relative to the course directory."""
    return [relative_warning(ScormpackError(f.message, f.path, f.line), course.root) for f in course.findings if f.severity == "warning"]


@thaws_collector  # what reading the caches froze (cache.collector_paused) is thawed when the build is done
def run_pipeline(
    course_dir: Path,
    target_names: list[str],
    bundle_ids: list[str],
    out_dir: Path,
    *,
    jobs: int | None = None,
    strict: bool = False,
    shard: tuple[int, int] | None = None,
    use_cache: bool = True,
    on_package: ProgressCallback | None = None,
    check_course: Callable[[Course], None] | None = None,
    check_packages: Callable[[Course, list[tuple[str, str, str, Path]]], dict | None] | None = None,
    languages: list[str] | tuple[str, ...] | str | None = None,
    course_options: dict[str, bool] | None = None,
    max_package_bytes: int | None = None,
) -> PipelineResult:
    """`languages`: the editions to build (none: the course's own language; `all`: it and every translation,
    each over the bundles [editions] releases it for). `check_course` runs once the course is loaded;
    `check_packages` gets (bundle, target, language, file) for every package once all are built and
    valid, before anything is moved into place. Either may raise to refuse the release (build --against,
    the identifier ledger); nothing is written then."""
    languages = [languages] if isinstance(languages, str) else list(languages or [])
    out_dir = Path(out_dir)
    cache = BuildCache(out_dir / CACHE_DIR_NAME, enabled=use_cache)
    progress = _Progress(on_package)
    # Nothing changed since the last build of the same request: its result stands, unread.
    # (Not for a release check, which looks at this build's course and packages.)
    request = {**_request(course_dir, target_names, bundle_ids, shard, languages), "options": dict(sorted((course_options or {}).items()))}
    answerable = cache.enabled and check_course is None and check_packages is None
    sources = source_snapshot(Path(course_dir)) if answerable else {}  # taken before anything is read
    last = cache.last_build(request, sources, out_dir) if answerable else None
    if last is not None:
        result = _last_result(last, Path(course_dir), out_dir, shard, strict, progress)
        check_budget(result.packages, max_package_bytes)
        return result

    readings = cache.reading_cache()  # module files unchanged since the last build are not read again
    with collector_paused():
        course = load_course(Path(course_dir), readings)
    if course_options:  # the command line's say over [course] keys (build --print-answers, ...)
        course = dataclasses.replace(course, **course_options)
    select_bundles(course, bundle_ids)  # an unknown bundle id is a usage error before any translating
    # The source edition is the course itself; a translated one comes from translations/<language>.po.
    editions = {edition.language: edition for edition in make_editions(course, languages, bundle_ids)}
    if check_course is not None:
        check_course(course)
    targets = {target.name: target for target in select_targets(course, target_names)}
    matrix = sorted(
        MatrixEntry(bundle, target, language) for language, edition in editions.items() for bundle in edition.bundle_ids for target in targets
    )
    selected = shard_slice(matrix, *shard) if shard else matrix
    keys = {language: InputKeys(edition.course, cache.files, readings) for language, edition in editions.items()}
    package_keys = {
        entry: keys[entry.language].package_key(editions[entry.language].course.bundle(entry.bundle), targets[entry.target])
        for entry in selected
    }
    progress.total = len(selected)
    stats = BuildStats()

    records = _reuse_unchanged(editions, selected, package_keys, cache, out_dir, progress)  # cache.py
    stats.packages_reused = len(records)
    to_build: dict[str, dict[str, list[str]]] = {}  # language -> bundle id -> the targets to build for it
    for entry in selected:
        if entry not in records:
            to_build.setdefault(entry.language, {}).setdefault(entry.bundle, []).append(entry.target)

    with _staging(out_dir, needed=bool(to_build)) as staging:
        outcomes: list[GroupOutcome] = []
        if to_build:
            keep_compiled_templates(cache.root / TEMPLATES_FOLDER if cache.enabled else None)
        for language, groups in to_build.items():  # render -> plan -> validate -> zip, one task per bundle (workers.py)
            built, rendered, reused = build_bundles(
                editions[language].course, groups, cache, keys[language], staging, out_dir, jobs, progress.built
            )
            outcomes += built
            stats.modules_rendered += rendered
            stats.modules_reused += reused
        for record in (record for outcome in outcomes for record in outcome.records):
            records[record.entry] = record
            stats.packages_built += 1
        edition_warnings = [relative_warning(warning, course.root) for edition in editions.values() for warning in edition.warnings]
        result = PipelineResult(
            Path(course_dir), course, out_dir, matrix, selected, [records[e] for e in selected],
            reading_warnings(course) + edition_warnings, stats, shard,
        )
        if strict and result.warnings:
            raise StrictFailure(result.warnings)
        check_budget(result.packages, max_package_bytes)  # build --max-package-size: a release gate
        if check_packages is not None:  # the release check, before anything is moved into place
            built = {record.file for outcome in outcomes for record in outcome.records}
            located = [(r.bundle, r.target, r.language, (Path(staging) if r.file in built else out_dir) / r.file) for r in result.packages]
            result.release = check_packages(course, located)
        _commit(result, outcomes, staging, cache, package_keys)  # packages into place, then the proofs (reports.py)
        readings.save()
    if answerable:
        cache.record_build(request, sources, out_dir, [*(p.file for p in result.packages), SUMS_NAME, REPORT_NAME], _summary(result))
    return result


def _request(
    course_dir: Path, target_names: list[str], bundle_ids: list[str], shard: tuple[int, int] | None, languages: list[str]
) -> dict:
    """What was asked of a build, as the last build's record compares it."""
    return {
        "course": str(Path(course_dir).resolve()),
        "targets": list(target_names),
        "bundles": list(bundle_ids),
        "shard": list(shard) if shard else None,
        "languages": list(languages),
    }


def _summary(result: PipelineResult) -> dict:
    return {
        "matrix": [[entry.bundle, entry.target, entry.language] for entry in result.matrix],
        "selected": [[entry.bundle, entry.target, entry.language] for entry in result.selected],
        "packages": [record.to_json() for record in result.packages],
        "lint": result.lint_warnings,
    }


def _last_result(
    last: dict, course_dir: Path, out_dir: Path, shard: tuple[int, int] | None, strict: bool, progress: _Progress
) -> PipelineResult:
    """The last build's result, every package reused (what a build of unchanged sources gives, faster)."""
    packages = [PackageRecord.from_json(data) for data in last["packages"]]
    progress.total = len(packages)
    for record in packages:
        progress.finished(record, True)
    result = PipelineResult(
        course_dir, None, out_dir,
        [MatrixEntry(*entry) for entry in last["matrix"]], [MatrixEntry(*entry) for entry in last["selected"]],
        packages, list(last["lint"]), BuildStats(packages_reused=len(packages)), shard,
    )
    if strict and result.warnings:
        raise StrictFailure(result.warnings)
    return result


class _Progress:
    """Calls on_package as each package is done, counting them."""

    def __init__(self, on_package: ProgressCallback | None, total: int = 0):
        self.on_package = on_package
        self.total = total
        self.done = 0

    def finished(self, record: PackageRecord, reused: bool) -> None:
        self.done += 1
        if self.on_package is not None:
            self.on_package(record, self.done, self.total, reused)

    def built(self, outcome: GroupOutcome) -> None:
        for record in outcome.records:
            self.finished(record, False)


def _reuse_unchanged(
    editions: dict[str, Edition],
    selected: list[MatrixEntry],
    package_keys: dict[MatrixEntry, str],
    cache: BuildCache,
    out_dir: Path,
    progress: _Progress,
) -> dict[MatrixEntry, PackageRecord]:
    """The records of the packages the cache says are unchanged, and still in out_dir as written."""
    reused: dict[MatrixEntry, PackageRecord] = {}
    for entry in selected:
        edition = editions[entry.language].course
        name = get_target(entry.target).package_name(edition, edition.bundle(entry.bundle))
        cached = cache.packages.get(name)
        if cached is not None and package_still_valid(cached, package_keys[entry], out_dir, cache.files):
            reused[entry] = PackageRecord.from_json(cached["record"])
            progress.finished(reused[entry], True)
    return reused


@contextlib.contextmanager
def _staging(out_dir: Path, needed: bool) -> Iterator[Path | None]:
    """A staging folder in out_dir (when needed), removed afterwards; on failure, out_dir as it was."""
    created_out_dir = not out_dir.exists()
    staging: Path | None = None
    try:
        if needed:
            out_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        yield staging
    except BaseException:
        if created_out_dir:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _commit(
    result: PipelineResult,
    outcomes: list[GroupOutcome],
    staging: Path | None,
    cache: BuildCache,
    package_keys: dict[MatrixEntry, str],
) -> None:
    """Move the new packages into place, then write SHA256SUMS, the report and the cache."""
    out_dir = result.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_updates: dict[str, dict] = {}
    for outcome in outcomes:
        for record in outcome.records:
            destination = out_dir / record.file
            os.replace(Path(staging) / record.file, destination)
            if cache.enabled:
                stat = destination.stat()
                cache_updates[record.file] = {
                    "key": package_keys[record.entry],
                    "media": {path: cache.files.digest(Path(path)) for path in outcome.media},
                    "output": [stat.st_size, stat.st_mtime_ns],
                    "record": record.to_json(),
                    "module_keys": outcome.module_keys.get(record.file, {}),  # what its modules were rendered from
                }
    if staging is not None and (staging / MODULES_FOLDER).is_dir():
        (cache.root / MODULES_FOLDER).mkdir(parents=True, exist_ok=True)
        for staged in (staging / MODULES_FOLDER).iterdir():
            os.replace(staged, cache.root / MODULES_FOLDER / staged.name)
    write_proofs(result)
    estimates = {key: size for outcome in outcomes for key, size in outcome.suspend_estimates.items()}
    if result.stats.packages_reused:  # their pages were not looked at: keep what is known of them
        estimates = {**cache.suspend_estimates, **estimates}
    cache.save(cache_updates, estimates)
