"""The identifier ledger: every module, question and bundle id a course has released.

A small JSON file kept with the course sources (`released-ids.json`, next to
course.toml) and committed with them. `scormpack ledger --record` adds the
ids of the version being released; every build of a course that has a
ledger checks the sources against it, so a renamed module id is caught at
build time without the previous packages at hand, and a retired id is never
reused for different content.

Module ids are what the LMS keeps learners' records under (the item
`ITEM-<module>`), question ids are what the runtime's saved state and the
recorded interactions refer to, bundle ids name the packages.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..cache import write_atomic
from ..course import Course
from ..errors import ERROR, NOTE, WARNING, Finding, ScormpackError
from .verdicts import BLOCKED, DATA_LOSS, RESET, RISKY, worst

LEDGER_NAME = "released-ids.json"
LEDGER_FORMAT = 1
ACCEPT_ALL = "all"


@dataclass
class ReleasedModule:
    title: str
    first: str  # the course version that first released it
    last: str  # the latest version that released it
    questions: list[str] = field(default_factory=list)
    retired_questions: list[str] = field(default_factory=list)
    retired: str | None = None  # the version from which the id is no longer released


@dataclass
class ReleasedBundle:
    first: str
    last: str
    modules: list[str] = field(default_factory=list)
    dropped_modules: list[str] = field(default_factory=list)  # released in it once, left out on purpose since
    retired: str | None = None


@dataclass
class Ledger:
    course: str
    modules: dict[str, ReleasedModule] = field(default_factory=dict)
    bundles: dict[str, ReleasedBundle] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {
            "format": LEDGER_FORMAT,
            "about": "Every id this course has released (scormpack ledger --record). Commit it with the sources; "
            "never edit an id in it: learners' records are kept under these ids.",
            "course": self.course,
            "bundles": {key: asdict(value) for key, value in sorted(self.bundles.items())},
            "modules": {key: asdict(value) for key, value in sorted(self.modules.items())},
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class LedgerFinding:
    verdict: str  # data-loss, reset, blocked (a retired id reused) or risky
    subject: str  # "module 'x'", "question 'q' of module 'x'", "bundle 'b'"
    message: str
    module: str | None = None  # the module id an --accept-loss names
    path: Path | None = None

    def finding(self, accepted: set[str] = frozenset()) -> Finding:
        """As the tool's one finding type: a loss or a reused id is an error, an accepted loss a note."""
        if self.verdict == DATA_LOSS:
            severity = NOTE if is_accepted(self, accepted) else ERROR
        else:
            severity = ERROR if self.verdict == BLOCKED else WARNING
        return Finding(self.path, None, severity, f"{self.verdict}: {self.subject}: {self.message}", f"ledger-{self.verdict}")

    def __str__(self) -> str:
        return str(self.finding())

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "subject": self.subject, "message": self.message, "module": self.module,
                "path": str(self.path) if self.path else None}


def ledger_path(course_dir: Path) -> Path:
    return Path(course_dir) / LEDGER_NAME


def read_ledger(course_dir: Path) -> Ledger | None:
    """The course's ledger, or None when it has none yet."""
    path = ledger_path(course_dir)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ScormpackError(f"cannot read the identifier ledger: {error}", path) from None
    if not isinstance(data, dict) or data.get("format") != LEDGER_FORMAT:
        raise ScormpackError(f"not a scormpack identifier ledger (format {LEDGER_FORMAT})", path)
    try:
        return Ledger(
            str(data["course"]),
            {key: ReleasedModule(**value) for key, value in (data.get("modules") or {}).items()},
            {key: ReleasedBundle(**value) for key, value in (data.get("bundles") or {}).items()},
        )
    except (KeyError, TypeError) as error:
        raise ScormpackError(f"a malformed entry in the identifier ledger: {error}", path) from None


def check_ledger(course: Course, ledger: Ledger) -> list[LedgerFinding]:
    """What this version of the sources would do to learners of every version the ledger records."""
    findings: list[LedgerFinding] = []
    modules = {module.id: module for bundle in course.bundles for module in bundle.modules}
    if ledger.course != course.id:
        findings.append(
            LedgerFinding(DATA_LOSS, f"course '{course.id}'", f"the ledger is for course '{ledger.course}': a new course id "
                          "makes every manifest identifier new (keep the id, or start a new ledger for a new course)")
        )
    for module_id, module in sorted(modules.items()):
        released = ledger.modules.get(module_id)
        if released is None:
            continue
        if released.retired:
            findings.append(LedgerFinding(
                BLOCKED, f"module '{module_id}'",
                f"this id was retired in {released.retired} ('{released.title}'): a retired id is never reused, since an "
                "LMS that kept its learners' records would give them to the new content; choose a new id",
                module_id, module.path,
            ))
            continue
        questions = [question.id for question in module.quiz.questions] if module.quiz else []
        for question_id in questions:
            if question_id in released.retired_questions:
                findings.append(LedgerFinding(
                    BLOCKED, f"question '{question_id}' of module '{module_id}'",
                    "this question id was retired: saved answers and recorded interactions under it belong to another "
                    "question; choose a new id", module_id, module.path,
                ))
        gone = [question_id for question_id in released.questions if question_id not in questions]
        if gone:
            findings.append(LedgerFinding(
                RESET, f"module '{module_id}'",
                f"released question(s) {', '.join(gone)} are gone (last released in {released.last}): learners' saved "
                "quiz state and interactions refer to them, and their stored score was over them",
                module_id, module.path,
            ))
    current_bundles = {bundle.id: bundle for bundle in course.bundles}
    for bundle_id, released_bundle in sorted(ledger.bundles.items()):
        if released_bundle.retired:
            continue
        bundle = current_bundles.get(bundle_id)
        if bundle is None:
            findings.append(LedgerFinding(
                RISKY, f"bundle '{bundle_id}'",
                f"released up to {released_bundle.last} and no longer in course.toml: its packages are not replaced, "
                "so learners stay on the old version (a renamed bundle keeps records only when its packages are "
                "uploaded into the old activities)",
            ))
            continue
        held = {module.id for module in bundle.modules}
        new_titles = {module.title: module.id for module in bundle.modules if module.id not in ledger.modules}
        for module_id in released_bundle.modules:
            if module_id in held:
                continue
            released = ledger.modules.get(module_id)
            title = released.title if released else module_id
            renamed = new_titles.get(title)
            hint = (
                f"it looks renamed to '{renamed}': give the module its released id back"
                if renamed else "keep the module (and its id) in the bundle"
            )
            findings.append(LedgerFinding(
                DATA_LOSS, f"module '{module_id}' of bundle '{bundle_id}'",
                f"released in this bundle up to {released_bundle.last} ('{title}') and no longer in it: replacing the "
                f"package deletes its learners' records for item ITEM-{module_id} (Moodle: at once, and the grade falls); "
                f"{hint}, or accept the loss with --accept-loss {module_id}",
                module_id, renamed and modules[renamed].path,
            ))
    return findings


def is_accepted(finding: LedgerFinding, accepted: set[str]) -> bool:
    return ACCEPT_ALL in accepted or finding.module in accepted


def unaccepted(findings: list[LedgerFinding], accepted: set[str]) -> list[LedgerFinding]:
    """The findings that stop a build: data loss not accepted (per module id, or 'all'), and any reuse of a retired id."""
    return [finding for finding in findings if finding.finding(accepted).severity == ERROR]


def record(course: Course, ledger: Ledger | None) -> Ledger:
    """The ledger with this version's ids added: what is gone is kept, marked dropped or retired."""
    version = course.version
    ledger = ledger or Ledger(course.id)
    ledger.course = course.id
    modules = {module.id: module for bundle in course.bundles for module in bundle.modules}
    for module_id, module in modules.items():
        questions = [question.id for question in module.quiz.questions] if module.quiz else []
        released = ledger.modules.get(module_id)
        if released is None or released.retired:
            ledger.modules[module_id] = ReleasedModule(module.title, version, version, questions)
            continue
        gone = [q for q in released.questions if q not in questions]
        released.retired_questions = sorted(set(released.retired_questions) | set(gone))
        released.questions = questions
        released.title, released.last = module.title, version
    for module_id, released in ledger.modules.items():
        if module_id not in modules and not released.retired:
            released.retired = version
    for bundle in course.bundles:
        held = [module.id for module in bundle.modules]
        released_bundle = ledger.bundles.get(bundle.id)
        if released_bundle is None or released_bundle.retired:
            ledger.bundles[bundle.id] = ReleasedBundle(version, version, held)
            continue
        dropped = [module_id for module_id in released_bundle.modules if module_id not in held]
        released_bundle.dropped_modules = sorted(set(released_bundle.dropped_modules) | set(dropped))
        released_bundle.modules = held
        released_bundle.dropped_modules = [m for m in released_bundle.dropped_modules if m not in held]
        released_bundle.last = version
    current = {bundle.id for bundle in course.bundles}
    for bundle_id, released_bundle in ledger.bundles.items():
        if bundle_id not in current and not released_bundle.retired:
            released_bundle.retired = version
    return ledger


def write_ledger(course_dir: Path, ledger: Ledger) -> Path:
    path = ledger_path(course_dir)
    write_atomic(path, ledger.to_json().encode("utf-8"))
    return path


def ledger_verdict(findings: list[LedgerFinding]) -> str:
    return worst(finding.verdict for finding in findings)
