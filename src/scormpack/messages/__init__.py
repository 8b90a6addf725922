"""The words a learner sees and the direction they are written in, per course language.

One TOML table per language in this folder (`en.toml` is the reference),
keyed by message id. Templates, render.py, the targets and, through a JSON
block in every page, static/scormpack.js take their text from here, so a new
language is a data file. Plural forms and the writing direction come from
the CLDR data that Babel ships, so they are right for any language tag.
"""
from __future__ import annotations

import functools
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

MESSAGE_DIR = Path(__file__).parent
REFERENCE_LANGUAGE = "en"
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
RUNTIME_PREFIX = "runtime."

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

    def __call__(self, message_id: str, count: int | None = None, **values: object) -> str:
        """The message with its {placeholders} filled; `count` picks the plural form and fills {count}."""
        text = self.table[message_id]
        if isinstance(text, dict):
            if count is None:
                raise ValueError(f"message {message_id!r} has plural forms: give a count")
            text = text.get(self.locale.plural_form(count), text["other"])
        if count is not None:
            values["count"] = count
        return text.format(**values)

    def runtime_json(self) -> str:
        """The runtime's messages (ids without the `runtime.` prefix) as JSON for a page's script block."""
        runtime = {key[len(RUNTIME_PREFIX):]: text for key, text in self.table.items() if key.startswith(RUNTIME_PREFIX)}
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
def messages_for(language: str) -> Messages:
    """The table for a BCP 47 tag: its own file ("pt-BR"), else its language's ("pt"), over English."""
    table = dict(_read_table(REFERENCE_LANGUAGE) or {})
    primary = language.split("-")[0]
    for candidate in dict.fromkeys([primary, language]):
        if candidate != REFERENCE_LANGUAGE:
            table.update(_read_table(candidate) or {})
    return Messages(language, table, _locale(language))
