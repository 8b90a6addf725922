"""Deterministic, atomic zip writing: same entries in, same bytes out."""
from __future__ import annotations

import os
import shutil
import struct
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

# 1980-01-01, the earliest time a zip entry can carry, when SOURCE_DATE_EPOCH is unset.
DEFAULT_EPOCH = 315532800
# Formats that are compressed already: deflating them again costs time and saves nothing.
STORED_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".jxl",
    ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".ogv", ".opus", ".flac",
    ".zip", ".gz", ".bz2", ".xz", ".7z", ".woff", ".woff2", ".pdf", ".epub",
    ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".imscc",
}
CHUNK = 1024 * 1024
# Entries up to this size are compared with, and copied from, the previous package (write_package).
MAX_COPIED_SIZE = 64 * 1024 * 1024


COMPRESS_LEVEL = 6  # what every deflated entry is compressed at


class Deflated:
    """An entry's content as the raw deflate stream write_package writes for it, with its CRC and size:
    added to the zip as it is, inflated only when read. A rendered module keeps its files so in the
    build cache (render.RenderedModule), so a rebuild neither inflates nor deflates its unchanged pages."""

    __slots__ = ("raw", "crc", "size")

    def __init__(self, raw: bytes, crc: int, size: int):
        self.raw, self.crc, self.size = raw, crc, size

    @classmethod
    def of(cls, content: bytes) -> Deflated:
        # What zipfile writes for a deflated entry (ZipFile.writestr at COMPRESS_LEVEL).
        compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content))

    def read(self) -> bytes:
        return zlib.decompress(self.raw, -zlib.MAX_WBITS)

    def __reduce__(self):
        return (Deflated, (self.raw, self.crc, self.size))


def is_deflated(name: str) -> bool:
    """Whether write_package deflates an entry of that name (the others are stored as they are)."""
    return _suffix(name) not in STORED_SUFFIXES


def entry_bytes(content: bytes | Path | Deflated) -> bytes:
    """An entry's content, whichever way the plan holds it."""
    if isinstance(content, bytes):
        return content
    return content.read() if isinstance(content, Deflated) else Path(content).read_bytes()


def entry_timestamp() -> tuple[int, int, int, int, int, int]:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    epoch = int(value) if value.isdigit() else DEFAULT_EPOCH
    epoch = max(epoch, DEFAULT_EPOCH)
    return time.gmtime(epoch)[:6]


def entry_order(entries: dict, first: tuple[str, ...] = ()) -> list[str]:
    """The entries' names as the zip holds them: `first` (the manifest) first, then the rest sorted."""
    return [name for name in first if name in entries] + sorted(name for name in entries if name not in first)


@dataclass
class WriteResult:
    compressed: int = 0  # entries compressed (or stored) from their content
    copied: int = 0  # entries copied compressed from the previous package
    members: list[zipfile.ZipInfo] = field(default_factory=list)  # as the zip's central directory lists them


def write_package(
    destination: Path,
    entries: dict[str, bytes | Path | Deflated],
    first: tuple[str, ...] = (),
    previous: Path | None = None,
    unchanged: frozenset[str] = frozenset(),
) -> WriteResult:
    """Write entries (zip path -> content or source file) to destination, atomically; `first` lead.

    The zip is written beside the destination and renamed over it only when
    complete, so a failed build never leaves a partial file nor removes the
    previous good package.

    `previous` is an earlier package of ours (same scormpack, same zlib): an
    entry whose content equals one of its members is copied from it still
    compressed rather than deflated again. The bytes are the same as without
    it, since the member was deflated from the same content with the same
    settings; only the time differs. The entries named in `unchanged` are
    known by the caller to hold what previous's members of the same names
    hold (see build.EarlierBuild): they are copied without being compared.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    timestamp = entry_timestamp()
    result = WriteResult()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    except OSError as error:
        # Name the package the user asked for, not the temporary file beside it.
        raise type(error)(error.errno, error.strerror, str(destination)) from None
    os.close(handle)
    try:
        with _PreviousMembers(previous) as earlier, zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            for name in entry_order(entries, first):
                _check_name(name)
                info = zipfile.ZipInfo(name, date_time=timestamp)
                info.external_attr = 0o100644 << 16
                info.create_system = 3  # Unix, so the permission bits above are honoured everywhere
                info.compress_type = zipfile.ZIP_DEFLATED if is_deflated(name) else zipfile.ZIP_STORED
                content = entries[name]
                if isinstance(content, Deflated):
                    if info.compress_type == zipfile.ZIP_DEFLATED and content.size <= MAX_COPIED_SIZE:
                        _append_compressed(archive, info, content.raw, content.crc, content.size)
                        result.copied += 1
                        continue
                    content = content.read()
                copied = earlier.member_like(info, content, known_same=name in unchanged)
                if copied is not None:
                    _append_compressed(archive, info, *copied)
                    result.copied += 1
                elif isinstance(content, Path):
                    info.file_size = content.stat().st_size
                    with content.open("rb") as source, archive.open(info, "w", force_zip64=info.file_size > 2**31) as sink:
                        shutil.copyfileobj(source, sink, CHUNK)
                    result.compressed += 1
                else:
                    archive.writestr(info, content, compresslevel=COMPRESS_LEVEL)
                    result.compressed += 1
            result.members = archive.infolist()
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result


class _PreviousMembers:
    """The members of an earlier package, to copy the unchanged ones compressed (see write_package)."""

    def __init__(self, path: Path | None):
        self.archive: zipfile.ZipFile | None = None
        self.members: dict[str, zipfile.ZipInfo] = {}
        if path is None:
            return
        try:
            self.archive = zipfile.ZipFile(path)
            self.members = {info.filename: info for info in self.archive.infolist()}
        except (OSError, zipfile.BadZipFile, ValueError, EOFError):
            self.close()

    def __enter__(self) -> _PreviousMembers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
        self.archive, self.members = None, {}

    def member_like(self, info: zipfile.ZipInfo, content: bytes | Path, known_same: bool = False) -> tuple[bytes, int, int] | None:
        """(compressed bytes, CRC, size) of the earlier member holding exactly `content`, written as `info` would be.

        known_same: the caller knows the member holds `content` (write_package's `unchanged`); only
        its size is checked then."""
        earlier = self.members.get(info.filename)
        if earlier is None or earlier.compress_type != zipfile.ZIP_DEFLATED or info.compress_type != zipfile.ZIP_DEFLATED:
            return None  # stored entries cost no compression: nothing to save
        if earlier.flag_bits != 0 or earlier.extra or earlier.file_size > MAX_COPIED_SIZE:
            return None  # not written the way write_package writes small entries
        if known_same and isinstance(content, bytes) and len(content) == earlier.file_size:
            try:
                return self._raw(earlier), earlier.CRC, earlier.file_size
            except (OSError, ValueError):
                return None
        try:
            data = content.read_bytes() if isinstance(content, Path) else content
            if len(data) != earlier.file_size or zlib.crc32(data) != earlier.CRC:
                return None
            raw = self._raw(earlier)
            # Same size and CRC; the content itself decides (inflating is far cheaper than deflating).
            if zlib.decompress(raw, -zlib.MAX_WBITS) != data:
                return None
        except (OSError, zlib.error, ValueError):
            return None
        return raw, earlier.CRC, earlier.file_size

    def _raw(self, info: zipfile.ZipInfo) -> bytes:
        assert self.archive is not None and self.archive.fp is not None
        handle = self.archive.fp
        handle.seek(info.header_offset)
        header = handle.read(zipfile.sizeFileHeader)
        if len(header) != zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
            raise ValueError("bad local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + zipfile.sizeFileHeader + name_length + extra_length)
        raw = handle.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise ValueError("truncated member")
        return raw


def _append_compressed(archive: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes, crc: int, size: int) -> None:
    """Add a member whose compressed bytes are known, exactly as ZipFile.open(info, "w") would have written it.

    zipfile has no public way to add compressed data; this does what its
    writer does for a seekable file (a local header holding the final CRC and
    sizes, the data, then the entry in the central directory). The tests pin
    that a package written this way is byte for byte a fresh one.
    """
    info.flag_bits = 0
    info.CRC, info.file_size, info.compress_size = crc, size, len(raw)
    archive.fp.seek(archive.start_dir)
    info.header_offset = archive.fp.tell()
    archive.fp.write(info.FileHeader(False))
    archive.fp.write(raw)
    archive.start_dir = archive.fp.tell()
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info
    archive._didModify = True


def _check_name(name: str) -> None:
    # As PurePosixPath would tell (absolute, a '..' part), on strings: 5,000 entries are checked per package.
    if not name or name.startswith("/") or ".." in name.split("/") or "\\" in name:
        raise ValueError(f"unsafe zip entry name {name!r}")


def _suffix(name: str) -> str:
    """PurePosixPath(name).suffix, lower-cased, without making a path."""
    last = name.rpartition("/")[2]
    dot = last.rfind(".")
    return last[dot:].lower() if 0 < dot < len(last) - 1 else ""
