"""End to end: packages of the bundled course, played in headless Chromium through `scormpack preview`.

Every SCO of one bundle per SCORM target is launched in the preview player,
paged through, left and relaunched; each knowledge check is failed, then
passed after the relaunch. The right and wrong answers come from the course
model (loader + quiz model), the form fields from templates/quiz.html. The
assertions are on the API calls the player's recording LMS logged and on the
data model it kept, and every page shown (each page of each SCO, the quiz
with its feedback, the player) is checked with axe-core for WCAG 2.1 A/AA.
One browser and one tab per package serve the whole module.
"""
from __future__ import annotations

import math
import os
import re
import shutil
from types import SimpleNamespace

import pytest

from browser import chromium
from conftest import BUNDLED_COURSE, SCAFFOLD
from scormpack.loader import load_course
from scormpack.preview import Preview
from scormpack.render import plain_text, render_bundle
from scormpack.targets import TARGETS

pytestmark = pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")

# One bundle per SCORM target: the first holds every module of the course.
PACKAGES = [("scorm12", "specialists-in-mission"), ("scorm2004", "un-personnel-induction")]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHECKED_PAGES: dict[tuple[str, int, str], str] = {}  # (module, page index, section HTML) -> standard that checked it

EL = {
    "1.2": SimpleNamespace(
        init="LMSInitialize", finish="LMSFinish", get="LMSGetValue", set="LMSSetValue", commit="LMSCommit",
        status="cmi.core.lesson_status", location="cmi.core.lesson_location", entry="cmi.core.entry",
        raw="cmi.core.score.raw", session_time="cmi.core.session_time", total_time="cmi.core.total_time",
        exit="cmi.core.exit", response="student_response", wrong="wrong", exit_done="",
        list=",", pair=".",
    ),
    "2004": SimpleNamespace(
        init="Initialize", finish="Terminate", get="GetValue", set="SetValue", commit="Commit",
        status="cmi.completion_status", location="cmi.location", entry="cmi.entry",
        raw="cmi.score.raw", session_time="cmi.session_time", total_time="cmi.total_time",
        exit="cmi.exit", response="learner_response", wrong="incorrect", exit_done="normal",
        list="[,]", pair="[.]",
    ),
}
QUIET_CALLS = {"LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic", "GetLastError", "GetErrorString",
               "GetDiagnostic", "relaunch"}
INTERACTION_TYPES = {"single": "choice", "multiple": "choice", "truefalse": "true-false", "fillin": "fill-in",
                     "matching": "matching", "ordering": "sequencing"}
TIMESPAN_12 = re.compile(r"^\d{4}:[0-5]\d:[0-5]\d\.\d{2}$")
DURATION_2004 = re.compile(r"^PT(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$")
TIME_12 = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
TIMESTAMP_2004 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index]


def js_number(value: float) -> str:
    """How JavaScript's String() writes a number the runtime computed."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def js_round(value: float) -> float:
    return math.floor(value + 0.5)


def centiseconds(text: str) -> int:
    """A SCORM 1.2 timespan or a SCORM 2004 duration, in hundredths of a second."""
    timespan = re.match(r"^(\d+):(\d+):(\d+(?:\.\d+)?)$", text)
    if timespan:
        hours, minutes, seconds = timespan.groups()
        return round(((int(hours) * 60 + int(minutes)) * 60 + float(seconds)) * 100)
    duration = re.match(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$", text)
    assert duration, text
    hours, minutes, seconds = duration.groups()
    return round(((int(hours or 0) * 60 + int(minutes or 0)) * 60 + float(seconds or 0)) * 100)


# ------------------------------------------------------- answers from the model

def chosen_answer(question, right: bool):
    """The answer given: right, or a wrong one of the same shape."""
    kind = question.kind
    correct = [option.id for option in question.correct_options]
    if kind == "single":
        return correct if right else [next(o.id for o in question.options if not o.correct)]
    if kind == "multiple":
        wrong = [option.id for option in question.options if not option.correct]
        return correct if right else ([wrong[0]] if wrong else correct[:1])
    if kind == "truefalse":
        return question.answer_bool if right else not question.answer_bool
    if kind == "fillin":
        text = question.accepted[0] if right else "not " + question.accepted[0]
        assert right or text.lower() not in [a.lower() for a in question.accepted]
        return text
    count = len(question.pairs) if kind == "matching" else len(question.sequence)
    if kind == "matching":  # (left, right) pairs; wrong: every left given the next one's right
        return [(str(i + 1), letter(i if right else (i + 1) % count)) for i in range(count)]
    # ordering: the item letters in the order given; wrong: reversed
    order = [letter(i) for i in range(count)]
    return order if right else order[::-1]


def fill_in(sco, question, answer) -> None:
    """Sets the quiz form as a learner would, through the controls templates/quiz.html renders."""
    field = f"sp-q-{question.id}"
    kind = question.kind
    if kind in ("single", "multiple"):
        for option_id in answer:
            sco.check(f'[id="{field}-{option_id}"]')
    elif kind == "truefalse":
        sco.check(f'[id="{field}-{"true" if answer else "false"}"]')
    elif kind == "fillin":
        sco.fill(f'[id="{field}-text"]', answer)
    elif kind == "matching":
        for left, right in answer:
            sco.select_option(f'[id="{field}-m{left}"]', right)
    else:
        for position, item in enumerate(answer, start=1):
            sco.select_option(f'[id="{field}-o{item}"]', str(position))


def expected_record(standard: str, question, answer, right: bool) -> dict:
    """The interaction the runtime must report for this answer, in the standard's formats."""
    el = EL[standard]
    kind = question.kind
    if kind in ("single", "multiple"):
        response = el.list.join(sorted(answer))
        pattern = el.list.join(option.id for option in question.correct_options)
    elif kind == "truefalse":
        words = ("t", "f") if standard == "1.2" else ("true", "false")
        response = words[0] if answer else words[1]
        pattern = words[0] if question.answer_bool else words[1]
    elif kind == "fillin":
        response = answer
        pattern = question.accepted[0]
        if standard == "2004" and question.case_sensitive:
            pattern = "{case_matters=true}" + pattern
    elif kind == "matching":
        response = el.list.join(f"{left}{el.pair}{right}" for left, right in sorted(answer))
        pattern = el.list.join(f"{i + 1}{el.pair}{letter(i)}" for i in range(len(question.pairs)))
    else:
        response = el.list.join(answer)
        pattern = el.list.join(letter(i) for i in range(len(question.sequence)))
    record = {
        "id": re.sub(r"[^A-Za-z0-9_.:-]", "_", question.id),
        "type": INTERACTION_TYPES[kind],
        el.response: response,
        "correct_responses.0.pattern": pattern,
        "result": "correct" if right else el.wrong,
        "weighting": js_number(question.weight),
    }
    if standard == "2004":
        record["description"] = plain_text(question.prompt)[:250]
    return record


def failing_attempt(quiz) -> list[bool]:
    """Which questions a failing attempt answers right: the first, when that still fails; else none."""
    plan = [index == 0 for index in range(len(quiz.questions))]
    if score_of(quiz, plan) >= quiz.settings.pass_mark:
        plan = [False] * len(plan)
    return plan


def score_of(quiz, rights: list[bool]) -> float:
    total = sum(question.weight for question in quiz.questions)
    earned = sum(question.weight for question, right in zip(quiz.questions, rights) if right)
    return js_round(earned / total * 10000) / 100


def expected_status(standard: str, settings, attempts_used: int, passed: bool) -> dict:
    """Status elements after a quiz attempt (content pages all seen), and whether the SCO is done."""
    required = settings.required
    out_of_attempts = bool(settings.attempts) and attempts_used >= settings.attempts
    done = (passed or out_of_attempts) if required else True
    if standard == "1.2":
        status = "passed" if passed else "failed" if required else "completed"
        return {"cmi.core.lesson_status": status, "done": done}
    success = "passed" if passed else "failed" if required else "unknown"
    return {"cmi.completion_status": "completed" if done else "incomplete", "cmi.success_status": success, "done": done}


# ------------------------------------------------------------- the player

def require_axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("axe-playwright-python is not installed (pip install -e '.[test]')")
        pytest.skip("axe-playwright-python is not installed")
    return Axe().axe_script


class PreviewPlayer:
    """The preview of one package in one tab; records console errors and failed requests."""

    def __init__(self, context, course_dir, target: str, bundle_id: str, axe_script: str):
        self.preview = Preview(course_dir, bundle_id, target, port=0, poll_interval=0.2,
                               report=lambda message, is_error: None).start(watch=course_dir != BUNDLED_COURSE)
        self.axe_script = axe_script
        self.problems: list[str] = []
        self.page = context.new_page()
        page = self.page
        page.on("console", lambda message: self.problems.append(f"console: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", lambda response: self.problems.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 else None)
        # A player stops fetching its video once it has the metadata it asked for (preload="metadata"):
        # that cancelled request is the browser's own doing, not a failure.
        page.on("requestfailed", lambda request: None if request.resource_type == "media" and request.failure == "net::ERR_ABORTED"
                else self.problems.append(f"failed: {request.url} {request.failure}"))
        page.goto(self.preview.url)
        self.standard = page.evaluate("preview.standard")
        self.el = EL[self.standard]
        self.item_ids = {item["href"].split("/")[1]: item["id"] for item in page.evaluate("preview.items")}
        build = self.preview.current
        rendered = render_bundle(build.course, build.course.bundle(bundle_id), "sco")
        self.modules = {module.module.id: module for module in rendered.modules}

    def close(self) -> None:
        self.page.close()
        self.preview.stop()

    # ---- driving

    def _wait_for_sco(self):
        self.page.wait_for_function("""() => { const f = document.getElementById('pv-sco');
            return !!(f && f.contentWindow && f.contentWindow.scormpack && f.contentDocument.readyState === 'complete'); }""")
        self.sco = self.page.query_selector("#pv-sco").content_frame()
        return self.sco

    def launch(self, module_id: str):
        """Launches the module's SCO from the outline, as a new attempt whatever was played before."""
        self.module_id = module_id
        played = self.page.evaluate("id => !!preview.lms(id)", self.item_ids[module_id])
        self.page.click(f'#pv-outline a[data-item="{self.item_ids[module_id]}"]')
        self._wait_for_sco()
        if played:
            self.page.click("#pv-reset")
            self._wait_for_sco()
        return self.sco

    def relaunch(self):
        self.page.click("#pv-relaunch")
        return self._wait_for_sco()

    def leave(self) -> None:
        """Leaves the SCO as Moodle's own navigation does: the frame is removed."""
        self.page.click("#pv-close")
        self.page.wait_for_function("id => preview.lms(id).terminated", arg=self.item_ids[self.module_id])

    def next_page(self) -> None:
        self.sco.click("#sp-next")

    # ---- reading

    def log(self, session: int | None = None) -> list[dict]:
        entries = self.page.evaluate("id => preview.lms(id).log", self.item_ids[self.module_id])
        return [e for e in entries if session is None or e["session"] == session]

    def calls(self, session: int) -> list[dict]:
        return [e for e in self.log(session) if e["call"] not in QUIET_CALLS]

    def state(self) -> dict:
        return self.page.evaluate("id => preview.lms(id).state", self.item_ids[self.module_id])

    def hook(self, expression: str):
        return self.sco.evaluate(f"window.scormpack.{expression}")

    def axe_violations(self, frame=None, **options) -> list[str]:
        frame = frame or self.sco
        if not frame.evaluate("typeof window.axe !== 'undefined'"):
            frame.evaluate(self.axe_script)
        run_options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"], **options}
        results = frame.evaluate("options => axe.run(document, options)", run_options)
        return [f"{v['id']} ({v['help']}): {[node['target'] for node in v['nodes']][:5]}" for v in results["violations"]]


@pytest.fixture(scope="module")
def browser_context():
    with chromium(viewport={"width": 1400, "height": 1000}) as context:
        yield context


@pytest.fixture(scope="module")
def players(browser_context):
    """player(target, bundle): the preview of that package, opened once for the module."""
    axe_script = require_axe()
    opened: dict[tuple, PreviewPlayer] = {}

    def open_player(target: str, bundle_id: str, course_dir=BUNDLED_COURSE) -> PreviewPlayer:
        key = (target, bundle_id, course_dir)
        if key not in opened:
            opened[key] = PreviewPlayer(browser_context, course_dir, target, bundle_id, axe_script)
        return opened[key]

    yield open_player
    for player in opened.values():
        player.close()


@pytest.fixture
def player_for(players):
    """Like players, and fails the test on a console error, a page error or a failed request during it."""
    used: list[PreviewPlayer] = []
    marks: list[int] = []

    def get(target: str, bundle_id: str, course_dir=BUNDLED_COURSE) -> PreviewPlayer:
        player = players(target, bundle_id, course_dir)
        player.page.bring_to_front()  # a background tab runs its timers late and its animation frames never
        used.append(player)
        marks.append(len(player.problems))
        return player

    yield get
    for player, mark in zip(used, marks):
        assert player.problems[mark:] == [], player.problems[mark:]


def needs_target(target: str):
    return pytest.mark.skipif(target not in TARGETS, reason=f"the {target} target is not in this checkout yet")


def sco_cases():
    course = load_course(BUNDLED_COURSE) if BUNDLED_COURSE.is_dir() else None
    for target, bundle_id in PACKAGES:
        modules = course.bundle(bundle_id).modules if course else []
        for module in modules:
            yield pytest.param(target, bundle_id, module.id, id=f"{target}-{bundle_id}-{module.id}",
                               marks=needs_target(target))


# ------------------------------------------------------------- assertions

def assert_clean_session(player: PreviewPlayer, session: int) -> list[dict]:
    """Exactly one Initialize first and one Terminate last, and no call the LMS refused."""
    el = player.el
    calls = player.calls(session)
    names = [entry["call"] for entry in calls]
    assert names.count(el.init) == 1 and names[0] == el.init, names
    assert names.count(el.finish) == 1 and names[-1] == el.finish, names
    for entry in calls:
        allowed = {"0", "403"} if entry["call"] == el.get and player.standard == "2004" else {"0"}
        assert entry["error"] in allowed, entry
    # The end of a session: session time, exit, a commit, then Terminate.
    assert [(e["call"], e["args"][:1]) for e in calls[-4:]] == [
        (el.set, [el.session_time]), (el.set, [el.exit]), (el.commit, [""]), (el.finish, [""])
    ]
    session_time = calls[-4]["args"][1]
    assert (TIMESPAN_12 if player.standard == "1.2" else DURATION_2004).match(session_time), session_time
    return calls


def session_time_of(player: PreviewPlayer, session: int) -> str:
    return next(e["args"][1] for e in player.calls(session) if e["call"] == player.el.set and e["args"][0] == player.el.session_time)


def interactions(state: dict) -> list[dict]:
    records: dict[int, dict] = {}
    for key, value in state.items():
        found = re.match(r"cmi\.interactions\.(\d+)\.(.+)$", key)
        if found and not found.group(2).endswith("__exists"):
            records.setdefault(int(found.group(1)), {})[found.group(2)] = value
    return [records[index] for index in sorted(records)]


def assert_interactions(player: PreviewPlayer, records: list[dict], quiz, answers, rights) -> None:
    assert len(records) == len(quiz.questions)
    for record, question, answer, right in zip(records, quiz.questions, answers, rights):
        expected = expected_record(player.standard, question, answer, right)
        assert {key: record.get(key) for key in expected} == expected, question.id
        if player.standard == "1.2":
            assert TIME_12.match(record["time"]) and TIMESPAN_12.match(record["latency"]), record
        else:
            assert TIMESTAMP_2004.match(record["timestamp"]) and DURATION_2004.match(record["latency"]), record


def assert_page_shown(player: PreviewPlayer, index: int, titles: list[str], check_accessibility: bool) -> None:
    sco = player.sco
    assert player.hook("page") == index
    assert sco.inner_text("#sp-progress-text") == f"Page {index + 1} of {len(titles)}"
    assert sco.inner_text(f'[data-sp-page="{index}"] .sp-page-title') == titles[index]
    assert sco.is_visible(f'[data-sp-page="{index}"]')
    if check_accessibility:
        # A page already checked in another package (same module, same content) need not be checked again.
        content = sco.evaluate("i => document.querySelector(`[data-sp-page='${i}']`).outerHTML", index)
        if CHECKED_PAGES.setdefault((player.module_id, index, content), player.standard) == player.standard:
            assert player.axe_violations() == [], f"{player.module_id} page {index + 1}"


def page_through(player: PreviewPlayer, start: int, stop: int, titles: list[str]) -> None:
    """Shows pages start..stop (inclusive) with the Next button, checking each after the first."""
    for index in range(start + 1, stop + 1):
        player.next_page()
        assert_page_shown(player, index, titles, check_accessibility=True)


def answer_quiz(player: PreviewPlayer, quiz, rights: list[bool]) -> list:
    answers = [chosen_answer(question, right) for question, right in zip(quiz.questions, rights)]
    for question, answer in zip(quiz.questions, answers):
        fill_in(player.sco, question, answer)
    player.sco.click("#sp-quiz-submit")
    return answers


# -------------------------------------------------------------------- tests

@pytest.mark.parametrize("target, bundle_id, module_id", list(sco_cases()))
def test_every_sco_plays_resumes_and_reports_to_the_lms(player_for, target, bundle_id, module_id):
    player = player_for(target, bundle_id)
    el = player.el
    rendered = player.modules[module_id]
    quiz = rendered.module.quiz
    titles = [page.title for page in rendered.pages] + (["Knowledge check"] if quiz else [])
    last = len(titles) - 1

    player.launch(module_id)
    assert player.hook("adapter") == player.standard
    assert player.hook("pageCount") == len(titles)
    assert player.state()[el.entry] == "ab-initio"
    assert_page_shown(player, 0, titles, check_accessibility=True)

    if quiz is None:
        # Leave half way, come back to the bookmark, read to the end.
        middle = last // 2
        page_through(player, 0, middle, titles)
        player.leave()
        assert_clean_session(player, 1)
        state = player.state()
        assert (state[el.location], state[el.exit]) == (str(middle), "suspend")
        assert state[el.status] == "incomplete"

        player.relaunch()
        assert player.state()[el.entry] == "resume"
        assert_page_shown(player, middle, titles, check_accessibility=False)
        page_through(player, middle, last, titles)
        player.leave()
        assert_clean_session(player, 2)
        state = player.state()
        assert state[el.status] == "completed"
        assert (state[el.location], state[el.exit]) == (str(last), el.exit_done)
        assert interactions(state) == []
    else:
        settings = quiz.settings
        page_through(player, 0, last, titles)
        # A failed attempt, then the learner leaves.
        wrong = failing_attempt(quiz)
        wrong_answers = answer_quiz(player, quiz, wrong)
        score = score_of(quiz, wrong)
        result = player.sco.inner_text("#sp-quiz-result")
        assert f"Your score: {js_number(score)}%. You need {js_number(settings.pass_mark)}% to pass." in result
        assert player.axe_violations() == [], f"{module_id}: quiz with the feedback of a failed attempt"
        player.leave()
        assert_clean_session(player, 1)
        state = player.state()
        status = expected_status(player.standard, settings, 1, passed=False)
        assert {key: state[key] for key in status if key != "done"} == {k: v for k, v in status.items() if k != "done"}
        assert state[el.raw] == js_number(score)
        if player.standard == "2004":
            assert state["cmi.score.scaled"] == js_number(js_round(score * 100) / 10000)
        assert state[el.exit] == (el.exit_done if status["done"] else "suspend")
        assert state[el.location] == str(last)
        assert_interactions(player, interactions(state), quiz, wrong_answers, wrong)

        # Relaunched: back on the knowledge check, the failed attempt shown as it was.
        player.relaunch()
        assert player.state()[el.entry] == ("resume" if not status["done"] else "")
        assert_page_shown(player, last, titles, check_accessibility=False)
        assert player.hook("quiz.attemptsUsed") == 1
        assert player.hook("quiz.score") == score
        if status["done"]:  # one attempt only: nothing more to try
            assert player.sco.is_hidden("#sp-quiz-retry")
            return
        player.sco.click("#sp-quiz-retry")
        right = [True] * len(quiz.questions)
        right_answers = answer_quiz(player, quiz, right)
        assert "Your score: 100%. You passed." in player.sco.inner_text("#sp-quiz-result")
        assert player.axe_violations() == [], f"{module_id}: quiz with the feedback of a passed attempt"
        player.leave()
        assert_clean_session(player, 2)
        state = player.state()
        status = expected_status(player.standard, settings, 2, passed=True)
        assert {key: state[key] for key in status if key != "done"} == {k: v for k, v in status.items() if k != "done"}
        assert state[el.raw] == "100" and state[el.exit] == el.exit_done
        records = interactions(state)
        assert_interactions(player, records[: len(quiz.questions)], quiz, wrong_answers, wrong)
        assert_interactions(player, records[len(quiz.questions):], quiz, right_answers, right)
    # The LMS added both sessions' time to the total.
    total = centiseconds(player.state()[el.total_time])
    assert total == centiseconds(session_time_of(player, 1)) + centiseconds(session_time_of(player, 2))


@pytest.mark.parametrize("target, bundle_id", [pytest.param(*p, marks=needs_target(p[0]), id=p[0]) for p in PACKAGES])
def test_player_panel_shows_the_data_model_and_reset_starts_a_new_attempt(player_for, target, bundle_id):
    player = player_for(target, bundle_id)
    el = player.el
    module_id = next(m for m, rendered in player.modules.items() if rendered.module.quiz)
    quiz = player.modules[module_id].module.quiz
    player.launch(module_id)
    player.next_page()
    page = player.page

    def shown(element: str) -> str:
        page.wait_for_function(
            "([element, value]) => document.querySelector(`#pv-state [data-element='${element}']`).textContent === value",
            arg=[element, player.state().get(element) or "(not set)"],
        )
        return page.inner_text(f"#pv-state [data-element='{element}']")

    assert shown(el.location) == "1"
    assert shown(el.status) == "incomplete"
    assert shown(el.raw) == "(not set)"
    # Every API call is listed, with its session.
    page.wait_for_function("n => document.querySelectorAll('#pv-calls li').length === n", arg=len(player.log()))
    first_call = page.inner_text("#pv-calls li:first-child")
    assert first_call == f'S1 {el.init}("") \u2192 "true"'
    assert page.inner_text("#pv-call-count") == f"({len(player.log())})"

    player.sco.evaluate("window.scormpack.go(window.scormpack.pageCount - 1)")
    answer_quiz(player, quiz, [True] * len(quiz.questions))
    assert shown(el.raw) == "100"
    page.wait_for_function("n => document.querySelectorAll('#pv-interactions tbody tr').length === n", arg=len(quiz.questions))
    first_row = [cell.inner_text() for cell in page.query_selector_all("#pv-interactions tbody tr:first-child > *")]
    assert first_row[:3] == ["0", quiz.questions[0].id, INTERACTION_TYPES[quiz.questions[0].kind]]
    # The player itself meets WCAG 2.1 AA too (the SCO in its frame is checked on its own).
    assert player.axe_violations(page.main_frame, iframes=False) == []

    # Reset: a new attempt from nothing, as a new learner.
    page.click("#pv-reset")
    player._wait_for_sco()
    state = player.state()
    assert state[el.entry] == "ab-initio" and state[el.location] == "0"
    assert interactions(state) == [] and state.get(el.raw, "") == ""
    assert {entry["session"] for entry in player.log()} == {1}
    assert shown(el.raw) == "(not set)"
    player.leave()


@needs_target("scorm2004")
def test_scorm2004_next_module_button_ends_the_sco_and_the_player_launches_the_next(player_for):
    target, bundle_id = next(p for p in PACKAGES if p[0] == "scorm2004")
    player = player_for(target, bundle_id)
    order = list(player.modules)
    first, second = order[-3], order[-2]
    player.launch(first)
    player.sco.evaluate("window.scormpack.go(window.scormpack.pageCount - 1)")
    player.sco.click("#sp-next-module")
    player.page.wait_for_function("id => preview.current === id", arg=player.item_ids[second])
    calls = player.calls(max(entry["session"] for entry in player.log()))
    assert (player.el.set, ["adl.nav.request", "continue"]) in [(e["call"], e["args"]) for e in calls]
    assert calls[-1]["call"] == player.el.finish
    player.module_id = second
    player._wait_for_sco()
    assert player.calls(max(entry["session"] for entry in player.log()))[0]["call"] == player.el.init
    assert player.page.inner_text("#pv-current") == player.modules[second].module.title
    player.leave()


def test_an_edited_module_is_rebuilt_and_relaunched_in_the_open_player(browser_context, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(SCAFFOLD, course)
    player = PreviewPlayer(browser_context, course, "scorm12", "staff-induction", require_axe())
    try:
        player.launch("first-minutes")
        player.next_page()
        module_file = course / "modules" / "01-first-minutes.md"
        good = module_file.read_text()
        module_file.write_text(good.replace("title: The first minutes", "title: The first five minutes"))
        player.page.wait_for_function("() => preview.build === 2", timeout=20000)
        player._wait_for_sco()
        # The open module is relaunched on the new build and resumes at its bookmark.
        assert player.sco.inner_text("h1") == "The first five minutes"
        assert player.hook("page") == 1
        assert player.state()[player.el.entry] == "resume"
        assert "The first five minutes" in player.page.inner_text("#pv-outline")

        module_file.write_text(good.replace("stages: [induction, refresher]", "stages: [nowhere]"))
        player.page.wait_for_selector("#pv-build-error", state="visible", timeout=20000)
        assert "nowhere" in player.page.inner_text("#pv-build-error")
        assert player.page.evaluate("preview.build") == 2
        module_file.write_text(good)
        player.page.wait_for_selector("#pv-build-error", state="hidden", timeout=20000)
        player.page.wait_for_function("() => preview.build === 3", timeout=20000)
        player._wait_for_sco()
        assert player.sco.inner_text("h1") == "The first minutes"
        player.leave()
        assert player.problems == []
    finally:
        player.close()


def test_accessibility_check_reports_a_known_violation(player_for):
    """The axe-core run is live: a picture without a text alternative is reported."""
    player = player_for(*PACKAGES[0])
    player.page.evaluate("""() => { const img = document.createElement('img');
        img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; img.id = 'no-alt';
        document.querySelector('#pv-stage').appendChild(img); }""")
    try:
        violations = player.axe_violations(player.page.main_frame, iframes=False)
    finally:
        player.page.evaluate("document.getElementById('no-alt').remove()")
    assert any(v.startswith("image-alt ") and "#no-alt" in v for v in violations), violations


def test_a_link_to_another_module_opens_a_new_window_and_the_session_goes_on(browser_context, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(SCAFFOLD, course)
    module_file = course / "modules" / "02-emergency-numbers.md"
    module_file.write_text(module_file.read_text().replace(
        "Keep these numbers near every phone.",
        "Keep these numbers near every phone. See also [the first minutes](01-first-minutes.md).",
    ))
    player = PreviewPlayer(browser_context, course, "scorm12", "staff-induction", require_axe())
    try:
        player.launch("emergency-numbers")
        link = player.sco.locator('a[href="../first-minutes/index.html"]')
        assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
        assert link.text_content() == "the first minutes (opens in a new window)"
        with browser_context.expect_page() as opened:
            link.click()
        popup = opened.value
        try:
            popup.wait_for_function("() => window.scormpack !== undefined")
            # The linked module reads untracked: it finds no LMS, so it cannot touch this SCO's attempt.
            assert popup.url == player.preview.url + "package/first-minutes/index.html"
            assert popup.evaluate("window.scormpack.adapter") == "none"
        finally:
            popup.close()
        names = [entry["call"] for entry in player.calls(1)]
        assert names.count(player.el.init) == 1 and player.el.finish not in names
        assert player.hook("page") == 0
        player.leave()
        assert_clean_session(player, 1)
        assert player.problems == []
    finally:
        player.close()
