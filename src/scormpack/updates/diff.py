"""`scormpack diff OLD NEW`: two packages, or two build output folders paired by their reports."""
from __future__ import annotations

from pathlib import Path

from .compare import PACKAGE, PackageDiff, compare
from .folders import PackagePair, pair_folders
from .snapshot import read_snapshot
from .verdicts import RISKY, SAFE, Change


def diff_packages(old: Path, new: Path, label: str = "") -> PackageDiff:
    """What learners of OLD keep on NEW; NEW is also validated, since an LMS may refuse an invalid package."""
    return compare(read_snapshot(Path(old)), read_snapshot(Path(new), validate=True), label or f"{Path(old).name} -> {Path(new).name}")


def diff_pair(pair: PackagePair) -> PackageDiff:
    if pair.old is not None and pair.new is not None:
        return diff_packages(pair.old.path, pair.new.path, pair.label)
    if pair.new is None:
        change = Change(PACKAGE, "package-dropped", pair.old.path.name, None).both(
            RISKY, "NEW has no package for it: its activities stay on the old version, and a new activity would start empty"
        )
    else:
        change = Change(PACKAGE, "package-added", None, pair.new.path.name).both(SAFE, "a new package: no learner has records in it")
    return PackageDiff(pair.label, None, None, [change])


def diff_folders(old: Path, new: Path) -> list[PackageDiff]:
    return [diff_pair(pair) for pair in pair_folders(old, new)]
