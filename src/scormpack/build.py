"""Building one package: choosing what to build, then plan, validate and zip.

`build_package` is the one way a package is made, for the release pipeline
(pipeline.py, in its workers) and for the preview alike:

    plan = target.plan(rendered)       the manifest and every entry (targets/)
    validate the plan                  our schemas and the integrity checks (validate/)
    write_package(...)                 the deterministic zip (package.py)
"""
from __future__ import annotations

import zipfile
from collections import ChainMap
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from .course import Bundle, Course
from .errors import ScormpackError, UsageError
from .media import describe_media, describe_resized
from .package import Deflated, write_package
from .render import RenderedBundle
from .targets import TARGETS, PackagePlan, Target
from .validate import Finding, validate_plan


@dataclass
class BuiltPackage:
    """A package written, and what building it found."""

    path: Path
    plan: PackagePlan
    findings: list[Finding]  # validation's (errors stop the build, so warnings and notes)
    files: int  # entries in the zip
    media: list[Path]  # course files the package holds as they are, and other render inputs (their hashes key its reuse)
    suspend_estimates: dict[str, int | None] = field(default_factory=dict)  # for the next build (EarlierBuild)
    media_files: list[dict] = field(default_factory=list)  # build-report.json's sizes of the course files it holds
    members: list[zipfile.ZipInfo] = field(default_factory=list)  # the zip's members, as written

    def warnings(self, course: Course) -> list[str]:
        """The plan's warnings the author did not accept and validation's, files named relative to the course."""
        root = course.root.resolve()
        shown = [relative_warning(warning, root) for warning, reason in self._acceptance(course) if reason is None]
        return shown + [f"{f.where}: {f.message}" for f in self.findings if f.severity == "warning"]

    def notes(self, course: Course) -> list[str]:
        """The plan's warnings the author accepted ([accept] in course.toml, accept= on a question), with why."""
        root = course.root.resolve()
        return [f"{relative_warning(warning, root)} ({reason})" for warning, reason in self._acceptance(course) if reason is not None]

    def _acceptance(self, course: Course) -> list[tuple[ScormpackError, str | None]]:
        return [(w, course.acceptance(getattr(w, "code", ""), w.path, w.line)) for w in self.plan.warnings]


@dataclass
class EarlierBuild:
    """What an earlier build of the same package leaves for a rebuild to reuse; the bytes never depend on it."""

    package: Path | None = None  # its file: unchanged members are copied from it compressed (package.py)
    # Saved-state estimates of launch pages by sha256 (validate.check_suspend_data): unchanged pages are not parsed.
    suspend_estimates: dict[str, int | None] = field(default_factory=dict)
    # Module files known to be what `package`'s members of the same names hold (their modules' render keys
    # are the ones it was built with): where the plan holds that very content, it is copied from the
    # package without being read or compared again.
    unchanged: dict[str, bytes | Deflated] = field(default_factory=dict)


def build_package(
    course: Course,
    bundle: Bundle,
    target: Target,
    rendered: RenderedBundle,
    destination: Path,
    earlier: EarlierBuild | None = None,
) -> BuiltPackage:
    """Plan, validate and write one package to destination (atomically); raises, writing nothing, when invalid."""
    earlier = earlier or EarlierBuild()
    estimates: dict[str, int | None] = {}  # the ones this package uses, found earlier or now
    plan, findings = plan_package(course, bundle, target, rendered, ChainMap(estimates, earlier.suspend_estimates))
    entries = plan.all_entries()
    unchanged = frozenset(name for name, content in earlier.unchanged.items() if entries.get(name) is content)
    written = write_package(destination, entries, first=(plan.manifest_name,), previous=earlier.package, unchanged=unchanged)
    root = course.root.resolve()
    sources = (Path(value).resolve() for value in entries.values() if isinstance(value, Path))
    # What else rendering read (a .srt converted, the folder captions are found in) keys the package's reuse too.
    inputs = (Path(path).resolve() for module in rendered.modules for path in module.inputs)
    media = sorted({source for source in (*sources, *inputs) if source.is_relative_to(root)})
    course_files = {name: Path(value) for name, value in entries.items() if isinstance(value, Path) and Path(value).resolve().is_relative_to(root)}
    resized = {name: module.media[name] for module in rendered.modules for name in module.resized if isinstance(entries.get(name), bytes)}
    media_files = sorted(
        [describe_media(name, source) for name, source in course_files.items()]
        + [describe_resized(name, entries[name], source) for name, source in resized.items()],
        key=lambda described: described["path"],
    )
    return BuiltPackage(destination, plan, findings, len(entries), media, estimates, media_files, written.members)


def unchanged_entries(rendered: RenderedBundle, keys: dict[str, str], earlier_keys: dict[str, str]) -> dict[str, bytes | Deflated]:
    """The files of the modules whose render key is the one the earlier package was built with: rendering
    is deterministic, so their bytes are that package's members of the same names (write_package copies
    them without reading them again)."""
    return {
        name: content
        for module in rendered.modules
        # A module with render inputs beside its source (captions, a .srt) may have been rendered again
        # under the same key: its files are compared with the package's members instead.
        if not module.inputs and earlier_keys.get(module.module.id) == keys.get(module.module.id)
        for name, content in module.contents.items()
    }


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


def plan_package(
    course: Course,
    bundle: Bundle,
    target: Target,
    rendered: RenderedBundle,
    suspend_estimates: MutableMapping[str, int | None] | None = None,
) -> tuple[PackagePlan, list[Finding]]:
    """The package's plan, checked against our schemas and for integrity; raises when invalid."""
    plan = target.plan(rendered)
    digests = {name: (module.contents[name], digest) for module in rendered.modules for name, digest in module.digests.items()}
    report = validate_plan(plan.manifest, plan.entries, plan.extra_documents, plan.schema_set, suspend_estimates, digests)
    if report.errors:
        details = "; ".join(f"{f.where}: {f.message}" for f in report.errors[:5])
        raise ScormpackError(
            f"the {target.name} package for bundle {bundle.id!r} fails validation, so it was not written: {details}"
        )
    return plan, report.findings


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
