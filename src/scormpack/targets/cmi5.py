"""cmi5: the bundle as a course structure (cmi5.xml at the zip root) with one
assignable unit (AU) per module, tracked with xAPI by static/cmi5.js.

What the course structure says, and why:

- Every id is an IRI made from the ids in course.toml and the modules' front
  matter, never from a random number or the version: the same sources give
  the same IRIs in every build and every edition, so an LMS that re-imports a
  new version keeps each learner's records (cmi5 LMSs match AUs by id).
  The course is the bundle (one package per bundle); an AU is a module, with
  the same IRI in every bundle that holds it, so reports can group a module's
  statements across bundles.
- No block: a package is one bundle, and a block holding every AU would only
  repeat the course (and make the LMS issue a second "satisfied" statement
  for the same AUs).
- `moveOn` is written on every AU, because its default, NotApplicable, makes
  an AU satisfied before the learner opens it. A module whose knowledge check
  is required moves on with CompletedAndPassed and a masteryScore of
  pass_mark / 100 (the runtime sends "completed" with the pass, or when the
  attempts run out, and judges pass or fail with the LMS's masteryScore);
  any other module moves on with Completed and has no masteryScore, which
  would claim a judgement the LMS does not need.
- `launchMethod` is AnyWindow, written out: the pages work in an LMS's frame,
  in a new window and as the whole window, and leaving the choice to the LMS
  lets it keep its own navigation around the AU. The runtime honours the
  LaunchData's returnURL whichever the LMS chose.
- AU URLs are relative to the zip root (section 14.1 of the specification).
"""
from __future__ import annotations

from urllib.parse import quote

from lxml import etree

from ..course import Course, Module
from ..render import STATIC_DIR, RenderedBundle
from .base import PackagePlan, Target, edition_id, sub
from .scorm2004 import normalized_measure

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
COURSE_STRUCTURE = "cmi5.xml"
RUNTIME_ADAPTER = "cmi5.js"
LAUNCH_METHOD = "AnyWindow"


def cs(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _segment(text: str) -> str:
    """An id as one IRI path segment (course and module ids are slugs; anything else is escaped)."""
    return quote(text, safe="-._~")


def course_iri(course: Course, bundle_id: str) -> str:
    """A translated edition's IRIs carry its language (base.edition_id): its learners' statements are its own."""
    return f"urn:scormpack:{_segment(edition_id(course))}:bundle:{_segment(bundle_id)}"


def au_iri(course: Course, module: Module) -> str:
    return f"urn:scormpack:{_segment(edition_id(course))}:module:{_segment(module.id)}"


def move_on(module: Module) -> tuple[str, str | None]:
    """The AU's moveOn and masteryScore (None when it has none)."""
    quiz = module.quiz
    if quiz is not None and quiz.settings.required:
        return "CompletedAndPassed", normalized_measure(quiz.settings.pass_mark)
    return "Completed", None


class Cmi5Target(Target):
    name = "cmi5"
    description = "cmi5 (xAPI), course structure 1.0"
    manifest_name = COURSE_STRUCTURE
    schema_set = "cmi5"
    standard = "cmi5"
    layout = "sco"
    runtime = "cmi5"  # static/cmi5.js, loaded by scormpack.js on a cmi5 launch

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        course, bundle = rendered.course, rendered.bundle
        language = course.language

        def text(parent: etree._Element, tag: str, value: str) -> None:
            sub(sub(parent, cs(tag)), cs("langstring"), value, lang=language)

        root = etree.Element(cs("courseStructure"), nsmap={None: NAMESPACE})
        course_element = sub(root, cs("course"), id=course_iri(course, bundle.id))
        text(course_element, "title", rendered.messages("package.title", course=course.title, bundle=bundle.title))
        text(course_element, "description", bundle.description or course.description or bundle.title)

        for module in rendered.modules:
            move_on_value, mastery = move_on(module.module)
            au = sub(
                root,
                cs("au"),
                id=au_iri(course, module.module),
                moveOn=move_on_value,
                masteryScore=mastery,
                launchMethod=LAUNCH_METHOD,
            )
            text(au, "title", module.module.title)
            text(au, "description", " ".join(module.module.objectives) or module.module.title)
            sub(au, cs("url"), module.launch)

        entries: dict = {f"shared/{RUNTIME_ADAPTER}": STATIC_DIR / RUNTIME_ADAPTER}
        for module in rendered.modules:
            entries.update(module.contents)
        entries.update(rendered.shared_files)
        return PackagePlan(
            manifest=root,
            entries=entries,
            schema_set="cmi5",
            warnings=list(rendered.warnings),
            manifest_name=COURSE_STRUCTURE,
        )
