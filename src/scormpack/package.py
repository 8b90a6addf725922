"""Deterministic, atomic zip writing: same entries in, same bytes out."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

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


def entry_timestamp() -> tuple[int, int, int, int, int, int]:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    epoch = int(value) if value.isdigit() else DEFAULT_EPOCH
    epoch = max(epoch, DEFAULT_EPOCH)
    return time.gmtime(epoch)[:6]


def entry_order(entries: dict, first: tuple[str, ...] = ()) -> list[str]:
    """The entries' names as the zip holds them: `first` (the manifest) first, then the rest sorted."""
    return [name for name in first if name in entries] + sorted(name for name in entries if name not in first)


def write_package(destination: Path, entries: dict[str, bytes | Path], first: tuple[str, ...] = ()) -> None:
    """Write entries (zip path -> content or source file) to destination, atomically; `first` lead.

    The zip is written beside the destination and renamed over it only when
    complete, so a failed build never leaves a partial file nor removes the
    previous good package.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    timestamp = entry_timestamp()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    except OSError as error:
        # Name the package the user asked for, not the temporary file beside it.
        raise type(error)(error.errno, error.strerror, str(destination)) from None
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            for name in entry_order(entries, first):
                _check_name(name)
                info = zipfile.ZipInfo(name, date_time=timestamp)
                info.external_attr = 0o100644 << 16
                info.create_system = 3  # Unix, so the permission bits above are honoured everywhere
                suffix = PurePosixPath(name).suffix.lower()
                info.compress_type = zipfile.ZIP_STORED if suffix in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
                content = entries[name]
                if isinstance(content, Path):
                    info.file_size = content.stat().st_size
                    with content.open("rb") as source, archive.open(info, "w", force_zip64=info.file_size > 2**31) as sink:
                        shutil.copyfileobj(source, sink, CHUNK)
                else:
                    archive.writestr(info, content, compresslevel=6)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or not name:
        raise ValueError(f"unsafe zip entry name {name!r}")
