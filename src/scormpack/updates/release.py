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
from ..errors import ScormpackError
from .compare import PackageDiff
from .diff import diff_pair
from .folders import ReleasedPackage, pair_packages, released_packages, report_folder
from .ledger import ACCEPT_ALL, LedgerFinding, check_ledger, ledger_path, read_ledger, unaccepted
from .output import overall
from .verdicts import DATA_LOSS, LMS_RULES, Change


class ReleaseRefused(ScormpackError):
    """The release would delete learners' records (or reuse a retired id): nothing was written."""

    def __init__(self, message: str, lines: list[str]):
        super().__init__(message)
        self.lines = lines


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
                    f"the sources lose or reuse ids that {ledger_path(self.course_dir).name} records as released; nothing was written",
                    [str(finding) for finding in blocking],
                )
        if self.against is not None:
            released_packages(self.against)  # a missing or broken previous release fails before any work

    def check_packages(self, course: Course, packages: list[tuple[str, str, Path]]) -> dict:
        """Diff each new package (bundle, target, file) against the previous release; the verdict for the report."""
        if self.against is None:
            return self.summary(course)
        previous = released_packages(self.against)
        bundles = {bundle for bundle, _, _ in packages}
        new = [ReleasedPackage(bundle, None, target, path) for bundle, target, path in packages]
        old = [ReleasedPackage(p.bundle, None, p.target, p.path) for p in previous if p.bundle in bundles]
        self.diffs = [diff_pair(pair) for pair in pair_packages(old, new)]
        losses = [
            (diff, change)
            for diff in self.diffs
            for change in diff.changes
            if change.verdict() == DATA_LOSS and not self._accepted(change)
        ]
        if losses:
            raise ReleaseRefused(
                f"releasing this against {self.against} deletes learners' records; nothing was written "
                "(accept per module with --accept-loss MODULE_ID, or --accept-loss all)",
                [f"{diff.label}: {_line(change)}" for diff, change in losses],
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

    def warnings(self) -> list[str]:
        """What the author should see even when the release goes ahead: every change worse than safe."""
        lines = [str(finding) for finding in self.ledger_findings]
        for diff in self.diffs:
            lines += [f"{diff.label}: {_line(change)}" for change in diff.changes if change.verdict() != "safe"]
        return lines


def _line(change: Change) -> str:
    judged = "; ".join(f"{lms}: {change.judgements[lms].verdict}: {change.judgements[lms].reason}" for lms in LMS_RULES if lms in change.judgements)
    return f"{change.verdict()}: {change.item}: {change.kind} {change.old!r} -> {change.new!r}: {judged}"
