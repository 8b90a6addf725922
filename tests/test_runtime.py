"""The learner runtime in real headless Chromium, against the recording fake LMS.

Each test renders the templates with a small fake render context (the contract
render.py fills), serves them over loopback HTTP, and plays the SCO in an
iframe of a player page whose window holds the fake LMS API, as Moodle does.
The assertions are on the exact data-model calls the fake LMS recorded.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from markupsafe import Markup

from browser import chromium, serve
from scormpack.messages import messages_for

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "scormpack"
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

STANDARDS = ["1.2", "2004"]

# Element names and vocabularies that differ between the two standards.
EL = {
    "1.2": SimpleNamespace(
        init="LMSInitialize", finish="LMSFinish", get="LMSGetValue", set="LMSSetValue", commit="LMSCommit",
        status="cmi.core.lesson_status", location="cmi.core.lesson_location", entry="cmi.core.entry",
        raw="cmi.core.score.raw", session_time="cmi.core.session_time", exit="cmi.core.exit",
        response="student_response", wrong="wrong", exit_done="",
    ),
    "2004": SimpleNamespace(
        init="Initialize", finish="Terminate", get="GetValue", set="SetValue", commit="Commit",
        status="cmi.completion_status", location="cmi.location", entry="cmi.entry",
        raw="cmi.score.raw", session_time="cmi.session_time", exit="cmi.exit",
        response="learner_response", wrong="incorrect", exit_done="normal",
    ),
}


# ------------------------------------------------------------------ the site

def _option(option_id, text, feedback=""):
    return SimpleNamespace(id=option_id, html=Markup(text), feedback_html=Markup(feedback) if feedback else "")


def quiz_questions():
    """One question of each kind, as (template object, quiz_json entry)."""
    questions = [
        (dict(id="q-note-date", kind="single", weight=1, prompt="When was the <em>Note of Guidance</em> issued?",
              options=[_option("a", "25 June 2008", "<p>That is the date of the Policy Committee decision.</p>"),
                       _option("b", "9 December 2005"), _option("c", "1 January 1991")],
              feedback_correct="<p>Yes. It was revised in 2006.</p>", feedback_wrong="<p>It dates from December 2005.</p>"),
         {"type": "single", "options": ["a", "b", "c"], "correct": ["b"]}),
        (dict(id="q2", kind="multiple", weight=2, prompt="Which are OECD DAC evaluation criteria?",
              options=[_option("a", "Relevance"), _option("b", "Sustainability"),
                       _option("c", "Visibility", "<p>Visibility is not one of the criteria.</p>")]),
         {"type": "multiple", "options": ["a", "b", "c"], "correct": ["a", "b"]}),
        (dict(id="q3", kind="truefalse", weight=1, prompt="Integration absorbs the humanitarian agencies."),
         {"type": "truefalse", "answer": False}),
        (dict(id="q4", kind="fillin", weight=1, prompt="Write the acronym of the Joint Mission Analysis Centre."),
         {"type": "fillin", "accepted": ["JMAC"], "caseSensitive": True}),
        (dict(id="q5", kind="matching", weight=1, prompt="Match each acronym to its meaning.",
              left=[("1", Markup("JOC")), ("2", Markup("JMAC"))],
              right=[("a", Markup("Joint Mission Analysis <em>Centre</em>")), ("b", Markup("Joint Operations Centre"))]),
         {"type": "matching", "left": ["1", "2"], "right": ["a", "b"], "pairs": [["1", "b"], ["2", "a"]]}),
        (dict(id="q6", kind="ordering", weight=1, prompt="Put the stages in order.",
              items=[("a", Markup("Transition")), ("b", Markup("Consolidation")), ("c", Markup("Stabilization"))]),
         {"type": "ordering", "items": ["a", "b", "c"], "order": ["c", "a", "b"]}),
    ]
    objects, entries = [], []
    for number, (spec, entry) in enumerate(questions, start=1):
        objects.append(SimpleNamespace(
            id=spec["id"], kind=spec["kind"], number=number, weight=spec["weight"],
            prompt_html=Markup(spec["prompt"]), options=spec.get("options", []),
            left=spec.get("left", []), right=spec.get("right", []), items=spec.get("items", []),
            feedback_correct_html=Markup(spec.get("feedback_correct", "")),
            feedback_wrong_html=Markup(spec.get("feedback_wrong", "")),
        ))
        plain = re.sub(r"<[^>]+>", "", spec["prompt"])
        entries.append({"id": spec["id"], "weight": spec["weight"], "description": plain, **entry})
    return objects, entries


def render_sco(env, module_id, title, page_titles, quiz_settings=None, questions=None, paged=False):
    """Renders one module: the sco layout, or the paged layout's files. Returns {name: html}."""
    course = SimpleNamespace(id="demo-course", title="Demo course", language="en", version="1.0.0")
    bundle = SimpleNamespace(id="demo-bundle", title="Demo bundle")
    module = SimpleNamespace(
        id=module_id, title=title, duration_minutes=20,
        objectives=["Explain the strategic deficit.", "List the five evaluation criteria."],
        source_reference="de Coning (2009)", quiz=None,
    )
    pages = [
        SimpleNamespace(index=i, number=i + 1, title=page_title, anchor=f"page-{i + 1}",
                        html=Markup(f"<p>Body of {page_title} &amp; more.</p>"))
        for i, page_title in enumerate(page_titles)
    ]
    quiz = quiz_json = None
    if quiz_settings is not None:
        objects, entries = questions or quiz_questions()
        quiz = SimpleNamespace(settings=SimpleNamespace(**quiz_settings), questions=objects)
        module.quiz = quiz
        quiz_json = json.dumps({
            "passMark": quiz_settings["pass_mark"], "attempts": quiz_settings["attempts"],
            "required": quiz_settings["required"], "shuffle": quiz_settings["shuffle"], "questions": entries,
        }).replace("<", "\\u003c")
    sco_json = json.dumps({"courseId": course.id, "bundleId": bundle.id, "moduleId": module_id, "title": title,
                           "pageCount": len(pages), "hasQuiz": quiz is not None}).replace("<", "\\u003c")
    common = dict(course=course, bundle=bundle, module=module, pages=pages, shared="../shared/", sco_json=sco_json,
                  t=messages_for(course.language))
    if not paged:
        html = env.get_template("sco.html").render(layout="sco", quiz=quiz, quiz_json=quiz_json, **common)
        return {f"{module_id}.html": html}
    files = {}
    names = [f"{module_id}-{p.number}.html" for p in pages] + ([f"{module_id}-quiz.html"] if quiz else [])
    for i, name in enumerate(names):
        page = pages[i] if i < len(pages) else None
        files[name] = env.get_template("page.html").render(
            layout="paged", page=page, quiz=None if page else quiz, quiz_json=None if page else quiz_json,
            **common)
    return files


PLAYER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test player</title><link rel="icon" href="data:,">
<script src="shared/lms_api.js"></script>
<script>
  window.navigations = [];
  function startLms(standard, stored) {
    window.fakeLms = ScormpackLMS.install(window, standard, stored,
      {onNavigation: function (request) { window.navigations.push(request); }});
  }
  function closeSco() {
    var frame = document.getElementById("sco");
    if (frame) frame.remove();
  }
  function launch(src) {
    closeSco();
    var frame = document.createElement("iframe");
    frame.id = "sco";
    frame.title = "Module";
    frame.style.width = "100%";
    frame.style.height = "700px";
    return new Promise(function (resolve) {
      frame.addEventListener("load", function () { resolve(true); });
      frame.src = src;
      document.body.appendChild(frame);
    });
  }
</script></head><body></body></html>
"""

QUIZ_SETTINGS = {"pass_mark": 80, "attempts": 2, "required": True, "shuffle": False}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    shared = root / "shared"
    shared.mkdir()
    for name in ("scormpack.js", "scormpack.css", "lms_api.js"):
        shutil.copy(STATIC / name, shared / name)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    sco = root / "sco"
    sco.mkdir()
    files = {}
    files.update(render_sco(env, "quiz-module", "Why coherence matters",
                            ["Introduction", "The deficit", "The criteria"], QUIZ_SETTINGS))
    files.update(render_sco(env, "plain-module", "Glossary", ["Terms", "References"]))
    files.update(render_sco(env, "shuffled-quiz", "Shuffled", ["Only page"],
                            dict(QUIZ_SETTINGS, shuffle=True, attempts=0)))
    files.update(render_sco(env, "optional-quiz", "Optional check", ["Only page"],
                            dict(QUIZ_SETTINGS, required=False, attempts=0)))
    # Thirty long fill-in answers cannot all fit in 4096 characters of suspend data.
    long_questions = ([], [])
    for n in range(1, 31):
        long_questions[0].append(SimpleNamespace(
            id=f"long{n}", kind="fillin", number=n, weight=1, prompt_html=Markup(f"Say something long ({n})."),
            options=[], left=[], right=[], items=[], feedback_correct_html="", feedback_wrong_html=""))
        long_questions[1].append({"id": f"long{n}", "type": "fillin", "weight": 1, "description": f"Long {n}",
                                  "accepted": ["x"], "caseSensitive": False})
    files.update(render_sco(env, "long-quiz", "Long answers", ["Start"],
                            dict(QUIZ_SETTINGS, attempts=0), questions=long_questions))
    for name, html in files.items():
        (sco / name).write_text(html, encoding="utf-8")
    paged = root / "paged"
    paged.mkdir()
    for name, html in render_sco(env, "quiz-module", "Why coherence matters", ["Introduction", "The deficit"],
                                 QUIZ_SETTINGS, paged=True).items():
        (paged / name).write_text(html, encoding="utf-8")
    (root / "player.html").write_text(PLAYER, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser_context():
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser_context):
    """A new tab that fails the test on any console error or page error."""
    tab = browser_context.new_page()
    errors = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert errors == [], f"console errors: {errors}"


class Player:
    """The player page with the fake LMS in its window and the SCO in an iframe."""

    def __init__(self, page, base_url, standard, stored=None):
        self.page = page
        self.base_url = base_url
        self.standard = standard
        self.el = EL[standard]
        page.goto(base_url + "player.html")
        page.evaluate("([standard, stored]) => startLms(standard, stored)", [standard, stored or {}])

    def launch(self, name="quiz-module"):
        self.page.evaluate("src => launch(src)", f"sco/{name}.html")
        self.frame = self.page.frame_locator("#sco")
        self.sco = self.page.query_selector("#sco").content_frame()
        self.sco.wait_for_function("window.scormpack && window.scormpack.adapter !== undefined")
        return self

    def close(self):
        self.page.evaluate("closeSco()")

    def relaunch(self, name="quiz-module"):
        self.close()
        self.page.evaluate("fakeLms.relaunch()")
        return self.launch(name)

    def log(self, session=None):
        entries = self.page.evaluate("lmsLog")
        if session is not None:
            entries = [e for e in entries if e["session"] == session]
        return entries

    def calls(self, session=None, names=None):
        """(call, args) pairs, by default without the error look-ups."""
        quiet = {"LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic",
                 "GetLastError", "GetErrorString", "GetDiagnostic", "relaunch"}
        return [(e["call"], e["args"]) for e in self.log(session)
                if (names is None and e["call"] not in quiet) or (names is not None and e["call"] in names)]

    def sets(self, session=None):
        return [tuple(args) for call, args in self.calls(session) if call == self.el.set]

    def state(self):
        return self.page.evaluate("lmsState")

    def hook(self, expression):
        return self.sco.evaluate(f"window.scormpack.{expression}")

    def next(self):
        self.frame.locator("#sp-next").click()

    def answer_all(self, right=True):
        f = self.frame
        if right:
            f.get_by_label("9 December 2005").check()
            f.get_by_label("Relevance").check()
            f.get_by_label("Sustainability").check()
            f.get_by_label("False").check()
            f.get_by_label("Your answer").fill("JMAC")
            f.locator("#sp-q-q5-m1").select_option("b")
            f.locator("#sp-q-q5-m2").select_option("a")
            f.locator("#sp-q-q6-oc").select_option("1")
            f.locator("#sp-q-q6-oa").select_option("2")
            f.locator("#sp-q-q6-ob").select_option("3")
        else:
            # Right only on the multiple-choice (weight 2) and the matching (weight 1): 3 of 7.
            f.get_by_label("25 June 2008").check()
            f.get_by_label("Relevance").check()
            f.get_by_label("Sustainability").check()
            f.get_by_label("True", exact=True).check()
            f.get_by_label("Your answer").fill("jmac")
            f.locator("#sp-q-q5-m1").select_option("b")
            f.locator("#sp-q-q5-m2").select_option("a")
            f.locator("#sp-q-q6-oa").select_option("1")
            f.locator("#sp-q-q6-ob").select_option("2")
            f.locator("#sp-q-q6-oc").select_option("3")

    def submit(self):
        self.frame.locator("#sp-quiz-submit").click()


def interactions(state, count_from=0):
    """The interaction records in the data model, as dicts keyed by field."""
    records = {}
    for key, value in state.items():
        m = re.match(r"cmi\.interactions\.(\d+)\.(.+)$", key)
        if m and not m.group(2).endswith("__exists") and int(m.group(1)) >= count_from:
            records.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return [records[i] for i in sorted(records)]


EXPECTED_RIGHT = {
    "1.2": [
        ("q-note-date", "choice", "b", "b"),
        ("q2", "choice", "a,b", "a,b"),
        ("q3", "true-false", "f", "f"),
        ("q4", "fill-in", "JMAC", "JMAC"),
        ("q5", "matching", "1.b,2.a", "1.b,2.a"),
        ("q6", "sequencing", "c,a,b", "c,a,b"),
    ],
    "2004": [
        ("q-note-date", "choice", "b", "b"),
        ("q2", "choice", "a[,]b", "a[,]b"),
        ("q3", "true-false", "false", "false"),
        ("q4", "fill-in", "JMAC", "{case_matters=true}JMAC"),
        ("q5", "matching", "1[.]b[,]2[.]a", "1[.]b[,]2[.]a"),
        ("q6", "sequencing", "c[,]a[,]b", "c[,]a[,]b"),
    ],
}

EXPECTED_WRONG_RESPONSES = {
    "1.2": ["a", "a,b", "t", "jmac", "1.b,2.a", "a,b,c"],
    "2004": ["a", "a[,]b", "true", "jmac", "1[.]b[,]2[.]a", "a[,]b[,]c"],
}

TIMESPAN_12 = re.compile(r"^\d{4}:[0-5]\d:[0-5]\d\.\d{2}$")
DURATION_2004 = re.compile(r"^PT(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$")
TIME_12 = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
TIMESTAMP_2004 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def go_to_quiz(player):
    for _ in range(3):
        player.next()
    assert player.hook("page") == 3


# --------------------------------------------------------------- the tests

@pytest.mark.parametrize("standard", STANDARDS)
def test_first_launch_initializes_marks_incomplete_and_bookmarks(page, base_url, standard):
    player = Player(page, base_url, standard).launch()
    el = player.el
    assert player.hook("adapter") == standard
    calls = player.calls()
    assert calls[0] == (el.init, [""])
    expected_sets = [(el.status, "incomplete"), (el.location, "0"), ("cmi.suspend_data", '{"f":1,"p":0,"v":[0]}')]
    if standard == "2004":
        expected_sets.append(("cmi.progress_measure", "0.25"))
    assert player.sets() == expected_sets
    assert calls[-1] == (el.commit, [""])
    reads = [args[0] for call, args in calls if call == el.get]
    assert "cmi.core.lesson_mode" not in reads and "cmi.mode" not in reads
    assert all(entry["error"] == "0" for entry in player.log() if entry["call"] in (el.set, el.commit, el.init))
    state = player.state()
    assert state[el.status] == "incomplete"
    assert state[el.entry] == "ab-initio"
    assert player.frame.locator("#sp-progress-text").inner_text() == "Page 1 of 4"
    assert player.frame.locator("#sp-previous").is_hidden()
    # Objectives and duration are on the first page.
    first = player.frame.locator("#page-1")
    assert "Estimated time: 20 minutes" in first.inner_text()
    assert first.locator(".sp-objectives li").count() == 2
    assert player.frame.locator("#page-2").is_hidden()


@pytest.mark.parametrize("standard", STANDARDS)
def test_each_page_change_sets_the_bookmark_and_commits(page, base_url, standard):
    player = Player(page, base_url, standard).launch()
    el = player.el
    before = len(player.calls())
    player.next()
    player.next()
    player.frame.locator("#sp-previous").click()
    changes = player.calls()[before:]
    per_change = 4 if standard == "2004" else 3
    assert len(changes) == 3 * per_change
    for n, page_index in enumerate([1, 2, 1]):
        block = changes[n * per_change:(n + 1) * per_change]
        assert block[0] == (el.set, [el.location, str(page_index)])
        assert block[1][0] == el.set and block[1][1][0] == "cmi.suspend_data"
        assert block[-1] == (el.commit, [""])
    assert json.loads(player.state()["cmi.suspend_data"]) == {"f": 1, "p": 1, "v": [0, 1, 2]}
    if standard == "2004":
        assert player.state()["cmi.progress_measure"] == "0.75"
    assert player.frame.locator("#sp-progress-text").inner_text() == "Page 2 of 4"
    assert player.frame.locator("#sp-progress-bar").get_attribute("value") == "2"
    assert player.frame.locator("#page-2").is_visible()
    assert player.frame.locator("#page-1").is_hidden()
    # Focus moves to the new page's heading.
    assert player.sco.evaluate("document.activeElement.id") == "page-2-title"


@pytest.mark.parametrize("standard", STANDARDS)
def test_quiz_answered_right_passes_with_interactions_in_standard_formats(page, base_url, standard):
    player = Player(page, base_url, standard).launch()
    el = player.el
    go_to_quiz(player)
    player.answer_all(right=True)
    commits_before = len([c for c in player.calls() if c[0] == el.commit])
    player.submit()
    state = player.state()
    assert state[el.raw] == "100"
    if standard == "1.2":
        assert state["cmi.core.lesson_status"] == "passed"
        assert (state["cmi.core.score.min"], state["cmi.core.score.max"]) == ("0", "100")
    else:
        assert state["cmi.success_status"] == "passed"
        assert state["cmi.completion_status"] == "completed"
        assert (state["cmi.score.scaled"], state["cmi.score.min"], state["cmi.score.max"]) == ("1", "0", "100")
    assert len([c for c in player.calls() if c[0] == el.commit]) == commits_before + 1
    records = interactions(state)
    assert len(records) == 6
    for record, (qid, kind, response, pattern) in zip(records, EXPECTED_RIGHT[standard]):
        assert record["id"] == qid
        assert record["type"] == kind
        assert record[el.response] == response
        assert record["correct_responses.0.pattern"] == pattern
        assert record["result"] == "correct"
        if standard == "1.2":
            assert TIME_12.match(record["time"]), record["time"]
            assert TIMESPAN_12.match(record["latency"]), record["latency"]
        else:
            assert TIMESTAMP_2004.match(record["timestamp"]), record["timestamp"]
            assert DURATION_2004.match(record["latency"]), record["latency"]
    assert [r["weighting"] for r in records] == ["1", "2", "1", "1", "1", "1"]
    if standard == "2004":
        assert records[0]["description"] == "When was the Note of Guidance issued?"
    # No interaction element was refused by the LMS.
    assert all(e["error"] == "0" for e in player.log() if e["call"] == el.set)
    # Feedback: the result in the live region, per question verdicts and texts.
    result = player.frame.locator("#sp-quiz-result")
    assert result.get_attribute("aria-live") == "polite"
    assert "Your score: 100%. You passed." in result.inner_text()
    assert player.frame.locator("#sp-q-q-note-date .sp-verdict").inner_text() == "Correct."
    assert player.frame.locator("#sp-q-q-note-date .sp-feedback-correct").is_visible()
    assert player.frame.locator("#sp-q-q-note-date .sp-feedback-wrong").is_hidden()
    assert player.frame.locator("#sp-quiz-retry").is_hidden()
    assert player.frame.locator("#sp-quiz-submit").is_hidden()


@pytest.mark.parametrize("standard", STANDARDS)
def test_wrong_answers_fail_then_retry_passes(page, base_url, standard):
    player = Player(page, base_url, standard).launch()
    el = player.el
    go_to_quiz(player)
    player.answer_all(right=False)
    player.submit()
    state = player.state()
    assert state[el.raw] == "42.86"  # 3 of 7 weighted points
    if standard == "1.2":
        assert state["cmi.core.lesson_status"] == "failed"
    else:
        assert state["cmi.success_status"] == "failed"
        assert state["cmi.completion_status"] == "incomplete"
        assert state["cmi.score.scaled"] == "0.4286"
    records = interactions(state)
    assert [r[el.response] for r in records] == EXPECTED_WRONG_RESPONSES[standard]
    assert [r["result"] for r in records] == [el.wrong, "correct", el.wrong, el.wrong, "correct", el.wrong]
    f = player.frame
    assert f.locator("#sp-q-q-note-date .sp-verdict").inner_text() == "Not correct."
    assert f.locator("#sp-q-q-note-date .sp-feedback-wrong").is_visible()
    # The chosen option's feedback shows, the others' do not.
    assert f.locator('#sp-q-q-note-date [data-feedback-for="a"]').is_visible()
    assert f.locator('#sp-q-q2 [data-feedback-for="c"]').is_hidden()
    assert "Attempts left: 1." in f.locator("#sp-quiz-result").inner_text()
    assert f.get_by_label("9 December 2005").is_disabled()

    f.locator("#sp-quiz-retry").click()
    assert f.get_by_label("9 December 2005").is_enabled()
    assert f.locator("#sp-q-q-note-date .sp-feedback").is_hidden()
    player.answer_all(right=True)
    player.submit()
    state = player.state()
    second = interactions(state, count_from=6)
    assert len(interactions(state)) == 12
    assert [r["result"] for r in second] == ["correct"] * 6
    assert state[el.raw] == "100"
    assert state["cmi.core.lesson_status" if standard == "1.2" else "cmi.success_status"] == "passed"
    assert player.hook("quiz.attemptsUsed") == 2
    assert json.loads(state["cmi.suspend_data"])["q"]["n"] == 2


@pytest.mark.parametrize("standard", STANDARDS)
def test_last_attempt_used_ends_the_module_failed(page, base_url, standard):
    player = Player(page, base_url, standard).launch()
    el = player.el
    go_to_quiz(player)
    for _ in range(2):
        player.answer_all(right=False)
        player.submit()
        if player.frame.locator("#sp-quiz-retry").is_visible():
            player.frame.locator("#sp-quiz-retry").click()
    assert player.frame.locator("#sp-quiz-retry").is_hidden()
    assert "You have used all your attempts." in player.frame.locator("#sp-quiz-result").inner_text()
    player.close()
    state = player.state()
    if standard == "1.2":
        assert state["cmi.core.lesson_status"] == "failed"
    else:
        assert (state["cmi.success_status"], state["cmi.completion_status"]) == ("failed", "completed")
    assert state[el.exit] == el.exit_done


@pytest.mark.parametrize("standard", STANDARDS)
def test_suspend_and_relaunch_resume_at_bookmark_with_answers(page, base_url, standard):
    player = Player(page, base_url, standard).launch()
    el = player.el
    go_to_quiz(player)
    player.answer_all(right=False)
    player.submit()
    # Moodle's own navigation removes the frame; the SCO must finish by itself.
    player.close()
    first = player.calls(session=1)
    assert [c for c, _ in first].count(el.init) == 1
    assert [c for c, _ in first].count(el.finish) == 1
    assert first[-1] == (el.finish, [""])
    state = player.state()
    assert state[el.exit] == "suspend"
    if standard == "1.2":
        assert TIMESPAN_12.match(state["cmi.core.session_time"]), state["cmi.core.session_time"]
    else:
        assert DURATION_2004.match(state["cmi.session_time"]), state["cmi.session_time"]
    # The exit comes after the session time, then a commit, then the finish.
    tail = first[-4:]
    assert tail[0] == (el.set, [el.session_time, state[el.session_time]])
    assert tail[1] == (el.set, [el.exit, "suspend"])
    assert tail[2:] == [(el.commit, [""]), (el.finish, [""])]

    player.relaunch()
    second = player.calls(session=2)
    assert second[0] == (el.init, [""])
    assert player.state()[el.entry] == "resume"
    assert player.hook("page") == 3
    assert player.frame.locator("#page-quiz").is_visible()
    assert player.frame.locator("#page-1").is_hidden()
    # Status is not set back to incomplete on a relaunch.
    assert (el.set, [el.status, "incomplete"]) not in second
    # The last answers and the attempt count are back.
    f = player.frame
    assert f.get_by_label("25 June 2008").is_checked()
    assert f.get_by_label("True", exact=True).is_checked()
    assert f.get_by_label("Your answer").input_value() == "jmac"
    assert f.locator("#sp-q-q5-m1").input_value() == "b"
    assert f.locator("#sp-q-q6-oa").input_value() == "1"
    assert player.hook("quiz.attemptsUsed") == 1
    assert "Attempts left: 1." in f.locator("#sp-quiz-result").inner_text()
    assert f.locator("#sp-quiz-retry").is_visible()
    # Restoring does not record the answers again.
    assert len(interactions(player.state())) == 6
    player.close()
    calls = [c for c, _ in player.calls(session=2)]
    assert calls.count(el.init) == 1 and calls.count(el.finish) == 1
    if standard == "1.2":
        assert re.match(r"^\d{4}:\d{2}:\d{2}\.\d{2}$", player.state()["cmi.core.total_time"])


@pytest.mark.parametrize("standard", STANDARDS)
def test_module_without_quiz_completes_on_its_last_page(page, base_url, standard):
    player = Player(page, base_url, standard).launch("plain-module")
    el = player.el
    assert player.frame.locator("#sp-progress-text").inner_text() == "Page 1 of 2"
    assert player.frame.locator("#page-quiz").count() == 0
    player.next()
    assert player.sets()[-3 if standard == "1.2" else -4] == (el.status, "completed")
    assert player.state()[el.status] == "completed"
    assert player.frame.locator("#sp-next").is_hidden()
    player.close()
    assert player.state()[el.exit] == el.exit_done
    if standard == "2004":
        assert player.state()["cmi.progress_measure"] == "1"


@pytest.mark.parametrize("standard", STANDARDS)
def test_optional_quiz_completes_with_content_and_never_fails(page, base_url, standard):
    player = Player(page, base_url, standard).launch("optional-quiz")
    el = player.el
    assert player.state()[el.status] == "completed"  # one content page: reached at once
    player.next()
    player.answer_all(right=False)
    player.submit()
    state = player.state()
    assert state[el.raw] == "42.86"
    assert state[el.status] == "completed"
    if standard == "2004":
        assert state["cmi.success_status"] == "unknown"
    assert player.frame.locator("#sp-quiz-retry").is_visible()  # unlimited attempts
    assert "You may try again." in player.frame.locator("#sp-quiz-result").inner_text()


@pytest.mark.parametrize("standard", STANDARDS)
def test_suspend_data_stays_within_the_limit(page, base_url, standard):
    player = Player(page, base_url, standard).launch("long-quiz")
    player.next()
    for n in range(1, 31):
        player.frame.locator(f"#sp-q-long{n}-text").fill(("answer %d " % n) * 30)
    player.submit()
    written = [value for name, value in player.sets() if name == "cmi.suspend_data"]
    assert all(entry["result"] == "true" for entry in player.log() if entry["call"] == player.el.set)
    last = json.loads(written[-1])
    assert last["q"]["n"] == 1
    if standard == "1.2":
        assert len(written[-1]) <= 4096
        assert 0 < len(last["q"]["r"]) < 30  # some answers dropped, the rest kept
    else:
        assert len(last["q"]["r"]) == 30  # 64000 characters hold them all


def test_previous_module_is_offered_only_when_the_lms_allows_it(page, base_url):
    player = Player(page, base_url, "2004", {"adl.nav.request_valid.previous": "true"}).launch("plain-module")
    f = player.frame
    assert f.locator("#sp-previous-module").is_visible()
    f.locator("#sp-previous-module").click()
    calls = player.calls()
    assert ("SetValue", ["adl.nav.request", "previous"]) in calls
    assert calls[-1] == ("Terminate", [""])
    assert page.evaluate("navigations") == ["previous"]


def test_next_module_request_in_scorm_2004(page, base_url):
    player = Player(page, base_url, "2004", {"adl.nav.request_valid.continue": "true",
                                              "adl.nav.request_valid.previous": "false"}).launch("plain-module")
    f = player.frame
    assert f.locator("#sp-previous-module").is_hidden()
    assert f.locator("#sp-next-module").is_hidden()
    player.next()
    assert f.locator("#sp-previous-module").is_hidden()
    assert f.locator("#sp-next-module").is_visible()
    f.locator("#sp-next-module").click()
    calls = player.calls()
    assert ("SetValue", ["adl.nav.request", "continue"]) in calls
    assert calls[-1] == ("Terminate", [""])
    assert page.evaluate("navigations") == ["continue"]
    player.close()
    assert [c for c, _ in player.calls()].count("Terminate") == 1


def test_api_is_found_through_the_opener_of_a_popup(page, base_url):
    Player(page, base_url, "1.2")
    with page.expect_popup() as popup_info:
        page.evaluate("window.open('sco/plain-module.html', 'sco')")
    popup = popup_info.value
    popup.wait_for_function("window.scormpack !== undefined")
    assert popup.evaluate("scormpack.adapter") == "1.2"
    popup.close(run_before_unload=True)
    page.wait_for_function("lmsLog.some(e => e.call === 'LMSFinish')")
    calls = [e["call"] for e in page.evaluate("lmsLog")]
    assert calls.count("LMSInitialize") == 1 and calls.count("LMSFinish") == 1


def test_scorm_12_never_offers_module_navigation(page, base_url):
    player = Player(page, base_url, "1.2").launch("plain-module")
    player.next()
    assert player.frame.locator("#sp-next-module").is_hidden()
    assert not any(args and args[0].startswith("adl.") for _, args in player.calls())


@pytest.mark.parametrize("standard", STANDARDS)
def test_only_the_interaction_fields_the_lms_lists_are_written(page, base_url, standard):
    player = Player(page, base_url, standard, {"cmi.interactions._children": "id,type,result"}).launch()
    go_to_quiz(player)
    player.answer_all(right=True)
    player.submit()
    written = {name.split(".", 3)[3] for name, _ in player.sets() if name.startswith("cmi.interactions.")}
    assert written == {"id", "type", "result"}
    assert [r["result"] for r in interactions(player.state())] == ["correct"] * 6
    assert player.state()[player.el.raw] == "100"


@pytest.mark.parametrize("standard", STANDARDS)
def test_an_lms_without_interactions_still_gets_the_score(page, base_url, standard):
    player = Player(page, base_url, standard, {"cmi.interactions._children": ""}).launch()
    go_to_quiz(player)
    player.answer_all(right=True)
    player.submit()
    assert not any(name.startswith("cmi.interactions.") for name, _ in player.sets())
    assert player.state()[player.el.raw] == "100"


def test_shuffle_reorders_options_on_every_attempt_and_scores_by_id(page, base_url):
    # Math.random always 0: Fisher-Yates turns a,b,c into b,c,a, and b,c,a into c,a,b.
    page.add_init_script("Math.random = function () { return 0; };")
    player = Player(page, base_url, "1.2").launch("shuffled-quiz")
    player.next()
    order = 'Array.from(document.querySelectorAll("#sp-q-q-note-date .sp-option")).map(o => o.dataset.option)'
    assert player.sco.evaluate(order) == ["b", "c", "a"]
    player.answer_all(right=False)
    player.submit()
    player.frame.locator("#sp-quiz-retry").click()
    assert player.sco.evaluate(order) == ["c", "a", "b"]
    player.answer_all(right=True)
    player.submit()
    responses = [r["student_response"] for r in interactions(player.state())]
    assert responses[0] == "a" and responses[6] == "b"
    assert player.state()["cmi.core.score.raw"] == "100"


def test_time_formats_of_both_standards(page, base_url):
    page.goto(base_url + "sco/plain-module.html")
    formats = page.evaluate("""[0, 65250, 3723456, 36000000].map(ms =>
        [scormpack.formats.timespan12(ms), scormpack.formats.duration2004(ms)])""")
    assert formats == [
        ["0000:00:00.00", "PT0S"],
        ["0000:01:05.25", "PT1M5.25S"],
        ["0001:02:03.46", "PT1H2M3.46S"],
        ["0010:00:00.00", "PT10H"],
    ]


def test_without_an_lms_the_module_still_works(page, base_url):
    page.goto(base_url + "sco/quiz-module.html")
    assert page.evaluate("scormpack.adapter") == "none"
    for _ in range(3):
        page.locator("#sp-next").click()
    page.get_by_label("9 December 2005").check()
    page.get_by_label("Relevance").check()
    page.get_by_label("Sustainability").check()
    page.get_by_label("False").check()
    page.get_by_label("Your answer").fill("JMAC")
    page.locator("#sp-q-q5-m1").select_option("b")
    page.locator("#sp-q-q5-m2").select_option("a")
    page.locator("#sp-q-q6-oc").select_option("1")
    page.locator("#sp-q-q6-oa").select_option("2")
    page.locator("#sp-q-q6-ob").select_option("3")
    page.locator("#sp-quiz-submit").click()
    assert "Your score: 100%" in page.locator("#sp-quiz-result").inner_text()


def test_incomplete_answers_are_refused_with_a_message(page, base_url):
    player = Player(page, base_url, "1.2").launch()
    go_to_quiz(player)
    player.frame.get_by_label("9 December 2005").check()
    player.submit()
    assert player.frame.locator("#sp-quiz-result").inner_text() == "Answer question 2 before you submit."
    assert player.hook("quiz.attemptsUsed") == 0
    assert player.sco.evaluate("document.activeElement.id") == "sp-q-q2-a"
    assert interactions(player.state()) == []


def test_without_javascript_every_page_reads_in_sequence(browser_context, base_url):
    # A persistent context cannot open a script-less context: switch scripts off on this tab.
    tab = browser_context.new_page()
    browser_context.new_cdp_session(tab).send("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        tab.goto(base_url + "sco/quiz-module.html")
        for section in ("#page-1", "#page-2", "#page-3", "#page-quiz"):
            assert tab.locator(section).is_visible()
        assert tab.locator("#sp-nav").is_hidden()
        assert tab.locator("#sp-progress").is_hidden()
        assert tab.locator(".sp-feedback").first.is_hidden()
        assert tab.locator(".sp-option-feedback").first.is_hidden()
    finally:
        tab.close()


def test_page_structure_is_accessible(page, base_url):
    page.goto(base_url + "sco/quiz-module.html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Why coherence matters"
    assert page.locator("main#sp-main").count() == 1
    assert page.locator("header").count() == 1 and page.locator("footer").count() == 1
    assert page.locator("nav[aria-label]").count() == 1
    assert page.locator("a.sp-skip").get_attribute("href") == "#sp-main"
    # Every form control has a label; every question is a fieldset with a legend.
    unlabelled = page.evaluate("""Array.from(document.querySelectorAll('input, select'))
        .filter(c => !c.labels || c.labels.length === 0).map(c => c.id)""")
    assert unlabelled == []
    assert page.locator("form fieldset").count() == page.locator("form fieldset > legend").count() == 6
    # No external resources: every src/href is relative (or an empty data: icon).
    urls = page.evaluate("""Array.from(document.querySelectorAll('[src], link[href]'))
        .map(n => n.getAttribute('src') || n.getAttribute('href'))""")
    assert "../shared/scormpack.js" in urls and "../shared/scormpack.css" in urls
    assert all(url == "data:," or not re.match(r"^[a-z]+:|^//", url) for url in urls)
    # Focus is visible: the skip link shows up and has an outline when tabbed to.
    page.keyboard.press("Tab")
    focused = page.evaluate("""(() => { const e = document.activeElement; const s = getComputedStyle(e);
        return [e.className, s.outlineStyle, s.outlineWidth, e.getBoundingClientRect().top >= 0]; })()""")
    assert focused[0] == "sp-skip" and focused[1] == "solid" and focused[2] == "3px" and focused[3]


def test_quiz_can_be_answered_with_the_keyboard_alone(page, base_url):
    player = Player(page, base_url, "2004").launch()
    sco = player.sco
    for _ in range(3):
        sco.focus("#sp-next")
        page.keyboard.press("Enter")
    assert player.hook("page") == 3
    sco.focus("#sp-q-q-note-date-a")
    page.keyboard.press("ArrowDown")  # radio group: moves to and selects "b"
    assert sco.is_checked("#sp-q-q-note-date-b")
    sco.focus("#sp-q-q2-a")
    page.keyboard.press("Space")
    assert sco.is_checked("#sp-q-q2-a")
    sco.focus("#sp-q-q5-m1")
    page.keyboard.press("ArrowDown")  # select: next option without opening the list
    assert sco.input_value("#sp-q-q5-m1") == "a"


def test_paged_layout_scores_the_quiz_offline_without_tracking(page, base_url):
    # Each page stands alone (the LMS links them): no page count, no previous/next links.
    page.goto(base_url + "paged/quiz-module-1.html")
    assert "Estimated time" in page.locator("main").inner_text()
    assert page.locator("#sp-progress-text").count() == 0 and page.locator("a[rel]").count() == 0
    page.goto(base_url + "paged/quiz-module-quiz.html")
    page.wait_for_function("window.scormpack !== undefined")  # loaded: its scripts have run
    assert page.evaluate("scormpack.adapter") == "none"
    page.get_by_label("25 June 2008").check()
    page.get_by_label("Relevance").check()
    page.get_by_label("Sustainability").check()
    page.get_by_label("False").check()
    page.get_by_label("Your answer").fill("JMAC")
    page.locator("#sp-q-q5-m1").select_option("b")
    page.locator("#sp-q-q5-m2").select_option("a")
    page.locator("#sp-q-q6-oc").select_option("1")
    page.locator("#sp-q-q6-oa").select_option("2")
    page.locator("#sp-q-q6-ob").select_option("3")
    page.locator("#sp-quiz-submit").click()
    assert "Your score: 85.71%. You passed." in page.locator("#sp-quiz-result").inner_text()
    assert page.locator("a[rel]").count() == 0


# ------------------------------------------------------- the fake LMS itself

def test_fake_scorm_12_api_error_codes(page, base_url):
    page.goto(base_url + "player.html")
    results = page.evaluate("""() => {
        const lms = new ScormpackLMS("1.2");
        const api = lms.api;
        const r = [];
        const step = (label, value) => r.push([label, value, api.LMSGetLastError()]);
        step("get before init", api.LMSGetValue("cmi.core.lesson_status"));
        step("init with argument", api.LMSInitialize("x"));
        step("init", api.LMSInitialize(""));
        step("init again", api.LMSInitialize(""));
        step("status", api.LMSGetValue("cmi.core.lesson_status"));
        step("unknown element", api.LMSGetValue("cmi.core.nonsense"));
        step("set read-only", api.LMSSetValue("cmi.core.student_id", "x"));
        step("get write-only", api.LMSGetValue("cmi.core.exit"));
        step("bad vocabulary", api.LMSSetValue("cmi.core.lesson_status", "done"));
        step("not attempted is not for SCOs", api.LMSSetValue("cmi.core.lesson_status", "not attempted"));
        step("set keyword", api.LMSSetValue("cmi.interactions._count", "3"));
        step("children of a leaf", api.LMSGetValue("cmi.core.lesson_status._children"));
        step("count of a leaf", api.LMSGetValue("cmi.core.lesson_status._count"));
        step("raw out of range", api.LMSSetValue("cmi.core.score.raw", "101"));
        step("bad session time", api.LMSSetValue("cmi.core.session_time", "PT5S"));
        step("too long location", api.LMSSetValue("cmi.core.lesson_location", "x".repeat(256)));
        step("interaction out of order", api.LMSSetValue("cmi.interactions.1.id", "q1"));
        step("interaction id", api.LMSSetValue("cmi.interactions.0.id", "q1"));
        step("interaction type", api.LMSSetValue("cmi.interactions.0.type", "choice"));
        step("bad choice response", api.LMSSetValue("cmi.interactions.0.student_response", "a[,]b"));
        step("interaction is write-only", api.LMSGetValue("cmi.interactions.0.id"));
        step("count", api.LMSGetValue("cmi.interactions._count"));
        step("children", api.LMSGetValue("cmi.interactions._children"));
        step("error string", api.LMSGetErrorString("405"));
        step("finish", api.LMSFinish(""));
        step("get after finish", api.LMSGetValue("cmi.core.lesson_status"));
        return r;
    }""")
    expected = [
        ["get before init", "", "301"],
        ["init with argument", "false", "201"],
        ["init", "true", "0"],
        ["init again", "false", "101"],
        ["status", "not attempted", "0"],
        ["unknown element", "", "201"],
        ["set read-only", "false", "403"],
        ["get write-only", "", "404"],
        ["bad vocabulary", "false", "405"],
        ["not attempted is not for SCOs", "false", "405"],
        ["set keyword", "false", "402"],
        ["children of a leaf", "", "202"],
        ["count of a leaf", "", "203"],
        ["raw out of range", "false", "405"],
        ["bad session time", "false", "405"],
        ["too long location", "false", "405"],
        ["interaction out of order", "false", "201"],
        ["interaction id", "true", "0"],
        ["interaction type", "true", "0"],
        ["bad choice response", "false", "405"],
        ["interaction is write-only", "", "404"],
        ["count", "1", "0"],
        ["children", "id,objectives,time,type,correct_responses,weighting,student_response,result,latency", "0"],
        ["error string", "Incorrect data type", "0"],
        ["finish", "true", "0"],
        ["get after finish", "", "301"],
    ]
    assert results == expected


def test_fake_scorm_2004_api_error_codes(page, base_url):
    page.goto(base_url + "player.html")
    results = page.evaluate("""() => {
        const lms = new ScormpackLMS("2004", {"cmi.learner_name": "Doe, Jane"});
        const api = lms.api;
        const r = [];
        const step = (label, value) => r.push([label, value, api.GetLastError()]);
        step("terminate before init", api.Terminate(""));
        step("get before init", api.GetValue("cmi.location"));
        step("set before init", api.SetValue("cmi.location", "1"));
        step("commit before init", api.Commit(""));
        step("init", api.Initialize(""));
        step("init again", api.Initialize(""));
        step("stored name", api.GetValue("cmi.learner_name"));
        step("never set", api.GetValue("cmi.location"));
        step("undefined", api.GetValue("cmi.nonsense"));
        step("unimplemented", api.GetValue("cmi.comments_from_learner._count"));
        step("read-only", api.SetValue("cmi.mode", "review"));
        step("write-only", api.GetValue("cmi.exit"));
        step("vocabulary", api.SetValue("cmi.success_status", "ok"));
        step("range", api.SetValue("cmi.progress_measure", "1.5"));
        step("scaled range", api.SetValue("cmi.score.scaled", "-2"));
        step("duration", api.SetValue("cmi.session_time", "0000:00:05.00"));
        step("good duration", api.SetValue("cmi.session_time", "PT1M5.25S"));
        step("empty name", api.GetValue(""));
        step("out of order", api.SetValue("cmi.interactions.1.id", "q"));
        step("type before id", api.SetValue("cmi.interactions.0.type", "choice"));
        step("id", api.SetValue("cmi.interactions.0.id", "q1"));
        step("response before type", api.SetValue("cmi.interactions.0.learner_response", "a"));
        step("type", api.SetValue("cmi.interactions.0.type", "matching"));
        step("bad matching", api.SetValue("cmi.interactions.0.learner_response", "1.a,2.b"));
        step("good matching", api.SetValue("cmi.interactions.0.learner_response", "1[.]a[,]2[.]b"));
        step("read back", api.GetValue("cmi.interactions.0.learner_response"));
        step("bad timestamp", api.SetValue("cmi.interactions.0.timestamp", "yesterday"));
        step("result vocabulary", api.SetValue("cmi.interactions.0.result", "wrong"));
        step("keyword", api.SetValue("cmi.interactions._count", "2"));
        step("nav request", api.SetValue("adl.nav.request", "continue"));
        step("bad nav request", api.SetValue("adl.nav.request", "onwards"));
        step("terminate", api.Terminate(""));
        step("terminate again", api.Terminate(""));
        step("get after", api.GetValue("cmi.location"));
        step("set after", api.SetValue("cmi.location", "1"));
        step("commit after", api.Commit(""));
        step("init after", api.Initialize(""));
        return r;
    }""")
    expected = [
        ["terminate before init", "false", "112"],
        ["get before init", "", "122"],
        ["set before init", "false", "132"],
        ["commit before init", "false", "142"],
        ["init", "true", "0"],
        ["init again", "false", "103"],
        ["stored name", "Doe, Jane", "0"],
        ["never set", "", "403"],
        ["undefined", "", "401"],
        ["unimplemented", "", "402"],
        ["read-only", "false", "404"],
        ["write-only", "", "405"],
        ["vocabulary", "false", "406"],
        ["range", "false", "407"],
        ["scaled range", "false", "407"],
        ["duration", "false", "406"],
        ["good duration", "true", "0"],
        ["empty name", "", "301"],
        ["out of order", "false", "351"],
        ["type before id", "false", "408"],
        ["id", "true", "0"],
        ["response before type", "false", "408"],
        ["type", "true", "0"],
        ["bad matching", "false", "406"],
        ["good matching", "true", "0"],
        ["read back", "1[.]a[,]2[.]b", "0"],
        ["bad timestamp", "false", "406"],
        ["result vocabulary", "false", "406"],
        ["keyword", "false", "404"],
        ["nav request", "true", "0"],
        ["bad nav request", "false", "406"],
        ["terminate", "true", "0"],
        ["terminate again", "false", "113"],
        ["get after", "", "123"],
        ["set after", "false", "133"],
        ["commit after", "false", "143"],
        ["init after", "false", "104"],
    ]
    assert results == expected


def test_fake_lms_relaunch_keeps_stored_data_and_resets(page, base_url):
    page.goto(base_url + "player.html")
    result = page.evaluate("""() => {
        const lms = new ScormpackLMS("1.2");
        const api = lms.api;
        api.LMSInitialize("");
        api.LMSSetValue("cmi.core.lesson_location", "3");
        api.LMSSetValue("cmi.suspend_data", "{}");
        api.LMSSetValue("cmi.core.lesson_status", "incomplete");
        api.LMSSetValue("cmi.core.session_time", "0000:01:30.50");
        api.LMSSetValue("cmi.core.exit", "suspend");
        api.LMSFinish("");
        lms.relaunch();
        const second = [api.LMSInitialize(""), api.LMSGetValue("cmi.core.entry"),
            api.LMSGetValue("cmi.core.lesson_location"), api.LMSGetValue("cmi.suspend_data"),
            api.LMSGetValue("cmi.core.lesson_status"), api.LMSGetValue("cmi.core.total_time")];
        lms.reset();
        api.LMSInitialize("");
        const fresh = [api.LMSGetValue("cmi.core.entry"), api.LMSGetValue("cmi.core.lesson_location"),
            lms.log.length];
        return {second, fresh};
    }""")
    assert result["second"] == ["true", "resume", "3", "{}", "incomplete", "0000:01:30.50"]
    assert result["fresh"] == ["ab-initio", "", 3]


# ------------------------------------------- state saved by an earlier version

def _previous_state(standard, suspend_data, location="9", status="passed"):
    el = EL[standard]
    stored = {"cmi.suspend_data": suspend_data, el.location: location, "__exit": "suspend"}
    if standard == "1.2":
        stored["cmi.core.lesson_status"] = status
    else:
        stored.update({"cmi.completion_status": "completed", "cmi.success_status": status})
    return stored


@pytest.mark.parametrize("standard", STANDARDS)
def test_state_of_the_previous_layout_with_a_removed_question_starts_cleanly(page, base_url, standard):
    """What Moodle does on an update: the new page is handed the old state as-is. Here it was written
    before the state had a format (no "f"), by a version with a question since removed, with more pages
    (a bookmark past the end). The SCO starts at page 1, keeps the pages that exist and the passed quiz,
    never throws (the page fixture fails on any error), and saves in its own format."""
    old = json.dumps({"p": 7, "v": [0, 1, 2, 5, 7], "q": {"n": 1, "r": {"q-removed": ["a"], "q2": ["a", "b"]}}})
    player = Player(page, base_url, standard, _previous_state(standard, old)).launch()
    el = player.el
    assert player.hook("page") == 0
    assert player.hook("visited") == [0, 1, 2]
    assert player.hook("quiz.attemptsUsed") == 1
    assert player.hook("quiz.lastAnswers") is None
    assert not player.frame.get_by_label("Relevance").is_checked()  # no answers put back
    assert player.hook("status.passed") is True
    assert (el.set, [el.status, "incomplete"]) not in player.calls()
    saved = json.loads(player.state()["cmi.suspend_data"])
    assert saved == {"f": 1, "p": 0, "v": [0, 1, 2], "q": {"n": 1, "r": {}}}  # the attempt used is kept
    player.close()
    state = player.state()
    assert state[el.status if standard == "1.2" else "cmi.success_status"] == "passed"


@pytest.mark.parametrize("standard", STANDARDS)
def test_state_of_an_unknown_format_is_dropped_whole(page, base_url, standard):
    future = json.dumps({"f": 99, "p": 2, "v": [0, 1, 2], "q": {"n": 2, "r": {"q2": ["a", "b"]}}})
    player = Player(page, base_url, standard, _previous_state(standard, future, location="2", status="failed")).launch()
    assert player.hook("page") == 2  # the LMS's own bookmark is still good
    assert player.hook("visited") == [2]
    assert player.hook("quiz.attemptsUsed") == 0
    assert json.loads(player.state()["cmi.suspend_data"])["f"] == 1


@pytest.mark.parametrize("standard", STANDARDS)
def test_state_that_is_not_json_or_not_an_object_never_throws(page, base_url, standard):
    for text in ("{not json", "[1,2,3]", '"text"', '{"v": "0,1", "q": {"n": "two", "r": []}}'):
        player = Player(page, base_url, standard, _previous_state(standard, text, location="1")).launch()
        assert player.hook("page") == 1
        assert player.hook("quiz.attemptsUsed") == 0
        player.close()
