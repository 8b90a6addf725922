"""How a diff is shown: one line per change and LMS rule, then a verdict per package; or JSON."""
from __future__ import annotations

import json

from .compare import PackageDiff
from .verdicts import LMS_RULES, SAFE, worst

# Safe changes summed up in one line rather than listed: items without learner data, titles, launch files.
QUIET_WHEN_SAFE = ("item-removed", "item-renamed", "title", "launch", "organization")


def _value(value: str | None) -> str:
    return "(none)" if value is None else repr(value)


def format_diffs(diffs: list[PackageDiff], rules=LMS_RULES) -> list[str]:
    lines = []
    for diff in diffs:
        lines.append(f"{diff.label}:")
        quiet = [change for change in diff.changes if change.verdict(rules) == SAFE and change.kind in QUIET_WHEN_SAFE]
        quiet_ids = {id(change) for change in quiet}
        for change in diff.changes:
            if id(change) in quiet_ids:
                continue
            # One line when every rule judges alike, else one line per rule.
            judged = [(lms, change.judgements[lms]) for lms in rules if lms in change.judgements]
            groups: dict = {}
            for lms, judgement in judged:
                groups.setdefault((judgement.verdict, judgement.reason), []).append(lms)
            for (verdict, reason), names in groups.items():
                lines.append(
                    f"  {verdict}: {', '.join(names)}: {change.item}: {change.kind} "
                    f"{_value(change.old)} -> {_value(change.new)}: {reason}"
                )
        if quiet:
            kinds = ", ".join(sorted({change.kind for change in quiet}))
            lines.append(f"  safe: {len(quiet)} more change(s) that keep learners' records ({kinds}; --format json lists them)")
        per_rule = ", ".join(f"{lms}: {verdict}" for lms, verdict in diff.verdicts(rules).items())
        lines.append(f"{diff.label}: {diff.verdict(rules)} ({per_rule})")
    lines.append(f"verdict: {overall(diffs, rules)}")
    return lines


def overall(diffs: list[PackageDiff], rules=LMS_RULES) -> str:
    return worst(diff.verdict(rules) for diff in diffs)


def diffs_as_dict(diffs: list[PackageDiff], rules=LMS_RULES) -> dict:
    return {
        "verdict": overall(diffs, rules),
        "lms": list(rules),
        "packages": [
            {
                "label": diff.label,
                "old": diff.old.path if diff.old else None,
                "new": diff.new.path if diff.new else None,
                "verdict": diff.verdict(rules),
                "lms": diff.verdicts(rules),
                "changes": [change.as_dict(rules) for change in diff.changes],
            }
            for diff in diffs
        ],
    }


def diffs_json(diffs: list[PackageDiff], rules=LMS_RULES) -> str:
    return json.dumps(diffs_as_dict(diffs, rules), indent=2, ensure_ascii=False)
