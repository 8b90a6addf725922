"""The course model: what a course is, independent of any source syntax or target."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The course's settings file, at the root of the course directory.
COURSE_FILE = "course.toml"

ALL = "all"


@dataclass(frozen=True)
class SourceRef:
    """Where something was written, for error messages."""

    path: Path
    line: int = 0


@dataclass
class Audience:
    id: str
    title: str
    description: str = ""


@dataclass
class Stage:
    id: str
    title: str
    description: str = ""


@dataclass
class Option:
    """One answer option of a choice question."""

    id: str  # short, stable: "a", "b", ...
    text: str  # Markdown
    correct: bool = False
    feedback: str = ""  # Markdown, shown when this option is chosen


@dataclass
class MatchPair:
    left: str
    right: str


@dataclass
class Question:
    """One question of a knowledge check.

    kind is one of QUESTION_KINDS. Which fields are used depends on it:
    single/multiple use options; truefalse uses answer_bool; fillin uses
    accepted (and case_sensitive); matching uses pairs; ordering uses sequence
    (in the correct order).
    """

    id: str
    kind: str
    prompt: str  # Markdown
    source: SourceRef
    weight: float = 1.0
    options: list[Option] = field(default_factory=list)
    answer_bool: bool | None = None
    accepted: list[str] = field(default_factory=list)
    case_sensitive: bool = False
    pairs: list[MatchPair] = field(default_factory=list)
    sequence: list[str] = field(default_factory=list)
    feedback_correct: str = ""  # Markdown
    feedback_wrong: str = ""  # Markdown
    accepts: list[str] = field(default_factory=list)  # warning codes the author accepted for this question (accept=)

    @property
    def correct_options(self) -> list[Option]:
        return [option for option in self.options if option.correct]


QUESTION_KINDS = ("single", "multiple", "truefalse", "fillin", "matching", "ordering")


@dataclass
class QuizSettings:
    pass_mark: float = 80.0  # percent
    attempts: int = 0  # 0 = unlimited
    required: bool = True
    shuffle: bool = False


@dataclass
class Quiz:
    questions: list[Question]
    settings: QuizSettings
    source: SourceRef


@dataclass
class WebLink:
    """An external web page the module points to (front matter `links:`)."""

    title: str
    url: str  # absolute http(s) URL


@dataclass
class Module:
    id: str
    title: str
    order: float
    audiences: list[str]
    stages: list[str]
    duration_minutes: int
    objectives: list[str]
    source_reference: str
    path: Path  # the Markdown file
    body: str  # Markdown after the front matter, quiz block removed
    body_line: int  # line number in path of the first body line
    quiz: Quiz | None = None
    links: list[WebLink] = field(default_factory=list)
    id_line: int = 2  # line of `id:` in path, for messages about the module as a whole

    def is_for(self, audience: str | None, stage: str | None) -> bool:
        audience_ok = audience is None or ALL in self.audiences or audience in self.audiences
        stage_ok = stage is None or ALL in self.stages or stage in self.stages
        return audience_ok and stage_ok


@dataclass
class Bundle:
    id: str
    title: str
    audience: str | None
    stage: str | None
    modules: list[Module]
    description: str = ""


@dataclass
class Course:
    id: str
    title: str
    description: str
    version: str
    language: str
    root: Path
    audiences: list[Audience]
    stages: list[Stage]
    modules: list[Module]
    bundles: list[Bundle]
    default_targets: list[str]
    authors: list[str] = field(default_factory=list)
    licence: str = ""
    keywords: list[str] = field(default_factory=list)
    sequencing: str = "free"
    global_objectives: bool = False
    # Warning codes the author accepted for the whole course ([accept] in course.toml): code -> why.
    accepted: dict[str, str] = field(default_factory=dict)
    # What reading the sources found short of an error (warnings), for build and lint to print.
    findings: list = field(default_factory=list, repr=False, compare=False)
    # The course's own interface messages by language tag ([messages.<language>] in
    # course.toml), over the tool's tables: message id -> text or plural forms.
    message_overrides: dict[str, dict[str, str | dict[str, str]]] = field(default_factory=dict)
    # The languages the course is translated into ([course].translations); `language` is the source.
    translations: list[str] = field(default_factory=list)
    # The bundles each translation is released for ([editions] in course.toml); a language it does not
    # name covers every bundle.
    editions: dict[str, list[str]] = field(default_factory=dict)
    # In a language edition (translation.translate_course): the language the course was written in.
    source_language: str = ""
    # URL prefixes pages may load from ([course].allow_remote); anything else remote is an error.
    allow_remote: list[str] = field(default_factory=list)
    # The web edition's print page shows the knowledge checks' answers ([course].print_answers, `build --print-answers`).
    print_answers: bool = False
    # Raster images over the size limit are scaled down and recompressed when packaged
    # ([course].resize_images, `build --resize-images`); off, they are packaged as they are.
    resize_images: bool = False

    def acceptance(self, code: str, path, line: int | None) -> str | None:
        """Why the author accepted this warning (its code, course-wide or on the question at path:line), or None."""
        if not code:
            return None
        if code in self.accepted:
            return f"accepted: {self.accepted[code]}"
        for module in self.modules:
            if module.quiz is None or str(module.path) != str(path):
                continue
            for question in module.quiz.questions:
                if question.source.line == line and code in question.accepts:
                    return f"accepted on question {question.id!r}"
        return None

    def bundle(self, bundle_id: str) -> Bundle:
        for bundle in self.bundles:
            if bundle.id == bundle_id:
                return bundle
        raise KeyError(bundle_id)

    def module(self, module_id: str) -> Module:
        for module in self.modules:
            if module.id == module_id:
                return module
        raise KeyError(module_id)
