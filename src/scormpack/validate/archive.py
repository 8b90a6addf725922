"""Reading a package's zip without extracting it: bounded reads, safe names, zip-bomb limits."""
from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable

from .report import Report


@dataclass(frozen=True)
class Limits:
    """What a package may hold before it is refused, and how much of it we hold in memory at once.

    Memory does not grow with what a package declares: members are streamed,
    only the XML and HTML the checks parse are kept, and each of those is
    bounded in bytes and in elements before it becomes a tree.
    """

    entries: int = 20_000
    total_bytes: int = 2 * 1024**3  # declared uncompressed size of all entries
    ratio: int = 200  # uncompressed / compressed, for entries (and archives) above ratio_floor
    ratio_floor: int = 1024**2
    member_bytes: int = 32 * 1024**2  # one member we read whole (an XSD, a page, a resource file)
    read_budget: int = 256 * 1024**2  # every member we read whole, together
    kept_bytes: int = 64 * 1024**2  # members kept in memory between reads, together (past it, read again when needed)
    xml_bytes: int = 8 * 1024**2  # one XML or HTML document we parse (the manifest, a QTI file, a page)
    xml_elements: int = 100_000  # elements in one such document


LIMITS = Limits()
# Kept for callers of the first version of this module.
MAX_ENTRIES = LIMITS.entries
MAX_TOTAL_BYTES = LIMITS.total_bytes
MAX_XML_BYTES = LIMITS.member_bytes
MAX_RATIO = LIMITS.ratio

CHUNK_BYTES = 1024**2  # members are inflated this much at a time
# PKZIP 2.04g, the format IMS Content Packaging and SCORM name for package files, knows
# these two methods; other readers (LMSs' unzip among them) may know no more.
PACKAGE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
METHOD_NAMES = {12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "WinZip AES encryption"}


class PackageReadError(Exception):
    """A member that cannot be read safely (too large, corrupt, encrypted, ...)."""


class UnreadableMember(PackageReadError):
    """A member the zip cannot give back as it was stored; already reported by `PackageArchive.check_members`."""


class PackageArchive:
    """Every member of a package's zip read once, streamed and bounded, its CRC checked; nothing is written to disk.

    `read` gives a member's bytes (kept while they fit in `kept_bytes`, so a
    second read does not inflate it again); `check_members` streams every
    member not read yet, keeping those the checks will parse while they fit,
    and reports each one that cannot be unpacked. Past `kept_bytes` a member
    the checks need is inflated again when they ask for it: memory stays
    bounded, and only such large packages pay for a second read.
    """

    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        self.archive = archive
        self.limits = limits
        self.infos = {info.filename: info for info in archive.infolist()}
        self.kept: dict[str, bytes] = {}
        self.unreadable: dict[str, str] = {}  # name -> why
        self.spent = 0
        self.kept_total = 0

    def read(self, name: str) -> bytes:
        if name in self.kept:
            return self.kept[name]
        if name in self.unreadable:
            raise UnreadableMember(f"cannot read {name} from the zip: {self.unreadable[name]}")
        info = self.infos.get(name)
        if info is None:
            raise PackageReadError(f"{name}: no such member")
        if info.file_size > self.limits.member_bytes:
            raise PackageReadError(f"{name} is {info.file_size} bytes, over the {self.limits.member_bytes} bytes read limit")
        if self.spent + info.file_size > self.limits.read_budget:
            raise PackageReadError(f"reading {name} would pass the {self.limits.read_budget} bytes read budget")
        why = unpack_problem(info)
        if why is None:
            try:
                data = self._inflate(info, keep=True)
            except _Corrupt as error:
                why = str(error)
        if why is not None:
            self.unreadable[name] = why
            raise PackageReadError(f"cannot read {name} from the zip: {why}")
        self.spent += len(data)
        self._keep(name, data)
        return data

    def _keep(self, name: str, data: bytes) -> None:
        if self.kept_total + len(data) <= self.limits.kept_bytes:
            self.kept[name] = data
            self.kept_total += len(data)

    def check_members(self, report: Report, keep: Callable[[str], bool]) -> None:
        """Stream every member not read yet (keeping those `keep` names, within the budget); an error for each
        one an LMS could not unpack."""
        for name, info in self.infos.items():
            if name.endswith("/") or name in self.kept or name in self.unreadable:
                continue
            why = unpack_problem(info)
            if why is None:
                wanted = keep(name) and self.kept_total + info.file_size <= self.limits.kept_bytes
                try:
                    data = self._inflate(info, keep=wanted)
                except _Corrupt as error:
                    why = str(error)
                else:
                    if wanted:
                        self.spent += len(data)
                        self._keep(name, data)
                    continue
            self.unreadable[name] = why
            report.error(name, f"cannot be unpacked: {why}; an LMS refuses the package", "zip-member-unreadable")

    def _inflate(self, info: zipfile.ZipInfo, keep: bool) -> bytes:
        """The member's bytes (or b"" when not kept), read a chunk at a time to the end, where zipfile checks the CRC."""
        chunks = []
        try:
            with self.archive.open(info) as handle:
                while True:
                    chunk = handle.read(CHUNK_BYTES)
                    if not chunk:
                        break
                    if keep:
                        chunks.append(chunk)
        except zipfile.BadZipFile as error:
            raise _Corrupt("corrupt: CRC mismatch" if "CRC" in str(error) else f"corrupt: {error}") from None
        except zlib.error as error:
            reason = str(error).split(":", 1)[-1].strip()
            raise _Corrupt(f"corrupt: the compressed data cannot be inflated ({reason})") from None
        except EOFError:
            raise _Corrupt("corrupt: the compressed data ends early") from None
        except NotImplementedError as error:
            raise _Corrupt(f"needs what this zip reader does not support ({error})") from None
        except (RuntimeError, ValueError, OSError) as error:
            raise _Corrupt(f"corrupt: {error}") from None
        return b"".join(chunks)


class _Corrupt(Exception):
    pass


def unpack_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member cannot be unpacked as its header describes it, without reading it; None when it can."""
    if info.flag_bits & 0x41:  # bit 0: encrypted; bit 6: strong encryption
        return "encrypted"
    if info.compress_type not in PACKAGE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, "unknown")
        return f"compressed with an unsupported method ({info.compress_type}, {method}; packages store or deflate)"
    if info.extract_version > zipfile.MAX_EXTRACT_VERSION:
        return f"needs zip version {info.extract_version / 10:.1f} to extract, newer than zip readers know"
    return None


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
