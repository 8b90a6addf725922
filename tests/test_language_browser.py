"""Language editions end to end: a course translated from its catalogues, played in Chromium through the
preview (`preview --language`), photographed per language, and every language's packages checked by the
official validator. The Arabic catalogue is written here, so these tests do not wait on the bundled
course's translators."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from conftest import OFFICIAL_VALIDATOR, build, official_verdict
from test_language_editions import SCREENSHOTS

BUNDLE = "staff-induction"
# The Arabic of the units a learner meets first; every other unit is marked as Arabic text around its
# English (enough for the layout and the runtime, which never read the words).
ARABIC = {
    "First Aid Basics": "أساسيات الإسعافات الأولية",
    "First aid for new staff": "الإسعافات الأولية للموظفين الجدد",
    "The first minutes": "الدقائق الأولى",
    "Emergency numbers": "أرقام الطوارئ",
    "Check for danger": "تحقق من الخطر",
    "Three steps: danger, response, call": "ثلاث خطوات: الخطر، الاستجابة، الاتصال",
}
FRENCH = {"The first minutes": "Les premières minutes", "First aid for new staff": "Premiers secours pour le nouveau personnel"}


def write_catalogue(course: Path, language: str, known: dict[str, str], mark: str) -> None:
    path = course / "translations" / f"{language}.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if message.id:
            message.string = known.get(message.id) or f"{mark} {message.id}"
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0)


@pytest.fixture
def course(cli, example_course: Path) -> Path:
    """The example course with complete French and Arabic catalogues (and their diagram variants)."""
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('language = "en"\n', 'language = "en"\ntranslations = ["fr", "ar"]\n'))
    assert cli("translate", "update", example_course).exit_code == 0
    write_catalogue(example_course, "fr", FRENCH, "(fr)")
    write_catalogue(example_course, "ar", ARABIC, "(بالعربية)")
    source = example_course / "images" / "steps.svg"
    (example_course / "images" / "steps.fr.svg").write_text(source.read_text().replace(">Call<", ">Appeler<"))
    (example_course / "images" / "steps.ar.svg").write_text(source.read_text().replace(">Call<", ">اتصل<"), encoding="utf-8")
    return example_course


def test_the_arabic_edition_is_paged_through_and_its_quizzes_passed_in_the_preview(course, tmp_path):
    from browser import chromium
    from scormpack.preview import Preview
    from test_e2e import chosen_answer, fill_in

    preview = Preview(course, BUNDLE, "scorm12", port=0, report=lambda message, is_error: None, language="ar").start(watch=False)
    try:
        assert preview.current.course.language == "ar" and preview.current.warnings == []
        modules = preview.current.course.bundle(BUNDLE).modules
        with chromium(viewport={"width": 1200, "height": 900}) as context:
            page = context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.goto(preview.url)
            items = {item["href"].split("/")[1]: item["id"] for item in page.evaluate("preview.items")}
            quizzes = 0
            for module in modules:
                page.click(f'#pv-outline a[data-item="{items[module.id]}"]')
                page.wait_for_function("""() => { const f = document.getElementById('pv-sco');
                    return !!(f && f.contentWindow && f.contentWindow.scormpack && f.contentDocument.readyState === 'complete'); }""")
                sco = page.query_selector("#pv-sco").content_frame()
                assert sco.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
                assert sco.inner_text("#sp-main h1") == ARABIC.get(module.title, module.title)
                pages = sco.locator("[data-sp-page]").count()
                for index in range(1, pages):
                    sco.click("#sp-next")
                    assert sco.evaluate("window.scormpack.page") == index
                if module.id == "first-minutes":
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOTS / "edition-ar-preview.png"), full_page=True)
                if module.quiz:
                    quizzes += 1
                    for question in module.quiz.questions:
                        fill_in(sco, question, chosen_answer(question, True))
                    sco.click("#sp-quiz-submit")
                    state = page.wait_for_function(
                        "id => { const s = preview.lms(id).state; return s['cmi.core.lesson_status'] === 'passed' && s; }",
                        arg=items[module.id],
                    ).json_value()
                    assert float(state["cmi.core.score.raw"]) == 100
                    assert re.search("[\u0600-\u06ff]", sco.inner_text("#sp-quiz-result"))  # the verdict in Arabic
            assert quizzes >= 1 and problems == []
    finally:
        preview.stop()


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_a_page_of_each_edition_is_photographed(cli, course, tmp_path, language):
    from browser import chromium

    out = tmp_path / "dist"
    build(cli, course, out, "-t", "scorm12", "-b", BUNDLE, "-l", language)
    (package,) = out.glob(f"*-{BUNDLE}-{language}-scorm12.zip")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "site")
    with chromium(viewport={"width": 900, "height": 900}) as context:
        page = context.new_page()
        page.goto((tmp_path / "site" / "first-minutes" / "index.html").as_uri())
        assert page.evaluate("document.documentElement.lang") == language
        title = {"en": "The first minutes", "fr": "Les premières minutes", "ar": "الدقائق الأولى"}[language]
        assert page.inner_text("#sp-main h1") == title
        image = page.locator("#sp-main img").first
        assert image.evaluate("node => node.complete && node.naturalWidth > 0")
        if language != "en":
            assert image.get_attribute("src").endswith(f"steps.{language}.svg")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"edition-{language}.png"), full_page=True)
        # WCAG 2.1 AA on every page of the translated module (lang and dir set, the language's labels).
        from test_e2e import WCAG_TAGS, require_axe

        page.evaluate(require_axe())
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        pages = page.locator("[data-sp-page]").count()
        for index in range(pages):
            results = page.evaluate("options => axe.run(document, options)", options)
            assert [v["id"] for v in results["violations"]] == [], f"{language} page {index + 1}"
            if index < pages - 1:
                page.click("#sp-next")


def test_every_language_s_packages_pass_the_official_validator(cli, course, tmp_path):
    if not OFFICIAL_VALIDATOR.is_file():
        pytest.skip("../shared/reference/validate_official.py is absent (it is present in CI)")
    out = tmp_path / "dist"
    build(cli, course, out, "--all-targets", "-l", "all", "-b", BUNDLE, "--strict")
    # The official validator knows SCORM and Common Cartridge: not cmi5 (our own schema checks it) nor the web edition.
    packages = [p for p in sorted(out.iterdir()) if p.suffix in (".zip", ".imscc") and not p.name.endswith(("-cmi5.zip", "-web.zip"))]
    languages = {re.search(rf"-{BUNDLE}-(\w+)-", p.name).group(1) for p in packages}
    assert languages == {"en", "fr", "ar"} and len(packages) == 15
    for package in packages:  # the validator knows SCORM and Common Cartridge; cmi5 is checked by our own schema
        run = official_verdict(package)
        assert run.returncode == 0 and run.stdout.strip().splitlines()[-1].startswith("OK"), f"{package.name}:\n{run.stdout}{run.stderr}"


def test_preview_of_a_language_the_course_does_not_have_is_an_error(cli, course):
    result = cli("preview", course, "-b", BUNDLE, "--language", "pt", "--port", "0")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--language pt: the course is in en, fr, ar" in result.output
