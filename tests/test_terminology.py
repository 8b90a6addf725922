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


def read_terms(sections: tuple[str, ...] = ()) -> list[dict[str, list[str]]]:
    """Each row of the document's tables (of these `## ` sections, or all): language -> its forms (the written one first)."""
    terms = []
    section = ""
    for line in TERMINOLOGY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if sections and section not in sections:
            continue
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


# ------------------------------------------------------- the course's catalogues

CATALOGUES = Path(__file__).resolve().parents[1] / "content" / "translations"


def catalogue_entries(language: str) -> list[tuple[int, str, str]]:
    """(line, msgid, msgstr) of every translated entry of the bundled course's catalogue; untranslated
    and fuzzy ones are left out (the build falls back and warns about them, the term check need not)."""
    from babel.messages.pofile import read_po

    path = CATALOGUES / f"{language}.po"
    if not path.is_file():
        pytest.skip(f"{path} is not in this checkout")
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    return [(m.lineno, m.id, m.string) for m in catalog if m.id and m.string and not m.fuzzy]


# The course's text uses the interface's words (question, version, source ...) in their everyday senses
# too; the catalogues are checked against the course's key terms.
COURSE_TERMS = ("The course's key terms",)
# A cited work keeps its own title, in its own language.
CITATION = re.compile(r"<cite>.*?</cite>", re.S)
# A link's target is a file name (peacebuilding-stages.webm), not text.
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")


def term_breaches(entries: list[tuple[int, str, str]], language: str, where: str) -> tuple[int, list[str]]:
    """How many (entry, term) pairs were checked, and each where the English holds a listed term and the
    translation holds none of that term's forms, as `where:line: ...`. A term inside a longer listed one
    (the SRSG in the DSRSG) is the longer term's business."""
    rows = read_terms(COURSE_TERMS)
    patterns = [re.compile("|".join(rf"\b{re.escape(form)}\b" for form in row["en"])) for row in rows]
    checked, wrong = 0, []
    for line, english, translated in entries:
        english, text = (normalize(LINK_TARGET.sub("]", CITATION.sub(" ", part))) for part in (english, translated))
        spans = [(index, match.span()) for index, pattern in enumerate(patterns) for match in pattern.finditer(english)]
        found = {
            index
            for index, (start, end) in spans
            if not any(other != index and s <= start and end <= e and (e - s) > (end - start) for other, (s, e) in spans)
        }
        for index in sorted(found):
            checked += 1
            row = rows[index]
            if not any(form in text for form in row[language]):
                wrong.append(f"{where}:{line}: {row['en'][0]!r} should be {row[language][0]!r}: {translated[:70]!r}")
    return checked, wrong


def test_the_term_check_reports_a_breach_at_its_catalogue_line():
    entries = [(12, "The integrated approach matters.", "L'approche intégrée compte."),
               (20, "An integrated mission.", "Une mission unifiée."),
               (28, "Nothing listed here.", "Rien.")]
    checked, wrong = term_breaches(entries, "fr", "fr.po")
    assert checked == 2
    assert wrong == ["fr.po:20: 'integrated mission' should be 'mission intégrée': 'Une mission unifiée.'"]


@pytest.mark.parametrize("language", ["fr", "ar", "pt"])
def test_the_course_catalogues_use_the_listed_terms(language):
    """Wherever a translated entry's English holds a listed term, its translation holds that term's form."""
    entries = catalogue_entries(language)
    checked, wrong = term_breaches(entries, language, f"content/translations/{language}.po")
    assert wrong == [], f"{len(wrong)} of {checked} term uses:\n" + "\n".join(wrong)
