"""The one error type and the one finding type of the whole tool.

A Finding is one problem (or note) located in a file and line, printed the
same way everywhere: `path:line: severity: message`. Readers collect
findings rather than stopping at the first; a ScormpackError carries the
findings that stopped the work (one, or every error a reading pass found).
"""
from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # a known, intended difference the author accepted: shown, never fails a build
SEVERITIES = (ERROR, WARNING, NOTE)


@dataclass(frozen=True)
class Finding:
    path: Path | str | None
    line: int | None
    severity: str  # ERROR, WARNING or NOTE
    message: str
    code: str = ""  # a stable category, for pipelines and tests

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else f"{self.path}"

    def __str__(self) -> str:
        location = self.location
        return f"{location}: {self.severity}: {self.message}" if location else f"{self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {
            "path": None if self.path is None else str(self.path),
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
            "code": self.code,
        }

    def sort_key(self) -> tuple:
        return (str(self.path or ""), self.line or 0, SEVERITIES.index(self.severity), self.message)


class ScormpackError(Exception):
    """A problem a user can fix, located in a file and line; raised with several findings by a reading pass."""

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        *,
        findings: Iterable[Finding] | None = None,
        code: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.code = code  # for a warning an author may accept (ACCEPTABLE)
        self._findings = list(findings) if findings is not None else None

    @classmethod
    def of(cls, findings: list[Finding]) -> ScormpackError:
        """One error standing for these findings: located at the first error, telling how many there are."""
        errors = [finding for finding in findings if finding.severity == ERROR]
        first = errors[0] if errors else findings[0]
        message = first.message if len(errors) == 1 else count_words(len(errors), "error")
        return cls(message, first.path, first.line, findings=findings)

    @property
    def findings(self) -> list[Finding]:
        """Every finding this error stands for (itself, as one error, unless a reader collected more)."""
        if self._findings is not None:
            return self._findings
        return [Finding(self.path, self.line, ERROR, self.message, self.code)]

    def __str__(self) -> str:
        if self._findings is not None:
            return "\n".join(str(finding) for finding in self._findings)
        if self.path is None:
            return self.message
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


# Warnings about known, intended differences between targets, which an author may
# accept (course.toml [accept], or accept=CODE on a question): then they are notes.
ACCEPTABLE = {
    "cc-question-left-out": "a question of a type Common Cartridge QTI cannot carry (matching, ordering) is left out "
    "of the cartridge's assessment; the module's practice page keeps it",
    "cc-quiz-left-out": "a knowledge check none of whose questions Common Cartridge QTI can carry has no assessment "
    "in the cartridge",
}


class UsageError(ScormpackError):
    """A command line that names something that does not exist (an unknown --target or --bundle): exit 2."""


def os_error_message(error: OSError) -> str:
    """An OSError at a path the user gave, as one line naming the path."""
    reasons = {
        errno.EEXIST: "exists and is not a folder",
        errno.ENOTDIR: "a part of this path is a file, not a folder",
        errno.ENAMETOOLONG: "name too long for the file system (most hold 255 bytes per name)",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device",
    }
    reason = reasons.get(error.errno or 0) or (error.strerror or str(error)).lower()
    where = error.filename if error.filename is not None else None
    if where is None:
        return f"{ERROR}: {reason}"
    return f"{where}: {ERROR}: {reason}"


class Findings:
    """What a reading pass found, in the order found; each finding once."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._seen: set[Finding] = set()

    def add(self, severity: str, message: str, path: Path | str | None, line: int | None = None, code: str = "") -> None:
        finding = Finding(path, line if line and line > 0 else None, severity, message, code)
        if finding not in self._seen:
            self._seen.add(finding)
            self.items.append(finding)

    def error(self, message: str, path: Path | str | None = None, line: int | None = None, code: str = "") -> None:
        self.add(ERROR, message, path, line, code)

    def warning(self, message: str, path: Path | str | None = None, line: int | None = None, code: str = "") -> None:
        self.add(WARNING, message, path, line, code)

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            if finding not in self._seen:
                self._seen.add(finding)
                self.items.append(finding)

    def record(self, error: ScormpackError) -> None:
        self.extend(error.findings)

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.items if finding.severity == ERROR]

    def raise_errors(self) -> None:
        """Stop here, naming every error found so far, when there is one."""
        errors = self.errors
        if errors:
            raise ScormpackError.of(sorted(errors, key=Finding.sort_key))


def count_words(count: int, noun: str) -> str:
    """'1 warning', '3 warnings', 'no errors'."""
    if count == 0:
        return f"no {noun}s"
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """"; did you mean 'audiences'?" when a known word is close, else the list of known ones."""
    known = sorted(known)
    import difflib  # here: only a misspelt name needs it

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if not close:
        lowered = {candidate.lower(): candidate for candidate in known}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" (known: {', '.join(known)})" if known else ""
