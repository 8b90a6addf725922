"""Module files as the last build read them, reused while the files are unchanged.

Reading a module file (front matter, blocks, quiz, nesting limits) is the
largest cost of a rebuild after a one-module edit on a big course: reading
1,000 files again to find the one that changed. The loader asks this cache
for each file first (loader.read_course(reuse=...)).

A file's earlier reading is reused only when nothing it depends on can have
changed; on any doubt the file is read again:
- its size, modification time, inode and change time are those recorded;
- it had not been modified for STABLE_NS when it was read (a file written
  twice within the file system's time resolution, once before and once after
  the read, would otherwise look unchanged);
- the context is the same: course.toml's text (any change to it invalidates
  every module), the audience and stage ids the front matter is checked
  against, the course directory as given (module paths keep its spelling), and
  scormpack itself.
The readings are kept under the build cache (OUT/.scormpack-cache); deleting
them is always safe. While few of them change from one build to the next,
only those are written, beside the full file (module-readings.changes.pickle).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import time
from pathlib import Path

from .course import Module
from .errors import Finding

FORMAT = 2
STABLE_NS = 2_000_000_000
FILE_NAME = "module-readings.pickle"
CHANGES_FILE_NAME = "module-readings.changes.pickle"  # the entries changed since FILE_NAME was written (save)


def model_digest(module: Module) -> str:
    """The digest of a module's model, as the cache keys hold it (cache.InputKeys)."""
    return hashlib.sha256(repr(module).encode("utf-8")).hexdigest()


def file_state(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev, stat.st_ctime_ns)


class ReadingCache:
    """Earlier readings of module files (path as given -> the Module and what reading it found)."""

    def __init__(self, path: Path | None, salt: str = "", in_memory: bool = False):
        self.path = path  # where the readings are kept; None: nothing is kept (each file is read) ...
        self.in_memory = in_memory  # ... unless they are kept in memory for the next reading (the preview's)
        self.salt = salt  # what else the context holds: scormpack's fingerprint (cache.tool_fingerprint)
        self.context: str | None = None
        self.earlier: dict[str, tuple] = {}  # path -> (file state, pickled Module, findings)
        self.current: dict[str, tuple] = {}  # what this reading used or read: the next one's
        self.changed = False
        self.reused = 0
        self.in_full_file: frozenset[str] = frozenset()
        self.as_in_full_file: set[str] = set()
        # id of each module given out -> (the module, its file's resolved path, the digest of its model),
        # which the cache keys would otherwise compute again (cache.InputKeys).
        self.given: dict[int, tuple[Module, str, str]] = {}

    def begin(self, root: Path, course_toml: str, audience_ids: set[str], stage_ids: set[str]) -> None:
        """Start a reading of the course in root (course.toml's text, the ids the front matter is checked
        against); the readings of another context are dropped."""
        context = repr((self.salt, str(root), os.path.abspath(root), course_toml, sorted(audience_ids), sorted(stage_ids)))
        context = hashlib.sha256(context.encode("utf-8", "surrogatepass")).hexdigest()
        last, self.current = (self.current if context == self.context else {}), {}
        self.context = context
        self.changed = False
        self.reused = 0
        self.given = {}
        self.in_full_file = frozenset()  # the paths whose entry is the full file's (save)
        self.as_in_full_file = set()  # those this reading took as they are
        if self.path is None:
            self.earlier = last if self.in_memory else {}
            return
        full = self._read(self.path)
        if full is None:
            self.earlier, self.in_full_file = {}, frozenset()
            self.changed = self.path.exists()  # a stale file is rewritten
            return
        changes = self._read(self.changes_path) or {}
        self.earlier = {**full, **changes}
        self.in_full_file = frozenset(full).difference(changes)

    def _read(self, path: Path) -> dict[str, tuple] | None:
        """The entries of a readings file of this context; None when it has none (or none to trust)."""
        try:
            with open(path, "rb") as handle:
                data = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
            return None
        if isinstance(data, dict) and data.get("format") == FORMAT and data.get("context") == self.context:
            return data.get("files", {})
        return None

    @property
    def changes_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(CHANGES_FILE_NAME)

    def lookup(self, path: Path) -> tuple[Module, list[Finding]] | None:
        """The module of an earlier reading of path, with its findings, when the file is unchanged."""
        if self.context is None:
            return None
        name = str(path)
        entry = self.earlier.get(name)
        if entry is None:
            return None
        try:
            state = file_state(os.stat(name))
        except OSError:
            return None
        if state != entry[0]:
            return None
        try:
            module = pickle.loads(entry[1])
        except Exception:  # an unreadable entry is read again from the file
            return None
        if not isinstance(module, Module) or str(module.path) != name:
            return None
        self.current[name] = entry
        if name in self.in_full_file:
            self.as_in_full_file.add(name)
        self.given[id(module)] = (module, entry[3], entry[4])
        self.reused += 1
        return module, list(entry[2])

    def known(self, module: Module) -> tuple[str, str] | None:
        """(resolved path of its file, digest of its model) of a module this reading gave out (or read and
        kept); None for any other object, such as a translated edition's copy of it."""
        given = self.given.get(id(module))
        return (given[1], given[2]) if given is not None and given[0] is module else None

    def stat(self, path: Path) -> tuple[tuple, int] | None:
        """The file's state and the time, taken before the loader reads it (see store)."""
        try:
            return file_state(os.stat(path)), time.time_ns()
        except OSError:
            return None

    def store(self, path: Path, before: tuple[tuple, int] | None, module: Module | None, findings: list[Finding]) -> None:
        """Keep this reading of path for the next build, if it can be trusted then."""
        if (self.path is None and not self.in_memory) or self.context is None or before is None or module is None:
            return
        state, read_at = before
        if state[1] > read_at - STABLE_NS or state[4] > read_at - STABLE_NS:
            return  # changed too recently: a change right after the read could keep these times
        resolved, model = str(Path(path).resolve()), model_digest(module)
        self.current[str(path)] = (state, pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL), list(findings), resolved, model)
        self.as_in_full_file.discard(str(path))
        self.given[id(module)] = (module, resolved, model)
        self.changed = True

    def save(self) -> None:
        """Write this reading's entries when it kept a new one (a file read again only because it had
        just changed is not worth rewriting the others: its entry is simply not found next time)."""
        if self.path is None or self.context is None or not self.changed:
            return
        from .cache import only_changes_written, write_atomic

        def dumps(files: dict[str, tuple]) -> bytes:
            return pickle.dumps({"format": FORMAT, "context": self.context, "files": files}, protocol=pickle.HIGHEST_PROTOCOL)

        # As the module cache does (cache.StoredModules): while few entries differ from the full file's,
        # only they are written, beside it; after an author's edit, one module rather than 7 MB.
        changed = {name: entry for name, entry in self.current.items() if name not in self.as_in_full_file}
        if only_changes_written(self.as_in_full_file, changed, self.current):
            write_atomic(self.changes_path, dumps(changed))
            return
        write_atomic(self.path, dumps(self.current))
        write_atomic(self.changes_path, dumps({}))
