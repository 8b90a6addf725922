"""The build's work in worker processes: per bundle, render its modules, then build its packages.

One GroupTask per bundle renders the modules its targets need (once for all
layouts, reusing the module cache) and builds each of its packages with
build.build_package into the staging folder. When there are fewer bundles
than workers, a big bundle's rendering is split ahead into RenderTasks. The
bytes never depend on how the work was split.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .build import EarlierBuild, build_package, unchanged_entries
from .cache import (
    MODULES_FOLDER, BuildCache, InputKeys, collector_paused, ModuleCache, StoredModules, changes_file, edition_scope, load_module_cache,
    module_cache_name, sha256_file, write_atomic,
)
from .course import Bundle, Course, Module
from .errors import Finding, Findings, ScormpackError
from .render import RenderedBundle, render_bundle, render_modules
from .reports import PackageRecord, largest_members
from .targets import TARGETS, Target


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
    earlier_packages: dict[str, str] = field(default_factory=dict)  # target -> its package of an earlier build
    # target -> module id -> the render key its earlier package was built with (EarlierBuild.unchanged)
    earlier_module_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    suspend_estimates: dict[str, int | None] = field(default_factory=dict)  # of earlier builds (EarlierBuild)


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
    suspend_estimates: dict[str, int | None] = field(default_factory=dict)  # the ones the packages used
    module_keys: dict[str, dict[str, str]] = field(default_factory=dict)  # package file -> module id -> render key
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
    caches = {}
    for layout, layout_keys in keys.items():
        stored = StoredModules.read(Path(cache_in[layout]) if cache_in.get(layout) else None)
        caches[layout] = ModuleCache(stored.entries, layout_keys, stored.in_full_file)
    return caches


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
    """One bundle: render its modules (the cache's aside), then build each of its packages into the staging folder."""
    course = _worker_course
    assert course is not None, "build_group runs after _init_worker"
    bundle = course.bundle(task.bundle_id)
    outcome = GroupOutcome()
    caches = _module_caches(task.module_keys, task.cache_in)
    for layout, paths in task.prerendered.items():
        for path in paths:
            caches[layout].add_rendered(load_module_cache(Path(path)))
    try:
        counts = render_missing(course, bundle, bundle.modules, caches)
        if not task.prerendered:  # else the RenderTasks counted the modules
            outcome.modules_rendered, outcome.modules_reused = counts
        with collector_paused():  # the cached modules are unpickled here (render_missing rendered the rest)
            rendered_by_layout = {layout: render_bundle(course, bundle, layout, cache) for layout, cache in caches.items()}
        media: set[str] = set()
        for name in task.targets:
            target = TARGETS[name]
            destination = Path(task.staging) / target.package_name(course, bundle)
            package = task.earlier_packages.get(name)
            rendered = rendered_by_layout[target.layout]
            keys = task.module_keys[target.layout]
            earlier = EarlierBuild(
                Path(package) if package else None, task.suspend_estimates,
                unchanged_entries(rendered, keys, task.earlier_module_keys.get(name, {})) if package else {},
            )
            built = build_package(course, bundle, target, rendered, destination, earlier)
            outcome.module_keys[destination.name] = keys
            media.update(str(path) for path in built.media)
            outcome.suspend_estimates.update(built.suspend_estimates)
            outcome.records.append(
                PackageRecord(
                    file=destination.name,
                    bundle=bundle.id,
                    target=name,
                    language=course.language,
                    modules=len(bundle.modules),
                    files=built.files,
                    bytes=destination.stat().st_size,
                    sha256=sha256_file(destination),
                    warnings=built.warnings(course),
                    notes=built.notes(course),
                    media=built.media_files,
                    largest=largest_members(built.members),
                )
            )
        outcome.media = sorted(media)
        for layout, cache in caches.items():
            if task.cache_out.get(layout):
                full, changes = cache.dumps_changes()
                staged = Path(task.cache_out[layout])
                if full is not None:
                    write_atomic(staged, full)
                write_atomic(changes_file(staged), changes)
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


def run_tasks(
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
    from concurrent.futures import ProcessPoolExecutor, as_completed  # here: a rebuild of one bundle runs in-process

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


def bundle_tasks(
    course: Course,
    groups: dict[str, list[str]],
    bundles: dict[str, Bundle],
    targets: dict[str, Target],
    cache: BuildCache,
    keys: InputKeys,
    staging: Path,
    out_dir: Path,
) -> list[GroupTask]:
    """One task per bundle, biggest first, so the last worker to finish is not the one handed the largest."""
    tasks = []
    language = edition_scope(course)
    for bundle_id in sorted(groups, key=lambda b: (-len(bundles[b].modules), b)):
        layouts = sorted({targets[name].layout for name in groups[bundle_id]})
        cache_paths = {layout: cache.module_cache_path(bundle_id, layout, language) for layout in layouts}
        tasks.append(
            GroupTask(
                bundle_id=bundle_id,
                targets=groups[bundle_id],
                staging=str(staging),
                module_keys={layout: keys.module_keys(bundles[bundle_id], layout) for layout in layouts},
                cache_in={layout: str(c) if c and c.is_file() else None for layout, c in cache_paths.items()},
                cache_out={
                    layout: str(staging / MODULES_FOLDER / module_cache_name(bundle_id, layout, language)) if c else None
                    for layout, c in cache_paths.items()
                },
                earlier_packages={
                    name: str(package)
                    for name in groups[bundle_id]
                    if (package := cache.earlier_package(targets[name].package_name(course, bundles[bundle_id]), out_dir))
                },
                earlier_module_keys={
                    name: cache.packages.get(targets[name].package_name(course, bundles[bundle_id]), {}).get("module_keys", {})
                    for name in groups[bundle_id]
                },
                suspend_estimates=cache.suspend_estimates,
            )
        )
    return tasks


def render_tasks_for(tasks: list[GroupTask], bundles: dict[str, Bundle], workers: int, staging: Path) -> list[RenderTask]:
    """Split the rendering of big bundles when there are fewer bundles than workers (tasks learn of their parts)."""
    render_tasks: list[RenderTask] = []
    splits = split_for_workers([(task.bundle_id, len(bundles[task.bundle_id].modules)) for task in tasks], workers)
    for task in tasks:
        parts = splits.get(task.bundle_id, 1)
        # With a module cache from an earlier build most modules are reused: one process reads
        # the cache faster than several would, each reading all of it.
        if parts < 2 or any(task.cache_in.values()):
            continue
        module_ids = [module.id for module in bundles[task.bundle_id].modules]
        for part in range(parts):
            chosen = module_ids[part * len(module_ids) // parts : (part + 1) * len(module_ids) // parts]
            out = {layout: str(staging / "parts" / f"{task.bundle_id}--{layout}--{part}.pickle") for layout in task.module_keys}
            render_tasks.append(RenderTask(task.bundle_id, chosen, task.module_keys, task.cache_in, out))
            for layout, path in out.items():
                task.prerendered.setdefault(layout, []).append(path)
    return render_tasks


def build_bundles(
    course: Course,
    groups: dict[str, list[str]],
    cache: BuildCache,
    keys: InputKeys,
    staging: Path,
    out_dir: Path,
    jobs: int | None,
    on_outcome: Callable[[GroupOutcome], None],
) -> tuple[list[GroupOutcome], int, int]:
    """Render each bundle of `groups` (bundle id -> target names) and build its packages into staging.

    Returns the outcomes, in task order, with the modules rendered and the
    modules reused from the cache; raises every worker's errors at once.
    """
    bundles = {bundle_id: course.bundle(bundle_id) for bundle_id in groups}
    workers = jobs or default_jobs()
    tasks = bundle_tasks(course, groups, bundles, TARGETS, cache, keys, staging, out_dir)
    parts, outcomes = run_tasks(render_tasks_for(tasks, bundles, workers, staging), tasks, course, workers, on_outcome)
    failures = [work.error for work in [*parts, *outcomes] if work.error is not None]
    if failures:
        every = Findings()
        for failure in failures:
            every.extend(failure)
        every.raise_errors()
    rendered = sum(work.modules_rendered for work in [*parts, *outcomes])
    reused = sum(work.modules_reused for work in [*parts, *outcomes])
    return outcomes, rendered, reused
