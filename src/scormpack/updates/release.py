"""A release that checks itself: `build --against PREVIOUS` and the identifier ledger, run by the build.

The build calls `check_course` once the course is loaded, before any work,
and `check_packages` once every package is built and validated, before
anything is moved into the output directory. Either raises ReleaseRefused
on data loss the author has not accepted (per module id, or `all`), so a
refused release writes nothing. The verdict goes into build-report.json.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..course import Course
from ..errors import ERROR, NOTE, WARNING, Finding, ScormpackError
from .compare import PackageDiff
from .diff import diff_pair
from .folders import ReleasedPackage, pair_packages, released_packages, report_folder
from .ledger import ACCEPT_ALL, LedgerFinding, check_ledger, ledger_path, read_ledger, unaccepted
from .output import overall
from .verdicts import DATA_LOSS, LMS_RULES, Change, worst


class ReleaseRefused(ScormpackError):
    """The release would delete learners' records (or reuse a retired id): nothing was written."""

    def __init__(self, message: str, path: Path | None, findings: list[Finding]):
        super().__init__(message, path, findings=[*findings, Finding(path, None, ERROR, message, "release-refused")])


@dataclass
class ReleaseCheck:
    course_dir: Path
    against: Path | None = None  # the previous release's folder, or its build-report.json
    accepted: set[str] = field(default_factory=set)  # module ids whose loss the author accepts, or 'all'
    ledger_findings: list[LedgerFinding] = field(default_factory=list)
    diffs: list[PackageDiff] = field(default_factory=list)

    def check_course(self, course: Course) -> None:
        ledger = read_ledger(self.course_dir)
        if ledger is not None:
            self.ledger_findings = check_ledger(course, ledger)
            blocking = unaccepted(self.ledger_findings, self.accepted)
            if blocking:
                raise ReleaseRefused(
                    "the sources lose or reuse ids this ledger records as released; nothing was written",
                    ledger_path(self.course_dir),
                    [finding.finding(self.accepted) for finding in blocking],
                )
        if self.against is not None:
            released_packages(self.against)  # a missing or broken previous release fails before any work

    def check_packages(self, course: Course, packages: list[tuple[str, str, str, Path]]) -> dict:
        """Diff each new package (bundle, target, language, file) against the previous release's package of the
        same language; the verdict for the report. A release from before language editions is in the course's
        source language."""
        if self.against is None:
            return self.summary(course)
        def edition(language: str | None) -> str | None:  # a course in one language names none
            return (language or course.language) if course.translations else None

        previous = [ReleasedPackage(p.bundle, edition(p.language), p.target, p.path) for p in released_packages(self.against)]
        new = [ReleasedPackage(bundle, edition(language), target, path) for bundle, target, language, path in packages]
        packages = [(bundle, target, edition(language), path) for bundle, target, language, path in packages]
        old = _covered(previous, packages)
        self.diffs = [diff_pair(pair) for pair in pair_packages(old, new)]
        losses = [
            (diff, change)
            for diff in self.diffs
            for change in diff.changes
            if change.verdict() == DATA_LOSS and not self._accepted(change)
        ]
        if losses:
            raise ReleaseRefused(
                "releasing this deletes learners' records; nothing was written "
                "(accept per module with --accept-loss MODULE_ID, or --accept-loss all)",
                report_folder(self.against),
                [self._finding(diff, change) for diff, change in losses],
            )
        return self.summary(course)

    def _accepted(self, change: Change) -> bool:
        if ACCEPT_ALL in self.accepted:
            return True
        return any(change.item in (module, f"ITEM-{module}") for module in self.accepted)

    def summary(self, course: Course) -> dict:
        return {
            "against": str(report_folder(self.against)) if self.against is not None else None,
            "verdict": overall(self.diffs) if self.diffs else None,
            "accepted": sorted(self.accepted),
            "ledger": [finding.as_dict() for finding in self.ledger_findings],
            "packages": [
                {"label": diff.label, "verdict": diff.verdict(), "lms": diff.verdicts(),
                 "changes": [change.as_dict() for change in diff.changes if change.verdict() != "safe"]}
                for diff in self.diffs
            ],
        }

    def findings(self) -> list[Finding]:
        """What the author should see when the release goes ahead: every change worse than safe (an accepted loss as a note)."""
        found = [finding.finding(self.accepted) for finding in self.ledger_findings]
        found += [self._finding(diff, change) for diff in self.diffs for change in diff.changes if change.verdict() != "safe"]
        return found

    def _finding(self, diff: PackageDiff, change: Change) -> Finding:
        verdict = change.verdict()
        severity = (NOTE if self._accepted(change) else ERROR) if verdict == DATA_LOSS else WARNING
        return Finding(None, None, severity, f"{diff.label}: {_line(change)}", f"release-{verdict}")


def _covered(previous: list[ReleasedPackage], packages: list[tuple[str, str, str, Path]]) -> list[ReleasedPackage]:
    """The previous packages this build replaces: those of the bundles, languages and targets it builds (a
    build of some targets, languages or a shard is not told it dropped the others), and a bundle's packages
    of other targets when it had none of the targets built now (its target changed)."""
    built: dict[tuple[str, str], set[str]] = {}
    for bundle, target, language, _ in packages:
        built.setdefault((bundle, language), set()).add(target)
    covered = []
    for package in previous:
        edition = (package.bundle, package.language)
        targets = built.get(edition)
        if not targets:
            continue
        had_these = any((p.bundle, p.language) == edition and p.target in targets for p in previous)
        if package.target in targets or not had_these:
            covered.append(package)
    return covered


def merge_release_checks(entries: list[dict]) -> dict:
    """The release check of a sharded build, from its shards' reports: every package once, the worst verdict."""
    packages: dict[str, dict] = {}
    for entry in entries:
        for package in entry.get("packages") or []:
            packages.setdefault(package.get("label", ""), package)
    verdicts = [entry["verdict"] for entry in entries if entry.get("verdict")]
    return {
        **entries[0],
        "verdict": worst(verdicts) if verdicts else None,
        "accepted": sorted({name for entry in entries for name in entry.get("accepted") or []}),
        "packages": [packages[label] for label in sorted(packages)],
    }


def _line(change: Change) -> str:
    judged = "; ".join(f"{lms}: {change.judgements[lms].verdict}: {change.judgements[lms].reason}" for lms in LMS_RULES if lms in change.judgements)
    return f"{change.verdict()}: {change.item}: {change.kind} {change.old!r} -> {change.new!r}: {judged}"
