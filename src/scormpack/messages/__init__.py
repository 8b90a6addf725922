"""The words a learner sees and the direction they are written in, per course language.

One TOML table per language in this folder (`en.toml` is the reference),
keyed by message id. Templates, render.py, the targets and, through a JSON
block in every page, static/scormpack.js take their text from here, so a new
language is a data file. Plural forms and the writing direction come from
the CLDR data that Babel ships, so they are right for any language tag, and so
does the way numbers are written (digits, separators) in the values filled in.

A course can override messages per language in course.toml (`[messages.fr]`
holds the same keys as fr.toml); `check_table` says what is wrong with such a
table, and the loader turns that into a `path:line` error.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from markupsafe import Markup, escape

MESSAGE_DIR = Path(__file__).parent
REFERENCE_LANGUAGE = "en"
PLURAL_ORDER = ("zero", "one", "two", "few", "many", "other")
PLURAL_CATEGORIES = frozenset(PLURAL_ORDER)
RUNTIME_PREFIX = "runtime."
WEB_RUNTIME_PREFIX = "runtime.web_"  # the offline web edition's (static/web.js)

# Babel gives a numbering system's separators but writes digits 0-9 whatever
# the system; the digits of the systems our languages default to (Unicode
# decimal digits, zero first). A system not listed is written, here and in
# the runtime, with 0-9, so a page never mixes two kinds of digits.
ZERO_DIGIT = {"latn": "0", "arab": "\u0660", "arabext": "\u06f0"}

Text = str | dict[str, str]  # a message, or its plural forms by CLDR category


@dataclass(frozen=True)
class Messages:
    """The message table of one course language, callable: messages("quiz.submit")."""

    language: str
    table: dict[str, Text]
    locale: Locale

    @property
    def direction(self) -> str:
        """"ltr" or "rtl", for the `dir` attribute of every page."""
        return self.locale.text_direction

    @property
    def numbering_system(self) -> str:
        """The digits this table writes, as a CLDR numbering system: the runtime's Intl.NumberFormat writes the same."""
        system = self.locale.default_numbering_system
        return system if system in ZERO_DIGIT else "latn"

    def number(self, value: int | float) -> str:
        """A number written the language's way: "1 234,5" in French, "١٬٢٣٤٫٥" in ar-EG."""
        text = format_decimal(value, locale=self.locale, numbering_system="default")
        zero = ord(ZERO_DIGIT[self.numbering_system])
        return text.translate({ord("0") + digit: zero + digit for digit in range(10)}) if zero != ord("0") else text

    def _text(self, message_id: str, count: int | None, values: dict[str, object]) -> str:
        text = self.table[message_id]
        if isinstance(text, dict):
            if count is None:
                raise ValueError(f"message {message_id!r} has plural forms: give a count")
            text = text.get(self.locale.plural_form(count), text["other"])
        if count is not None:
            values["count"] = count
        for name, value in values.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values[name] = self.number(value)
        return text

    def __call__(self, message_id: str, count: int | None = None, **values: object) -> str:
        """The message with its {placeholders} filled; `count` picks the plural form and fills {count}."""
        return self._text(message_id, count, values).format(**values)

    def html(self, message_id: str, count: int | None = None, **values: object) -> Markup:
        """The message as HTML, each inserted text in <bdi>.

        What a template inserts (a title, a source, a licence like CC-BY-4.0)
        is often in another script than the message around it; isolated, an
        English name or acronym inside an Arabic sentence keeps its own order
        and does not pull the punctuation next to it out of place.
        """
        texts = {name for name, value in values.items() if isinstance(value, str)}
        text = self._text(message_id, count, values)
        filled = {name: Markup("<bdi>{}</bdi>").format(value) if name in texts else value for name, value in values.items()}
        return Markup(escape(text)).format(**filled)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Text]]) -> Messages:
        """This table with a course's own messages (by language tag) over it: "pt", then "pt-BR"."""
        table = dict(self.table)
        primary = self.language.split("-")[0]
        for candidate in dict.fromkeys([primary, self.language]):
            table.update(overrides.get(candidate, {}))
        return dataclasses.replace(self, table=table) if table != self.table else self

    def runtime_json(self, web: bool = False) -> str:
        """The runtime's messages (ids without the `runtime.` prefix) as JSON for a page's script block;
        those of web.js (`runtime.web_...`) only in the web edition's pages, `web`."""
        runtime = {
            key[len(RUNTIME_PREFIX):]: text
            for key, text in self.table.items()
            if key.startswith(RUNTIME_PREFIX) and (web or not key.startswith(WEB_RUNTIME_PREFIX))
        }
        text = json.dumps(runtime, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        # Inside <script>: no "</script>" or "<!--" can appear.
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _flatten(table: dict, prefix: str = "") -> dict[str, Text]:
    flat: dict[str, Text] = {}
    for key, value in table.items():
        if isinstance(value, dict) and not (value.keys() <= PLURAL_CATEGORIES and "other" in value):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _read_table(language: str) -> dict[str, Text] | None:
    path = MESSAGE_DIR / f"{language}.toml"
    if not path.is_file():
        return None
    with open(path, "rb") as handle:
        return _flatten(tomllib.load(handle))


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(REFERENCE_LANGUAGE)


@functools.lru_cache(maxsize=None)
def _shipped(language: str) -> Messages:
    table = dict(_read_table(REFERENCE_LANGUAGE) or {})
    primary = language.split("-")[0]
    for candidate in dict.fromkeys([primary, language]):
        if candidate != REFERENCE_LANGUAGE:
            table.update(_read_table(candidate) or {})
    return Messages(language, table, _locale(language))


def messages_for(language: str, overrides: Mapping[str, Mapping[str, Text]] | None = None) -> Messages:
    """The table for a BCP 47 tag: its own file ("pt-BR"), else its language's ("pt"), over English.

    `overrides`: a course's own messages by language tag (course.toml's [messages.<language>]).
    """
    shipped = _shipped(language)
    return shipped.with_overrides(overrides) if overrides else shipped


messages_for.cache_clear = _shipped.cache_clear  # tests swap MESSAGE_DIR


def flatten(table: dict) -> dict[str, Text]:
    """A nested TOML table ([quiz] submit = ...) as message ids ("quiz.submit")."""
    return _flatten(table)


def placeholders(text: Text) -> set[str]:
    """The {names} a message (every plural form of it) fills in; ValueError if a brace is unbalanced."""
    forms = text.values() if isinstance(text, dict) else [text]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(str(form)) if name is not None}


def plural_categories(language: str) -> set[str]:
    """The CLDR plural categories a language uses, "other" included (Arabic: all six)."""
    return set(_locale(language).plural_form.tags) | {"other"}


def check_table(table: Mapping[str, object], language: str) -> list[tuple[str, str]]:
    """What is wrong with a message table for `language` (shipped, or a course's own): (message id, problem).

    A message must exist in the English table, be text where English has
    text and plural forms where English has them (only the language's CLDR
    categories, "other" always), and fill in no {placeholder} the English
    message does not have.
    """
    reference = _read_table(REFERENCE_LANGUAGE) or {}
    categories = plural_categories(language)
    problems: list[tuple[str, str]] = []
    for message_id, text in table.items():
        if message_id not in reference:
            problems.append((message_id, f"unknown message id {message_id!r}"))
            continue
        expected = reference[message_id]
        if isinstance(expected, dict):
            if not isinstance(text, dict) or not all(isinstance(form, str) for form in text.values()):
                problems.append((message_id, f"{message_id} needs plural forms, e.g. {{ one = \"...\", other = \"...\" }}"))
                continue
            if "other" not in text:
                problems.append((message_id, f"{message_id} has no 'other' plural form"))
            unused = sorted(set(text) - categories)
            if unused:
                names = ", ".join(sorted(categories, key=list(PLURAL_ORDER).index))
                problems.append((message_id, f"{message_id}: {language!r} has no plural form {', '.join(unused)} (its forms: {names})"))
                continue
        elif not isinstance(text, str):
            problems.append((message_id, f"{message_id} must be a string"))
            continue
        try:
            extra = placeholders(text) - placeholders(expected)
        except ValueError as error:
            problems.append((message_id, f"{message_id}: {error} (write a literal brace as {{{{ or }}}})"))
            continue
        if extra:
            known = ", ".join(f"{{{name}}}" for name in sorted(placeholders(expected))) or "none"
            unknown = ", ".join(f"{{{name}}}" for name in sorted(extra))
            problems.append((message_id, f"{message_id}: {unknown} is not filled in by scormpack (this message has: {known})"))
    return problems
