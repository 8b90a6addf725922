"""The message tables use the terms of docs/terminology.md: where an English
message holds a listed term, its French, Arabic and Portuguese versions hold
that term's form in their language."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from scormpack.messages import MESSAGE_DIR, flatten

TERMINOLOGY = Path(__file__).resolve().parents[1] / "docs" / "terminology.md"
COLUMNS = ("en", "fr", "ar", "pt")
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # short vowels, shadda, sukun, dagger alif, tatweel


def normalize(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return ARABIC_MARKS.sub("", text).casefold()


def read_terms() -> list[dict[str, list[str]]]:
    """Each row of the document's tables: language -> its forms (the written one first)."""
    terms = []
    for line in TERMINOLOGY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("English", "---") or set(cells[0]) <= {"-"}:
            continue
        assert len(cells) == 5, f"terminology.md: a row needs English, French, Arabic, Portuguese and a note: {line}"
        row = {}
        for language, cell in zip(COLUMNS, cells):
            forms = [re.sub(r"\s*\([^)]*\)", "", form).strip() for form in cell.split(";")]
            assert all(forms), f"terminology.md: an empty form in {line}"
            row[language] = [normalize(form) for form in forms]
        terms.append(row)
    return terms


def message_text(language: str) -> dict[str, str]:
    """The language's own table (no English fallback): message id -> every form, placeholders removed."""
    with open(MESSAGE_DIR / f"{language}.toml", "rb") as handle:
        table = flatten(tomllib.load(handle))
    texts = {}
    for message_id, text in table.items():
        forms = text.values() if isinstance(text, dict) else [text]
        texts[message_id] = normalize(re.sub(r"\{\w+\}", " ", "\n".join(forms)))
    return texts


def test_the_terminology_lists_interface_and_course_terms():
    terms = read_terms()
    assert len(terms) >= 40
    english = {form for row in terms for form in row["en"]}
    for term in ("integrated mission", "integrated approach", "comprehensive approach", "coherence", "peacebuilding",
                 "un country team", "resident coordinator", "knowledge check"):
        assert term in english, term
    assert "équipe de pays des nations unies" in {form for row in terms for form in row["fr"]}


@pytest.mark.parametrize("language", ["fr", "ar", "pt"])
def test_the_message_tables_use_the_listed_terms(language):
    english = message_text("en")
    translated = message_text(language)
    checked, wrong = 0, []
    for row in read_terms():
        pattern = re.compile("|".join(rf"\b{re.escape(form)}\b" for form in row["en"]))
        for message_id, text in english.items():
            if not pattern.search(text):
                continue
            checked += 1
            if not any(form in translated[message_id] for form in row[language]):
                wrong.append(f"{message_id}: {row['en'][0]!r} should be {row[language][0]!r}")
    assert wrong == []
    assert checked >= 20  # the check is not empty: most messages name a page, a module, a question ...
