"""Reading a package's zip without extracting it: bounded reads, safe names, zip-bomb limits."""
from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass

from .report import Report


@dataclass(frozen=True)
class Limits:
    """What a package may hold before it is refused as a possible zip bomb, and how much we read of it."""

    entries: int = 20_000
    total_bytes: int = 2 * 1024**3  # declared uncompressed size of all entries
    ratio: int = 200  # uncompressed / compressed, for entries (and archives) above ratio_floor
    ratio_floor: int = 1024**2
    member_bytes: int = 32 * 1024**2  # one member we read (manifest, resource XML, launch page)
    read_budget: int = 256 * 1024**2  # every member we read, together


LIMITS = Limits()
# Kept for callers of the first version of this module.
MAX_ENTRIES = LIMITS.entries
MAX_TOTAL_BYTES = LIMITS.total_bytes
MAX_XML_BYTES = LIMITS.member_bytes
MAX_RATIO = LIMITS.ratio


class PackageReadError(Exception):
    """A member that cannot be read safely (too large, corrupt, encrypted, ...)."""


class ZipMembers:
    """Bounded, in-memory reads of a zip's members; nothing is ever written to disk."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        self.archive = archive
        self.limits = limits
        self.infos = {info.filename: info for info in archive.infolist()}
        self.spent = 0

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise PackageReadError(f"{name}: no such member")
        if info.file_size > self.limits.member_bytes:
            raise PackageReadError(f"{name} is {info.file_size} bytes, over the {self.limits.member_bytes} bytes read limit")
        if self.spent + info.file_size > self.limits.read_budget:
            raise PackageReadError(f"reading {name} would pass the {self.limits.read_budget} bytes read budget")
        try:
            with self.archive.open(info) as handle:
                data = handle.read(self.limits.member_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as error:
            raise PackageReadError(f"cannot read {name} from the zip: {error}") from None
        if len(data) > self.limits.member_bytes:
            raise PackageReadError(f"{name} inflates beyond the {self.limits.member_bytes} bytes read limit")
        self.spent += len(data)
        return data


def check_entries(report: Report, archive: zipfile.ZipFile, limits: Limits) -> set[str] | None:
    """The package's file names, or None when the zip is refused (unsafe names, zip bomb)."""
    infos = archive.infolist()
    where = report.package
    if len(infos) > limits.entries:
        report.error(where, f"{len(infos)} entries (limit {limits.entries}): refused as a possible zip bomb", "zip-bomb")
        return None
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        report.error(where, f"{total} bytes uncompressed (limit {limits.total_bytes}): refused as a possible zip bomb", "zip-bomb")
        return None
    compressed = sum(info.compress_size for info in infos)
    if total > limits.ratio_floor and total > limits.ratio * max(compressed, 1):
        report.error(where, f"the entries inflate {total // max(compressed, 1)} times (limit {limits.ratio}): refused as a possible zip bomb", "zip-bomb")
        return None
    files: set[str] = set()
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        problem = unsafe_name(name)
        if problem:
            report.error(repr(name), f"unsafe entry path ({problem}): refused", "zip-unsafe-name")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            report.error(name, "a symbolic link entry: refused (it could point outside the package once extracted)", "zip-unsafe-name")
            continue
        if name in seen:
            report.error(name, "the zip holds this entry twice: which copy an LMS extracts is undefined", "zip-duplicate")
        seen.add(name)
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
            report.error(name, f"inflates {info.file_size // max(info.compress_size, 1)} times (limit {limits.ratio}): refused as a possible zip bomb", "zip-bomb")
            continue
        if not name.endswith("/"):
            files.add(name)
    if any(finding.code in ("zip-unsafe-name", "zip-bomb") for finding in report.errors):
        return None
    return files


def unsafe_name(name: str) -> str | None:
    if "\x00" in name:
        return "NUL in the name"
    if name.startswith(("/", "\\")):
        return "absolute path"
    if re.match(r"^[A-Za-z]:", name):
        return "drive letter"
    if "\\" in name:
        return "backslash in the path"
    if ".." in name.split("/"):
        return "'..' segment"
    return None
