"""The verdicts of an update, worst last, and the LMSs they are given for.

Each change between two packages gets one verdict per LMS rule, with the
reason that LMS gives it. The rules come from what the LMS was seen to do
when a package was replaced (../shared/lms-notes.md: Moodle 4.5) or, for
the generic rule, from the standards and what a careful LMS can do.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SAFE = "safe"  # learners keep everything
RISKY = "risky"  # works, but depends on LMS behaviour the author should know about
BLOCKED = "blocked"  # the LMS refuses the replacement, or takes it half-way
RESET = "reset"  # records stay, but the SCO can no longer read its saved state, or they mean something else now
DATA_LOSS = "data-loss"  # records are deleted
VERDICTS = (SAFE, RISKY, BLOCKED, RESET, DATA_LOSS)

MOODLE = "moodle"
GENERIC = "generic"
LMS_RULES = (MOODLE, GENERIC)
LMS_RULE_NAMES = {MOODLE: "Moodle 4.5", GENERIC: "a generic SCORM / Common Cartridge LMS"}


def worst(verdicts) -> str:
    return max(verdicts, key=VERDICTS.index, default=SAFE)


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str


@dataclass
class Change:
    """One difference between OLD and NEW that matters to learners, judged for each LMS rule."""

    item: str  # the item identifier, or "(package)"
    kind: str  # a stable code: item-removed, pass-mark, questions, standard, ...
    old: str | None
    new: str | None
    judgements: dict[str, Judgement] = field(default_factory=dict)

    def judge(self, lms: str, verdict: str, reason: str) -> Change:
        self.judgements[lms] = Judgement(verdict, reason)
        return self

    def both(self, verdict: str, reason: str) -> Change:
        for lms in LMS_RULES:
            self.judge(lms, verdict, reason)
        return self

    def verdict(self, rules=LMS_RULES) -> str:
        return worst(self.judgements[lms].verdict for lms in rules if lms in self.judgements)

    def as_dict(self, rules=LMS_RULES) -> dict:
        return {
            "item": self.item,
            "change": self.kind,
            "old": self.old,
            "new": self.new,
            "verdict": self.verdict(rules),
            "lms": {
                lms: {"verdict": self.judgements[lms].verdict, "reason": self.judgements[lms].reason}
                for lms in rules
                if lms in self.judgements
            },
        }
