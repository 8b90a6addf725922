"""Pairing the packages of two build output folders, through their build-report.json.

A package of OLD is replaced by the package of NEW built for the same
bundle, language and target. When a bundle's only unpaired packages are one
in each folder, the target changed between the builds: they are compared
too, and the change of standard says what that costs.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ScormpackError
from ..reports import REPORT_NAME, read_report


@dataclass(frozen=True)
class ReleasedPackage:
    bundle: str
    language: str | None
    target: str
    path: Path

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.bundle, self.language, self.target)


@dataclass(frozen=True)
class PackagePair:
    bundle: str
    language: str | None
    old: ReleasedPackage | None
    new: ReleasedPackage | None

    @property
    def label(self) -> str:
        targets = " -> ".join(dict.fromkeys(p.target for p in (self.old, self.new) if p is not None))
        return " / ".join(part for part in (self.bundle, self.language, targets) if part)


def report_folder(path: Path) -> Path:
    """The build output folder a path names: the folder itself, or the folder of a build-report.json."""
    path = Path(path)
    return path.parent if path.name == REPORT_NAME and path.is_file() else path


def released_packages(folder: Path) -> list[ReleasedPackage]:
    """The packages a build report lists, each with its bundle, language and target; every file must be there."""
    folder = report_folder(folder)
    report = read_report(folder)
    course_language = (report.get("course") or {}).get("language")
    found = []
    for record in report.get("packages") or []:
        try:
            name, bundle, target = str(record["file"]), str(record["bundle"]), str(record["target"])
        except (KeyError, TypeError):
            raise ScormpackError("a package without file, bundle or target in the report", folder / REPORT_NAME) from None
        if Path(name).name != name:
            raise ScormpackError(f"package file {name!r} is not a plain file name", folder / REPORT_NAME)
        path = folder / name
        if not path.is_file():
            raise ScormpackError(f"{name} is in the report but not in the folder", folder)
        found.append(ReleasedPackage(bundle, record.get("language") or course_language, target, path))
    return found


def pair_packages(old: list[ReleasedPackage], new: list[ReleasedPackage]) -> list[PackagePair]:
    new_by_key = {package.key: package for package in new}
    old_keys = {package.key for package in old}
    pairs = [PackagePair(p.bundle, p.language, p, new_by_key.get(p.key)) for p in old]
    unpaired_new = [p for p in new if p.key not in old_keys]
    # A bundle's target changed: its one remaining OLD package pairs with its one remaining NEW package.
    for index, pair in enumerate(pairs):
        if pair.new is not None:
            continue
        same_old = [p for p in pairs if p.new is None and (p.bundle, p.language) == (pair.bundle, pair.language)]
        same_new = [p for p in unpaired_new if (p.bundle, p.language) == (pair.bundle, pair.language)]
        if len(same_old) == 1 and len(same_new) == 1:
            pairs[index] = PackagePair(pair.bundle, pair.language, pair.old, same_new[0])
            unpaired_new.remove(same_new[0])
    pairs += [PackagePair(p.bundle, p.language, None, p) for p in unpaired_new]
    return sorted(pairs, key=lambda pair: (pair.bundle, pair.language or "", (pair.old or pair.new).target))


def pair_folders(old_folder: Path, new_folder: Path) -> list[PackagePair]:
    """A report from before language editions names no language: its packages are in the language of the
    other folder's course. When both folders hold one language only, the pairs name none (as before)."""
    old, new = released_packages(old_folder), released_packages(new_folder)
    old_default = _course_language(old_folder) or _course_language(new_folder)
    new_default = _course_language(new_folder) or old_default
    old = [replace(p, language=p.language or old_default) for p in old]
    new = [replace(p, language=p.language or new_default) for p in new]
    if len({p.language for p in [*old, *new]}) <= 1:
        old, new = [replace(p, language=None) for p in old], [replace(p, language=None) for p in new]
    return pair_packages(old, new)


def _course_language(folder: Path) -> str | None:
    return (read_report(report_folder(folder)).get("course") or {}).get("language")
