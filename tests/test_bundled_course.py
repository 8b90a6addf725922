"""The bundled course, read by the real loader: coverage of the brief and what each bundle holds."""
from __future__ import annotations

import re

import pytest

from conftest import BUNDLED_COURSE
from scormpack.loader import load_course
from scormpack.render import render_bundle

pytestmark = pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")

BRIEF_AUDIENCES = {"un-personnel", "regional-personnel", "humanitarian", "internal-actors", "specialists"}
BRIEF_STAGES = {"generic", "pre-deployment", "induction", "in-mission"}
BRIEF_PAIRS = {
    ("un-personnel", "generic"), ("un-personnel", "pre-deployment"), ("un-personnel", "induction"),
    ("un-personnel", "in-mission"), ("regional-personnel", "generic"), ("regional-personnel", "pre-deployment"),
    ("regional-personnel", "induction"), ("humanitarian", "generic"), ("humanitarian", "pre-deployment"),
    ("internal-actors", "in-mission"), ("specialists", "in-mission"),
}


@pytest.fixture(scope="module")
def course():
    return load_course(BUNDLED_COURSE)


def module_ids(course, bundle_id):
    return [module.id for module in course.bundle(bundle_id).modules]


def page_text(course, bundle_id, module_id):
    rendered = render_bundle(course, course.bundle(bundle_id), "sco")
    module = next(m for m in rendered.modules if m.module.id == module_id)
    return "".join(page.html for page in module.pages)


def test_audiences_and_stages_are_those_of_the_brief(course):
    assert {a.id for a in course.audiences} == BRIEF_AUDIENCES
    assert {s.id for s in course.stages} == BRIEF_STAGES


def test_every_pair_of_the_brief_has_a_bundle(course):
    pairs = {(bundle.audience, bundle.stage) for bundle in course.bundles}
    assert BRIEF_PAIRS <= pairs


def test_the_ten_modules_glossary_and_references_exist(course):
    teaching = [m for m in course.modules if m.quiz is not None]
    assert len(teaching) >= 10
    assert {"glossary", "references"} <= {m.id for m in course.modules}
    for module in teaching:
        assert 3 <= len(module.objectives) <= 5, module.id
        assert 3 <= len(module.quiz.questions) <= 6, module.id
        assert module.duration_minutes > 0 and "de Coning" in module.source_reference, module.id


def test_african_union_module_is_for_regional_personnel_not_humanitarians(course):
    assert "african-union" in module_ids(course, "regional-personnel-induction")
    assert "african-union" not in module_ids(course, "humanitarian-generic")
    assert "african-union" not in module_ids(course, "un-personnel-induction")


def test_specialists_get_the_specialised_processes_module(course):
    assert {"specialized-processes", "monitoring-evaluation"} <= set(module_ids(course, "specialists-in-mission"))
    assert "specialized-processes" not in module_ids(course, "internal-actors-in-mission")


def test_internal_actors_bundle_holds_exactly_its_modules(course):
    assert module_ids(course, "internal-actors-in-mission") == [
        "why-coherence", "peacebuilding-system", "integrated-missions", "comprehensive-approach",
        "internal-actors", "glossary", "references",
    ]


def test_humanitarian_bundle_holds_exactly_its_modules(course):
    assert module_ids(course, "humanitarian-generic") == ["why-coherence", "your-place", "references"]
    assert module_ids(course, "humanitarian-pre-deployment") == [
        "why-coherence", "peacebuilding-system", "integrated-missions", "comprehensive-approach",
        "humanitarian-action", "internal-actors", "your-place", "glossary", "references",
    ]
    assert module_ids(course, "humanitarian-induction") == [
        "integrated-missions", "humanitarian-action", "mission-insert", "glossary", "references",
    ]


def test_bundles_keep_course_order(course):
    order = [m.id for m in course.modules]
    for bundle in course.bundles:
        ids = [m.id for m in bundle.modules]
        assert ids == sorted(ids, key=order.index), bundle.id


def test_humanitarian_module_speaks_to_each_audience_in_its_own_passage(course):
    humanitarian = page_text(course, "humanitarian-pre-deployment", "humanitarian-action")
    peacekeeper = page_text(course, "un-personnel-pre-deployment", "humanitarian-action")
    regional = page_text(course, "regional-personnel-pre-deployment", "humanitarian-action")
    assert "As a humanitarian worker" in humanitarian
    assert "As a humanitarian worker" not in peacekeeper
    assert "As a member of a peace operation" in peacekeeper
    assert "As a member of a peace operation" not in humanitarian
    assert "For AU, EU and other non-UN staff." in regional
    assert "For AU, EU and other non-UN staff." not in peacekeeper


def test_stage_passages_follow_the_bundle_stage(course):
    induction = page_text(course, "un-personnel-induction", "humanitarian-action")
    before = page_text(course, "un-personnel-pre-deployment", "humanitarian-action")
    assert "In your mission:" in induction
    assert "In your mission:" not in before


def test_the_bundled_course_builds_a_web_edition_per_bundle_offline_and_light(course, tmp_path):
    """Issue 19's end state: every bundle has a web edition, nothing remote, every image within the
    limit, and the one captioned clip (with its transcript) inside the package budget."""
    import json

    from conftest import Cli, build

    clip = BUNDLED_COURSE / "media" / "peacebuilding-stages.webm"
    assert clip.stat().st_size < 300 * 1024
    assert (clip.with_name("peacebuilding-stages.en.vtt")).read_text().startswith("WEBVTT")
    assert (clip.with_name("peacebuilding-stages.transcript.txt")).is_file()
    showing = [module.id for module in course.modules if "../media/peacebuilding-stages.webm" in module.body]
    assert showing == ["peacebuilding-system"]

    out = tmp_path / "dist"  # a remote reference would be an error: the build passing is the check
    result = build(Cli(), BUNDLED_COURSE, out, "-t", "web", "--strict", "--max-package-size", "1MB")
    assert "warning" not in result.output
    report = json.loads((out / "build-report.json").read_text())
    assert sorted(package["bundle"] for package in report["packages"]) == sorted(bundle.id for bundle in course.bundles)
    for package in report["packages"]:
        assert package["validation"] == "valid" and not package["warnings"]
        for media in package["media"]:
            if media.get("format") not in (None, "SVG"):
                assert media["bytes"] <= 300 * 1024 and media["width"] <= 1472, media
    with_clip = [p for p in report["packages"] if any(m["path"].endswith("peacebuilding-stages.webm") for m in p["media"])]
    assert with_clip and all(any(m["path"].endswith(".en.vtt") for m in p["media"]) for p in with_clip)


CLIP_SECONDS = 12.0
CUE = re.compile(r"^(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d)\.(\d\d\d)\n(.+?)(?:\n\n|\n?$)", re.M | re.S)


def caption_cues(language: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue of the clip's captions in that language."""
    text = (BUNDLED_COURSE / "media" / f"peacebuilding-stages.{language}.vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n")
    return [(int(m[1]) * 60 + int(m[2]) + int(m[3]) / 1000, int(m[4]) * 60 + int(m[5]) + int(m[6]) / 1000, " ".join(m[7].split()))
            for m in CUE.finditer(text)]


def test_the_clip_s_captions_read_comfortably_in_every_language_and_agree_with_the_transcript(course):
    """Each cue stays on screen at least 1.5 s and asks at most about 20 characters a second; the four languages
    share one timing, end to end over the 12-second clip, and the transcript gives the same times and the
    English cues."""
    timings = {}
    for language in [course.language, *course.translations]:
        cues = caption_cues(language)
        assert len(cues) == 5, language
        for start, end, text in cues:
            assert end - start >= 1.5, (language, text)
            assert len(text) / (end - start) <= 20.5, (language, text, round(len(text) / (end - start), 1))
        timings[language] = [(start, end) for start, end, _ in cues]
        assert timings[language][0][0] == 0 and timings[language][-1][1] == CLIP_SECONDS, language
        assert all(a[1] == b[0] for a, b in zip(timings[language], timings[language][1:])), language
    assert len({tuple(timing) for timing in timings.values()}) == 1, timings

    transcript = (BUNDLED_COURSE / "media" / "peacebuilding-stages.transcript.txt").read_text(encoding="utf-8")
    sections = [(float(m[1]), float(m[2])) for m in re.finditer(r"^([\d.]+) to ([\d.]+) seconds\.", transcript, re.M)]
    assert sections == timings["en"]
    captions = [" ".join(m[1].split()) for m in re.finditer(r"^Caption: (.+?)(?:\n\n|\n?$)", transcript, re.M | re.S)]
    assert captions == [text for _, _, text in caption_cues("en")]
