"""Choosing what to build and planning one package; pipeline.py runs the whole build."""
from __future__ import annotations

from .course import Bundle, Course
from .errors import ScormpackError, UsageError
from .render import RenderedBundle
from .targets import TARGETS, PackagePlan, Target
from .validate import Finding, validate_plan


def select_bundles(course: Course, bundle_ids: list[str]) -> list[Bundle]:
    if not bundle_ids:
        return list(course.bundles)
    known = {bundle.id for bundle in course.bundles}
    for bundle_id in bundle_ids:
        if bundle_id not in known:
            raise UsageError(f"unknown bundle {bundle_id!r} (known: {', '.join(sorted(known))})")
    return [bundle for bundle in course.bundles if bundle.id in bundle_ids]


def select_targets(course: Course, target_names: list[str]) -> list[Target]:
    names = target_names or course.default_targets
    if "all" in names:
        names = list(TARGETS)
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        raise UsageError(f"unknown target {unknown[0]!r} (available: {', '.join(TARGETS)}, all)")
    return [TARGETS[name] for name in dict.fromkeys(names)]


def plan_package(course: Course, bundle: Bundle, target: Target, rendered: RenderedBundle) -> tuple[PackagePlan, list[Finding]]:
    """The package's plan, checked against our schemas and for integrity; raises when invalid."""
    plan = target.plan(rendered)
    report = validate_plan(plan.manifest, plan.entries, plan.extra_documents, plan.schema_set)
    if report.errors:
        details = "; ".join(f"{f.where}: {f.message}" for f in report.errors[:5])
        raise ScormpackError(
            f"the {target.name} package for bundle {bundle.id!r} fails validation, so it was not written: {details}"
        )
    return plan, report.findings

