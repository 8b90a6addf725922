"""The build cache kept under the output directory, so rebuilds redo only what changed.

Everything is keyed on content hashes: of the course's files (module sources,
course.toml, media), of scormpack itself (its code, templates, runtime files
and schemas) and of the build settings (target, SOURCE_DATE_EPOCH). Two
levels are kept:

- rendered modules, per bundle and layout: a module is rendered again only
  when its key changes (its own source, course.toml, the bundle's module list);
- built packages: a package whose inputs are all unchanged, and whose file in
  the output directory is still the one written, is not built at all.

The cache only ever saves work: deleting it (or `--no-cache`) gives the same
packages, byte for byte.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from . import __version__
from .course import Module
from .errors import ScormpackError
from .render import RenderedModule
from .schemas import schemas_dir

CACHE_DIR_NAME = ".scormpack-cache"
# Bumped when the layout of the cache files changes.
CACHE_FORMAT = 1
FILES_INDEX = "files.json"
PACKAGES_INDEX = "packages.json"
MODULES_FOLDER = "modules"
CHUNK = 1024 * 1024
PACKAGE_DIR = Path(__file__).parent


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def digest_of(value: Any) -> str:
    """A stable hash of JSON-able data (the keys below)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=None)
def tool_fingerprint() -> str:
    """scormpack's version and the hash of every file that shapes its output."""
    digest = hashlib.sha256(f"scormpack {__version__} cache {CACHE_FORMAT}\n".encode())
    for root in (PACKAGE_DIR, schemas_dir()):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file beside its destination and rename it over: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FileHashes:
    """sha256 of files, remembered with their size and modification time so unchanged files are not read again."""

    def __init__(self, known: dict[str, list] | None = None):
        self.known: dict[str, list] = dict(known or {})
        self.used: dict[str, list] = {}

    def digest(self, path: Path) -> str:
        key = str(Path(path).resolve())
        stat = os.stat(key)
        entry = self.known.get(key)
        if entry is None or entry[0] != stat.st_size or entry[1] != stat.st_mtime_ns:
            entry = [stat.st_size, stat.st_mtime_ns, sha256_file(Path(key))]
            self.known[key] = entry
        self.used[key] = entry
        return entry[2]

    def unchanged(self, recorded: dict[str, str]) -> bool:
        """Whether every file recorded (path -> sha256) still exists with that content."""
        for path, sha in recorded.items():
            try:
                if self.digest(Path(path)) != sha:
                    return False
            except OSError:
                return False
        return True


class ModuleCache:
    """Rendered modules of one bundle and layout, reused while their keys are unchanged (see render.RenderCache)."""

    def __init__(self, previous: dict[str, tuple], keys: dict[str, str]):
        self.previous = previous  # module id -> (key, rendered module, warnings as (message, path, line))
        self.keys = keys  # module id -> its key in this build
        self.current: dict[str, tuple] = {}  # what this build used or rendered: the next build's cache

    def _entry(self, module: Module) -> tuple | None:
        entry = self.current.get(module.id) or self.previous.get(module.id)
        if entry is None or entry[0] != self.keys.get(module.id):
            return None
        return entry

    def has(self, module: Module) -> bool:
        return self._entry(module) is not None

    def lookup(self, module: Module) -> tuple[RenderedModule, list[ScormpackError]] | None:
        entry = self._entry(module)
        if entry is None:
            return None
        self.current[module.id] = entry
        _, rendered, warnings = entry
        # A cached copy of the module is equal to this one; keep one object per module.
        rendered.module = module
        if rendered.quiz is not None and module.quiz is not None:
            rendered.quiz.quiz = module.quiz
            for question, source in zip(rendered.quiz.questions, module.quiz.questions):
                question.question = source
        return rendered, [ScormpackError(message, path, line) for message, path, line in warnings]

    def store(self, module: Module, rendered: RenderedModule, warnings: list[ScormpackError]) -> None:
        if module.id in self.keys:
            kept = [(w.message, None if w.path is None else str(w.path), w.line) for w in warnings]
            self.current[module.id] = (self.keys[module.id], rendered, kept)

    def dumps(self) -> bytes:
        return pickle.dumps(self.current, protocol=pickle.HIGHEST_PROTOCOL)


def module_cache_name(bundle_id: str, layout: str) -> str:
    return f"{bundle_id}--{layout}.pickle"


def load_module_cache(path: Path) -> dict[str, tuple]:
    """The modules cached by an earlier build; anything unreadable counts as an empty cache."""
    try:
        data = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class BuildCache:
    """The cache folder of one output directory."""

    def __init__(self, root: Path, enabled: bool = True):
        self.root = root
        self.enabled = enabled
        self.files = FileHashes(self._read_json(FILES_INDEX).get("files", {}) if enabled else {})
        self.packages: dict[str, dict] = self._read_json(PACKAGES_INDEX).get("packages", {}) if enabled else {}

    def _read_json(self, name: str) -> dict:
        try:
            data = json.loads((self.root / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("tool") != tool_fingerprint():
            return {}
        return data

    def module_cache_path(self, bundle_id: str, layout: str) -> Path | None:
        return self.root / MODULES_FOLDER / module_cache_name(bundle_id, layout) if self.enabled else None

    def save(self, packages: dict[str, dict]) -> None:
        """Record the packages of this build (merged with those kept from before) and the file hashes used."""
        if not self.enabled:
            return
        self.packages.update(packages)
        header = {"format": CACHE_FORMAT, "tool": tool_fingerprint()}
        files = {path: entry for path, entry in self.files.known.items() if path in self.files.used or os.path.exists(path)}
        write_atomic(self.root / FILES_INDEX, json.dumps({**header, "files": files}, sort_keys=True).encode())
        write_atomic(self.root / PACKAGES_INDEX, json.dumps({**header, "packages": self.packages}, sort_keys=True).encode())
