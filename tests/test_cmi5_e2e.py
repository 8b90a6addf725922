"""End to end: a cmi5 package launched from the local test LMS (cmi5_lms.py) in
headless Chromium, every statement checked by the LMS's LRS as it arrives.

The scaffold course's staff bundle has both kinds of AU: a module with a
required knowledge check (moveOn CompletedAndPassed, masteryScore 0.75, two
attempts) and one without (moveOn Completed). Each is played as a learner
would: pages turned, the check failed, the AU left and launched again, the
check passed; and the LMS's say is honoured (its masteryScore, Browse mode,
its returnURL)."""
from __future__ import annotations

import time

import pytest

from browser import chromium
from cmi5_lms import CMI5_CATEGORY, MASTERY, MOVEON_CATEGORY, Cmi5TestLms, categories, verb_of
from conftest import build
from scormpack.loader import load_course
from scormpack.targets import get_target
from test_e2e import chosen_answer, failing_attempt, fill_in

BUNDLE = "staff-induction"
PACKAGE = "first-aid-basics-0.1.0-staff-induction-cmi5.zip"
QUIZ_AU, PLAIN_AU = 0, 1


@pytest.fixture(scope="module")
def course_and_package(tmp_path_factory):
    import shutil

    from conftest import SCAFFOLD, Cli

    root = tmp_path_factory.mktemp("cmi5-e2e")
    course_dir = root / "course"
    shutil.copytree(SCAFFOLD, course_dir)
    build(Cli(), course_dir, root / "dist", "-t", "cmi5", "-b", BUNDLE)
    return load_course(course_dir), root / "dist" / PACKAGE


@pytest.fixture(scope="module")
def browser():
    with chromium() as context:
        yield context


@pytest.fixture
def lms(course_and_package):
    with Cmi5TestLms(course_and_package[1]) as running:
        yield running


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    yield tab
    tab.close()


def quiz_of(course_and_package):
    course = course_and_package[0]
    return course.bundle(BUNDLE).modules[QUIZ_AU].quiz


def open_au(page, lms, index: int, **launch) -> None:
    page.goto(lms.launch(index, **launch))
    page.wait_for_function("window.scormpack && window.scormpack.adapter === 'cmi5'")


def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def leave(page, lms) -> None:
    """The learner leaves the AU (the page goes away): it must terminate on its own."""
    session = lms.session()
    page.goto("about:blank")
    wait_for(lambda: session.terminated, "terminated")


def answer(page, quiz, rights: list[bool]) -> None:
    for question, right in zip(quiz.questions, rights):
        fill_in(page, question, chosen_answer(question, right))
    page.click("#sp-quiz-submit")


def defined_verbs(session) -> list[str]:
    return [verb_of(s) for s in session.statements if CMI5_CATEGORY in categories(s)]


def statement(session, verb: str) -> dict:
    return next(s for s in session.statements if verb_of(s) == verb and CMI5_CATEGORY in categories(s))


def assert_clean(lms) -> None:
    assert lms.rejections == []
    for session in lms.sessions:
        verbs = session.verbs()
        assert verbs[0] == "initialized" and verbs[-1] == "terminated", verbs


def test_a_module_without_a_check_completes_when_every_page_is_seen(page, lms):
    open_au(page, lms, PLAIN_AU)
    assert not lms.satisfied(PLAIN_AU)
    count = page.evaluate("window.scormpack.pageCount")
    for _ in range(count - 1):
        page.click("#sp-next")
    session = lms.session()
    wait_for(lambda: "completed" in session.verbs(), "completed")
    leave(page, lms)
    assert defined_verbs(session) == ["initialized", "completed", "terminated"]
    completed = statement(session, "completed")
    assert completed["result"]["completion"] is True and "success" not in completed["result"]
    assert MOVEON_CATEGORY in categories(completed)
    assert "duration" in statement(session, "terminated")["result"]
    assert lms.satisfied(PLAIN_AU)
    assert_clean(lms)


def test_a_failed_check_is_reported_when_the_learner_leaves_and_passing_after_a_relaunch_satisfies(page, lms, course_and_package):
    quiz = quiz_of(course_and_package)
    open_au(page, lms, QUIZ_AU)
    page.evaluate("window.scormpack.go(window.scormpack.pageCount - 1)")
    answer(page, quiz, failing_attempt(quiz))
    first = lms.session()
    wait_for(lambda: first.verbs().count("answered") == len(quiz.questions), "an answered statement per question")
    assert "failed" not in first.verbs()  # held: a retry in this session could still pass
    leave(page, lms)
    assert defined_verbs(first) == ["initialized", "failed", "terminated"]
    failed = statement(first, "failed")
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] < 0.75
    assert failed["context"]["extensions"][MASTERY] == 0.75
    assert not lms.satisfied(QUIZ_AU)

    answered = [s for s in first.statements if verb_of(s) == "answered"]
    assert all(CMI5_CATEGORY not in categories(s) for s in answered)
    assert {s["object"]["definition"]["interactionType"] for s in answered} == {"choice", "true-false", "fill-in"}
    assert [s["result"]["success"] for s in answered] == failing_attempt(quiz)

    # Launched again: back on the check, the first attempt shown, one attempt left.
    open_au(page, lms, QUIZ_AU)
    assert page.evaluate("window.scormpack.page") == page.evaluate("window.scormpack.pageCount") - 1
    assert page.evaluate("window.scormpack.quiz.attemptsUsed") == 1
    page.click("#sp-quiz-retry")
    answer(page, quiz, [True] * len(quiz.questions))
    second = lms.session()
    wait_for(lambda: "passed" in second.verbs(), "passed")
    leave(page, lms)
    assert defined_verbs(second) == ["initialized", "completed", "passed", "terminated"]
    passed = statement(second, "passed")
    assert passed["result"] == {"score": {"scaled": 1}, "success": True, "duration": passed["result"]["duration"]}
    assert lms.satisfied(QUIZ_AU)
    assert_clean(lms)


def test_the_lms_mastery_score_overrides_the_pass_mark(page, lms, course_and_package):
    quiz = quiz_of(course_and_package)
    rights = failing_attempt(quiz)  # fails the package's 75%...
    open_au(page, lms, QUIZ_AU, mastery_score=0.1)  # ...and passes the LMS's 10%
    page.evaluate("window.scormpack.go(window.scormpack.pageCount - 1)")
    answer(page, quiz, rights)
    session = lms.session()
    wait_for(lambda: "passed" in session.verbs(), "passed")
    leave(page, lms)
    passed = statement(session, "passed")
    assert passed["context"]["extensions"][MASTERY] == 0.1
    assert 0.1 <= passed["result"]["score"]["scaled"] < 0.75
    assert_clean(lms)


def test_browse_mode_sends_no_judgement(page, lms, course_and_package):
    quiz = quiz_of(course_and_package)
    open_au(page, lms, QUIZ_AU, launch_mode="Browse")
    page.evaluate("window.scormpack.go(window.scormpack.pageCount - 1)")
    answer(page, quiz, [True] * len(quiz.questions))
    session = lms.session()
    wait_for(lambda: session.verbs().count("answered") == len(quiz.questions), "answered statements")
    leave(page, lms)
    assert defined_verbs(session) == ["initialized", "terminated"]
    assert not lms.satisfied(QUIZ_AU)
    assert_clean(lms)


def test_leaving_from_the_last_page_terminates_and_returns_to_the_lms(page, lms):
    open_au(page, lms, PLAIN_AU)
    page.evaluate("window.scormpack.go(window.scormpack.pageCount - 1)")
    page.click("#sp-next-module")
    page.wait_for_url(f"{lms.base}returned")
    session = lms.session()
    assert session.terminated
    assert defined_verbs(session) == ["initialized", "completed", "terminated"]
    assert_clean(lms)


def test_an_au_launched_again_while_running_abandons_the_first_session(page, lms):
    open_au(page, lms, PLAIN_AU)
    first = lms.session()
    lms.launch(PLAIN_AU)  # the LMS launches it again (say, from another tab) before it terminated
    assert first.abandoned
    page.goto("about:blank")  # the old page's terminated is refused: the session is over
    wait_for(lambda: any("abandoned" in r for r in lms.rejections), "the refused terminated")
    assert "terminated" not in first.verbs()


def test_every_au_of_a_bundled_course_bundle_is_satisfied_by_a_learner_who_passes(browser, tmp_path):
    """The real course, every question kind: each AU played to its end, its check passed."""
    from conftest import BUNDLED_COURSE, Cli

    if not BUNDLED_COURSE.is_dir():
        pytest.skip("the bundled course is not in this checkout")
    course = load_course(BUNDLED_COURSE)
    bundle = min(course.bundles, key=lambda b: len(b.modules))
    build(Cli(), BUNDLED_COURSE, tmp_path, "-t", "cmi5", "-b", bundle.id)
    package = tmp_path / get_target("cmi5").package_name(course, bundle)
    tab = browser.new_page()
    try:
        with Cmi5TestLms(package) as lms:
            assert [au.title for au in lms.aus] == [module.title for module in bundle.modules]
            for index, module in enumerate(bundle.modules):
                open_au(tab, lms, index)
                count = tab.evaluate("window.scormpack.pageCount")
                for _ in range(count - 1):
                    tab.click("#sp-next")
                session = lms.session()
                if module.quiz is not None:
                    answer(tab, module.quiz, [True] * len(module.quiz.questions))
                    wait_for(lambda: "passed" in session.verbs(), f"passed in {module.id}")
                leave(tab, lms)
                if module.quiz is not None:
                    assert defined_verbs(session) == ["initialized", "completed", "passed", "terminated"], module.id
                    answered = [s for s in session.statements if verb_of(s) == "answered"]
                    assert [s["result"]["success"] for s in answered] == [True] * len(module.quiz.questions)
                else:
                    assert defined_verbs(session) == ["initialized", "completed", "terminated"], module.id
                assert lms.satisfied(index), module.id
            assert_clean(lms)
    finally:
        tab.close()
