"""The build cache kept under the output directory, so rebuilds redo only what changed.

Everything is keyed on content hashes: of the course's files (module sources,
course.toml, media), of scormpack itself (its code, templates, runtime files
and schemas) and of the build settings (target, SOURCE_DATE_EPOCH). Two
levels are kept:

- rendered modules, per bundle and layout: a module is rendered again only
  when its key changes (its own source, course.toml, the bundle's module list);
  a rebuild that rendered few of them writes only those, beside the full file
  (StoredModules);
- built packages: a package whose inputs are all unchanged, and whose file in
  the output directory is still the one written, is not built at all.

and, for a rebuild, what the last build leaves: its packages (unchanged
members are copied from them compressed, package.py), the saved-state
estimates of their pages (validation parses only changed ones), and the
snapshot of its sources (the size and time of every file in the course
directory) with its result: when no file changed, the same request is
answered from it without reading the course.

The cache only ever saves work: deleting it (or `--no-cache`) gives the same
packages, byte for byte.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import json
import os
import pickle
import tempfile
import zlib
from stat import S_ISREG
from dataclasses import dataclass, fields
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from . import __version__
from .course import COURSE_FILE, Bundle, Course, Module
from .course_tree import path_order, walk
from .errors import ScormpackError
from .package import entry_timestamp
from .reading_cache import FILE_NAME as READINGS_FILE
from .reading_cache import ReadingCache, model_digest
from .render import RenderedModule, dumps_referring_to_model, loads_referring_to_model
from .schemas import schemas_dir

if TYPE_CHECKING:
    from .targets import Target


P = ParamSpec("P")
R = TypeVar("R")

CACHE_DIR_NAME = ".scormpack-cache"
# Bumped when the layout of the cache files changes.


CACHE_FORMAT = 2
FILES_INDEX = "files.json"


PACKAGES_INDEX = "packages.json"
SUSPEND_ESTIMATES = "suspend-estimates.json"
LAST_BUILD = "last-build.json"
MODULES_FOLDER = "modules"
# A module cache's changes file (StoredModules) is written instead of its full file while the entries
# changed since the full file are at most one in CHANGES_SHARE of those a build uses.
CHANGES_SUFFIX = ".changes.pickle"
CHANGES_SHARE = 8
TEMPLATES_FOLDER = "templates"  # the templates compiled (render.keep_compiled_templates)


CHUNK = 1024 * 1024
PACKAGE_DIR = Path(__file__).parent


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while caches are read, and what was read kept out of its way after.

    Unpickling a thousand cached modules makes hundreds of thousands of objects
    that all live to the end of the build. The collector, run every few
    hundred allocations, would walk them again and again (on the 1,000-module
    course, a third of a one-module rebuild's time); frozen (gc.freeze), they
    are left alone. Reference counting still frees them; run_pipeline thaws
    them (collector_thawed) when the build is done, so a long-running process
    (the preview, the tests) keeps nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def thaws_collector(function: Callable[P, R]) -> Callable[P, R]:
    """Whatever collector_paused froze during a call of function goes back to the collector afterwards."""

    @functools.wraps(function)
    def thawing(*arguments: P.args, **named: P.kwargs) -> R:
        try:
            return function(*arguments, **named)
        finally:
            gc.unfreeze()

    return thawing


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
    # zlib's version too: packages reuse deflated members of earlier ones (package.write_package),
    # which must be what this zlib would write.
    digest = hashlib.sha256(f"scormpack {__version__} cache {CACHE_FORMAT} zlib {zlib.ZLIB_RUNTIME_VERSION}\n".encode())
    for root in (PACKAGE_DIR, schemas_dir()):
        # Walked with strings (course_tree.walk), in the order of the paths: every build computes this.
        found = [(relative, entry) for relative, entry in walk(str(root), lambda name: name == "__pycache__") if not relative.endswith(".pyc")]
        for relative, entry in sorted(found, key=lambda item: path_order(item[0])):
            if entry.is_file():
                digest.update(f"{relative}\n".encode())
                with open(entry.path, "rb") as handle:
                    digest.update(handle.read())
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


def source_snapshot(course_dir: Path) -> dict[str, tuple[int, int, int]]:
    """(mtime, size, ctime) of every file under the course directory, hidden folders left out.

    The ctime catches what leaves the content's time alone (a file made
    unreadable); a link to nowhere is listed too, since the loader reports it.
    """
    snapshot = {}
    for relative, entry in sorted(walk(str(course_dir), _not_a_source), key=lambda found: path_order(found[0])):
        try:
            stat = entry.stat()
        except OSError:  # a broken link; or removed while we looked, and the next look sees it gone
            if entry.is_symlink():
                snapshot[relative] = (-1, -1, -1)
            continue
        if S_ISREG(stat.st_mode):
            snapshot[relative] = (stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns)
    return snapshot


def _not_a_source(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__"


class FileHashes:
    """sha256 of files, remembered with their size and modification time so unchanged files are not read again."""

    def __init__(self, known: dict[str, list] | None = None):
        self.known: dict[str, list] = dict(known or {})
        self.used: dict[str, list] = {}

    def digest(self, path: Path) -> str:
        """A file's sha256; for a folder (where a video's captions are found by name), that of its names."""
        key = os.path.abspath(path)  # not resolved: a thousand modules' paths resolved cost a rebuild 0.05 s
        stat = os.stat(key)
        entry = self.known.get(key)
        if entry is None or entry[0] != stat.st_size or entry[1] != stat.st_mtime_ns:
            if os.path.isdir(key):
                digest = hashlib.sha256("\n".join(sorted(os.listdir(key))).encode("utf-8")).hexdigest()
            else:
                digest = sha256_file(Path(key))
            entry = [stat.st_size, stat.st_mtime_ns, digest]
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


# Inputs up to this size are compared by content; larger ones (videos) by size and modification time.
HASHED_INPUT_BYTES = 1 << 20


def input_fingerprint(paths: Iterable[Path | str]) -> dict[str, object]:
    """What a rendered module's inputs are now (RenderedModule.inputs): a file's content (its size and
    modification time when large), a folder's names; None for one that is gone."""
    result: dict[str, object] = {}
    for path in paths:
        name = str(path)
        try:
            if os.path.isdir(name):
                result[name] = sorted(os.listdir(name))
                continue
            stat = os.stat(name)
            small = stat.st_size <= HASHED_INPUT_BYTES
            result[name] = sha256_file(Path(name)) if small else [stat.st_size, stat.st_mtime_ns]
        except OSError:
            result[name] = None
    return result


class ModuleCache:
    """Rendered modules of one bundle and layout, reused while their keys are unchanged (see render.RenderCache).

    On disk each module is pickled on its own, so a build unpickles only the
    modules it uses; after a one-module edit, only that module is pickled and
    written, beside the full file (dumps_changes, StoredModules).
    """

    def __init__(self, previous: dict[str, tuple], keys: dict[str, str], in_full_file: frozenset[str] = frozenset()):
        # module id -> (key, rendered module or None until unpickled, warnings as (message, path, line), pickle or None,
        # input_fingerprint of its inputs when rendered)
        self.previous = previous
        self.keys = keys  # module id -> its key in this build
        self.current: dict[str, tuple] = {}  # what this build used or rendered: the next build's cache
        self.checked: set[str] = set()  # modules whose inputs were found unchanged in this build
        # The modules whose entry in `previous` is the one the cache's full file holds (StoredModules):
        # those this build uses as they are need not be written again (dumps_changes).
        self.in_full_file = in_full_file
        self.as_in_full_file: set[str] = set()

    def add_rendered(self, entries: dict[str, tuple]) -> None:
        """Modules rendered ahead for this build (workers.RenderTask), in the module cache format."""
        self.previous.update(entries)
        self.in_full_file = self.in_full_file.difference(entries)

    def _entry(self, module: Module) -> tuple | None:
        entry = self.current.get(module.id) or self.previous.get(module.id)
        if entry is None or entry[0] != self.keys.get(module.id):
            return None
        # The module's source is in its key; what rendering read besides (captions, a .srt, the
        # folder its media's companions are found in) must be as it was too.
        if module.id not in self.checked:
            if input_fingerprint(entry[4]) != entry[4]:
                return None
            self.checked.add(module.id)
        return entry

    def has(self, module: Module) -> bool:
        return self._entry(module) is not None

    def lookup(self, module: Module) -> tuple[RenderedModule, list[ScormpackError]] | None:
        entry = self._entry(module)
        if entry is None:
            return None
        key, rendered, warnings, pickled, inputs = entry
        if rendered is None:
            try:
                rendered = loads_rendered(pickled, module)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, KeyError, IndexError):
                return None  # an unreadable entry: the module is rendered again
        if module.id not in self.current and module.id in self.in_full_file:
            self.as_in_full_file.add(module.id)
        # Its pickle is let go once unpickled (dumps pickles the module again, on the rare build that
        # writes the full file): a thousand modules' pickles held to the end were 24 MB more memory
        # for a rebuild to fault in.
        self.current[module.id] = (key, rendered, warnings, None, inputs)
        self.previous.pop(module.id, None)
        return rendered, [ScormpackError(message, path, line) for message, path, line in warnings]

    def store(self, module: Module, rendered: RenderedModule, warnings: list[ScormpackError]) -> None:
        if module.id in self.keys:
            kept = [(w.message, None if w.path is None else str(w.path), w.line) for w in warnings]
            self.current[module.id] = (self.keys[module.id], rendered, kept, None, input_fingerprint(rendered.inputs))
            self.checked.add(module.id)
            self.as_in_full_file.discard(module.id)

    def dumps(self, module_ids: Iterable[str] | None = None) -> bytes:
        """The entries this build used or rendered (those of module_ids only, when given), in the module cache format."""
        current = self.current if module_ids is None else {module_id: self.current[module_id] for module_id in module_ids}
        stored = {
            module_id: (key, pickled if pickled is not None else dumps_rendered(rendered), warnings, inputs)
            for module_id, (key, rendered, warnings, pickled, inputs) in current.items()
        }
        return pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL)

    def dumps_changes(self) -> tuple[bytes | None, bytes]:
        """What to write for the next build: (full file, changes file), see StoredModules.

        When most of the entries this build used are the full file's, only the others are written
        (the changes file; the full file stays): after a one-module edit of a 1,000-module bundle,
        one module rather than 20 MB. Otherwise the full file is written again, with no changes.
        """
        changed = [module_id for module_id in self.current if module_id not in self.as_in_full_file]
        if only_changes_written(self.as_in_full_file, changed, self.current):
            return None, self.dumps(changed)
        return self.dumps(), self.dumps(())


def dumps_rendered(rendered: RenderedModule) -> bytes:
    """A rendered module pickled without the course model it refers to (its Module, quiz and questions):
    the build that unpickles it has them already (loads_rendered), equal since the module's key says
    so; leaving them out makes the cache a quarter smaller and faster to read."""
    return dumps_referring_to_model(rendered, rendered.module)


def loads_rendered(data: bytes, module: Module) -> RenderedModule:
    """A module pickled by dumps_rendered, referring to this build's `module` (equal to the one it was rendered from)."""
    rendered = loads_referring_to_model(data, module)
    if not isinstance(rendered, RenderedModule):
        raise TypeError("not a rendered module")
    return rendered


def module_cache_name(bundle_id: str, layout: str, language: str = "") -> str:
    """A bundle's rendered modules in one layout; a translated edition's (language given) are kept apart."""
    return f"{bundle_id}--{language}--{layout}.pickle" if language else f"{bundle_id}--{layout}.pickle"


def edition_scope(course: Course) -> str:
    """The language that names a translated edition's module caches; the source language's keep their names."""
    return course.language if course.source_language else ""


def only_changes_written(kept: Collection, changed: Collection, used: Collection) -> bool:
    """Whether a build writes only the entries it changed, beside the full file (StoredModules, the readings):
    when it took some of the full file's entries as they are (kept) and changed at most one in CHANGES_SHARE
    of those it used."""
    return bool(kept) and len(changed) * CHANGES_SHARE <= len(used)


def changes_file(path: Path) -> Path:
    """Where the entries changed since a module cache's full file was written are kept (StoredModules)."""
    return path.with_name(path.name.removesuffix(".pickle") + CHANGES_SUFFIX)


@dataclass
class StoredModules:
    """A bundle's module cache on disk: a full file, and beside it the entries changed since it was
    written (ModuleCache.dumps_changes), which take precedence over the full file's."""

    entries: dict[str, tuple]  # module id -> ModuleCache entry
    in_full_file: frozenset[str]  # the modules whose entry is the full file's

    @classmethod
    def read(cls, path: Path | None) -> StoredModules:
        if path is None:
            return cls({}, frozenset())
        full = load_module_cache(path)
        changes = load_module_cache(changes_file(path)) if full else {}
        entries = {**full, **changes}
        return cls(entries, frozenset(full).difference(changes))


def load_module_cache(path: Path) -> dict[str, tuple]:
    """The modules cached by an earlier build (ModuleCache entries); anything unreadable counts as an empty cache."""
    try:
        with open(path, "rb") as handle:  # streamed: a 20 MB cache is not held twice in memory
            data = pickle.load(handle)
        return {
            module_id: (key, None, warnings, pickled, inputs)
            for module_id, (key, pickled, warnings, inputs) in data.items()
            if isinstance(pickled, bytes) and isinstance(inputs, dict)
        }
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return {}


class BuildCache:
    """The cache folder of one output directory."""

    def __init__(self, root: Path, enabled: bool = True):
        self.root = root
        self.enabled = enabled
        self.files = FileHashes(self._read_json(FILES_INDEX).get("files", {}) if enabled else {})
        self.packages: dict[str, dict] = self._read_json(PACKAGES_INDEX).get("packages", {}) if enabled else {}
        # Validation's saved-state estimate per launch page (validate.check_suspend_data), by the page's sha256.
        self.suspend_estimates: dict[str, int | None] = self._read_json(SUSPEND_ESTIMATES).get("pages", {}) if enabled else {}

    def _read_json(self, name: str) -> dict:
        try:
            data = json.loads((self.root / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("tool") != tool_fingerprint():
            return {}
        return data

    def earlier_package(self, name: str, out_dir: Path) -> Path | None:
        """The package of that name an earlier build wrote in out_dir, if it is still the file written."""
        cached = self.packages.get(name)
        try:
            stat = (out_dir / name).stat()
        except OSError:
            return None
        if cached is None or cached.get("output") != [stat.st_size, stat.st_mtime_ns]:
            return None
        return out_dir / name

    def last_build(self, request: dict, sources: dict[str, tuple[int, int, int]], out_dir: Path) -> dict | None:
        """The result the last build recorded (record_build), if it answered the same request from the same
        sources, SOURCE_DATE_EPOCH and scormpack, and every file it wrote is still the one written."""
        if not self.enabled:
            return None
        last = self._read_json(LAST_BUILD)
        if not last or last.get("request") != request or last.get("time") != list(entry_timestamp()):
            return None
        if last.get("sources") != {name: list(stat) for name, stat in sources.items()}:
            return None
        for name, recorded in last.get("outputs", {}).items():
            try:
                stat = (out_dir / name).stat()
            except OSError:
                return None
            if recorded != [stat.st_size, stat.st_mtime_ns]:
                return None
        return last.get("result")

    def record_build(self, request: dict, sources: dict[str, tuple[int, int, int]], out_dir: Path, outputs: list[str], result: dict) -> None:
        """What last_build compares and answers with; sources is the snapshot taken before the build read them."""
        if not self.enabled:
            return
        written = {}
        for name in outputs:
            stat = (out_dir / name).stat()
            written[name] = [stat.st_size, stat.st_mtime_ns]
        record = {
            "format": CACHE_FORMAT,
            "tool": tool_fingerprint(),
            "request": request,
            "time": list(entry_timestamp()),
            "sources": {name: list(stat) for name, stat in sources.items()},
            "outputs": written,
            "result": result,
        }
        write_atomic(self.root / LAST_BUILD, json.dumps(record, sort_keys=True).encode())

    def reading_cache(self) -> ReadingCache:
        """The module files as the last build read them (reading_cache.py); none when the cache is off."""
        return ReadingCache(self.root / READINGS_FILE if self.enabled else None, tool_fingerprint())

    def module_cache_path(self, bundle_id: str, layout: str, language: str = "") -> Path | None:
        return self.root / MODULES_FOLDER / module_cache_name(bundle_id, layout, language) if self.enabled else None

    def save(self, packages: dict[str, dict], suspend_estimates: dict[str, int | None] | None = None) -> None:
        """Record the packages of this build (merged with those kept from before), the file hashes and the
        saved-state estimates it used."""
        if not self.enabled:
            return
        self.packages.update(packages)
        if suspend_estimates is not None:
            self.suspend_estimates = suspend_estimates
        header = {"format": CACHE_FORMAT, "tool": tool_fingerprint()}
        files = {path: entry for path, entry in self.files.known.items() if path in self.files.used or os.path.exists(path)}
        write_atomic(self.root / FILES_INDEX, json.dumps({**header, "files": files}, sort_keys=True).encode())
        write_atomic(self.root / PACKAGES_INDEX, json.dumps({**header, "packages": self.packages}, sort_keys=True).encode())
        estimates = {**header, "pages": self.suspend_estimates}
        write_atomic(self.root / SUSPEND_ESTIMATES, json.dumps(estimates, sort_keys=True).encode())


class InputKeys:
    """Content keys of what a rendered module and a package are made from."""

    def __init__(self, course: Course, files: FileHashes, readings: ReadingCache | None = None):
        self.course = course
        self.files = files
        self.readings = readings  # what the loader's readings know of the modules it gave out
        self.root = course.root.resolve()
        self._root_prefix = str(self.root).rstrip("/") + "/"
        course_data = [repr(getattr(course, f.name)) for f in fields(course) if f.name not in ("modules", "bundles", "findings")]
        self.course_key = digest_of(
            {
                "tool": tool_fingerprint(),
                "root": str(self.root),
                "course.toml": files.digest(course.root / COURSE_FILE),
                "model": digest_of(course_data),
            }
        )
        self._modules: dict[str, list] = {}

    def module_sources(self, module: Module) -> list:
        if module.id not in self._modules:
            known = self.readings.known(module) if self.readings is not None else None
            resolved, model = known if known else (str(module.path.resolve()), model_digest(module))
            # A module may be a link to a file elsewhere: then its full path names it. (Both paths are
            # resolved: compared as strings, as Path.relative_to would, but faster on 1,000 modules.)
            shown = resolved[len(self._root_prefix):] if resolved.startswith(self._root_prefix) else resolved
            self._modules[module.id] = [module.id, shown, self.files.digest(module.path), model]
        return self._modules[module.id]

    def bundle_data(self, bundle: Bundle) -> dict:
        return {
            "course": self.course_key,
            "bundle": [bundle.id, bundle.title, bundle.description, bundle.audience, bundle.stage],
            "modules": [self.module_sources(module) for module in bundle.modules],
        }

    def module_keys(self, bundle: Bundle, layout: str) -> dict[str, str]:
        """Render key per module: its sources, the course, and the bundle's module list (links between modules)."""
        shared = {
            "course": self.course_key,
            "layout": layout,
            "bundle": [bundle.id, bundle.title, bundle.description, bundle.audience, bundle.stage],
            "members": [self.module_sources(module)[:2] for module in bundle.modules],
        }
        # The shared part is hashed once: hashing it into each module's key is quadratic in the bundle's size.
        shared_key = digest_of(shared)
        return {module.id: digest_of([shared_key, self.module_sources(module)]) for module in bundle.modules}

    def package_key(self, bundle: Bundle, target: Target) -> str:
        return digest_of(
            {**self.bundle_data(bundle), "target": target.name, "layout": target.layout, "time": list(entry_timestamp())}
        )


def package_still_valid(cached: dict, key: str, out_dir: Path, files: FileHashes) -> bool:
    """A cached package is reused when its key matches, its media are unchanged and its file is the one written."""
    if cached.get("key") != key or not files.unchanged(cached.get("media", {})):
        return False
    try:
        stat = (out_dir / cached["record"]["file"]).stat()
    except (OSError, KeyError, TypeError):
        return False
    return [stat.st_size, stat.st_mtime_ns] == cached.get("output")
