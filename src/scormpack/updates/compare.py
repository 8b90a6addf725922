"""Comparing two packages: what a learner who started on OLD keeps on NEW, for each LMS rule.

Moodle's rule is what Moodle 4.5 was seen to do when the package of an
activity was replaced (../shared/lms-notes.md): items are matched by
identifier only, compared loosely ("1" equals "01"); a vanished identifier
loses its tracks at once and the grade is recomputed; the stored suspend
data is handed as-is to the new page; a manifest that is not well-formed
half-updates the activity; a cartridge is always imported as new
activities. The generic rule assumes only what the standards give: learner
records live under an item identifier compared exactly, and a change of
standard, edition or single-/multi-SCO shape may be refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..validate.lms_profiles import MOODLE_SCORM2004_VERSIONS
from .snapshot import ItemSnapshot, PackageSnapshot
from .verdicts import BLOCKED, DATA_LOSS, GENERIC, LMS_RULES, MOODLE, RESET, RISKY, SAFE, Change, worst

PACKAGE = "(package)"
SCORM_STANDARDS = ("scorm12", "scorm2004")
MOODLE_CC_VERSIONS = ("cc10", "cc11")
# PHP 8 compares two numeric strings as numbers ("1" == "01" == "1.0"); Moodle compares identifiers with ==.
PHP_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def moodle_key(identifier: str):
    """What Moodle's loose comparison sees: the number for a numeric-looking identifier, else the text."""
    if PHP_NUMERIC.match(identifier):
        try:
            return float(identifier)
        except ValueError:  # pragma: no cover - the pattern only lets through what float() reads
            return identifier
    return identifier


@dataclass
class PackageDiff:
    label: str  # what the pair is: "bundle / language / target", or the two file names
    old: PackageSnapshot | None
    new: PackageSnapshot | None
    changes: list[Change] = field(default_factory=list)

    def verdict(self, rules=LMS_RULES) -> str:
        return worst(change.verdict(rules) for change in self.changes)

    def verdicts(self, rules=LMS_RULES) -> dict[str, str]:
        return {lms: worst(change.verdict((lms,)) for change in self.changes) for lms in rules}


def compare(old: PackageSnapshot, new: PackageSnapshot, label: str = "") -> PackageDiff:
    diff = PackageDiff(label or f"{old.path} -> {new.path}", old, new)
    diff.changes = list(_changes(old, new))
    if not diff.changes and old.sha256 != new.sha256:
        diff.changes.append(
            Change(PACKAGE, "content", old.sha256[:12] or None, new.sha256[:12] or None).both(
                SAFE, "the same identifiers: learners keep their records whatever text, media or files changed"
            )
        )
    return diff


def _changes(old: PackageSnapshot, new: PackageSnapshot):
    if "not-compared" in (old.problem_code, new.problem_code) and old.sha256 != new.sha256:
        yield Change(PACKAGE, "not-compared", old.problem, new.problem).both(
            RISKY, "scormpack diff compares SCORM and Common Cartridge packages: what learners keep is not told"
        )
        return
    if old.sha256 and old.sha256 == new.sha256:
        yield Change(PACKAGE, "identical", old.sha256[:12], new.sha256[:12]).both(
            SAFE, "byte-identical: replacing the package changes nothing"
        )
        return
    if new.problem:
        yield _unreadable_new(new)
        return
    if old.problem:
        yield Change(PACKAGE, "old-unreadable", old.problem, None).both(
            RISKY, "OLD cannot be read, so what learners keep cannot be told"
        )
        return
    if new.validation_errors:
        yield _invalid_new(new)
    yield from _standard_changes(old, new)
    if old.is_cc != new.is_cc:
        return  # a cartridge and a SCORM package share no items an LMS could match
    yield from _identity_changes(old, new)
    yield from _item_changes(old, new)


def _unreadable_new(new: PackageSnapshot) -> Change:
    change = Change(PACKAGE, "new-unreadable", None, new.problem)
    if new.problem_code == "manifest-unreadable" and not new.is_cc:
        change.judge(
            MOODLE,
            BLOCKED,
            "Moodle's upload form only checks that imsmanifest.xml is there; its parser then stops half-way and the "
            "new files go live under the old items (learners get the new pages with the old data)",
        )
    else:
        change.judge(MOODLE, BLOCKED, "Moodle cannot take this package")
    return change.judge(GENERIC, BLOCKED, "an LMS cannot read this package")


def _invalid_new(new: PackageSnapshot) -> Change:
    count = len(new.validation_errors)
    change = Change(PACKAGE, "new-invalid", None, f"{count} validation error(s), first: {new.validation_errors[0]}")
    if new.is_cc:
        change.judge(MOODLE, BLOCKED, "Moodle refuses a whole cartridge for any schema error (run scormpack validate)")
    else:
        change.judge(MOODLE, RISKY, "Moodle does not validate SCORM manifests, but an invalid one may not work there (run scormpack validate)")
    return change.judge(GENERIC, RISKY, "an LMS that validates packages refuses it (run scormpack validate)")


def _standard_changes(old: PackageSnapshot, new: PackageSnapshot):
    if old.standard != new.standard:
        change = Change(PACKAGE, "standard", old.description, new.description)
        old_scorm, new_scorm = old.standard in SCORM_STANDARDS, new.standard in SCORM_STANDARDS
        if old_scorm != new_scorm:
            yield change.both(
                BLOCKED,
                "a SCORM package is uploaded into an activity and a cartridge imported as course content: neither "
                "replaces the other, and learners' records stay with the old one",
            )
        elif old_scorm:
            yield change.both(
                BLOCKED,
                "SCORM 1.2 and 2004 store learners' data under different names (cmi.core.lesson_location and "
                "cmi.location, ...), so the new SCOs do not read what the old ones saved; some LMSs refuse a "
                "replacement that changes the SCORM version",
            )
        else:
            if new.standard in MOODLE_CC_VERSIONS:
                change.judge(MOODLE, SAFE, "Moodle imports every cartridge as new activities; nothing of an earlier import is replaced")
            else:
                change.judge(MOODLE, BLOCKED, "Moodle imports only Common Cartridge 1.0 and 1.1")
            yield change.judge(GENERIC, RISKY, "a change of Common Cartridge version: an LMS may import it as a different course")
    elif (old.schemaversion or "") != (new.schemaversion or "") and new.standard in SCORM_STANDARDS:
        change = Change(PACKAGE, "edition", old.description, new.description)
        if new.standard == "scorm2004" and (new.schemaversion or "") not in MOODLE_SCORM2004_VERSIONS:
            change.judge(
                MOODLE, BLOCKED, f"Moodle runs a package with schemaversion {new.schemaversion!r} as SCORM 1.2: its SCOs never find the SCORM 2004 API"
            )
        else:
            change.judge(MOODLE, SAFE, "Moodle reads both schemaversions as the same standard")
        yield change.judge(GENERIC, RISKY, "a change of edition: some LMSs refuse it or reset the registration")
    if old.standard in SCORM_STANDARDS and new.standard in SCORM_STANDARDS:
        old_scos, new_scos = len(old.tracked_items()), len(new.tracked_items())
        if (old_scos == 1) != (new_scos == 1) and old_scos and new_scos:
            yield Change(PACKAGE, "sco-count", f"{old_scos} SCO(s)", f"{new_scos} SCO(s)").judge(
                MOODLE, SAFE, "Moodle matches items by identifier, whatever their number"
            ).judge(GENERIC, BLOCKED, "some LMSs refuse a replacement that turns a single-SCO package into a multi-SCO one, or back")


def _identity_changes(old: PackageSnapshot, new: PackageSnapshot):
    if old.manifest_identifier != new.manifest_identifier:
        yield Change(PACKAGE, "manifest-identifier", old.manifest_identifier, new.manifest_identifier).judge(
            MOODLE, SAFE, "Moodle keeps learners' records whatever the manifest's own identifier"
        ).judge(GENERIC, RISKY, "some LMSs take a different manifest identifier for a different package")
    if old.organization != new.organization and old.organization and new.organization:
        yield Change(PACKAGE, "organization", old.organization, new.organization).both(
            SAFE, "the organization holds no learner data; its items are matched one by one"
        )


def _item_changes(old: PackageSnapshot, new: PackageSnapshot):
    added = [identifier for identifier in new.items if identifier not in old.items]
    claimed: set[str] = set()
    old_launch = {item.launch: identifier for identifier, item in old.items.items() if item.launch}
    for identifier, item in old.items.items():
        if identifier in new.items:
            yield from _kept_item(item, new.items[identifier], old, old_launch)
            continue
        loose = next((a for a in added if a not in claimed and moodle_key(a) == moodle_key(identifier)), None)
        if loose is not None:
            claimed.add(loose)
            yield _loose_match(item, loose)
            continue
        renamed = _renamed_to(item, [new.items[a] for a in added if a not in claimed])
        if renamed is not None:
            claimed.add(renamed.identifier)
        yield _gone(item, renamed, new)
    for identifier in added:
        if identifier not in claimed:
            yield Change(identifier, "item-added", None, new.items[identifier].title or identifier).both(
                SAFE, "a new item: it starts with no data"
            )
    yield from _loose_collisions(new)
    common_old = [identifier for identifier in old.items if identifier in new.items]
    common_new = [identifier for identifier in new.items if identifier in old.items]
    if common_old != common_new:
        yield Change(PACKAGE, "order", None, None).both(SAFE, "items in a new order keep their records (matched by identifier)")


def _renamed_to(item: ItemSnapshot, candidates: list[ItemSnapshot]) -> ItemSnapshot | None:
    """The new item that looks like OLD's item under another identifier: the same module, launch page or title."""
    for candidate in candidates:
        if item.module and candidate.module == item.module:
            return candidate
    for candidate in candidates:
        if item.launch and candidate.launch == item.launch:
            return candidate
    for candidate in candidates:
        if item.title and candidate.title == item.title:
            return candidate
    return None


def _gone(item: ItemSnapshot, renamed: ItemSnapshot | None, new: PackageSnapshot) -> Change:
    kind = "item-renamed" if renamed is not None else "item-removed"
    change = Change(item.identifier, kind, item.identifier, renamed.identifier if renamed else None)
    then = f"; '{renamed.identifier}' starts from scratch" if renamed else ""
    if not item.tracked:
        if item.launch and not new.is_cc and item.resource_type == "asset":
            return change.both(RISKY, f"an asset holds no SCORM data, but some LMSs mark it completed once opened; that mark goes{then}")
        return change.both(SAFE, f"it holds no learner records{then}")
    if new.is_cc:
        change.judge(MOODLE, SAFE, "Moodle imports a cartridge as new activities; attempts stay with the old import")
        return change.judge(
            GENERIC,
            DATA_LOSS,
            f"an LMS that updates imported content by identifier drops or orphans '{item.identifier}', and learners' "
            f"attempts or posts with it{then}",
        )
    change.judge(
        MOODLE,
        DATA_LOSS,
        f"Moodle deletes every learner's tracks for '{item.identifier}' (status, score, bookmark, suspend data) the moment "
        f"the teacher saves, and recomputes the grade at once from what is left{then}",
    )
    return change.judge(GENERIC, DATA_LOSS, f"learners' records are kept under the item identifier, and this one is gone{then}")


def _loose_match(item: ItemSnapshot, loose: str) -> Change:
    change = Change(item.identifier, "loose-identifier", item.identifier, loose)
    change.judge(
        MOODLE,
        RISKY,
        f"Moodle compares identifiers loosely ('1' equals '01'), so '{loose}' takes over the records of '{item.identifier}'",
    )
    if item.tracked:
        return change.judge(GENERIC, DATA_LOSS, f"an LMS that compares identifiers exactly deletes or orphans the records of '{item.identifier}'")
    return change.judge(GENERIC, SAFE, "it holds no learner records")


def _loose_collisions(new: PackageSnapshot):
    seen: dict = {}
    for identifier in new.items:
        key = moodle_key(identifier)
        if key in seen and seen[key] != identifier:
            yield Change(identifier, "loose-identifier", seen[key], identifier).judge(
                MOODLE, RISKY, f"Moodle compares identifiers loosely: '{identifier}' and '{seen[key]}' are one item to it"
            ).judge(GENERIC, SAFE, "distinct identifiers")
        seen.setdefault(key, identifier)


def _kept_item(before: ItemSnapshot, after: ItemSnapshot, old: PackageSnapshot, old_launch: dict[str, str]):
    identifier = before.identifier
    if before.title != after.title:
        yield Change(identifier, "title", before.title, after.title).both(SAFE, "a new title keeps the records")
    if before.resource_type != after.resource_type:
        change = Change(identifier, "resource-type", before.resource_type, after.resource_type)
        if old.is_cc:
            yield change.judge(MOODLE, SAFE, "Moodle imports a cartridge as new activities").judge(
                GENERIC, BLOCKED, "a resource of another type under the same identifier: an LMS cannot update one into the other"
            )
        else:
            yield change.both(RISKY if before.tracked == after.tracked else RESET, "an item that changes between SCO and asset changes what is tracked")
    if not (before.tracked and after.tracked):
        return
    if before.launch != after.launch:
        other = old_launch.get(after.launch)
        if other is not None and other != identifier:
            yield Change(identifier, "launch", before.launch, after.launch).both(
                RESET,
                f"data follows the identifier, not the file: the page '{other}' launched before is handed "
                f"'{identifier}''s bookmark and saved state",
            )
            return
        yield Change(identifier, "launch", before.launch, after.launch).both(
            SAFE, "a new launch file under the same identifier keeps the records"
        )
    if before.module and after.module and before.module != after.module:
        yield Change(identifier, "module", before.module, after.module).both(
            RESET, f"the item now holds module '{after.module}', whose page is handed the saved state of '{before.module}'"
        )
        return
    if before.state_format and after.state_format and before.state_format != after.state_format:
        yield Change(identifier, "saved-state-format", str(before.state_format), str(after.state_format)).both(
            RESET,
            "the runtime saves its state in another layout now: the new page starts cleanly on the old state, keeping "
            "the LMS's status and score and its bookmark, not the pages seen or the last answers",
        )
    if before.pass_mark != after.pass_mark:
        yield Change(identifier, "pass-mark", _percent(before.pass_mark), _percent(after.pass_mark)).judge(
            MOODLE,
            RESET,
            "stored pass/fail and scores were judged against the old pass mark and now mean something else; Moodle's "
            "mastery override judges the status again from the score the next time the SCO reports one",
        ).judge(GENERIC, RESET, "stored pass/fail and scores were judged against the old pass mark and now mean something else")
    if before.questions is not None and after.questions is not None:
        removed = [q for q in before.questions if q not in after.questions]
        added = [q for q in after.questions if q not in before.questions]
        if removed or added:
            what = ", ".join([f"-{q}" for q in removed] + [f"+{q}" for q in added])
            change = Change(identifier, "questions", ", ".join(before.questions), ", ".join(after.questions))
            reason = (
                f"questions changed ({what}): saved answers and recorded interactions refer to another question set, and the "
                "stored score was over it; the saved quiz state cannot be read back as it was"
            )
            if old.is_cc:
                yield change.judge(MOODLE, SAFE, "Moodle imports a cartridge as new activities").judge(GENERIC, RESET, reason)
            else:
                yield change.both(RESET, reason)
    if before.page_count and after.page_count and after.page_count < before.page_count:
        yield Change(identifier, "page-count", str(before.page_count), str(after.page_count)).both(
            RESET,
            f"a learner bookmarked beyond page {after.page_count} points past the end: the SCO starts again at page 1",
        )


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value:g}%"
