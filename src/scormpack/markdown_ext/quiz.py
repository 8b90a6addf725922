"""The `::: quiz` block: questions written in Markdown, parsed into the target-neutral quiz model."""
from __future__ import annotations

import re
from pathlib import Path

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from ..course import QUESTION_KINDS, MatchPair, Option, Question, Quiz, QuizSettings, SourceRef
from ..errors import ScormpackError

QUESTION_START = re.compile(r"^\?\s+(?P<kind>\S+)(?P<settings>.*)$")
CHOICE_OPTION = re.compile(r"^[-*]\s+\[(?P<mark>[ xX])\]\s+(?P<text>.+)$")
OPTION_FEEDBACK = re.compile(r"^\s+>\s?(?P<text>.*)$")
MATCH_PAIR = re.compile(r"^[-*]\s+(?P<left>.+?)\s*=>\s*(?P<right>.+)$")
ORDERED_ITEM = re.compile(r"^\d+[.)]\s+(?P<text>.+)$")
SETTING_LINE = re.compile(r"^(?P<key>answer|if-correct|if-wrong):\s*(?P<value>.*)$")
IDENTIFIER = re.compile(r"^[A-Za-z][\w-]*$")

OPTION_IDS = "abcdefghijklmnopqrstuvwxyz"


def parse_quiz(lines: list[str], path: Path, first_line: int, settings: QuizSettings) -> Quiz:
    """Parse the inside of a quiz block; first_line is the file line of lines[0]."""
    chunks: list[tuple[int, list[str]]] = []
    for index, line in enumerate(lines):
        if QUESTION_START.match(line):
            chunks.append((index, [line]))
        elif chunks:
            chunks[-1][1].append(line)
        elif line.strip():
            raise ScormpackError(
                "text before the first question; a question starts with '? TYPE'", path, first_line + index
            )
    if not chunks:
        raise ScormpackError("quiz block has no questions", path, first_line - 1)
    questions = [
        _parse_question(chunk, path, first_line + index, number)
        for number, (index, chunk) in enumerate(chunks, start=1)
    ]
    seen: dict[str, int] = {}
    for question in questions:
        if question.id in seen:
            raise ScormpackError(
                f"question id {question.id!r} already used on line {seen[question.id]}", path, question.source.line
            )
        seen[question.id] = question.source.line
    return Quiz(questions, settings, SourceRef(path, first_line - 1))


def _parse_question(lines: list[str], path: Path, line_no: int, number: int) -> Question:
    header = QUESTION_START.match(lines[0])
    assert header is not None
    kind = header.group("kind")
    if kind not in QUESTION_KINDS:
        raise ScormpackError(
            f"unknown question type {kind!r} (expected one of: {', '.join(QUESTION_KINDS)})", path, line_no
        )
    question = Question(id=f"q{number}", kind=kind, prompt="", source=SourceRef(path, line_no))
    _apply_settings(question, header.group("settings"), path, line_no)

    prompt: list[str] = []
    in_prompt = True
    for offset, line in enumerate(lines[1:], start=1):
        where = line_no + offset
        if in_prompt and not _starts_answer_part(line, kind):
            prompt.append(line)
            continue
        in_prompt = False
        if not line.strip():
            continue
        _parse_answer_line(question, line, path, where)
    question.prompt = "\n".join(prompt).strip()
    if not question.prompt:
        raise ScormpackError(f"question {question.id!r} has no prompt", path, line_no)
    _check_answers(question, path, line_no)
    return question


def _apply_settings(question: Question, text: str, path: Path, line_no: int) -> None:
    for part in text.split():
        key, sep, value = part.partition("=")
        if not sep or not value:
            raise ScormpackError(f"question setting {part!r} is not key=value", path, line_no)
        if key == "id":
            if not IDENTIFIER.match(value):
                raise ScormpackError(
                    f"question id {value!r} must start with a letter and use letters, digits, '-' or '_'",
                    path,
                    line_no,
                )
            question.id = value
        elif key == "weight":
            try:
                question.weight = float(value)
            except ValueError:
                question.weight = -1
            if question.weight <= 0:
                raise ScormpackError(f"weight must be a positive number, got {value!r}", path, line_no)
        elif key == "case":
            if value not in ("sensitive", "insensitive") or question.kind != "fillin":
                raise ScormpackError(
                    "case=sensitive|insensitive applies to fillin questions only", path, line_no
                )
            question.case_sensitive = value == "sensitive"
        elif key == "accept":
            from ..errors import ACCEPTABLE, did_you_mean

            for code in value.split(","):
                if code not in ACCEPTABLE:
                    raise ScormpackError(f"accept={code}: no such warning to accept{did_you_mean(code, ACCEPTABLE)}", path, line_no)
                question.accepts.append(code)
        else:
            raise ScormpackError(f"unknown question setting {key!r} (id, weight, case, accept)", path, line_no)


def _starts_answer_part(line: str, kind: str) -> bool:
    if SETTING_LINE.match(line):
        return True
    if kind in ("single", "multiple"):
        return bool(CHOICE_OPTION.match(line))
    if kind == "matching":
        return bool(MATCH_PAIR.match(line))
    if kind == "ordering":
        return bool(ORDERED_ITEM.match(line))
    return False


def _parse_answer_line(question: Question, line: str, path: Path, where: int) -> None:
    setting = SETTING_LINE.match(line)
    if setting:
        _apply_answer_setting(question, setting.group("key"), setting.group("value").strip(), path, where)
        return
    kind = question.kind
    if kind in ("single", "multiple"):
        feedback = OPTION_FEEDBACK.match(line)
        if feedback and question.options:
            option = question.options[-1]
            option.feedback = (option.feedback + "\n" + feedback.group("text")).strip()
            return
        option_match = CHOICE_OPTION.match(line)
        if option_match:
            text = option_match.group("text").strip()
            if any(option.text == text for option in question.options):
                raise ScormpackError(f"duplicate option {text!r}", path, where)
            if len(question.options) >= len(OPTION_IDS):
                raise ScormpackError("a question has at most 26 options", path, where)
            option_id = OPTION_IDS[len(question.options)]
            question.options.append(Option(option_id, text, option_match.group("mark") != " "))
            return
    elif kind == "matching":
        pair = MATCH_PAIR.match(line)
        if pair:
            left, right = pair.group("left").strip(), pair.group("right").strip()
            if any(existing.left == left for existing in question.pairs):
                raise ScormpackError(f"duplicate matching item {left!r}", path, where)
            if any(existing.right == right for existing in question.pairs):
                raise ScormpackError(f"duplicate matching answer {right!r}", path, where)
            question.pairs.append(MatchPair(left, right))
            return
    elif kind == "ordering":
        item = ORDERED_ITEM.match(line)
        if item:
            text = item.group("text").strip()
            if text in question.sequence:
                raise ScormpackError(f"duplicate ordering item {text!r}", path, where)
            question.sequence.append(text)
            return
    raise ScormpackError(f"unexpected line in a {kind} question: {line.strip()!r}", path, where)


def _apply_answer_setting(question: Question, key: str, value: str, path: Path, where: int) -> None:
    if key == "if-correct":
        question.feedback_correct = value
    elif key == "if-wrong":
        question.feedback_wrong = value
    elif question.kind == "truefalse":
        if value.lower() not in ("true", "false"):
            raise ScormpackError(f"a truefalse answer is true or false, got {value!r}", path, where)
        question.answer_bool = value.lower() == "true"
    elif question.kind == "fillin":
        accepted = split_accepted(value)
        problem = accepted_problem(accepted)
        if problem:
            raise ScormpackError(f"answer: {problem}", path, where)
        question.accepted = accepted
    else:
        raise ScormpackError(f"'answer:' does not apply to {question.kind} questions", path, where)


ANSWER_SEPARATOR = "|"
ANSWER_LIMIT = 250  # characters: SCORM 2004 keeps 250 of a fill-in pattern


def split_accepted(value: str) -> list[str]:
    """A fill-in question's accepted answers, written `a | b | c` (in `answer:` and in a catalogue)."""
    return [answer.strip() for answer in value.split(ANSWER_SEPARATOR) if answer.strip()]


def join_accepted(accepted: list[str]) -> str:
    return f" {ANSWER_SEPARATOR} ".join(accepted)


def accepted_problem(accepted: list[str]) -> str | None:
    """What is wrong with a list of accepted answers, or None."""
    if not accepted:
        return "needs at least one accepted answer"
    if any(len(answer) > ANSWER_LIMIT for answer in accepted):
        return f"an accepted answer is longer than {ANSWER_LIMIT} characters"
    return None


def _check_answers(question: Question, path: Path, line_no: int) -> None:
    kind = question.kind
    problem = None
    if kind in ("single", "multiple"):
        correct = len(question.correct_options)
        if len(question.options) < 2:
            problem = "needs at least two options"
        elif correct == 0:
            problem = "has no correct option (mark one with '- [x]')"
        elif kind == "single" and correct > 1:
            problem = "is single choice but marks more than one option correct (use '? multiple')"
    elif kind == "truefalse" and question.answer_bool is None:
        problem = "needs 'answer: true' or 'answer: false'"
    elif kind == "fillin" and not question.accepted:
        problem = "needs 'answer: ...' with the accepted answers"
    elif kind == "matching" and not 2 <= len(question.pairs) <= 9:
        problem = "needs two to nine '- left => right' pairs"
    elif kind == "ordering" and not 2 <= len(question.sequence) <= 26:
        problem = "needs two to 26 numbered items"
    if problem:
        raise ScormpackError(f"{kind} question {question.id!r} {problem}", path, line_no)


class QuizPreprocessor(Preprocessor):
    """Takes the module's `::: quiz` block out of the Markdown and into `extension.quiz`."""

    def __init__(self, md: Markdown, extension: "QuizExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        from .blocks import find_blocks

        config = self.extension.getConfigs()
        path, first_line = config["path"], config["first_line"]
        kept = list(lines)
        for block in find_blocks(lines, path, first_line):
            if block.name != "quiz":
                continue
            opening_line = first_line + block.start
            if self.extension.quiz is not None:
                raise ScormpackError("a module holds at most one '::: quiz' block", path, opening_line)
            if block.args:
                raise ScormpackError("'::: quiz' takes no arguments; settings go in the front matter", path, opening_line)
            self.extension.quiz = parse_quiz(lines[block.start + 1 : block.end], path, opening_line + 1, config["settings"])
            # Blank rather than delete, so the remaining lines keep their file line numbers.
            kept[block.start : block.end + 1] = [""] * (block.end + 1 - block.start)
        return kept


class QuizExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "path": [Path("<module>"), "source file, for messages"],
            "first_line": [1, "file line of the first source line"],
            "settings": [QuizSettings(), "the module's quiz settings"],
        }
        super().__init__(**kwargs)
        self.quiz: Quiz | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(QuizPreprocessor(md, self), "scormpack_quiz", 40)


def extract_quiz(lines: list[str], path: Path, first_line: int, settings: QuizSettings) -> tuple[list[str], Quiz | None]:
    """The module source without its quiz block, and the quiz it held."""
    extension = QuizExtension(path=path, first_line=first_line, settings=settings)
    # The preprocessor alone: setting up a whole Markdown instance per module cost a big course seconds.
    remaining = QuizPreprocessor(None, extension).run(lines)
    return remaining, extension.quiz
