"""Knowledge checks as IMS QTI 1.2 assessments in the Common Cartridge profile.

The profile knows four item types, each named by a cc_profile field:
single choice (cc.multiple_choice.v0p1), multiple response
(cc.multiple_response.v0p1), true/false (cc.true_false.v0p1) and fill in the
blank (cc.fib.v0p1). Matching and ordering questions have no profile; they
are left out with a warning rather than turned into something else.

Scoring is written the way LMS importers read it (../shared/lms-notes.md,
and Moodle's Common Cartridge converter): the respcondition that sets SCORE
to 100 names each correct response in a varequal with case="Yes"; true/false
responses are named exactly "true" and "false"; an option's feedback hangs on
a respcondition whose varequal names that option (never on <other/>); the
general feedback for a right and a wrong answer are itemfeedback elements
(correct_fb, general_incorrect_fb) shown by the conditions that score a
response right or wrong. Every respcondition has continue="No".

Single choice and true/false get one respcondition per option (score, the
option's feedback, the general right or wrong feedback); multiple response
gets one scoring respcondition (and: each correct option, not each other)
followed by one feedback respcondition per option that has feedback or is
wrong (wrong options first, showing the general wrong feedback too); fill in
the blank gets one scoring respcondition holding a varequal per accepted
answer (what Moodle reads as its answers, and how Canvas writes them), with
case="Yes" when the answer is case-sensitive. A final <other/> condition
shows the general wrong feedback for anything else.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from ..errors import ScormpackError
from ..messages import Messages
from ..render import RenderedModule, RenderedQuestion, shorten
from .base import XML_LANG, sub, xml_id

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
PROFILES = {
    "single": "cc.multiple_choice.v0p1",
    "multiple": "cc.multiple_response.v0p1",
    "truefalse": "cc.true_false.v0p1",
    "fillin": "cc.fib.v0p1",
}
RESPONSE = "response1"  # the one response of every item
CORRECT_FEEDBACK = "correct_fb"
WRONG_FEEDBACK = "general_incorrect_fb"
# In QTI text, a reference to a file of the cartridge is written relative to the
# QTI file and prefixed with this token, which the importing LMS replaces.
FILEBASE = "$IMS-CC-FILEBASE$"
TITLE_LIMIT = 80


@dataclass
class Assessment:
    document: etree._Element
    questions: int  # items written
    uses_files: bool  # the text refers to files of the cartridge


def q(tag: str) -> str:
    return f"{{{QTI}}}{tag}"


def build_assessment(
    module: RenderedModule, messages: Messages, target_label: str, warnings: list[ScormpackError]
) -> Assessment | None:
    """The module's knowledge check as a QTI assessment; None when no question fits the profile.

    The QTI file must sit in the module's folder, beside its pages: the HTML
    of prompts and options keeps the page's relative references.
    """
    if module.quiz is None:
        return None
    module_id = module.module.id
    root = etree.Element(q("questestinterop"), nsmap={None: QTI})
    title = messages("quiz.assessment_title", module=module.module.title)
    assessment = sub(root, q("assessment"), ident=xml_id("QUIZ", module_id), title=title)
    assessment.set(XML_LANG, messages.language)
    settings = module.quiz.settings
    _metadata(
        sub(assessment, q("qtimetadata")),
        [
            ("cc_profile", "cc.exam.v0p1"),
            ("qmd_assessmenttype", "Examination"),
            ("qmd_scoretype", "Percentage"),
            ("qmd_feedbackpermitted", "Yes"),
            ("qmd_hintspermitted", "No"),
            ("qmd_solutionspermitted", "No"),
            ("cc_maxattempts", str(settings.attempts) if settings.attempts else "unlimited"),
        ],
    )
    section = sub(assessment, q("section"), ident=xml_id("SECTION", module_id))
    written = 0
    uses_files = False
    expressible = [question for question in module.quiz.questions if question.kind in PROFILES]
    weights = dict(zip((question.id for question in expressible), item_weights(expressible)))
    for question in module.quiz.questions:
        if question.kind not in PROFILES:
            source = question.question.source
            warnings.append(
                ScormpackError(
                    f"module {module_id!r}, question {question.id!r}: {question.kind} questions have no "
                    f"Common Cartridge QTI profile, so the question is left out of the {target_label} assessment "
                    "(the module's practice page still has it)",
                    source.path,
                    source.line,
                    code="cc-question-left-out",
                )
            )
            continue
        uses_files |= _item(section, module_id, question, settings.shuffle, weights[question.id], messages)
        written += 1
    if not written:
        warnings.append(
            ScormpackError(
                f"module {module_id!r}: no question of its knowledge check fits the Common Cartridge QTI "
                f"profile, so the {target_label} package has no assessment for it",
                module.quiz.quiz.source.path,
                module.quiz.quiz.source.line,
                code="cc-quiz-left-out",
            )
        )
        return None
    return Assessment(root, written, uses_files)


def _metadata(parent: etree._Element, fields: list[tuple[str, str]]) -> None:
    for label, entry in fields:
        field = sub(parent, q("qtimetadatafield"))
        sub(field, q("fieldlabel"), label)
        sub(field, q("fieldentry"), entry)


def _item(
    section: etree._Element, module_id: str, question: RenderedQuestion, shuffle: bool, weight: str, messages: Messages
) -> bool:
    """Writes one item; True when its text refers to files of the cartridge."""
    model = question.question
    item = sub(
        section,
        q("item"),
        ident=xml_id("Q", module_id, model.id),
        title=shorten(question.prompt_text, TITLE_LIMIT) or messages("quiz.question_number", number=question.number),
    )
    _metadata(
        sub(sub(item, q("itemmetadata")), q("qtimetadata")),
        [("cc_profile", PROFILES[model.kind]), ("cc_weighting", weight), ("qmd_computerscored", "Yes")],
    )
    presentation = sub(item, q("presentation"))
    in_direction = _direction_wrapper(messages)
    uses_files = _material(presentation, in_direction(question.prompt_html))
    processing = sub(item, q("resprocessing"))
    outcomes = sub(processing, q("outcomes"))
    sub(outcomes, q("decvar"), varname="SCORE", vartype="Decimal", minvalue="0", maxvalue="100")
    right = CORRECT_FEEDBACK if model.feedback_correct else None
    wrong = WRONG_FEEDBACK if model.feedback_wrong else None
    feedback: list[tuple[str, str]] = []  # (ident, html) of the itemfeedback elements

    if model.kind == "fillin":
        response = sub(presentation, q("response_str"), ident=RESPONSE, rcardinality="Single")
        blank = sub(response, q("render_fib"), fibtype="String", prompt="Box", rows="1", columns="40")
        sub(blank, q("response_label"), ident="answer1", rshuffle="No")
        # One condition lists every accepted answer: Moodle's Common Cartridge converter takes the
        # correct answers from the varequal elements of the first condition that sets SCORE to 100,
        # and from no other (with one condition per answer, only the first answer was kept).
        condition = _condition(processing, "Correct")
        case = "Yes" if model.case_sensitive else "No"
        test = sub(condition, q("conditionvar"))
        for answer in model.accepted:
            sub(test, q("varequal"), answer, respident=RESPONSE, case=case)
        _outcome(condition, 100, [right])
    else:
        if model.kind == "truefalse":
            labels = [("true", messages("quiz.true"), ""), ("false", messages("quiz.false"), "")]
            correct = {"true" if model.answer_bool else "false"}
        else:
            labels = [(option.id, option.html, option.feedback_html) for option in question.options]
            correct = {option.id for option in model.correct_options}
        multiple = model.kind == "multiple"
        response = sub(presentation, q("response_lid"), ident=RESPONSE, rcardinality="Multiple" if multiple else "Single")
        choice = sub(response, q("render_choice"), shuffle="Yes" if shuffle and model.kind != "truefalse" else "No")
        for ident, label_html, option_feedback in labels:
            label = sub(choice, q("response_label"), ident=ident)
            uses_files |= _material(label, in_direction(label_html))
            if option_feedback:
                feedback.append((f"{ident}_fb", option_feedback))
        if multiple:
            # The whole selection is scored at once: every correct option, and no other.
            scoring = _condition(processing, "Correct")
            test = sub(sub(scoring, q("conditionvar")), q("and"))
            for ident, _, _ in labels:
                if ident in correct:
                    sub(test, q("varequal"), ident, respident=RESPONSE, case="Yes")
            for ident, _, _ in labels:
                if ident not in correct:
                    sub(sub(test, q("not")), q("varequal"), ident, respident=RESPONSE)
            _outcome(scoring, 100, [right])
            # Then a condition naming each option, wrong ones first: a wrong choice shows its
            # own feedback and the general wrong one (Moodle keeps only feedback named so).
            for ident, _, option_feedback in sorted(labels, key=lambda label: label[0] in correct):
                idents = [f"{ident}_fb" if option_feedback else None] + ([wrong] if ident not in correct else [])
                if any(idents):
                    condition = _condition(processing, f"Feedback for {ident}")
                    sub(sub(condition, q("conditionvar")), q("varequal"), ident, respident=RESPONSE)
                    _outcome(condition, None, idents)
        else:
            # One condition per option: its score, its own feedback and the general one.
            for ident, _, option_feedback in labels:
                is_correct = ident in correct
                condition = _condition(processing, "Correct" if is_correct else f"Incorrect: {ident}")
                test = sub(sub(condition, q("conditionvar")), q("varequal"), ident, respident=RESPONSE)
                if is_correct:
                    test.set("case", "Yes")
                _outcome(
                    condition, 100 if is_correct else 0,
                    [f"{ident}_fb" if option_feedback else None, right if is_correct else wrong],
                )
    if wrong:
        # Whatever no condition above caught (a wrong selection, a wrong text, no answer).
        condition = _condition(processing, "Incorrect")
        sub(sub(condition, q("conditionvar")), q("other"))
        _outcome(condition, None, [wrong])

    if right:
        feedback.append((CORRECT_FEEDBACK, question.feedback_correct_html))
    if wrong:
        feedback.append((WRONG_FEEDBACK, question.feedback_wrong_html))
    for ident, feedback_html in feedback:
        element = sub(item, q("itemfeedback"), ident=ident)
        uses_files |= _material(sub(element, q("flow_mat")), in_direction(feedback_html))
    return uses_files


def _direction_wrapper(messages: Messages) -> Callable[[str], str]:
    """Right-to-left text wrapped in a div carrying its direction, left-to-right text as it is.

    An LMS shows question text inside its own page, in the site's language
    and direction (Moodle keeps a div's dir and lang), so an Arabic prompt
    would otherwise be laid out left to right.
    """
    if messages.direction != "rtl":
        return lambda fragment: fragment

    def wrapped(fragment: str) -> str:
        if not str(fragment).strip():
            return fragment
        return f'<div dir="rtl" lang="{messages.language}">{fragment}</div>'

    return wrapped


def _condition(processing: etree._Element, title: str) -> etree._Element:
    """A respcondition that ends processing when it matches.

    continue="Yes" is never used: Moodle turns the feedback of every such
    condition into the question's general feedback, shown to everyone.
    """
    condition = sub(processing, q("respcondition"), title=title)
    condition.set("continue", "No")
    return condition


def _outcome(condition: etree._Element, score: int | None, feedback_idents: list[str | None]) -> None:
    """The score a matching condition sets (None: none) and the feedback it shows."""
    if score is not None:
        sub(condition, q("setvar"), str(score), varname="SCORE", action="Set")
    for ident in feedback_idents:
        if ident:
            sub(condition, q("displayfeedback"), feedbacktype="Response", linkrefid=ident)


def item_weights(questions: list[RenderedQuestion]) -> list[str]:
    """cc_weighting per question: the weights scaled by one factor to whole numbers when possible.

    Moodle reads cc_weighting as an integer from 0 to 99 (0.5 would become a
    question worth nothing); scaling every weight by the same factor keeps
    their proportions, which is all a quiz grade depends on.
    """
    from fractions import Fraction  # here: only cartridges weigh questions

    fractions = [Fraction(question.weight).limit_denominator(100) for question in questions]
    factor = 1
    for fraction in fractions:
        factor = math.lcm(factor, fraction.denominator)
    scaled = [fraction * factor for fraction in fractions]
    if all(value.denominator == 1 and 1 <= value <= 99 for value in scaled):
        return [str(value.numerator) for value in scaled]
    return [f"{question.weight:g}" for question in questions]


def _material(parent: etree._Element, fragment: str) -> bool:
    """A material holding the HTML fragment; True when it refers to files of the cartridge."""
    text, uses_files = cartridge_html(str(fragment))
    sub(sub(parent, q("material")), q("mattext"), text, texttype="text/html")
    return uses_files


def cartridge_html(fragment: str) -> tuple[str, bool]:
    """HTML for QTI text: relative references (images, files, other modules) get the file-base token.

    The references are relative to the module's folder, where the QTI file
    sits too, so only the token is added. Returns the HTML and whether any
    reference was rewritten.
    """
    if not fragment.strip():
        return fragment, False
    import lxml.html  # here: only cartridges need it, and it is slow to import for every build

    wrapper = lxml.html.fragment_fromstring(fragment, create_parent="div")
    rewritten = False

    def relink(link: str) -> str:
        nonlocal rewritten
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path or link.startswith(FILEBASE):
            return link
        rewritten = True
        return f"{FILEBASE}/{link}"

    wrapper.rewrite_links(relink, resolve_base_href=False)
    if not rewritten:
        return fragment, False
    text = html.escape(wrapper.text or "", quote=False)
    text += "".join(lxml.html.tostring(child, encoding="unicode") for child in wrapper)
    return text, True
