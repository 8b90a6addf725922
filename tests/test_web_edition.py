"""The offline web edition (`--target web`): a static site per bundle, opened from file:// with no LMS.

Built and checked as a zip (first entry, determinism, validate's verdict), then
unpacked and opened from disk in headless Chromium: paged through, its
knowledge check scored in the page, its progress kept across a reload and
shown on the front page, every page checked with axe-core, and its handout
printed (print media, and a PDF) with no navigation in it. The bundled
course's captioned clip shows its edition's captions from file:// as over http.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from browser import chromium, serve
from conftest import BUNDLED_COURSE, build
from scormpack.loader import load_course
from scormpack.validate import validate_package
from test_e2e import WCAG_TAGS, chosen_answer, fill_in, require_axe

BUNDLE = "staff-induction"


def web_package(out: Path, bundle: str = BUNDLE) -> Path:
    (package,) = out.glob(f"*-{bundle}-web.zip")
    return package


@pytest.fixture
def web_edition(cli, example_course, tmp_path) -> Path:
    build(cli, example_course, tmp_path / "dist", "-t", "web", "-b", BUNDLE)
    return web_package(tmp_path / "dist")


def test_a_web_edition_is_a_static_site_led_by_its_front_page(web_edition):
    with zipfile.ZipFile(web_edition) as archive:
        names = archive.namelist()
        front = archive.read("index.html").decode()
        module_page = archive.read("first-minutes/index.html").decode()
        handout = archive.read("print/index.html").decode()
    assert names[0] == "index.html"
    assert {"print/index.html", "first-minutes/index.html", "emergency-numbers/index.html",
            "shared/scormpack.js", "shared/web.js", "shared/web.css"} <= set(names)
    assert not any(name.endswith(".xml") for name in names)  # no manifest, no LMS
    assert 'href="first-minutes/index.html"' in front and 'href="print/index.html"' in front
    # Plain scripts by relative path (file:// refuses ES modules and fetch).
    for page in (front, module_page, handout):
        assert 'type="module"' not in page and "fetch(" not in page
    assert '<body data-layout="web">' in module_page
    assert 'href="../emergency-numbers/index.html" rel="next"' in module_page
    # The progress is namespaced by course, bundle, language and version.
    assert '"prefix":"scormpack:first-aid-basics:staff-induction:en:0.1.0:"' in module_page
    script = (Path(__file__).parents[1] / "src/scormpack/static/web.js").read_text()
    assert "XMLHttpRequest" not in script and "fetch(" not in script and "import " not in script


def test_web_editions_are_deterministic(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "one", "-t", "web", "--no-cache")
    build(cli, example_course, tmp_path / "two", "-t", "web", "--no-cache", "-j", "1")
    for package in sorted((tmp_path / "one").glob("*-web.zip")):
        assert package.read_bytes() == (tmp_path / "two" / package.name).read_bytes(), package.name


def test_validate_says_what_a_web_edition_is_and_checks_its_links(cli, web_edition, tmp_path):
    report = validate_package(web_edition)
    assert report.valid and report.standard == "web"
    assert "offline web edition" in report.description
    assert any("not a SCORM" in note.message for note in report.notes)
    result = cli("validate", web_edition)
    assert result.exit_code == 0, result.output
    assert "offline web edition" in result.output and "manifest" not in result.output

    # A page that lost a file it loads is an error naming the page, the line and the file.
    broken = tmp_path / "broken-web.zip"
    with zipfile.ZipFile(web_edition) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "shared/web.css":
                target.writestr(info, source.read(info))
    report = validate_package(broken)
    assert report.standard == "web" and not report.valid
    assert any(f.path == "index.html" and f.line and "shared/web.css is not in the package" in f.message for f in report.errors)


def test_diff_says_it_does_not_compare_web_editions(cli, example_course, web_edition, tmp_path):
    build(cli, example_course, tmp_path / "answers", "-t", "web", "-b", BUNDLE, "--print-answers")
    result = cli("diff", web_edition, web_package(tmp_path / "answers"))
    assert result.exit_code == 1, result.output
    assert "offline web edition" in result.output and "not compared" in result.output
    assert "manifest" not in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------ Chromium

@pytest.fixture(scope="module")
def browser_context():
    with chromium(viewport={"width": 1200, "height": 900}) as context:
        yield context


def open_tab(context, problems: list[str]):
    tab = context.new_page()
    tab.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    return tab


def axe_violations(tab, axe_script: str) -> list[str]:
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.evaluate(axe_script)
    # preload off: axe would read the stylesheets with XMLHttpRequest, which file:// refuses (our pages never do).
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"], "preload": False}
    results = tab.evaluate("options => axe.run(document, options)", options)
    return [f"{v['id']} ({v['help']}): {[node['target'] for node in v['nodes']][:5]}" for v in results["violations"]]


def unpacked(package: Path, folder: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(folder)
    return folder


def test_from_file_paged_through_quiz_scored_and_progress_kept(browser_context, example_course, web_edition, tmp_path):
    axe_script = require_axe()
    site = unpacked(web_edition, tmp_path / "usb-stick")
    course = load_course(example_course)
    bundle = course.bundle(BUNDLE)
    quizzed = next(module for module in bundle.modules if module.quiz is not None)
    problems: list[str] = []
    tab = open_tab(browser_context, problems)
    front = (site / "index.html").as_uri()
    tab.goto(front)
    assert tab.url.startswith("file://")
    assert axe_violations(tab, axe_script) == [], "front page"
    statuses = tab.locator("[data-sp-status]")
    assert statuses.count() == len(bundle.modules)
    assert set(statuses.all_inner_texts()) == {"Not started"}

    # Open the module with the knowledge check from the front page and page through it.
    tab.click(f'a[href="{quizzed.id}/index.html"]')
    tab.wait_for_function("() => window.scormpack && window.scormpack.adapter === 'local'")
    count = tab.evaluate("scormpack.pageCount")
    assert count >= 2
    assert axe_violations(tab, axe_script) == [], f"{quizzed.id} page 1"
    for index in range(1, count):
        tab.click("#sp-next")
        assert tab.evaluate("scormpack.page") == index
        assert tab.locator(f"[data-sp-page='{index}']").is_visible()
    assert axe_violations(tab, axe_script) == [], f"{quizzed.id} quiz"

    # Scored in the page: a wrong attempt, then a right one.
    questions = quizzed.quiz.questions
    for question in questions:
        fill_in(tab, question, chosen_answer(question, right=False))
    tab.click("#sp-quiz-submit")
    assert tab.evaluate("scormpack.quiz.passed") is False
    assert axe_violations(tab, axe_script) == [], f"{quizzed.id} quiz with feedback"
    tab.click("#sp-quiz-retry")
    for question in questions:
        fill_in(tab, question, chosen_answer(question, right=True))
    tab.click("#sp-quiz-submit")
    assert tab.evaluate("scormpack.quiz.score") == 100
    assert tab.evaluate("scormpack.status") == {"completed": True, "passed": True}
    assert "100%" in tab.inner_text("#sp-quiz-result")

    # A reload (the browser closed and opened again) comes back to the same place and result.
    tab.reload()
    tab.wait_for_function("() => window.scormpack && window.scormpack.adapter === 'local'")
    assert tab.evaluate("scormpack.page") == count - 1
    assert tab.evaluate("scormpack.status") == {"completed": True, "passed": True}
    assert tab.evaluate("scormpack.quiz.attemptsUsed") == 2

    # The front page shows it; the header's links move between modules without an LMS.
    tab.click(".sp-web-nav a[href='../index.html']")
    tab.wait_for_url(front)
    assert tab.inner_text(f'[data-sp-status="{quizzed.id}"]') == "Passed (100%)"
    other = next(module for module in bundle.modules if module is not quizzed)
    tab.click(f'a[href="{other.id}/index.html"]')
    tab.wait_for_function("() => window.scormpack && window.scormpack.adapter === 'local'")
    last = tab.evaluate("scormpack.pageCount") - 1
    for _ in range(last):
        tab.click("#sp-next")
    assert axe_violations(tab, axe_script) == [], other.id
    module_button = "#sp-next-module" if bundle.modules.index(other) < bundle.modules.index(quizzed) else "#sp-previous-module"
    if module_button == "#sp-previous-module":
        for _ in range(last):
            tab.click("#sp-previous")
    tab.click(module_button)
    tab.wait_for_url(f"**/{quizzed.id}/index.html")
    tab.go_back()
    tab.wait_for_url(front.replace("index.html", f"{other.id}/index.html"))
    tab.goto(front)
    assert tab.inner_text(f'[data-sp-status="{other.id}"]') == "Completed"

    # Forgetting the progress starts the edition clean.
    tab.click("#sp-web-forget")
    assert set(statuses.all_inner_texts()) == {"Not started"}
    assert problems == []
    tab.close()


def test_the_handout_prints_every_module_without_navigation(browser_context, cli, example_course, web_edition, tmp_path):
    axe_script = require_axe()
    site = unpacked(web_edition, tmp_path / "site")
    course = load_course(example_course)
    bundle = course.bundle(BUNDLE)
    problems: list[str] = []
    tab = open_tab(browser_context, problems)
    tab.goto((site / "index.html").as_uri())
    tab.click('a[href="print/index.html"]')
    tab.wait_for_url("**/print/index.html")
    assert axe_violations(tab, axe_script) == [], "handout"
    assert tab.locator("[data-sp-print]").is_visible()  # on screen: a button to print
    titles = tab.locator(".sp-handout-module > h2").all_inner_texts()
    assert titles == [module.title for module in bundle.modules]
    assert tab.locator(".sp-handout-answer").count() == 0  # answers only when asked for

    tab.emulate_media(media="print")
    for chrome in ("button", "nav", ".sp-web-nav", ".sp-nav", ".sp-skip"):
        assert all(not element.is_visible() for element in tab.locator(chrome).all()), chrome
    assert tab.locator("figure, img").first.is_visible() if tab.locator("figure, img").count() else True
    breaks = tab.evaluate("[...document.querySelectorAll('.sp-handout-module')].map(m => getComputedStyle(m).breakBefore)")
    assert breaks == ["page"] * len(bundle.modules)
    pdf = tab.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000

    # Each module page prints without its navigation too.
    tab.goto((site / bundle.modules[0].id / "index.html").as_uri())
    tab.wait_for_function("() => window.scormpack")
    for chrome in ("#sp-nav", ".sp-web-nav", ".sp-progress"):
        assert all(not element.is_visible() for element in tab.locator(chrome).all()), chrome
    tab.emulate_media(media="screen")
    assert problems == []
    tab.close()

    # With --print-answers the handout holds the answers of every knowledge check.
    build(cli, example_course, tmp_path / "answers", "-t", "web", "-b", BUNDLE, "--print-answers")
    with zipfile.ZipFile(web_package(tmp_path / "answers")) as archive:
        handout = archive.read("print/index.html").decode()
    questions = sum(len(module.quiz.questions) for module in bundle.modules if module.quiz)
    assert questions and handout.count('class="sp-handout-answer"') == questions


# The bundled course's captioned clip (module 02), and what its pages' players should hold.
CLIP_MODULE = "peacebuilding-system"
CLIP_CAPTIONS = "peacebuilding-stages.{}.vtt"  # in the course's media/
PLAYER_TRACKS = """() => Array.from(document.querySelector('video').textTracks).map(track => ({
  kind: track.kind, label: track.label, language: track.language, mode: track.mode,
  cues: track.cues ? Array.from(track.cues).map(cue => [cue.startTime, cue.endTime, cue.text]) : null,
}))"""


def expected_cues(language: str) -> list[str]:
    """The cue texts of the clip's caption file, read plainly: each block with a timing line, its text after it."""
    blocks = (BUNDLED_COURSE / "media" / CLIP_CAPTIONS.format(language)).read_text(encoding="utf-8").split("\n\n")
    return ["\n".join(block.split("\n")[1:]).strip() for block in blocks if "-->" in block.split("\n")[0]]


def test_captions_play_from_file_in_each_edition_s_own_language(browser_context, cli, tmp_path):
    """Chromium loads no <track> file into a page opened from file://: the bundled clip's captions come from
    the cues its page carries, the edition's own language shown by default (English, and Arabic in the
    Arabic edition), every other language offered once, with no error on the way; in the handout and over
    http, the same."""
    course = load_course(BUNDLED_COURSE)
    bundle = next(bundle for bundle in course.bundles if any(module.id == CLIP_MODULE for module in bundle.modules))
    out = tmp_path / "dist"
    build(cli, BUNDLED_COURSE, out, "-t", "web", "-b", bundle.id, "-l", "en", "-l", "ar")
    languages = ["en", *course.translations]
    for language, label in (("en", "English"), ("ar", "العربية")):
        (package,) = out.glob(f"*-{bundle.id}-{language}-web.zip")
        site = unpacked(package, tmp_path / f"site-{language}")
        # The module's page and the handout (which shows the player on screen) from disk, then the module's
        # page over http, where the <track> files would load too, and must still come once.
        for page, over_http in ((f"{CLIP_MODULE}/index.html", False), ("print/index.html", False), (f"{CLIP_MODULE}/index.html", True)):
            if over_http:
                with serve(site) as url:
                    tracks, problems = clip_tracks(browser_context, url + page)
            else:
                tracks, problems = clip_tracks(browser_context, (site / page).as_uri())
            where = f"{language} edition, {page}, {'http' if over_http else 'file'}"
            assert sorted(track["language"] for track in tracks) == sorted(languages), where
            showing = [track for track in tracks if track["mode"] == "showing"]
            assert len(showing) == 1, where
            (shown,) = showing
            assert (shown["kind"], shown["language"], shown["label"]) == ("captions", language, label), where
            cues = expected_cues(language)
            assert len(cues) >= 2 and len(shown["cues"]) == len(cues), where
            assert shown["cues"][0][2] == cues[0] and shown["cues"][-1][2] == cues[-1], where
            assert shown["cues"][0][0] == 0, where
            assert all(track["kind"] == "subtitles" and track["mode"] == "disabled" for track in tracks if track is not shown)
            assert problems == [], where


def clip_tracks(context, address: str) -> tuple[list[dict], list[str]]:
    """The text tracks of the clip's player on its page, once a subtitle track chosen shows its cues too."""
    problems: list[str] = []
    tab = context.new_page()
    tab.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def failed(request) -> None:
        # The player loads the video only as far as its metadata (preload), then ends the request: not a failure.
        if not (request.url.endswith(".webm") and request.failure == "net::ERR_ABORTED"):
            problems.append(f"failed: {request.url} ({request.failure})")

    tab.on("requestfailed", failed)
    tab.goto(address)  # and waits for its load event: web.js has given the players their tracks by then
    tracks = tab.evaluate(PLAYER_TRACKS)
    assert tab.evaluate("document.querySelectorAll('video track').length") == 0  # replaced, not doubled
    # A subtitle track the learner picks holds its cues too.
    picked = tab.evaluate("""() => { const tracks = document.querySelector('video').textTracks;
      const track = Array.from(tracks).find(t => t.mode === 'disabled'); track.mode = 'showing';
      return [track.language, track.cues.length, track.cues[0].text]; }""")
    assert picked[1:] == [len(expected_cues(picked[0])), expected_cues(picked[0])[0]], picked
    tab.close()
    return tracks, problems
