"""What a build proves: build-report.json and SHA256SUMS, and merging the reports of a sharded build.

The report lists the whole bundle x target x language matrix and every
package this build covered (PackageRecord, with its language);
SHA256SUMS is in `sha256sum -c` format.
`merge-reports` checks the shards of one build against each other and writes
the proofs one unsharded build would have written.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .cache import sha256_file, write_atomic
from .errors import ScormpackError
from .package import entry_timestamp

if TYPE_CHECKING:
    from .pipeline import PipelineResult


REPORT_NAME = "build-report.json"
SUMS_NAME = "SHA256SUMS"
REPORT_FORMAT = 1


@dataclass(frozen=True, order=True)
class MatrixEntry:
    bundle: str
    target: str
    language: str = ""  # the edition's language ("" in reports written before editions)

    def __str__(self) -> str:
        return f"{self.bundle} x {self.target}" + (f" x {self.language}" if self.language else "")

    @property
    def label(self) -> str:
        """bundle/target/language, as build-report.json's matrix lists it."""
        return "/".join(part for part in (self.bundle, self.target, self.language) if part)

    @classmethod
    def from_label(cls, label: str) -> MatrixEntry:
        return cls(*label.split("/", 2))


@dataclass
class PackageRecord:
    """One package of the build, as build-report.json lists it."""

    file: str
    bundle: str
    target: str
    language: str
    modules: int
    files: int
    bytes: int
    sha256: str
    validation: str = "valid"
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings the author accepted ([accept], accept=)
    # Each course file the package holds as it is (images, media, documents): its package path and
    # bytes, and for images the format read from the content and the pixel size.
    media: list[dict] = field(default_factory=list)
    # The package budget: the members taking most of its bytes (path, bytes unpacked, bytes in the zip), largest first.
    largest: list[dict] = field(default_factory=list)

    @property
    def entry(self) -> MatrixEntry:
        return MatrixEntry(self.bundle, self.target, self.language)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> PackageRecord:
        return cls(**{"language": "", **{f.name: data[f.name] for f in fields(cls) if f.name in data}})


LARGEST_LISTED = 5


def largest_members(written: list[zipfile.ZipInfo], count: int = LARGEST_LISTED) -> list[dict]:
    """The `count` members taking most of a package's bytes (compressed, as the zip holds them), for the
    budget in build-report.json; ties in path order. written: the members as write_package listed them."""
    members = [info for info in written if not info.is_dir()]
    members.sort(key=lambda info: (-info.compress_size, info.filename))
    return [{"path": info.filename, "bytes": info.file_size, "compressed": info.compress_size} for info in members[:count]]


def format_bytes(size: int) -> str:
    """A size as --max-package-size takes it: decimal units (1 MB = 1,000,000 bytes)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


class PackageTooLarge(ScormpackError):
    """A package over the budget of build --max-package-size: nothing was written."""


def check_budget(records: list[PackageRecord], limit: int | None) -> None:
    """Raises, naming every package over `limit` bytes with its largest files, when there is one."""
    if limit is None:
        return
    over = [record for record in records if record.bytes > limit]
    if not over:
        return
    lines = [
        f"{record.file} is {format_bytes(record.bytes)} ({record.bytes:,} bytes); its largest files: "
        + ", ".join(f"{member['path']} ({format_bytes(member['compressed'])} in the zip)" for member in record.largest[:3])
        for record in over
    ]
    raise PackageTooLarge(
        f"--max-package-size {format_bytes(limit)}: {len(over)} of {len(records)} packages are over it, so nothing was written: "
        + "; ".join(lines)
    )


def write_proofs(result: PipelineResult) -> None:
    """SHA256SUMS and build-report.json for the packages of a finished build."""
    write_atomic(result.out_dir / SUMS_NAME, sha256sums(result.packages).encode("utf-8"))
    write_atomic(result.out_dir / REPORT_NAME, report_json(result).encode("utf-8"))


def sha256sums(packages: list[PackageRecord]) -> str:
    """The `sha256sum` format: '<hex>  <file name>' per line, sorted by name, so `sha256sum -c` checks them."""
    return "".join(f"{record.sha256}  {record.file}\n" for record in sorted(packages, key=lambda r: r.file))


def report_json(result: PipelineResult) -> str:
    course = result.course
    report = {
        "format": REPORT_FORMAT,
        "scormpack": __version__,
        # The source language's title and language; each package names its edition's language.
        "course": {"id": course.id, "title": course.title, "version": course.version, "language": course.language},
        "languages": [language for language in [course.language, *course.translations] if language in result.languages],
        "source_date_epoch": entry_epoch(),
        "shard": None if result.shard is None else f"{result.shard[0]}/{result.shard[1]}",
        "matrix": [entry.label for entry in result.matrix],
        "lint": result.lint_warnings,
        "packages": [record.to_json() for record in sorted(result.packages, key=lambda r: r.entry)],
    }
    if result.release is not None:
        report["release"] = result.release
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def entry_epoch() -> int:
    """The SOURCE_DATE_EPOCH the zip entries carry (after package.py's clamping)."""
    import calendar  # here: the locale machinery it loads is wanted only for this one date

    return calendar.timegm((*entry_timestamp(), 0, 0, 0))


@dataclass
class MergedReports:
    out_dir: Path
    report: dict
    packages: list[PackageRecord]
    copied: list[str]


def read_report(folder: Path) -> dict:
    path = Path(folder) / REPORT_NAME
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ScormpackError(f"no {REPORT_NAME} here: is this the output directory of a build?", folder) from None
    except ValueError as error:
        raise ScormpackError(f"not valid JSON: {error}", path) from None
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        raise ScormpackError(f"not a scormpack build report (format {REPORT_FORMAT})", path)
    return report


def merge_reports(shard_dirs: list[Path], out_dir: Path) -> MergedReports:
    """Merge the output directories of the shards of one build into out_dir.

    The shards must come from the same course version, scormpack and
    SOURCE_DATE_EPOCH, and together cover the whole matrix. Each package is
    checked against its shard's hash and copied into out_dir (unless it is
    there already); then SHA256SUMS and build-report.json are written for the
    whole matrix, the same as one unsharded build would have written. Nothing
    is written unless every check passes.
    """
    out_dir = Path(out_dir)
    reports = [(Path(folder), read_report(Path(folder))) for folder in shard_dirs]
    if not reports:
        raise ScormpackError("merge-reports needs at least one build output directory")
    first_dir, first = reports[0]
    same = ("scormpack", "course", "languages", "source_date_epoch", "matrix")
    for folder, report in reports[1:]:
        for key in same:
            if report.get(key) != first.get(key):
                raise ScormpackError(
                    f"{REPORT_NAME}: its {key} differs from that of {first_dir} ({report.get(key)!r} vs {first.get(key)!r}): "
                    "shards must come from one build",
                    folder,
                )
    sources: dict[str, tuple[PackageRecord, Path]] = {}
    lint: list[str] = []
    for folder, report in reports:
        lint += [warning for warning in report.get("lint", []) if warning not in lint]
        for data in report.get("packages", []):
            record = PackageRecord.from_json(data)
            known = sources.get(record.file)
            if known is not None and known[0].sha256 != record.sha256:
                raise ScormpackError(f"{record.file} was built twice with different bytes (also in {known[1]})", folder)
            sources.setdefault(record.file, (record, folder))
    matrix = [MatrixEntry.from_label(label) for label in first.get("matrix", [])]
    built = {record.entry for record, _ in sources.values()}
    missing = [entry for entry in matrix if entry not in built]
    if missing:
        shown = ", ".join(str(entry) for entry in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ScormpackError(f"the shards do not cover the matrix: {len(missing)} package(s) missing ({shown})")
    to_copy: list[tuple[Path, Path]] = []
    for name, (record, folder) in sorted(sources.items()):
        source, destination = folder / name, out_dir / name
        if source.resolve() == destination.resolve():
            candidate = source
        elif destination.is_file() and sha256_file(destination) == record.sha256:
            continue
        else:
            candidate = source
            to_copy.append((source, destination))
        if not candidate.is_file():
            raise ScormpackError(f"{name} is in the shard's report but not in its directory", folder)
        if sha256_file(candidate) != record.sha256:
            raise ScormpackError(f"{name} does not match the sha256 its shard's report gives", folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    for source, destination in to_copy:
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=out_dir)
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            os.chmod(temporary, 0o644)
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    packages = sorted((record for record, _ in sources.values()), key=lambda r: r.entry)
    report = {**first, "shard": None, "lint": lint, "packages": [record.to_json() for record in packages]}
    releases = [shard_report["release"] for _, shard_report in reports if shard_report.get("release") is not None]
    if releases:
        from .updates.release import merge_release_checks  # updates reads build reports: imported here, not at the top

        report["release"] = merge_release_checks(releases)
    write_atomic(out_dir / SUMS_NAME, sha256sums(packages).encode("utf-8"))
    write_atomic(out_dir / REPORT_NAME, (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return MergedReports(out_dir, report, packages, [destination.name for _, destination in to_copy])
