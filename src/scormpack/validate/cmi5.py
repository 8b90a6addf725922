"""The checks a cmi5 course structure gets (cmi5.xml, in a zip or on its own).

Our schema first (schemas/cmi5/), then what the schema cannot say and an LMS
depends on (cmi5 specification, sections 13 and 14):
- every id (course, block, AU, objective) an absolute IRI, unique within the
  course structure; objective references resolve;
- AU URLs: well-formed (no white space); relative ones point at a file of the zip; a course structure
  without a zip has only fully qualified URLs; no query string parameter
  named like a cmi5 launch parameter (the LMS appends those);
- moveOn and masteryScore agree: an AU without moveOn gets NotApplicable,
  i.e. counts as satisfied before anyone opens it; a masteryScore with a
  moveOn that ignores passing is a judgement nobody uses.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from .report import Report
from .standard import schema_findings

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
COURSE_STRUCTURE = "cmi5.xml"
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")
JUDGED_MOVE_ON = ("Passed", "CompletedAndPassed", "CompletedOrPassed")
IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def cs(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def where(element: etree._Element) -> str:
    line = f":{element.sourceline}" if element.sourceline else ""
    label = f'<{etree.QName(element).localname} id="{element.get("id")}">' if element.get("id") else f"<{etree.QName(element).localname}>"
    return f"{COURSE_STRUCTURE}{line} {label}"


def check_course_structure(report: Report, root: etree._Element, files: set[str] | None) -> None:
    """All cmi5 checks; `files` is the zip's file names, or None for a course structure on its own."""
    if root.tag != cs("courseStructure"):
        report.error(
            where(root),
            f"the root element must be <courseStructure> in the namespace {NAMESPACE}",
            "cmi5-root",
        )
        return
    schema_findings(report, "cmi5", root, COURSE_STRUCTURE, "schema")
    _check_ids(report, root)
    for au in root.iter(cs("au")):
        _check_url(report, au, files)
        _check_move_on(report, au)


def _check_ids(report: Report, root: etree._Element) -> None:
    seen: dict[str, etree._Element] = {}
    declared_objectives = set()
    for element in root.iter(cs("course"), cs("block"), cs("au"), cs("objective")):
        identifier = element.get("id")
        if identifier is None:
            continue  # an objective reference (idref), or a missing id the schema reports
        identifier = identifier.strip()
        if not IRI_SCHEME.match(identifier):
            report.error(where(element), f"id {identifier!r} is not an IRI (an IRI starts with a scheme, as in https: or urn:)", "cmi5-iri")
        if identifier in seen:
            report.error(where(element), f"id {identifier!r} is also the id of {where(seen[identifier])}: ids must be unique in a course structure", "cmi5-duplicate-id")
        else:
            seen[identifier] = element
        if etree.QName(element).localname == "objective":
            declared_objectives.add(identifier)
    for reference in root.iter(cs("objective")):
        idref = reference.get("idref")
        if idref is not None and idref.strip() not in declared_objectives:
            report.error(where(reference), f"objective reference {idref!r} names no objective of the course", "cmi5-objective-ref")


def _check_url(report: Report, au: etree._Element, files: set[str] | None) -> None:
    url_element = au.find(cs("url"))
    if url_element is None or not (url_element.text or "").strip():
        return  # the schema says so
    url = url_element.text.strip()
    if re.search(r"\s", url):
        report.error(where(au), f"url {url!r} holds white space, which a URL cannot (RFC 1738; write it as %20)", "cmi5-url-invalid")
        return
    parts = urlsplit(url)
    taken = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)} & set(LAUNCH_PARAMETERS))
    if taken:
        report.error(where(au), f"the url's query string uses {', '.join(taken)}, a name the LMS gives the AU at launch", "cmi5-url-parameter")
    if parts.scheme:
        return
    if files is None:
        report.error(where(au), f"relative url {url!r} in a course structure without a zip: it must be fully qualified", "cmi5-url-relative")
        return
    path = posixpath.normpath(unquote(parts.path))
    if path.startswith("../") or path == ".." or path.startswith("/"):
        report.error(where(au), f"url {url!r} points outside the package", "cmi5-url-missing")
    elif path not in files:
        report.error(where(au), f"url {url!r}: the package has no file {path!r}", "cmi5-url-missing")


def _check_move_on(report: Report, au: etree._Element) -> None:
    move_on = au.get("moveOn")
    mastery = au.get("masteryScore")
    if move_on is None:
        report.warning(
            where(au),
            "no moveOn: the LMS takes NotApplicable and counts the AU as satisfied before the learner opens it "
            "(write moveOn=\"Completed\", or \"Passed\"/\"CompletedAndPassed\" for a judged AU)",
            "cmi5-moveon-missing",
        )
    if mastery is not None and (move_on or "NotApplicable") not in JUDGED_MOVE_ON:
        report.warning(
            where(au),
            f"masteryScore {mastery} with moveOn {move_on or 'NotApplicable (the default)'}: passing does not count "
            "towards moving on, so the LMS never uses the mastery score",
            "cmi5-mastery-unused",
        )
