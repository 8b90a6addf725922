"""Translation catalogues: extract the template, update catalogues as the source changes, report completeness."""
from __future__ import annotations

import json
import zipfile
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from scormpack.loader import load_course
from scormpack.translation import extract_units

from conftest import build, manifest_of

MODULE = "modules/01-first-minutes.md"


@pytest.fixture
def course(example_course: Path) -> Path:
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('language = "en"\n', 'language = "en"\ntranslations = ["fr", "ar"]\n'))
    return example_course


def po_of(course: Path, language: str):
    with open(course / "translations" / f"{language}.po", "rb") as handle:
        return read_po(handle, locale=language)


def save_po(course: Path, language: str, catalog) -> None:
    with open(course / "translations" / f"{language}.po", "wb") as handle:
        write_po(handle, catalog, width=0)


def translate_all(course: Path, language: str, only=lambda message: True) -> None:
    catalog = po_of(course, language)
    for message in catalog:
        if message.id and only(message):
            message.string = f"[{language}] {message.id}"
            message.flags.discard("fuzzy")
    save_po(course, language, catalog)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_every_text_a_learner_reads_is_one_unit_named_by_ids_with_its_line(course):
    units = {(unit.context, unit.text): unit for unit in extract_units(load_course(course))}
    by_text = {text: context for context, text in units}
    assert by_text["First Aid Basics"] == "@course/title"
    assert by_text["Office staff"] == "@audience/staff/title"
    assert by_text["The first minutes"] == "first-minutes/title"
    assert by_text["Identify when to call the emergency number."] == "first-minutes/objective"
    assert ("first-minutes/source", "Example source: your organisation's first aid policy") in units
    # Paragraphs as one line, headings, list items, table cells, alt text, passages of every audience.
    paragraph = "When someone is hurt, what you do in the first minutes matters most. This module walks through those minutes step by step."
    assert by_text[paragraph] == "first-minutes/text"
    assert units["first-minutes/text", paragraph].line == 20
    assert units["first-minutes/text", paragraph].path.name == "01-first-minutes.md"
    for text in ("Check for danger", "Situation", "You, then start helping",
                 "As a floor warden, you also decide whether the floor must be cleared.",
                 "Call the emergency number as soon as someone does not respond. See [the emergency numbers](02-emergency-numbers.md) for the list."):
        assert by_text[text] == "first-minutes/text", text
    assert by_text["Three steps: danger, response, call"] == "first-minutes/alt"
    assert not any("](../images/steps.svg)" in text for text in by_text)  # a picture alone: only its alt text
    # The knowledge check: prompts, options and feedback by question and option id; no answer keys (a fill-in
    # question's accepted answers are a unit when they hold letters: see below).
    assert by_text["What do you do first when someone collapses?"] == "first-minutes/quiz/first-step/prompt"
    assert re.fullmatch(r"first-minutes/quiz/first-step/option/\w+", by_text["Move the person"])
    assert re.fullmatch(r"first-minutes/quiz/first-step/feedback/\w+", by_text["Moving someone can make injuries worse."])
    assert by_text["Always check for danger first."] == "first-minutes/quiz/first-step/wrong"
    assert "112" not in by_text and "false" not in by_text
    assert len(units) == len(extract_units(load_course(course)))  # the same every time


def test_extract_update_and_status_from_the_command_line(cli, course):
    result = cli("translate", "extract", course)
    assert result.exit_code == 0, result.output
    template = course / "translations" / "template.pot"
    assert re.search(r"\d+ units", result.output)
    text = template.read_text()
    assert f"#: {MODULE}:20\nmsgctxt \"first-minutes/text\"\nmsgid \"When someone is hurt" in text

    result = cli("translate", "update", course)
    assert result.exit_code == 0, result.output
    assert "fr.po: created" in result.output and "ar.po: created" in result.output
    assert po_of(course, "ar").plural_forms.startswith("nplurals=6")

    result = cli("translate", "status", course, "--format", "json")
    assert result.exit_code == 1  # nothing translated: a release pipeline stops here
    report = json.loads(result.output)
    assert report["complete"] is False
    french = report["languages"]["fr"]
    assert french["translated"] == 0 and french["untranslated"] == french["units"] > 30
    assert set(french["bundles"]) == {"staff-induction", "wardens-refresher", "reference"}

    translate_all(course, "fr")
    translate_all(course, "ar")
    result = cli("translate", "status", course, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["languages"]["fr"]["complete"] is True


def test_a_changed_source_marks_its_translation_fuzzy_and_a_new_one_is_untranslated(cli, course):
    cli("translate", "update", course)
    translate_all(course, "fr")
    module = course / MODULE
    edit(module, "You cannot help anyone if you are hurt too.", "You cannot help anyone if you get hurt too.")
    edit(module, "## Call for help\n", "## Call for help\n\nStay calm and speak clearly.\n")

    result = cli("translate", "update", course, "--language", "fr")
    assert result.exit_code == 0, result.output
    assert "1 new, 1 fuzzy" in result.output
    catalog = po_of(course, "fr")
    changed = catalog.get("Before you help, look around: traffic, fire, electricity, gas. You cannot help anyone if you get hurt too.",
                          "first-minutes/text")
    assert changed.fuzzy and changed.string.endswith("you are hurt too.")  # the old translation, kept for review
    assert '#| msgid "Before you help, look around' in (course / "translations" / "fr.po").read_text()  # the old source, for the translator
    new = catalog.get("Stay calm and speak clearly.", "first-minutes/text")
    assert new is not None and not new.string

    result = cli("translate", "status", course, "--language", "fr", "--format", "json")
    assert result.exit_code == 1
    french = json.loads(result.output)["languages"]["fr"]
    assert (french["fuzzy"], french["untranslated"]) == (1, 1)
    assert french["bundles"]["reference"]["complete"] is True  # the other module's bundle is untouched


def test_reordering_a_module_keeps_every_translation(cli, course):
    cli("translate", "update", course)
    translate_all(course, "fr")
    module = course / MODULE
    text = module.read_text()
    danger = text[text.index("## Check for danger"):text.index("::: only audience=wardens")]
    call = text[text.index("## Call for help"):text.index("::: quiz")]
    module.write_text(text.replace(danger, "@@").replace(call, danger).replace("@@", call))
    result = cli("translate", "update", course, "--language", "fr")
    assert "0 new, 0 fuzzy (source changed), 0 obsolete" in result.output
    assert cli("translate", "status", course, "--language", "fr").exit_code == 0


def test_completeness_can_be_judged_on_one_bundle(cli, course):
    cli("translate", "update", course, "--language", "fr")
    reference = load_course(course).bundle("reference")
    held = {module.id for module in reference.modules}
    translate_all(course, "fr", only=lambda message: message.context.split("/")[0] in held or message.context.startswith("@"))
    assert cli("translate", "status", course, "--language", "fr", "--bundle", "reference").exit_code == 0
    assert cli("translate", "status", course, "--language", "fr").exit_code == 1
    result = cli("translate", "status", course, "--language", "fr", "--bundle", "reference")
    assert re.search(r"fr\s+reference\s+\d+\s+\d+\s+0\s+0\s+100%", result.output), result.output


def test_translation_errors_name_the_file_and_line(cli, course, example_course):
    cli("translate", "update", course, "--language", "fr")
    po = course / "translations" / "fr.po"
    po.write_text(po.read_text() + '\nmsgid "broken\n')
    result = cli("translate", "status", course, "--language", "fr")
    assert result.exit_code == 1
    assert f"{po}:" in result.output and "Traceback" not in result.output

    toml = course / "course.toml"
    edit(toml, 'translations = ["fr", "ar"]', 'translations = ["fr", "en", "not a tag"]')
    result = cli("translate", "update", course)
    assert result.exit_code == 1
    assert f"{toml}:8: error: [course].translations: 'en' is the course's own language" in result.output
    assert "'not a tag' is not a language tag" in result.output

    edit(toml, 'translations = ["fr", "en", "not a tag"]', "")
    result = cli("translate", "status", course)
    assert result.exit_code == 1 and "names no language" in result.output


# ------------------------------------------------------- a translated edition


def quiz_data(package: Path) -> list[dict]:
    """The knowledge check as the runtime scores it (ids, answers, weights), prompts left out."""
    with zipfile.ZipFile(package) as archive:
        page = archive.read("first-minutes/index.html").decode("utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="sp-quiz">(.*?)</script>', page, re.S).group(1))
    return [{key: value for key, value in question.items() if key != "description"} for question in data["questions"]] + [
        {key: value for key, value in data.items() if key != "questions"}
    ]


def test_a_translated_build_from_the_catalogue(cli, course, tmp_path):
    cli("translate", "update", course, "--language", "fr")
    translate_all(course, "fr")
    source_image = course / "images" / "steps.svg"
    (course / "images" / "steps.fr.svg").write_text(source_image.read_text().replace(">Danger<", ">Danger !<"))
    dist = tmp_path / "dist"
    english = build(cli, course, dist, "--bundle", "staff-induction").output
    french = build(cli, course, dist, "--bundle", "staff-induction", "--language", "fr").output
    assert "warning" not in french
    en_package = dist / "first-aid-basics-0.1.0-staff-induction-en-scorm12.zip"
    fr_package = dist / "first-aid-basics-0.1.0-staff-induction-fr-scorm12.zip"
    assert en_package.is_file() and fr_package.is_file(), english + french
    with zipfile.ZipFile(fr_package) as archive:
        page = archive.read("first-minutes/index.html").decode("utf-8")
    assert '<html lang="fr" dir="ltr"' in page
    assert "[fr] When someone is hurt, what you do in the first minutes matters most." in page
    assert "[fr] Check for danger</h2>" in page or "[fr] Check for danger" in page
    assert 'alt="[fr] Three steps: danger, response, call"' in page
    # The diagram's French variant, images/steps.fr.svg, stands in for images/steps.svg.
    assert re.search(r'<img [^>]*src="[^"]*images/steps\.fr\.svg"', page)
    with zipfile.ZipFile(fr_package) as archive:
        assert [name for name in archive.namelist() if "steps" in name] == ["shared/media/images/steps.fr.svg"]
    with zipfile.ZipFile(en_package) as archive:
        assert [name for name in archive.namelist() if "steps" in name] == ["shared/media/images/steps.svg"]
    assert "[fr] You, then start helping" in page
    assert "[fr] What do you do first when someone collapses?" in page
    assert "Page suivante" in page and "Next page" not in page
    # Scoring, question, option and interaction ids are the language's business not at all.
    assert quiz_data(fr_package) == quiz_data(en_package)
    # Each language is its own package in an LMS, the same from one version to the next.
    en_id, fr_id = manifest_of(en_package).get("identifier"), manifest_of(fr_package).get("identifier")
    assert en_id != fr_id and fr_id.endswith("first-aid-basics-fr-staff-induction")


def test_untranslated_and_fuzzy_units_fall_back_to_the_source_and_warn_with_the_catalogue_line(cli, course, tmp_path):
    cli("translate", "update", course, "--language", "fr")
    keep = "Before you help, look around: traffic, fire, electricity, gas. You cannot help anyone if you are hurt too."
    translate_all(course, "fr", only=lambda message: message.id != keep)
    po = course / "translations" / "fr.po"
    catalog = po_of(course, "fr")
    catalog.get("The first minutes", "first-minutes/title").flags.add("fuzzy")
    save_po(course, "fr", catalog)
    untranslated_line = catalog_line(po, keep)
    fuzzy_line = catalog_line(po, "The first minutes")

    dist = tmp_path / "dist"
    result = build(cli, course, dist, "--bundle", "staff-induction", "--language", "fr")
    assert f"translations/fr.po:{untranslated_line}: warning: fr: untranslated (first-minutes/text)" in result.output
    assert f"translations/fr.po:{fuzzy_line}: warning: fr: fuzzy, the source changed (first-minutes/title)" in result.output
    with zipfile.ZipFile(dist / "first-aid-basics-0.1.0-staff-induction-fr-scorm12.zip") as archive:
        page = archive.read("first-minutes/index.html").decode("utf-8")
    assert keep in page and "<h1 class=\"sp-module-title\">The first minutes</h1>" in page

    strict = tmp_path / "strict"
    result = cli("build", course, "-o", strict, "--bundle", "staff-induction", "--language", "fr", "--strict")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not list(strict.glob("*.zip")) if strict.exists() else True


def test_a_language_the_course_does_not_have_is_an_error(cli, course, tmp_path):
    result = cli("build", course, "-o", tmp_path / "dist", "--language", "pt")
    assert result.exit_code == 1
    assert "--language pt: the course is in en, fr, ar" in result.output
    result = cli("build", course, "-o", tmp_path / "dist", "--language", "fr")
    assert result.exit_code == 1 and "no catalogue for 'fr'" in result.output and "Traceback" not in result.output


def catalog_line(po: Path, msgid: str) -> int:
    lines = po.read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line == f'msgid "{msgid}"')


def test_an_image_holding_text_without_a_variant_warns_in_lint_and_in_the_translated_build(cli, course, tmp_path):
    """images/steps.svg has <text> elements: a language without images/steps.<lang>.svg shows English words."""
    cli("translate", "update", course)
    translate_all(course, "fr")
    translate_all(course, "ar")
    module = course / MODULE
    line = next(n for n, text in enumerate(module.read_text().splitlines(), start=1) if "](../images/steps.svg)" in text)
    expected = (f"{MODULE}:{line}: warning: {{lang}}: image '../images/steps.svg' holds text (SVG <text>) "
                f"and has no {{lang}} variant: add '../images/steps.{{lang}}.svg'")
    lint = cli("lint", course)
    for language in ("fr", "ar"):
        assert expected.format(lang=language) in lint.output.replace(str(course) + "/", "")
    result = build(cli, course, tmp_path / "dist", "--language", "ar")
    assert expected.format(lang="ar") in result.output
    assert "fr: image" not in result.output  # the Arabic build speaks of Arabic only

    # With the Arabic variant, the Arabic edition is quiet and lint names French alone.
    (course / "images" / "steps.ar.svg").write_text((course / "images" / "steps.svg").read_text().replace(">Call<", ">اتصل<"))
    result = build(cli, course, tmp_path / "dist", "--language", "ar")
    assert "holds text" not in result.output
    lint = cli("lint", course)
    assert expected.format(lang="fr") in lint.output.replace(str(course) + "/", "")
    assert "ar: image" not in lint.output
    # A picture without words needs no variant.
    (course / "images" / "steps.svg").write_text(re.sub(r"<text[^>]*>[^<]*</text>", "", (course / "images" / "steps.svg").read_text()))
    assert "holds text" not in cli("lint", course).output


@pytest.mark.parametrize(
    "editions, message",
    [
        ('pt = ["staff-induction"]', "[editions].pt: not one of [course].translations (fr, ar)"),
        ('ar = ["staff-inductoin"]', "[editions].ar: unknown bundle 'staff-inductoin'; did you mean 'staff-induction'?"),
        ("ar = []", "[editions].ar names no bundle"),
    ],
)
def test_a_wrong_edition_is_a_course_toml_error(cli, course, tmp_path, editions, message):
    toml = course / "course.toml"
    toml.write_text(toml.read_text() + f"\n[editions]\n{editions}\n")
    line = len(toml.read_text().splitlines())
    result = cli("build", course, "-o", tmp_path / "dist")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"course.toml:{line}: error: {message}" in result.output


# ------------------------------------------------------- fill-in answers per edition

RECOVERY = "recovery position | Recovery"  # the accepted answers as the catalogue shows them
RECOVERY_FR = "position latérale de sécurité | PLS | position de sécurité"
ANSWER_CONTEXT = "first-minutes/quiz/recovery/answer"


@pytest.fixture
def fill_in_course(course: Path) -> Path:
    """The example course with a fill-in question whose answer is a word a French learner writes otherwise."""
    edit(course / MODULE, "answer: 112\n", "answer: 112\n\n? fillin id=recovery\n"
         "In which position do you put someone who breathes but does not respond?\n\n"
         "answer: recovery position | Recovery\n")
    return course


def translate_recovery(course: Path, answers: str | None) -> None:
    """Every unit translated; the fill-in answer as given (None: left untranslated)."""
    translate_all(course, "fr")
    catalog = po_of(course, "fr")
    catalog.get(RECOVERY, ANSWER_CONTEXT).string = answers or ""
    save_po(course, "fr", catalog)


def accepted_in(package: Path, question_id: str = "recovery") -> list[str]:
    """The answers the runtime accepts, from the page of a SCORM, cmi5 or web package."""
    return next(q["accepted"] for q in quiz_data(package) if q.get("id") == question_id)


def test_a_fill_in_question_s_accepted_answers_are_a_unit_with_a_note_for_the_translator(cli, fill_in_course):
    units = {unit.context: unit for unit in extract_units(load_course(fill_in_course))}
    answer = units[ANSWER_CONTEXT]
    assert answer.text == RECOVERY  # written as in `answer:`, separated by |
    assert "separated by |" in answer.note and "Letter case does not count" in answer.note
    assert not any(context.endswith("/answer") and "112" in unit.text for context, unit in units.items())  # no letters: no unit
    cli("translate", "update", fill_in_course, "--language", "fr")
    text = (fill_in_course / "translations" / "fr.po").read_text()
    assert re.search(r'#\. Accepted answers of a fill-in question.*\n(#\..*\n)*#: .*\nmsgctxt "%s"\nmsgid "%s"' % (ANSWER_CONTEXT, RECOVERY), text)

    # A case-sensitive question says so to the translator.
    edit(fill_in_course / MODULE, "? fillin id=recovery", "? fillin id=recovery case=sensitive")
    units = {unit.context: unit for unit in extract_units(load_course(fill_in_course))}
    assert "Letter case counts" in units[ANSWER_CONTEXT].note


def test_a_translated_edition_scores_its_own_fill_in_answers_in_every_target(cli, fill_in_course, tmp_path):
    """The French edition accepts the catalogue's answers, and only those: the English ones count there only if
    the catalogue lists them. Every target that scores a fill-in carries them."""
    cli("translate", "update", fill_in_course, "--language", "fr")
    translate_recovery(fill_in_course, RECOVERY_FR)
    dist = tmp_path / "dist"
    result = build(cli, fill_in_course, dist, "--all-targets", "--bundle", "staff-induction", "-l", "en", "-l", "fr")
    assert ANSWER_CONTEXT not in result.output
    french = ["position latérale de sécurité", "PLS", "position de sécurité"]
    for target in ("scorm12", "scorm2004", "scorm2004-3rd", "cmi5", "web"):
        (fr_package,) = dist.glob(f"*-staff-induction-fr-{target}.zip")
        (en_package,) = dist.glob(f"*-staff-induction-en-{target}.zip")
        assert accepted_in(fr_package) == french, target
        assert accepted_in(en_package) == ["recovery position", "Recovery"], target
        assert accepted_in(fr_package, "q4") == ["112"]  # no letters: the same in every edition
    for target in ("cc11", "cc13"):
        (fr_package,) = dist.glob(f"*-staff-induction-fr-{target}.imscc")
        with zipfile.ZipFile(fr_package) as archive:
            (qti,) = [name for name in archive.namelist() if name.startswith("first-minutes/") and name.endswith(".xml")]
            assessment = archive.read(qti).decode("utf-8")
        assert re.findall(r'<varequal respident="\w+" case="No">([^<]+)</varequal>', assessment) == ["112", *french], target


@pytest.mark.parametrize("target", ["scorm12", "web"])
def test_the_runtime_of_a_translated_edition_takes_its_answer_and_not_the_english_one(cli, fill_in_course, tmp_path, target):
    from browser import chromium
    from test_e2e import chosen_answer, fill_in

    cli("translate", "update", fill_in_course, "--language", "fr")
    translate_recovery(fill_in_course, RECOVERY_FR)
    build(cli, fill_in_course, tmp_path / "dist", "-t", target, "--bundle", "staff-induction", "--language", "fr")
    (package,) = (tmp_path / "dist").glob(f"*-staff-induction-fr-{target}.zip")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "site")
    questions = load_course(fill_in_course).bundle("staff-induction").modules[0].quiz.questions

    def attempt(typed: str) -> tuple[list[str], float]:
        """The verdict on the fill-in and the score, every other question answered right, in a fresh browser
        (the web edition keeps a result in the browser's storage)."""
        with chromium() as context:
            page = context.new_page()
            page.goto((tmp_path / "site" / "first-minutes" / "index.html").as_uri())
            page.wait_for_function("() => window.scormpack && window.scormpack.pageCount > 0")
            page.evaluate("scormpack.go(scormpack.pageCount - 1)")
            for question in questions:
                fill_in(page, question, typed if question.id == "recovery" else chosen_answer(question, True))
            page.click("#sp-quiz-submit")
            page.wait_for_function("() => scormpack.quiz.score !== null")
            verdict = page.evaluate("document.getElementById('sp-q-recovery-text').closest('fieldset').className")
            return verdict.split(), page.evaluate("scormpack.quiz.score")

    verdict, score = attempt("recovery position")  # the English answer: not accepted in the French edition
    assert "sp-is-wrong" in verdict and score < 100
    verdict, score = attempt("pls")  # a French answer, in another case
    assert "sp-is-correct" in verdict and score == 100
    verdict, score = attempt("Position latérale de sécurité")
    assert "sp-is-correct" in verdict and score == 100


def test_an_untranslated_fill_in_answer_falls_back_to_the_source_answers_and_warns(cli, fill_in_course, tmp_path):
    cli("translate", "update", fill_in_course, "--language", "fr")
    translate_recovery(fill_in_course, None)
    po = fill_in_course / "translations" / "fr.po"
    line = catalog_line(po, RECOVERY)
    dist = tmp_path / "dist"
    result = build(cli, fill_in_course, dist, "--bundle", "staff-induction", "--language", "fr")
    assert f"translations/fr.po:{line}: warning: fr: untranslated ({ANSWER_CONTEXT})" in result.output
    assert accepted_in(next(dist.glob("*-staff-induction-fr-scorm12.zip"))) == ["recovery position", "Recovery"]
    status = cli("translate", "status", fill_in_course, "--language", "fr", "--format", "json")
    assert status.exit_code == 1 and json.loads(status.output)["languages"]["fr"]["untranslated"] == 1
    strict = cli("build", fill_in_course, "-o", tmp_path / "strict", "--bundle", "staff-induction", "--language", "fr", "--strict")
    assert strict.exit_code == 1 and "Traceback" not in strict.output

    # A changed source answer makes the translation fuzzy: the source's answers again, until it is reviewed.
    translate_recovery(fill_in_course, RECOVERY_FR)
    edit(fill_in_course / MODULE, "answer: recovery position | Recovery", "answer: recovery position | recovery | side position")
    cli("translate", "update", fill_in_course, "--language", "fr")
    result = build(cli, fill_in_course, dist, "--bundle", "staff-induction", "--language", "fr")
    assert f"warning: fr: fuzzy, the source changed ({ANSWER_CONTEXT})" in result.output
    assert accepted_in(next(dist.glob("*-staff-induction-fr-scorm12.zip"))) == ["recovery position", "recovery", "side position"]


@pytest.mark.parametrize("answers, problem", [
    (" | ", "needs at least one accepted answer"),
    ("PLS | " + "x" * 251, "an accepted answer is longer than 250 characters"),
])
def test_a_catalogue_fill_in_answer_that_is_no_answer_is_a_catalogue_line_error(cli, fill_in_course, tmp_path, answers, problem):
    cli("translate", "update", fill_in_course, "--language", "fr")
    translate_recovery(fill_in_course, answers)
    line = catalog_line(fill_in_course / "translations" / "fr.po", RECOVERY)
    out = tmp_path / "dist"
    result = cli("build", fill_in_course, "-o", out, "--bundle", "staff-induction", "--language", "fr")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"translations/fr.po:{line}: error: fr: the accepted answers ({ANSWER_CONTEXT}) {problem}" in result.output
    assert not out.exists() or not list(out.glob("*.zip"))
