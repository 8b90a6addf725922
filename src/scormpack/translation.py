"""Translation catalogues: the course's own text as gettext PO, one catalogue per language.

Translators work in their own tools (CAT tools read PO), never in our
Markdown. Every piece of text a learner reads that the course holds is one
unit: the course, audience, stage and bundle titles and descriptions; each
module's title, objectives, source and link titles; each heading, paragraph,
list item, table cell and image text alternative of its body; each question's
prompt, options, matching and ordering items and feedback, and a fill-in
question's accepted answers: the learner types them in the edition's
language, so each edition has its own (`joint` in English, `conjoint |
conjointe` in French), checked like the source's `answer:` line. The other
answer keys (which option is right, the pairs, the order) are ids and are
not units.

A unit's msgctxt says where it belongs, by ids, never by position
("why-coherence/text", "why-coherence/quiz/deficit/option/b", "@bundle/x/title"),
and its msgid is the source text; so reordering a module keeps every
translation, a changed source text is matched to its old entry and marked
fuzzy (Babel's Catalog.update), and a new one is untranslated.

Catalogues live beside the course: translations/template.pot and
translations/<language>.po for each language course.toml names.
"""
from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING


from .course import Course, Module
from .errors import ScormpackError
from .image_variants import localize_images
from .loader import COURSE_FILE, read_text
from .markdown_ext.quiz import accepted_problem, join_accepted, split_accepted

if TYPE_CHECKING:  # Babel is imported where catalogues are read or written: a build in the source language needs none
    from babel.messages.catalog import Catalog

CATALOGUE_DIR = "translations"
TEMPLATE_FILE = "template.pot"
COURSE_CONTEXT = "@"  # contexts of text outside the modules start with it (a module id cannot)

CODE_FENCE = re.compile(r"^\s*(```|~~~)")
DIRECTIVE = re.compile(r"^:::")
HEADING = re.compile(r"^#{1,6}\s+(?P<text>.*?)\s*(?:\{#[\w-]+\})?\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>.*)$")
TABLE_ROW = re.compile(r"^\s*\|")
TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]*-{3,}[\s:|-]*$")
RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
QUOTE = re.compile(r"^\s*>\s?")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\([^)]*\)")
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Unit:
    """One piece of translatable text, where it was written and which module holds it (None: the course)."""

    context: str
    text: str
    path: Path
    line: int
    module: str | None = None
    note: str = ""  # for the translator, beside the unit in the catalogue


def _normalize(text: str) -> str:
    """One line, single spaces: Markdown reads a line break inside a block as a space."""
    return " ".join(text.split())


def _line_of(text: str, value: str, default: int = 1) -> int:
    """The first line of text holding value (its first line, to the first 40 characters)."""
    needle = value.strip().splitlines()[0][:40] if value.strip() else ""
    position = text.find(needle) if needle else -1
    return text.count("\n", 0, position) + 1 if position >= 0 else default


def answer_note(case_sensitive: bool) -> str:
    """What a translator reads beside a fill-in question's accepted answers (an extracted comment, "#.")."""
    case = ("Letter case counts (case=sensitive)." if case_sensitive else "Letter case does not count.")
    return ("Accepted answers of a fill-in question, separated by |: every form a learner of this language may "
            f"type for it (gender, plural, with and without accents). {case} The source's answers count in this "
            "edition only if they are listed here too.")


@dataclass
class _Block:
    """A run of body lines holding text: lines[first:last + 1] is prefix + text(s) + suffix."""

    first: int
    last: int
    prefix: str  # "## ", "- ", "1. ", "> " ...
    texts: list[str]  # one, or a table row's cells
    suffix: str = ""  # a heading's {#id}
    row: bool = False


def _blocks(body: str) -> list[_Block]:
    """The body's headings, paragraphs, list items and table rows; not code, directives or rules."""
    blocks: list[_Block] = []
    current: _Block | None = None
    in_code = False
    for index, line in enumerate(body.split("\n")):
        if CODE_FENCE.match(line):
            current, in_code = None, not in_code
            continue
        if in_code or not line.strip() or DIRECTIVE.match(line) or (RULE.match(line) and not LIST_ITEM.match(line)):
            current = None
            continue
        heading = HEADING.match(line)
        if heading:
            current = None
            blocks.append(_Block(index, index, line[: heading.start("text")], [heading["text"]], line[heading.end("text"):]))
            continue
        if TABLE_ROW.match(line):
            current = None
            if not TABLE_RULE.match(line):
                cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
                blocks.append(_Block(index, index, "", [cell.strip() for cell in cells], row=True))
            continue
        item = LIST_ITEM.match(line)
        if item:
            current = _Block(index, index, line[: item.start("text")], [item["text"]])
            blocks.append(current)
            continue
        quote = QUOTE.match(line)
        text = line[quote.end():] if quote else line
        if current is None:
            current = _Block(index, index, quote.group(0) if quote else "", [text])
            blocks.append(current)
        else:
            current.last = index
            current.texts[0] += " " + text
    return blocks


def _body_units(module: Module) -> list[Unit]:
    units: list[Unit] = []
    for block in _blocks(module.body):
        line = module.body_line + block.first
        for text in block.texts:
            for image in IMAGE.finditer(text):
                alt = _normalize(image["alt"])
                if LETTER.search(alt):
                    units.append(Unit(f"{module.id}/alt", alt, module.path, line, module.id))
            if LETTER.search(IMAGE.sub("", text)):  # a paragraph that is only a picture has only its alt text to translate
                units.append(Unit(f"{module.id}/text", _normalize(text), module.path, line, module.id))
    return units


def _module_units(module: Module) -> list[Unit]:
    source = read_text(module.path)
    at = module.id
    units = [Unit(f"{at}/title", module.title, module.path, _line_of(source, f"title: {module.title}"), at)]
    units += [Unit(f"{at}/objective", text, module.path, _line_of(source, text), at) for text in module.objectives]
    if module.source_reference:
        units.append(Unit(f"{at}/source", module.source_reference, module.path, _line_of(source, module.source_reference), at))
    units += [Unit(f"{at}/link", link.title, module.path, _line_of(source, link.title), at) for link in module.links]
    units += _body_units(module)
    if module.quiz:
        for question in module.quiz.questions:
            where = f"{at}/quiz/{question.id}"
            line = question.source.line or module.body_line

            def add(kind: str, text: str, note: str = "") -> None:
                if text and LETTER.search(text):
                    units.append(Unit(f"{where}/{kind}", _normalize(text), module.path, line, at, note))

            add("prompt", question.prompt)
            for option in question.options:
                add(f"option/{option.id}", option.text)
                add(f"feedback/{option.id}", option.feedback)
            for pair in question.pairs:
                add("match", pair.left)
                add("match", pair.right)
            for item in question.sequence:
                add("item", item)
            add("correct", question.feedback_correct)
            add("wrong", question.feedback_wrong)
            if question.kind == "fillin":
                add("answer", join_accepted(question.accepted), answer_note(question.case_sensitive))
    return units


def extract_units(course: Course) -> list[Unit]:
    """Every translatable unit of the course, in course order; one per (context, text)."""
    path = course.root / COURSE_FILE
    source = read_text(path)
    units = [Unit(f"{COURSE_CONTEXT}course/title", course.title, path, _line_of(source, course.title))]
    if course.description:
        units.append(Unit(f"{COURSE_CONTEXT}course/description", _normalize(course.description), path, _line_of(source, course.description)))
    for kind, entries in (("audience", course.audiences), ("stage", course.stages), ("bundle", course.bundles)):
        for entry in entries:
            units.append(Unit(f"{COURSE_CONTEXT}{kind}/{entry.id}/title", entry.title, path, _line_of(source, entry.title)))
            if entry.description:
                units.append(Unit(f"{COURSE_CONTEXT}{kind}/{entry.id}/description", _normalize(entry.description), path,
                                  _line_of(source, entry.description)))
    for module in sorted(course.modules, key=lambda m: (m.order, m.id)):
        units += _module_units(module)
    unique: dict[tuple[str, str], Unit] = {}
    for unit in units:
        unique.setdefault((unit.context, unit.text), unit)
    return list(unique.values())


def template_catalog(course: Course) -> Catalog:
    """The catalogue template (POT): every unit, untranslated, with the source file:line it comes from."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project=course.id, version=course.version, fuzzy=False, charset="utf-8")
    for unit in extract_units(course):
        location = (unit.path.relative_to(course.root).as_posix(), unit.line)
        if (unit.text, unit.context) in catalog:
            catalog[unit.text, unit.context].locations.append(location)  # type: ignore[index]
        else:
            catalog.add(unit.text, context=unit.context, locations=[location], auto_comments=[unit.note] if unit.note else [])
    return catalog


def catalogue_dir(course: Course) -> Path:
    return course.root / CATALOGUE_DIR


def catalogue_path(course: Course, language: str) -> Path:
    return catalogue_dir(course) / f"{language}.po"


def _write(catalog: Catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_previous=True, ignore_obsolete=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(buffer.getvalue())
    temporary.replace(path)


def read_catalog(path: Path, language: str) -> Catalog:
    from babel.messages.pofile import read_po

    try:
        with open(path, "rb") as handle:
            return read_po(handle, locale=language, abort_invalid=True)
    except Exception as error:  # Babel raises PoFileError, or ValueError/UnicodeDecodeError on a broken file
        line = getattr(error, "lineno", 0) or 0
        raise ScormpackError(f"cannot read the catalogue: {error}", path, line) from None


def write_template(course: Course) -> Path:
    path = catalogue_dir(course) / TEMPLATE_FILE
    _write(template_catalog(course), path)
    return path


@dataclass
class UpdateResult:
    language: str
    path: Path
    created: bool
    new: int  # units the catalogue did not have
    fuzzy: int  # translations whose source changed, kept for review
    obsolete: int  # entries whose unit is gone


def update_catalogues(course: Course, languages: list[str]) -> list[UpdateResult]:
    """Bring each language's catalogue in step with the course: new units untranslated, changed ones fuzzy."""
    template = template_catalog(course)
    write_template(course)
    results = []
    for language in languages:
        path = catalogue_path(course, language)
        created = not path.is_file()
        if created:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=language, project=course.id, version=course.version, fuzzy=False, charset="utf-8")
            before: set = set()
            fuzzy_before: set = set()
        else:
            catalog = read_catalog(path, language)
            before = {(m.id, m.context) for m in catalog if m.id}
            fuzzy_before = {(m.id, m.context) for m in catalog if m.id and m.fuzzy}
        catalog.update(template, update_header_comment=False, update_creation_date=False)
        keys = {(m.id, m.context) for m in catalog if m.id}
        fuzzy = {(m.id, m.context) for m in catalog if m.id and m.fuzzy and m.string}
        _write(catalog, path)
        results.append(UpdateResult(
            language, path, created,
            new=len({k for k in keys - before if k not in fuzzy}),
            fuzzy=len(fuzzy - fuzzy_before),
            obsolete=len(catalog.obsolete),
        ))
    return results


@dataclass
class Completeness:
    units: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0

    @property
    def complete(self) -> bool:
        return self.units == self.translated

    def count(self, state: str) -> None:
        self.units += 1
        setattr(self, state, getattr(self, state) + 1)

    def as_json(self) -> dict:
        return {"units": self.units, "translated": self.translated, "fuzzy": self.fuzzy,
                "untranslated": self.untranslated, "complete": self.complete}


@dataclass
class LanguageStatus:
    language: str
    catalogue: Path
    total: Completeness = field(default_factory=Completeness)
    bundles: dict[str, Completeness] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {**self.total.as_json(), "catalogue": str(self.catalogue),
                "bundles": {bundle: counts.as_json() for bundle, counts in self.bundles.items()}}


def unit_state(catalog: Catalog | None, unit: Unit) -> str:
    """translated, fuzzy or untranslated: what the catalogue holds for this unit of the current source."""
    message = catalog.get(unit.text, unit.context) if catalog is not None else None
    if message is None or not message.string:
        return "untranslated"
    return "fuzzy" if message.fuzzy else "translated"


def status(course: Course, languages: list[str]) -> list[LanguageStatus]:
    """Per language and per bundle: how many of the current units are translated, fuzzy or untranslated."""
    units = extract_units(course)
    results = []
    for language in languages:
        path = catalogue_path(course, language)
        catalog = read_catalog(path, language) if path.is_file() else None
        result = LanguageStatus(language, path, bundles={bundle.id: Completeness() for bundle in course.bundles})
        for unit in units:
            state = unit_state(catalog, unit)
            result.total.count(state)
            for bundle in course.bundles:
                if _in_bundle(unit, bundle, course):
                    result.bundles[bundle.id].count(state)
        results.append(result)
    return results


def _in_bundle(unit: Unit, bundle, course: Course) -> bool:
    if unit.module is not None:
        return any(module.id == unit.module for module in bundle.modules)
    kind, _, rest = unit.context[len(COURSE_CONTEXT):].partition("/")
    entry = rest.split("/")[0]
    return (kind == "course" or (kind == "bundle" and entry == bundle.id)
            or (kind == "audience" and entry == bundle.audience) or (kind == "stage" and entry == bundle.stage))


# ------------------------------------------------------- a translated edition


ALL_LANGUAGES = "all"


@dataclass
class Edition:
    """One language's edition of the course, as a build makes it: the course in that language, the bundles
    built in it and what translating them warned about."""

    language: str
    course: Course
    bundle_ids: list[str]
    warnings: list[ScormpackError] = field(default_factory=list)


def choose_languages(course: Course, languages: list[str] | tuple[str, ...]) -> list[str]:
    """The languages asked for: none is the source language, `all` the source and every translation."""
    known = [course.language, *course.translations]
    if not languages:
        return [course.language]
    if ALL_LANGUAGES in languages:
        return known
    for language in languages:
        if language not in known:
            raise ScormpackError(f"--language {language}: the course is in {', '.join(known)} ([course].translations)", course.root / COURSE_FILE)
    return [language for language in known if language in languages]


def make_editions(course: Course, languages: list[str] | tuple[str, ...], bundle_ids: list[str]) -> list[Edition]:
    """The editions a build makes, each over the bundles asked for (none: every bundle) that it is released for.

    With `all`, a language whose edition ([editions] in course.toml) lacks a bundle asked for skips it; a
    language named on its own must cover every bundle asked for.
    """
    chosen = choose_languages(course, languages)
    every = not languages or ALL_LANGUAGES in languages
    editions = []
    for language in chosen:
        covered = edition_bundles(course, language)
        wanted = bundle_ids or [bundle.id for bundle in course.bundles]
        if not every and bundle_ids:
            outside = [bundle_id for bundle_id in bundle_ids if bundle_id not in covered]
            if outside:
                raise ScormpackError(
                    f"--language {language}: bundle {outside[0]!r} is not in the {language} edition "
                    f"([editions].{language} releases {', '.join(covered)}); add it there when it is translated",
                    course.root / COURSE_FILE,
                )
        chosen_bundles = [bundle_id for bundle_id in covered if bundle_id in wanted]
        if not chosen_bundles:
            continue
        if language == course.language:
            editions.append(Edition(language, course, chosen_bundles))
        else:
            translated, warnings = translate_course(course, language, chosen_bundles)
            editions.append(Edition(language, translated, chosen_bundles, warnings))
    if not editions:
        raise ScormpackError(f"no edition in {', '.join(chosen)} holds the bundles asked for ([editions] in course.toml)",
                             course.root / COURSE_FILE)
    return editions


def edition_bundles(course: Course, language: str) -> list[str]:
    """The ids of the bundles the `language` edition is released for: the source language and a language
    [editions] does not name cover every bundle."""
    if language == course.language or language not in course.editions:
        return [bundle.id for bundle in course.bundles]
    return [bundle.id for bundle in course.bundles if bundle.id in course.editions[language]]


def translate_course(course: Course, language: str, bundle_ids: list[str] | None = None) -> tuple[Course, list[ScormpackError]]:
    """The course in `language`, from its catalogue: the same ids, answer keys and scoring, the translated
    text and fill-in answers, and each image's `<name>.<language>.<ext>` variant where there is one
    (image_variants.py).

    A unit the catalogue leaves untranslated or marks fuzzy keeps its source
    text, with a warning naming the catalogue entry's path:line (or the
    catalogue, when it lacks the unit: `translate update` adds it). Only the
    units of the bundles in bundle_ids (None: every bundle) warn: those are
    what the build packages.
    """
    path = catalogue_path(course, language)
    if not path.is_file():
        raise ScormpackError(f"no catalogue for {language!r}: run `scormpack translate update` and translate it", path)
    catalog = read_catalog(path, language)
    edition = copy.deepcopy(course)
    edition.language = language
    edition.source_language = course.source_language or course.language
    edition.findings = []
    warnings: list[ScormpackError] = []
    scope = [bundle for bundle in course.bundles if bundle_ids is None or bundle.id in bundle_ids]
    shown_modules = {module.id for bundle in scope for module in bundle.modules}

    def in_scope(context: str) -> bool:
        module, _, _ = context.partition("/")
        if not context.startswith(COURSE_CONTEXT):
            return module in shown_modules
        unit = Unit(context, "", path, 0)
        return any(_in_bundle(unit, bundle, course) for bundle in scope)

    def translated(context: str, text: str) -> str:
        source = _normalize(text)
        if not LETTER.search(source):
            return text
        message = catalog.get(source, context)
        shown = source if len(source) <= 60 else source[:57] + "..."
        if not in_scope(context):
            return message.string if message is not None and message.string and not message.fuzzy else text
        if message is None:
            warnings.append(ScormpackError(f"{language}: not in the catalogue ({context}): {shown!r}; run `scormpack translate update`", path))
        elif not message.string:
            warnings.append(ScormpackError(f"{language}: untranslated ({context}): {shown!r}", path, message.lineno))
        elif message.fuzzy:
            warnings.append(ScormpackError(f"{language}: fuzzy, the source changed ({context}): {shown!r}", path, message.lineno))
        else:
            return message.string
        return text

    def translated_answers(context: str, accepted: list[str]) -> list[str]:
        """A fill-in question's accepted answers in this edition: the catalogue's, or (untranslated, fuzzy:
        warned like any unit) the source's."""
        source = join_accepted(accepted)
        text = translated(context, source)
        if text == source:
            return accepted
        answers = split_accepted(text)
        problem = accepted_problem(answers)
        if problem:
            message = catalog.get(_normalize(source), context)
            raise ScormpackError(f"{language}: the accepted answers ({context}) {problem}; separate them with '|'",
                                 path, message.lineno if message is not None else 0)
        return answers

    at = COURSE_CONTEXT
    edition.title = translated(f"{at}course/title", edition.title)
    if edition.description:
        edition.description = translated(f"{at}course/description", edition.description)
    for kind, entries in (("audience", edition.audiences), ("stage", edition.stages), ("bundle", edition.bundles)):
        for entry in entries:
            entry.title = translated(f"{at}{kind}/{entry.id}/title", entry.title)
            if entry.description:
                entry.description = translated(f"{at}{kind}/{entry.id}/description", entry.description)
    for module in edition.modules:  # the bundles hold these same Module objects (deepcopy keeps them shared)
        _translate_module(module, translated, translated_answers)
        image_warnings = localize_images(module, language)
        if module.id in shown_modules:
            warnings += image_warnings
    return edition, warnings


def _translate_module(module: Module, translated, translated_answers) -> None:
    at = module.id
    module.title = translated(f"{at}/title", module.title)
    module.objectives = [translated(f"{at}/objective", text) for text in module.objectives]
    if module.source_reference:
        module.source_reference = translated(f"{at}/source", module.source_reference)
    for link in module.links:
        link.title = translated(f"{at}/link", link.title)
    module.body = _translate_body(module, translated)
    if module.quiz:
        for question in module.quiz.questions:
            where = f"{at}/quiz/{question.id}"
            question.prompt = translated(f"{where}/prompt", question.prompt)
            for option in question.options:
                option.text = translated(f"{where}/option/{option.id}", option.text)
                if option.feedback:
                    option.feedback = translated(f"{where}/feedback/{option.id}", option.feedback)
            for pair in question.pairs:
                pair.left = translated(f"{where}/match", pair.left)
                pair.right = translated(f"{where}/match", pair.right)
            question.sequence = [translated(f"{where}/item", item) for item in question.sequence]
            if question.feedback_correct:
                question.feedback_correct = translated(f"{where}/correct", question.feedback_correct)
            if question.feedback_wrong:
                question.feedback_wrong = translated(f"{where}/wrong", question.feedback_wrong)
            if question.kind == "fillin":
                question.accepted = translated_answers(f"{where}/answer", question.accepted)


def _translate_body(module: Module, translated) -> str:
    """The body with each block's text translated in place; a block of several lines becomes one line
    followed by blank ones, so every other line keeps its number."""
    lines = module.body.split("\n")

    def text_of(text: str) -> str:
        if LETTER.search(IMAGE.sub("", text)):
            text = translated(f"{module.id}/text", text)
        return IMAGE.sub(lambda image: image.group(0).replace(f"[{image['alt']}]", f"[{translated(f'{module.id}/alt', image['alt'])}]", 1), text)

    for block in _blocks(module.body):
        if block.row:
            lines[block.first] = "| " + " | ".join(text_of(cell) for cell in block.texts) + " |"
            continue
        lines[block.first] = block.prefix + text_of(block.texts[0]) + block.suffix
        for index in range(block.first + 1, block.last + 1):
            lines[index] = ""
    return "\n".join(lines)
