"""The build: course directory -> model -> rendered bundles -> validated plans -> packages."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .course import Bundle, Course
from .errors import ScormpackError
from .loader import load_course
from .package import write_package
from .render import RenderedBundle, render_bundle
from .targets import TARGETS, PackagePlan, Target
from .validate import Finding, validate_plan


@dataclass
class BuiltPackage:
    bundle: Bundle
    target: Target
    path: Path
    plan: PackagePlan
    findings: list[Finding] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def warnings(self) -> list[str]:
        return [str(w) for w in self.plan.warnings] + [str(f) for f in self.findings if f.severity == "warning"]


def select_bundles(course: Course, bundle_ids: list[str]) -> list[Bundle]:
    if not bundle_ids:
        return list(course.bundles)
    known = {bundle.id for bundle in course.bundles}
    for bundle_id in bundle_ids:
        if bundle_id not in known:
            raise ScormpackError(f"unknown bundle {bundle_id!r} (known: {', '.join(sorted(known))})")
    return [bundle for bundle in course.bundles if bundle.id in bundle_ids]


def select_targets(course: Course, target_names: list[str]) -> list[Target]:
    names = target_names or course.default_targets
    if "all" in names:
        names = list(TARGETS)
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        raise ScormpackError(f"unknown target {unknown[0]!r} (available: {', '.join(TARGETS)}, all)")
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


def build(course_dir: Path, target_names: list[str], bundle_ids: list[str], out_dir: Path) -> list[BuiltPackage]:
    """Build every selected bundle for every selected target.

    Every package is planned and validated before the first one is written,
    so bad input leaves the output directory exactly as it was.
    """
    course = load_course(course_dir)
    bundles = select_bundles(course, bundle_ids)
    targets = select_targets(course, target_names)
    planned: list[tuple[Bundle, Target, PackagePlan, list[Finding]]] = []
    for bundle in bundles:
        rendered_by_layout: dict[str, RenderedBundle] = {}
        for target in targets:
            if target.layout not in rendered_by_layout:
                rendered_by_layout[target.layout] = render_bundle(course, bundle, target.layout)
            rendered = rendered_by_layout[target.layout]
            plan, findings = plan_package(course, bundle, target, rendered)
            planned.append((bundle, target, plan, findings))
    built = []
    for bundle, target, plan, findings in planned:
        path = Path(out_dir) / target.package_name(course, bundle)
        write_package(path, plan.all_entries())
        built.append(BuiltPackage(bundle, target, path, plan, findings))
    return built

