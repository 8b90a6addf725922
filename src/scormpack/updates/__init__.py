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

from .compare import PackageDiff, compare
from .diff import diff_folders, diff_packages
from .output import diffs_json, format_diffs, overall
from .verdicts import LMS_RULES, VERDICTS

__all__ = ["LMS_RULES", "VERDICTS", "PackageDiff", "compare", "diff_folders", "diff_packages", "diffs_json", "format_diffs", "overall"]
