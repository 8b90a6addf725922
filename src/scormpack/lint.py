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

from .cache import BuildCache, CACHE_DIR_NAME, ModuleCache, load_module_cache
from .course import Bundle, Course
from .errors import ERROR, WARNING, Finding, Findings, ScormpackError
from .loader import read_course
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
    return sorted(findings.items, key=Finding.sort_key)


def fails(findings: list[Finding], strict: bool = False) -> bool:
    return any(f.severity == ERROR or (strict and f.severity == WARNING) for f in findings)


def render_findings(course: Course, out_dir: Path | None = None) -> list[Finding]:
    """What rendering every bundle finds: each module's errors and warnings, every module tried."""
    from .pipeline import InputKeys  # the build's cache keys (pipeline imports this module's neighbours)

    cache = BuildCache(Path(out_dir) / CACHE_DIR_NAME) if out_dir is not None else None
    keys = InputKeys(course, cache.files) if cache is not None else None
    findings = Findings()
    for bundle in course.bundles:
        module_cache = _cached_modules(cache, keys, bundle) if cache is not None else None
        for module in bundle.modules:
            cached = module_cache.lookup(module) if module_cache is not None else None
            if cached is not None:
                warnings = cached[1]
            else:
                try:
                    [per_layout] = render_modules(course, bundle, [module], ["sco"])
                except ScormpackError as error:
                    findings.extend(error.findings)
                    continue
                warnings = per_layout["sco"][1]
            for warning in warnings:
                findings.extend(Finding(f.path, f.line, WARNING, f.message) for f in warning.findings)
    return findings.items


def _cached_modules(cache: BuildCache, keys, bundle: Bundle) -> ModuleCache | None:
    """The last build's rendered modules of this bundle, in whichever layout it rendered."""
    for layout in LAYOUTS:
        path = cache.module_cache_path(bundle.id, layout)
        if path is not None and path.is_file():
            return ModuleCache(load_module_cache(path), keys.module_keys(bundle, layout))
    return None
