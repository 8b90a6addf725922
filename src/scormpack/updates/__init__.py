"""Safe updates: what learners keep when a new release replaces a package they are half-way through.

One concern per module, imported one way:
- `verdicts`: the verdicts (safe ... data-loss), the LMS rules, a judged Change;
- `snapshot`: what an update depends on, read from any package with validate's reader;
- `compare`: two snapshots -> the changes, judged for Moodle and a generic LMS;
- `folders`: pairing two build output folders through their build-report.json;
- `diff`: `scormpack diff` on two packages or two folders;
- `output`: the diff in lines or JSON;
- `ledger`: the identifier ledger kept with the course sources (released-ids.json);
- `release`: the checks the build runs (the ledger, `build --against`) before it writes anything.
"""
from __future__ import annotations

import importlib

# Each name is imported from its module when first asked for: a build that runs no release check
# (most of them) imports only the ledger's file name, not the diffing.
_HOMES = {
    "PackageDiff": "compare", "compare": "compare", "diff_folders": "diff", "diff_packages": "diff",
    "diffs_json": "output", "format_diffs": "output", "overall": "output", "LMS_RULES": "verdicts", "VERDICTS": "verdicts",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)


__all__ = sorted(_HOMES)
