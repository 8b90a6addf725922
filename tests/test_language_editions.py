"""Language editions of the interface: the French, Arabic and Portuguese tables
shipped with the tool, a course's own messages, numbers written the
language's way, inserted text isolated, and packages with no English left."""
from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html

from scormpack.loader import load_course
from scormpack.messages import MESSAGE_DIR, check_table, flatten, messages_for, placeholders, plural_categories
from scormpack.render import render_bundle

from conftest import build

LANGUAGES = ("fr", "ar", "pt")


def shipped_table(language: str) -> dict:
    with open(MESSAGE_DIR / f"{language}.toml", "rb") as handle:
        return flatten(tomllib.load(handle))


def set_language(course: Path, language: str, extra: str = "") -> Path:
    toml = course / "course.toml"
    text = re.sub(r'(?m)^language = "en"$', f'language = "{language}"', toml.read_text())
    toml.write_text(text + extra, encoding="utf-8")
    return course


# ------------------------------------------------------------- the tables


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_shipped_table_translates_every_message_in_every_plural_form_of_its_language(language):
    english = messages_for("en").table
    own = shipped_table(language)
    assert sorted(english.keys() - own.keys()) == []
    assert check_table(own, language) == []
    for message_id, text in own.items():
        if isinstance(text, dict):
            assert set(text) == plural_categories(language), message_id
        # The same things filled in (a form may leave {count} out: Arabic writes "two minutes" as one word).
        assert placeholders(text) - {"count"} == placeholders(english[message_id]) - {"count"}, message_id


def test_arabic_counts_take_all_six_forms():
    arabic = messages_for("ar")
    assert [arabic("runtime.attempts_left", count) for count in (0, 1, 2, 3, 11, 100)] == [
        "لم تبق لديك أي محاولة.",
        "بقيت لديك محاولة واحدة.",
        "بقيت لديك محاولتان.",
        "بقيت لديك 3 محاولات.",
        "بقيت لديك 11 محاولة.",
        "بقيت لديك 100 محاولة.",
    ]
    assert arabic("module.minutes", 2) == "دقيقتان"


def test_numbers_are_written_the_language_s_way():
    assert messages_for("fr")("runtime.score", score=66.67) == "Votre résultat\u00a0: 66,67\u00a0%."
    assert messages_for("pt")("quiz.weight", weight=1.5) == "(peso 1,5)"
    assert messages_for("en")("quiz.weight", weight=2.0) == "(counts 2 times)"
    # CLDR: "ar" writes 0-9, Egyptian and Saudi Arabic write Arabic-Indic digits.
    assert messages_for("ar")("page.progress", number=3, total=12) == "الصفحة 3 من 12"
    assert messages_for("ar-EG")("page.progress", number=3, total=12) == "الصفحة ٣ من ١٢"
    assert messages_for("ar-EG").numbering_system == "arab"


def test_inserted_text_is_isolated_and_escaped_in_html():
    assert messages_for("ar").html("introduction.licence", licence="CC-BY-4.0") == "الترخيص: <bdi>CC-BY-4.0</bdi>."
    assert messages_for("en").html("page.source", source="<b> & co") == "Source: <bdi>&lt;b&gt; &amp; co</bdi>"
    assert messages_for("fr").html("module.minutes", 12) == "12 minutes"  # numbers are not isolated


# ---------------------------------------------------- a course's own words


COURSE_MESSAGES = """
[messages.en]
quiz.submit = "Check my answers"
runtime.attempts_left = { one = "One more go.", other = "{count} more goes." }

[messages.fr.runtime]
correct = "Exact."
"""


def test_a_course_overrides_messages_per_language(example_course):
    course = load_course(set_language(example_course, "en", COURSE_MESSAGES))
    assert course.message_overrides["fr"] == {"runtime.correct": "Exact."}
    rendered = render_bundle(course, course.bundles[0], "sco")
    quiz_page = next(page for module in rendered.modules if module.quiz for page in module.files.values()).decode()
    assert "Check my answers" in quiz_page and "Submit answers" not in quiz_page
    assert '"attempts_left":{"one":"One more go.","other":"{count} more goes."}' in quiz_page
    assert rendered.messages("runtime.attempts_left", 3) == "3 more goes."
    french = messages_for("fr-CA", course.message_overrides)
    assert french("runtime.correct") == "Exact."
    assert french("runtime.not_correct") == "Réponse incorrecte."
    assert messages_for("fr")("runtime.correct") == "Bonne réponse."  # the shipped table is untouched


@pytest.mark.parametrize(
    "extra, line, message",
    [
        ('[messages.en]\nquiz.sumbit = "Go"\n', 2, "[messages.en] unknown message id 'quiz.sumbit'"),
        ('[messages.fr.page]\nprogress = "Page {page}"\n', 2, "{page} is not filled in by scormpack (this message has: {number}, {total})"),
        ('[messages.fr]\n\nmodule.minutes = { two = "deux", other = "{count}" }\n', 3, "'fr' has no plural form two"),
        ('[messages.en]\nquiz.true = { one = "a", other = "b" }\n', 2, "quiz.true must be a string"),
        ('[messages.english]\nquiz.true = "Yes"\n', 1, "[messages] 'english' must be a table named by a language tag"),
    ],
)
def test_a_wrong_course_message_is_a_path_line_error(cli, example_course, tmp_path, extra, line, message):
    toml = example_course / "course.toml"
    first = toml.read_text().count("\n") + 1
    set_language(example_course, "en", "\n" + extra)
    result = cli("build", example_course, "-o", tmp_path / "dist")
    assert result.exit_code == 1, result.output
    assert f"{toml}:{first + line}: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").glob("*.zip"))


# ------------------------------------------------------------- packages


def _english_phrases(language: str) -> set[str]:
    """The literal text of every English message, less what the language's own table also says ("Modules", "Position")."""

    def literals(table: dict) -> set[str]:
        found = set()
        for text in table.values():
            for form in text.values() if isinstance(text, dict) else [text]:
                for chunk in re.split(r"\{\w+\}", form):
                    chunk = chunk.strip(" .:()|,%\u00a0")
                    if len(re.findall(r"[A-Za-z]", chunk)) >= 4:
                        found.add(chunk)
        return found

    return literals(messages_for("en").table) - literals(shipped_table(language))


def _shown_text(name: str, text: str) -> str:
    """What a learner can meet in a file: its text (the runtime's messages included) and, in HTML, the attributes read out."""
    if name.endswith(".xml"):  # a manifest or QTI file: text, not attributes (labels such as title="Correct")
        return "\n".join(etree.fromstring(text.encode("utf-8")).itertext())
    page = html.document_fromstring(text)
    for script in page.iter("script"):
        if script.get("id") != "sp-messages":  # data and code, not words (the runtime's words are in #sp-messages)
            script.text = ""
    read_out = [value for node in page.iter() for key, value in node.attrib.items() if key in ("aria-label", "title", "alt")]
    return "\n".join([*page.itertext(), *read_out])


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_french_or_arabic_package_holds_no_english_interface_text(cli, example_course, tmp_path, language):
    set_language(example_course, language)
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "--target", "scorm12", "--target", "cc11")
    packages = sorted([*dist.glob("*.zip"), *dist.glob("*.imscc")])
    assert {p.name.rsplit("-", 1)[-1] for p in packages} == {"scorm12.zip", "cc11.imscc"}
    # English the course's own text holds (it is not translated here) is the course's, not the interface's.
    sources = "\n".join(path.read_text() for path in [example_course / "course.toml", *example_course.glob("modules/*.md")])
    phrases = {phrase for phrase in _english_phrases(language) if phrase not in sources}
    assert "Next page" in phrases and "Your score" in phrases and "About this course" in phrases
    pages = 0
    for package in packages:
        with zipfile.ZipFile(package) as archive:
            for name in archive.namelist():
                if not name.endswith((".html", ".xml")):
                    continue
                text = archive.read(name).decode("utf-8")
                shown = _shown_text(name, text)
                found = sorted(phrase for phrase in phrases if phrase in shown)
                assert found == [], f"{package.name}/{name}: {found}"
                if name.endswith(".html"):
                    pages += 1
                    direction = "rtl" if language == "ar" else "ltr"
                    assert f'<html lang="{language}" dir="{direction}"' in text, f"{package.name}/{name}"
    assert pages >= 6


@pytest.mark.parametrize("language, direction", [("ar", "rtl"), ("fr", "ltr")])
def test_a_cartridge_carries_its_direction_where_an_lms_keeps_it(cli, example_course, tmp_path, language, direction):
    """Moodle copies a cartridge page's body without <html>, <main> or <section>, and shows
    QTI text inside its own page: the language and direction must ride on a div."""
    set_language(example_course, language)
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "--target", "cc11")
    checked_pages = checked_texts = 0
    for package in dist.glob("*.imscc"):
        with zipfile.ZipFile(package) as archive:
            for name in archive.namelist():
                if name.endswith(".html") and name != "index.html":
                    body = html.fromstring(archive.read(name)).find("body")
                    (main,) = body.findall("main")
                    (holder,) = main
                    assert (holder.tag, holder.get("lang"), holder.get("dir")) == ("div", language, direction), name
                    checked_pages += 1
                if name.endswith("knowledge-check.xml"):
                    qti = etree.fromstring(archive.read(name))
                    for text in qti.xpath("//*[local-name()='mattext']/text()"):
                        wrapped = text.startswith(f'<div dir="rtl" lang="{language}">')
                        assert wrapped == (direction == "rtl"), f"{name}: {text[:60]}"
                        checked_texts += 1
    assert checked_pages >= 3 and checked_texts >= 5


# -------------------------------------------------------------- in a browser

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "test-output" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ANSWER_EVERYTHING = """() => {
  // The first option of every choice, distinct positions in order: a complete answer, right or wrong.
  document.querySelectorAll(".sp-question").forEach((question) => {
    const choice = question.querySelector("input[type=radio], input[type=checkbox]");
    if (choice) choice.checked = true;
    const text = question.querySelector("input[type=text]");
    if (text) text.value = "x";
    question.querySelectorAll("select").forEach((select, index) => {
      select.selectedIndex = question.dataset.kind === "ordering" ? index + 1 : 1;
    });
  });
}"""


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    """unpacked(language): the scaffold course built for SCORM 1.2 in that language, its first bundle unzipped."""
    from conftest import SCAFFOLD, Cli

    made: dict[str, Path] = {}

    def make(language: str) -> Path:
        if language not in made:
            import shutil

            root = tmp_path_factory.mktemp(f"course-{language}")
            course = root / "course"
            shutil.copytree(SCAFFOLD, course)
            set_language(course, language)
            build(Cli(), course, root / "dist", "--target", "scorm12", "--bundle", "staff-induction")
            (package,) = (root / "dist").glob("*.zip")
            with zipfile.ZipFile(package) as archive:
                archive.extractall(root / "site")
            made[language] = root / "site"
        return made[language]

    return make


@pytest.fixture(scope="module")
def tab():
    from browser import chromium

    with chromium(viewport={"width": 900, "height": 900}) as context:
        page = context.new_page()
        outside: list[str] = []
        page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(("file:", "data:")) else None)
        page.outside = outside
        yield page


def _launches(site: Path) -> list[Path]:
    manifest = etree.parse(str(site / "imsmanifest.xml"))
    return [site / href for href in manifest.xpath("//*[local-name()='resource'][@href]/@href")]


def test_an_arabic_page_is_right_to_left_with_mirrored_navigation_and_progress(unpacked, tab):
    site = unpacked("ar")
    tab.goto(_launches(site)[0].as_uri())
    tab.locator("#sp-next").click()
    assert tab.evaluate("document.documentElement.dir") == "rtl"
    assert tab.evaluate("getComputedStyle(document.body).direction") == "rtl"
    previous, following = tab.locator("#sp-previous").bounding_box(), tab.locator("#sp-next").bounding_box()
    assert following["x"] + following["width"] <= previous["x"]  # "next" is on the left, where an Arabic reader goes on
    assert tab.locator("#sp-progress-bar").evaluate("node => getComputedStyle(node).direction") == "rtl"
    heading = tab.locator("#sp-main h1").bounding_box()
    main = tab.locator("#sp-main").bounding_box()
    assert main["x"] + main["width"] - (heading["x"] + heading["width"]) < 40  # the title starts at the right
    assert tab.inner_text("#sp-progress-text") == messages_for("ar")("runtime.progress", number=2, total=tab.locator("[data-sp-page]").count())
    assert "الصفحة التالية" == tab.inner_text("#sp-next")
    assert tab.outside == []  # offline: no font or anything else fetched
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "ar.png"), full_page=True)


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_a_page_per_language_is_photographed(unpacked, tab, language):
    tab.goto(_launches(unpacked(language))[0].as_uri())
    assert tab.evaluate("document.documentElement.lang") == language
    assert tab.inner_text("#sp-next") == messages_for(language)("page.next")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{language}.png"), full_page=True)


def test_the_runtime_writes_the_digits_the_page_was_written_with(unpacked, tab):
    tab.goto(_launches(unpacked("ar-EG"))[0].as_uri())
    total = tab.locator("[data-sp-page]").count()
    assert tab.locator("#sp-progress-text").text_content() == messages_for("ar-EG")("page.progress", number=1, total=total)
    tab.locator("#sp-next").click()
    expected = messages_for("ar-EG")("runtime.progress", number=2, total=total)
    assert re.search("[٠-٩]", expected)
    assert tab.inner_text("#sp-progress-text") == expected


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_page_and_the_quiz_feedback_are_accessible(unpacked, tab, language):
    from test_e2e import require_axe

    axe_script = require_axe()

    def violations() -> list[str]:
        if not tab.evaluate("typeof window.axe !== 'undefined'"):
            tab.evaluate(axe_script)
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        results = tab.evaluate("options => axe.run(document, options)", options)
        return [f"{v['id']} ({v['help']}): {[node['target'] for node in v['nodes']][:5]}" for v in results["violations"]]

    checked = 0
    quizzes = 0
    for launch in _launches(unpacked(language)):
        tab.goto(launch.as_uri())
        sections = tab.locator("[data-sp-page]").count()
        for index in range(sections):
            assert violations() == [], f"{launch.name} page {index + 1}"
            checked += 1
            if index < sections - 1:
                tab.locator("#sp-next").click()
        if tab.locator("#sp-quiz-form").count():
            tab.evaluate(ANSWER_EVERYTHING)
            tab.locator("#sp-quiz-submit").click()
            assert tab.locator(".sp-feedback:not([hidden])").count() > 0
            assert tab.inner_text("#sp-quiz-result").strip()
            assert violations() == [], f"{launch.name}: the quiz with its feedback"
            quizzes += 1
    assert checked >= 4 and quizzes >= 1
    assert tab.outside == []
