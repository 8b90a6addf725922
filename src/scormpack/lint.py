"""`scormpack lint`: what the build would find in a course's sources, without writing anything.

Lint is the build's own reading pass (loader.read_course: every problem of
every file, each once) plus the build's own render of every bundle, whose
tree processors (markdown_ext/) check links, anchors, alt text, raw HTML and
heading levels. Nothing here re-implements a rule; lint only goes on where
the build stops: a module that fails to render does not hide the next one.
Modules the last build rendered from the same sources come from its cache
(OUT/.scormpack-cache), with the warnings they had.
"""
from __future__ import annotations

from pathlib import Path

from .cache import CACHE_DIR_NAME, BuildCache, InputKeys, ModuleCache, StoredModules
from .workers import default_jobs
from .course import Bundle, Course
from .errors import ERROR, WARNING, Finding, Findings, ScormpackError
from .image_variants import missing_variants
from .loader import read_course
from .translation import edition_bundles
from .markdown_ext.checks import module_anchor_warnings
from .render import LAYOUTS, render_modules

__all__ = ["Finding", "fails", "lint_course", "render_findings"]


def lint_course(course_dir: Path, out_dir: Path | None = None) -> list[Finding]:
    """Every finding for the course in course_dir, sorted by file and line.

    out_dir: the build's output directory, whose cache is reused (read, never written).
    """
    reading = read_course(Path(course_dir))
    findings = Findings()
    findings.extend(reading.findings)
    if reading.course is not None:
        findings.extend(render_findings(reading.course, out_dir))
        findings.extend(_as_warnings(image_variant_warnings(reading.course)))
    return sorted(findings.items, key=Finding.sort_key)


def image_variant_warnings(course: Course) -> list[ScormpackError]:
    """Each translation's images that hold text and have no variant in it, in the bundles its edition covers."""
    warnings = []
    for language in course.translations:
        covered = set(edition_bundles(course, language))
        modules = {module.id: module for bundle in course.bundles if bundle.id in covered for module in bundle.modules}
        warnings += missing_variants(list(modules.values()), [language])
    return warnings


def fails(findings: list[Finding], strict: bool = False) -> bool:
    return any(f.severity == ERROR or (strict and f.severity == WARNING) for f in findings)


def render_findings(course: Course, out_dir: Path | None = None, jobs: int | None = None) -> list[Finding]:
    """What rendering every bundle finds: each module's errors and warnings, every module tried.

    Modules the build's cache holds give their warnings from there; the others
    are rendered, in `jobs` worker processes when there are many (as the build does).
    """
    cache = BuildCache(Path(out_dir) / CACHE_DIR_NAME) if out_dir is not None else None
    keys = InputKeys(course, cache.files) if cache is not None else None
    findings = Findings()
    work: list[tuple[str, list[str]]] = []  # (bundle id, ids of the modules to render)
    # Per bundle, what each rendered module holds: its ids and its links to other modules' anchors.
    anchors: dict[str, dict[str, tuple[set[str], list]]] = {bundle.id: {} for bundle in course.bundles}
    for bundle in course.bundles:
        module_cache = _cached_modules(cache, keys, bundle) if cache is not None else None
        missing = []
        for module in bundle.modules:
            cached = module_cache.lookup(module) if module_cache is not None else None
            if cached is None:
                missing.append(module.id)
            else:
                findings.extend(_as_warnings(cached[1]))
                anchors[bundle.id][module.id] = _anchors_of(cached[0])
        if missing:
            work.append((bundle.id, missing))
    workers = min(jobs or default_jobs(), max(1, sum(len(ids) for _, ids in work) // PER_WORKER))
    parts = [(bundle_id, module_ids[index::workers]) for bundle_id, module_ids in work for index in range(workers)]
    parts = [part for part in parts if part[1]]
    if workers <= 1:
        results = [_render_part(course, *part) for part in parts]
    else:
        from concurrent.futures import ProcessPoolExecutor  # here: multiprocessing is imported only when used

        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(course,)) as pool:
            results = list(pool.map(_render_in_worker, parts))
    for (bundle_id, _), (part_findings, part_anchors) in zip(parts, results):
        findings.extend(part_findings)
        anchors[bundle_id].update(part_anchors)
    for bundle in course.bundles:
        held = anchors[bundle.id]
        ids = {module_id: module_ids for module_id, (module_ids, _) in held.items()}
        for module in bundle.modules:
            if module.id in held:
                findings.extend(_as_warnings(module_anchor_warnings(module, held[module.id][1], ids)))
    return findings.items


def _anchors_of(rendered) -> tuple[set[str], list]:
    return set(rendered.element_ids), list(rendered.module_links)


# Fewer modules than this per worker are not worth a process.
PER_WORKER = 150
_worker_course: Course | None = None


def _init_worker(course: Course) -> None:
    global _worker_course
    _worker_course = course


def _render_in_worker(part: tuple[str, list[str]]) -> tuple[list[Finding], dict]:
    assert _worker_course is not None, "_render_in_worker runs after _init_worker"
    return _render_part(_worker_course, *part)


def _render_part(course: Course, bundle_id: str, module_ids: list[str]) -> tuple[list[Finding], dict]:
    """Render some of a bundle's modules; when one fails, each on its own, so every module's problems are found."""
    bundle = course.bundle(bundle_id)
    wanted = set(module_ids)
    modules = [module for module in bundle.modules if module.id in wanted]
    findings: list[Finding] = []
    try:
        rendered = render_modules(course, bundle, modules, ["sco"])
    except ScormpackError:
        rendered = []
        for module in modules:
            try:
                rendered += render_modules(course, bundle, [module], ["sco"])
            except ScormpackError as error:
                findings += error.findings
    anchors = {}
    for per_layout in rendered:
        module, warnings = per_layout["sco"]
        findings += _as_warnings(warnings)
        anchors[module.module.id] = _anchors_of(module)
    return findings, anchors


def _as_warnings(warnings: list[ScormpackError]) -> list[Finding]:
    return [Finding(f.path, f.line, WARNING, f.message, f.code) for warning in warnings for f in warning.findings]


def _cached_modules(cache: BuildCache, keys, bundle: Bundle) -> ModuleCache | None:
    """The last build's rendered modules of this bundle, in whichever layout it rendered."""
    for layout in LAYOUTS:
        path = cache.module_cache_path(bundle.id, layout)
        if path is not None and path.is_file():
            return ModuleCache(StoredModules.read(path).entries, keys.module_keys(bundle, layout))
    return None
