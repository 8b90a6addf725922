"""The release pipeline: every bundle for every target, in parallel, cached, checked and reported.

build.py holds the steps for one package (render, plan and validate); this
module runs them over the bundle x target matrix:

1. load the course, list the matrix in a fixed order and take this shard's
   slice of it;
2. reuse every package whose inputs are unchanged since the last build
   (cache.py);
3. render each bundle once per layout and plan, validate and write its
   packages, in worker processes, into a staging folder in the output
   directory;
4. only when everything succeeded (and, with strict, nothing warned), move
   the packages into place and write SHA256SUMS and build-report.json.

A failed build leaves the output directory as it was. The bytes of every
package depend only on the sources, scormpack and SOURCE_DATE_EPOCH, never on
the number of jobs or the order the work was done in.
"""
from __future__ import annotations

import calendar
import json
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

from . import __version__
from .build import plan_package, select_bundles, select_targets
from .cache import (
    CACHE_DIR_NAME,
    MODULES_FOLDER,
    BuildCache,
    FileHashes,
    ModuleCache,
    digest_of,
    load_module_cache,
    module_cache_name,
    sha256_file,
    tool_fingerprint,
    write_atomic,
)
from .course import Bundle, Course, Module
from .errors import Finding, Findings, ScormpackError, count_words
from .loader import COURSE_FILE, load_course
from .package import entry_timestamp, write_package
from .render import render_bundle, render_modules
from .targets import TARGETS, Target

REPORT_NAME = "build-report.json"
SUMS_NAME = "SHA256SUMS"
REPORT_FORMAT = 1
STAGING_PREFIX = ".scormpack-staging-"


@dataclass(frozen=True, order=True)
class MatrixEntry:
    bundle: str
    target: str

    def __str__(self) -> str:
        return f"{self.bundle} x {self.target}"


@dataclass
class PackageRecord:
    """One package of the build, as build-report.json lists it."""

    file: str
    bundle: str
    target: str
    modules: int
    files: int
    bytes: int
    sha256: str
    validation: str = "valid"
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings the author accepted ([accept], accept=)

    @property
    def entry(self) -> MatrixEntry:
        return MatrixEntry(self.bundle, self.target)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> PackageRecord:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass
class BuildStats:
    """What the build had to do: the cache makes the difference."""

    modules_rendered: int = 0
    modules_reused: int = 0
    packages_built: int = 0
    packages_reused: int = 0


@dataclass
class PipelineResult:
    course: Course
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
            f"{p.bundle}/{p.target}: {w}" for p in self.packages for w in p.warnings
        ]

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


def relative_warning(warning: ScormpackError | object, root: Path) -> str:
    """A warning with its file named relative to the course directory, the same on every machine."""
    if isinstance(warning, ScormpackError) and warning.path is not None:
        path = Path(warning.path)
        try:
            shown = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            shown = str(path)
        return str(ScormpackError(warning.message, shown, warning.line))
    return str(warning)


class InputKeys:
    """Content keys of what a rendered module and a package are made from."""

    def __init__(self, course: Course, files: FileHashes):
        self.course = course
        self.files = files
        self.root = course.root.resolve()
        course_data = [repr(getattr(course, f.name)) for f in fields(course) if f.name not in ("modules", "bundles", "findings")]
        self.course_key = digest_of(
            {
                "tool": tool_fingerprint(),
                "root": str(self.root),
                "course.toml": files.digest(course.root / COURSE_FILE),
                "model": digest_of(course_data),
            }
        )
        self._modules: dict[str, list] = {}

    def module_sources(self, module: Module) -> list:
        if module.id not in self._modules:
            resolved = module.path.resolve()
            # A module may be a link to a file elsewhere: then its full path names it.
            shown = resolved.relative_to(self.root).as_posix() if resolved.is_relative_to(self.root) else str(resolved)
            self._modules[module.id] = [module.id, shown, self.files.digest(module.path), digest_of(repr(module))]
        return self._modules[module.id]

    def bundle_data(self, bundle: Bundle) -> dict:
        return {
            "course": self.course_key,
            "bundle": [bundle.id, bundle.title, bundle.description, bundle.audience, bundle.stage],
            "modules": [self.module_sources(module) for module in bundle.modules],
        }

    def module_keys(self, bundle: Bundle, layout: str) -> dict[str, str]:
        """Render key per module: its sources, the course, and the bundle's module list (links between modules)."""
        shared = {
            "course": self.course_key,
            "layout": layout,
            "bundle": [bundle.id, bundle.title, bundle.description, bundle.audience, bundle.stage],
            "members": [self.module_sources(module)[:2] for module in bundle.modules],
        }
        return {module.id: digest_of({**shared, "module": self.module_sources(module)}) for module in bundle.modules}

    def package_key(self, bundle: Bundle, target: Target) -> str:
        return digest_of(
            {**self.bundle_data(bundle), "target": target.name, "layout": target.layout, "time": list(entry_timestamp())}
        )


@dataclass
class GroupTask:
    """One bundle: its modules rendered in the layouts its targets use, and its packages written."""

    bundle_id: str
    targets: list[str]
    staging: str
    module_keys: dict[str, dict[str, str]]  # layout -> module id -> render key
    cache_in: dict[str, str | None]  # layout -> the module cache of an earlier build
    cache_out: dict[str, str | None]  # layout -> where this build's module cache is staged
    prerendered: dict[str, list[str]] = field(default_factory=dict)  # layout -> modules rendered by RenderTasks


@dataclass
class RenderTask:
    """Part of a big bundle's modules, rendered ahead when there are fewer bundles than workers."""

    bundle_id: str
    module_ids: list[str]
    module_keys: dict[str, dict[str, str]]
    cache_in: dict[str, str | None]
    out: dict[str, str]  # layout -> where the rendered modules are written (module cache format)


@dataclass
class RenderOutcome:
    modules_rendered: int = 0
    modules_reused: int = 0
    error: list[Finding] | None = None


@dataclass
class GroupOutcome:
    records: list[PackageRecord] = field(default_factory=list)
    media: list[str] = field(default_factory=list)  # course files the packages hold
    modules_rendered: int = 0
    modules_reused: int = 0
    error: list[Finding] | None = None  # a ScormpackError's findings (the error does not pickle whole)


_worker_course: Course | None = None


def _init_worker(course: Course) -> None:
    global _worker_course
    _worker_course = course


def _error_tuple(error: ScormpackError) -> list[Finding]:
    return error.findings


def _module_caches(keys: dict[str, dict[str, str]], cache_in: dict[str, str | None]) -> dict[str, ModuleCache]:
    return {
        layout: ModuleCache(load_module_cache(Path(cache_in[layout])) if cache_in.get(layout) else {}, layout_keys)
        for layout, layout_keys in keys.items()
    }


def render_missing(course: Course, bundle: Bundle, modules: list[Module], caches: dict[str, ModuleCache]) -> tuple[int, int]:
    """Render the modules some layout's cache lacks (Markdown converted once for all layouts).

    Returns (modules rendered, modules every cache held).
    """
    need = {module.id: [layout for layout, cache in caches.items() if not cache.has(module)] for module in modules}
    missing = [module for module in modules if need[module.id]]
    layouts = sorted({layout for module in missing for layout in need[module.id]})
    for module, per_layout in zip(missing, render_modules(course, bundle, missing, layouts)):
        for layout in need[module.id]:
            caches[layout].store(module, *per_layout[layout])
    return len(missing), len(modules) - len(missing)


def build_group(task: GroupTask) -> GroupOutcome:
    """Render one bundle and write its packages into the staging folder."""
    course = _worker_course
    assert course is not None, "build_group runs after _init_worker"
    bundle = course.bundle(task.bundle_id)
    root = course.root.resolve()
    outcome = GroupOutcome()
    caches = _module_caches(task.module_keys, task.cache_in)
    for layout, paths in task.prerendered.items():
        for path in paths:
            caches[layout].previous.update(load_module_cache(Path(path)))
    try:
        counts = render_missing(course, bundle, bundle.modules, caches)
        if not task.prerendered:  # else the RenderTasks counted the modules
            outcome.modules_rendered, outcome.modules_reused = counts
        rendered_by_layout = {layout: render_bundle(course, bundle, layout, cache) for layout, cache in caches.items()}
        media: set[str] = set()
        for name in task.targets:
            target = TARGETS[name]
            plan, findings = plan_package(course, bundle, target, rendered_by_layout[target.layout])
            entries = plan.all_entries()
            # The course files the package holds as they are (media): their hashes key its reuse.
            sources = (Path(value).resolve() for value in entries.values() if isinstance(value, Path))
            media.update(str(source) for source in sources if source.is_relative_to(root))
            path = Path(task.staging) / target.package_name(course, bundle)
            write_package(path, entries, first=(plan.manifest_name,))
            accepted = [(w, course.acceptance(getattr(w, "code", ""), w.path, w.line)) for w in plan.warnings]
            warnings = [relative_warning(w, root) for w, reason in accepted if reason is None]
            notes = [f"{relative_warning(w, root)} ({reason})" for w, reason in accepted if reason is not None]
            warnings += [f"{f.where}: {f.message}" for f in findings if f.severity == "warning"]
            outcome.records.append(
                PackageRecord(
                    file=path.name,
                    bundle=bundle.id,
                    target=name,
                    modules=len(bundle.modules),
                    files=len(entries),
                    bytes=path.stat().st_size,
                    sha256=sha256_file(path),
                    warnings=warnings,
                    notes=notes,
                )
            )
        outcome.media = sorted(media)
        for layout, cache in caches.items():
            if task.cache_out.get(layout):
                write_atomic(Path(task.cache_out[layout]), cache.dumps())
    except ScormpackError as error:
        outcome.error = _error_tuple(error)
    return outcome


def render_part(task: RenderTask) -> RenderOutcome:
    """Render the modules of a RenderTask that the cache does not hold, and save them for the GroupTask."""
    course = _worker_course
    assert course is not None, "render_part runs after _init_worker"
    bundle = course.bundle(task.bundle_id)
    wanted = set(task.module_ids)
    caches = _module_caches(task.module_keys, task.cache_in)
    outcome = RenderOutcome()
    try:
        modules = [module for module in bundle.modules if module.id in wanted]
        outcome.modules_rendered, outcome.modules_reused = render_missing(course, bundle, modules, caches)
    except ScormpackError as error:
        outcome.error = _error_tuple(error)
        return outcome
    for layout, cache in caches.items():
        write_atomic(Path(task.out[layout]), cache.dumps())
    return outcome


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _run_tasks(
    render_tasks: list[RenderTask],
    group_tasks: list[GroupTask],
    course: Course,
    jobs: int,
    on_outcome: Callable[[GroupOutcome], None],
) -> tuple[list[RenderOutcome], list[GroupOutcome]]:
    """Run the render tasks, then the group tasks (which use what they rendered), in `jobs` processes."""
    workers = min(jobs, max(len(render_tasks), len(group_tasks)))
    if workers <= 1:
        _init_worker(course)
        parts = [render_part(task) for task in render_tasks]
        if any(part.error for part in parts):
            return parts, []
        outcomes = []
        for task in group_tasks:
            outcomes.append(build_group(task))
            on_outcome(outcomes[-1])
        return parts, outcomes
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(course,)) as pool:
        parts = list(pool.map(render_part, render_tasks))
        if any(part.error for part in parts):
            return parts, []
        by_task: dict[int, GroupOutcome] = {}
        futures = {pool.submit(build_group, task): index for index, task in enumerate(group_tasks)}
        for future in as_completed(futures):
            by_task[futures[future]] = future.result()
            on_outcome(by_task[futures[future]])
    return parts, [by_task[index] for index in range(len(group_tasks))]


def split_for_workers(groups: list[tuple[str, int]], jobs: int, minimum: int = 40) -> dict[str, int]:
    """How many parts to render each bundle in: more than one only when workers would idle otherwise.

    groups: (bundle id, modules). A bundle of fewer than `minimum` modules is
    not worth the extra process round trip.
    """
    if len(groups) >= jobs:
        return {}
    parts_each = -(-jobs // len(groups))
    return {name: min(parts_each, modules // (minimum // 2)) for name, modules in groups if modules >= minimum}


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
    check_packages: Callable[[Course, list[tuple[str, str, Path]]], dict | None] | None = None,
) -> PipelineResult:
    """`check_course` runs once the course is loaded; `check_packages` gets (bundle, target, file) for
    every package once all are built and valid, before anything is moved into place. Either may raise
    to refuse the release (build --against, the identifier ledger); nothing is written then."""
    course = load_course(Path(course_dir))
    if check_course is not None:
        check_course(course)
    bundles = {bundle.id: bundle for bundle in select_bundles(course, bundle_ids)}
    targets = {target.name: target for target in select_targets(course, target_names)}
    matrix = sorted(MatrixEntry(bundle, target) for bundle in bundles for target in targets)
    selected = shard_slice(matrix, *shard) if shard else matrix
    lint = reading_warnings(course)
    out_dir = Path(out_dir)
    cache = BuildCache(out_dir / CACHE_DIR_NAME, enabled=use_cache)
    keys = InputKeys(course, cache.files)
    stats = BuildStats()
    records: dict[MatrixEntry, PackageRecord] = {}
    package_keys: dict[MatrixEntry, str] = {}
    done = 0

    def finished(record: PackageRecord, reused: bool) -> None:
        nonlocal done
        done += 1
        if on_package is not None:
            on_package(record, done, len(selected), reused)

    groups: dict[str, list[str]] = {}  # bundle id -> the targets to build for it
    for entry in selected:
        bundle, target = bundles[entry.bundle], targets[entry.target]
        package_keys[entry] = keys.package_key(bundle, target)
        cached = cache.packages.get(target.package_name(course, bundle))
        if cached is not None and _still_valid(cached, package_keys[entry], out_dir, cache.files):
            records[entry] = PackageRecord.from_json(cached["record"])
            stats.packages_reused += 1
            finished(records[entry], True)
        else:
            groups.setdefault(bundle.id, []).append(target.name)

    created_out_dir = not out_dir.exists()
    staging: Path | None = None
    try:
        outcomes: list[GroupOutcome] = []
        if groups:
            out_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
            workers = jobs or default_jobs()
            tasks = _group_tasks(groups, bundles, targets, cache, keys, staging)
            render_tasks = _render_tasks(tasks, bundles, workers, staging)

            def report_outcome(outcome: GroupOutcome) -> None:
                for record in outcome.records:
                    finished(record, False)

            parts, outcomes = _run_tasks(render_tasks, tasks, course, workers, report_outcome)
            failures = [part.error for part in parts if part.error is not None]
            failures += [outcome.error for outcome in outcomes if outcome.error is not None]
            if failures:
                every = Findings()
                for failure in failures:
                    every.extend(failure)
                every.raise_errors()
            for work in [*parts, *outcomes]:
                stats.modules_rendered += work.modules_rendered
                stats.modules_reused += work.modules_reused
        for outcome in outcomes:
            for record in outcome.records:
                records[record.entry] = record
                stats.packages_built += 1
        result = PipelineResult(course, out_dir, matrix, selected, [records[e] for e in selected], lint, stats, shard)
        if strict and result.warnings:
            raise StrictFailure(result.warnings)
        if check_packages is not None:
            built = {record.file for outcome in outcomes for record in outcome.records}
            located = [(r.bundle, r.target, (Path(staging) if r.file in built else out_dir) / r.file) for r in result.packages]
            result.release = check_packages(course, located)
        _commit(result, outcomes, staging, cache, package_keys)
        return result
    except BaseException:
        if created_out_dir:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _group_tasks(
    groups: dict[str, list[str]],
    bundles: dict[str, Bundle],
    targets: dict[str, Target],
    cache: BuildCache,
    keys: InputKeys,
    staging: Path,
) -> list[GroupTask]:
    """One task per bundle, biggest first, so the last worker to finish is not the one handed the largest."""
    tasks = []
    for bundle_id in sorted(groups, key=lambda b: (-len(bundles[b].modules), b)):
        layouts = sorted({targets[name].layout for name in groups[bundle_id]})
        cache_paths = {layout: cache.module_cache_path(bundle_id, layout) for layout in layouts}
        tasks.append(
            GroupTask(
                bundle_id=bundle_id,
                targets=groups[bundle_id],
                staging=str(staging),
                module_keys={layout: keys.module_keys(bundles[bundle_id], layout) for layout in layouts},
                cache_in={layout: str(c) if c and c.is_file() else None for layout, c in cache_paths.items()},
                cache_out={
                    layout: str(staging / MODULES_FOLDER / module_cache_name(bundle_id, layout)) if c else None
                    for layout, c in cache_paths.items()
                },
            )
        )
    return tasks


def _render_tasks(tasks: list[GroupTask], bundles: dict[str, Bundle], workers: int, staging: Path) -> list[RenderTask]:
    """Split the rendering of big bundles when there are fewer bundles than workers (tasks learn of their parts)."""
    render_tasks: list[RenderTask] = []
    splits = split_for_workers([(task.bundle_id, len(bundles[task.bundle_id].modules)) for task in tasks], workers)
    for task in tasks:
        parts = splits.get(task.bundle_id, 1)
        if parts < 2:
            continue
        module_ids = [module.id for module in bundles[task.bundle_id].modules]
        for part in range(parts):
            chosen = module_ids[part * len(module_ids) // parts : (part + 1) * len(module_ids) // parts]
            out = {layout: str(staging / "parts" / f"{task.bundle_id}--{layout}--{part}.pickle") for layout in task.module_keys}
            render_tasks.append(RenderTask(task.bundle_id, chosen, task.module_keys, task.cache_in, out))
            for layout, path in out.items():
                task.prerendered.setdefault(layout, []).append(path)
    return render_tasks


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
                }
    if staging is not None and (staging / MODULES_FOLDER).is_dir():
        (cache.root / MODULES_FOLDER).mkdir(parents=True, exist_ok=True)
        for staged in (staging / MODULES_FOLDER).iterdir():
            os.replace(staged, cache.root / MODULES_FOLDER / staged.name)
    write_atomic(result.sums_path, sha256sums(result.packages).encode("utf-8"))
    write_atomic(result.report_path, report_json(result).encode("utf-8"))
    cache.save(cache_updates)


def _still_valid(cached: dict, key: str, out_dir: Path, files: FileHashes) -> bool:
    """A cached package is reused when its key matches, its media are unchanged and its file is the one written."""
    if cached.get("key") != key or not files.unchanged(cached.get("media", {})):
        return False
    try:
        stat = (out_dir / cached["record"]["file"]).stat()
    except (OSError, KeyError, TypeError):
        return False
    return [stat.st_size, stat.st_mtime_ns] == cached.get("output")


def sha256sums(packages: list[PackageRecord]) -> str:
    """The `sha256sum` format: '<hex>  <file name>' per line, sorted by name, so `sha256sum -c` checks them."""
    return "".join(f"{record.sha256}  {record.file}\n" for record in sorted(packages, key=lambda r: r.file))


def report_json(result: PipelineResult) -> str:
    course = result.course
    report = {
        "format": REPORT_FORMAT,
        "scormpack": __version__,
        "course": {"id": course.id, "title": course.title, "version": course.version},
        "source_date_epoch": entry_epoch(),
        "shard": None if result.shard is None else f"{result.shard[0]}/{result.shard[1]}",
        "matrix": [f"{entry.bundle}/{entry.target}" for entry in result.matrix],
        "lint": result.lint_warnings,
        "packages": [record.to_json() for record in sorted(result.packages, key=lambda r: (r.bundle, r.target))],
    }
    if result.release is not None:
        report["release"] = result.release
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def entry_epoch() -> int:
    """The SOURCE_DATE_EPOCH the zip entries carry (after package.py's clamping)."""
    return calendar.timegm((*entry_timestamp(), 0, 0, 0))


@dataclass
class MergedReports:
    out_dir: Path
    report: dict
    packages: list[PackageRecord]
    copied: list[str]


def read_report(folder: Path) -> dict:
    path = Path(folder) / REPORT_NAME
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ScormpackError(f"no {REPORT_NAME} here: is this the output directory of a build?", folder) from None
    except ValueError as error:
        raise ScormpackError(f"not valid JSON: {error}", path) from None
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        raise ScormpackError(f"not a scormpack build report (format {REPORT_FORMAT})", path)
    return report


def merge_reports(shard_dirs: list[Path], out_dir: Path) -> MergedReports:
    """Merge the output directories of the shards of one build into out_dir.

    The shards must come from the same course version, scormpack and
    SOURCE_DATE_EPOCH, and together cover the whole matrix. Each package is
    checked against its shard's hash and copied into out_dir (unless it is
    there already); then SHA256SUMS and build-report.json are written for the
    whole matrix, the same as one unsharded build would have written. Nothing
    is written unless every check passes.
    """
    out_dir = Path(out_dir)
    reports = [(Path(folder), read_report(Path(folder))) for folder in shard_dirs]
    if not reports:
        raise ScormpackError("merge-reports needs at least one build output directory")
    first_dir, first = reports[0]
    same = ("scormpack", "course", "source_date_epoch", "matrix")
    for folder, report in reports[1:]:
        for key in same:
            if report.get(key) != first.get(key):
                raise ScormpackError(
                    f"{REPORT_NAME}: its {key} differs from that of {first_dir} ({report.get(key)!r} vs {first.get(key)!r}): "
                    "shards must come from one build",
                    folder,
                )
    sources: dict[str, tuple[PackageRecord, Path]] = {}
    lint: list[str] = []
    for folder, report in reports:
        lint += [warning for warning in report.get("lint", []) if warning not in lint]
        for data in report.get("packages", []):
            record = PackageRecord.from_json(data)
            known = sources.get(record.file)
            if known is not None and known[0].sha256 != record.sha256:
                raise ScormpackError(f"{record.file} was built twice with different bytes (also in {known[1]})", folder)
            sources.setdefault(record.file, (record, folder))
    matrix = [MatrixEntry(*entry.split("/", 1)) for entry in first.get("matrix", [])]
    built = {record.entry for record, _ in sources.values()}
    missing = [entry for entry in matrix if entry not in built]
    if missing:
        shown = ", ".join(str(entry) for entry in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ScormpackError(f"the shards do not cover the matrix: {len(missing)} package(s) missing ({shown})")
    to_copy: list[tuple[Path, Path]] = []
    for name, (record, folder) in sorted(sources.items()):
        source, destination = folder / name, out_dir / name
        if source.resolve() == destination.resolve():
            candidate = source
        elif destination.is_file() and sha256_file(destination) == record.sha256:
            continue
        else:
            candidate = source
            to_copy.append((source, destination))
        if not candidate.is_file():
            raise ScormpackError(f"{name} is in the shard's report but not in its directory", folder)
        if sha256_file(candidate) != record.sha256:
            raise ScormpackError(f"{name} does not match the sha256 its shard's report gives", folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    for source, destination in to_copy:
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=out_dir)
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            os.chmod(temporary, 0o644)
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    packages = sorted((record for record, _ in sources.values()), key=lambda r: (r.bundle, r.target))
    report = {**first, "shard": None, "lint": lint, "packages": [record.to_json() for record in packages]}
    write_atomic(out_dir / SUMS_NAME, sha256sums(packages).encode("utf-8"))
    write_atomic(out_dir / REPORT_NAME, (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return MergedReports(out_dir, report, packages, [destination.name for _, destination in to_copy])
