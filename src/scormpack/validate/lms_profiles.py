"""What particular LMSs need beyond the standards: `scormpack validate --lms NAME`.

Each rule comes from what the LMS was seen to do (../shared/lms-notes.md
records the evidence for Moodle 4.5) or from its source code, and each
finding names the element and says, in one line, what the LMS does with it.
"""
from __future__ import annotations

import posixpath
import re
from typing import Callable
from urllib.parse import unquote, urlsplit

from lxml import etree

from .archive import PackageReadError
from .manifest import CC_STANDARDS, NS, XML_BASE, PackageView
from .report import STANDARD_NAMES, Report, Where, where_of
from .standard import cc_resource_kind, schema_locations

IMSSS = NS["imsss"]
QTI = NS["qti"]

# Moodle 4.5 (mod/scorm/datamodels/scormlib.php) matches schemaversion against
# ^(1\.2)$|^(CAM )?(1\.3)$ and ^2004 (3rd|4th) Edition$; anything else, or none, is SCORM 1.2.
MOODLE_SCORM2004_VERSIONS = ("1.3", "CAM 1.3", "2004 3rd Edition", "2004 4th Edition")
# Moodle's CC import looks for the default namespace declaration in the manifest's first bytes.
MOODLE_CC_NAMESPACES = {"cc10": NS["cc10"], "cc11": NS["cc11"]}
MOODLE_CC_SNIFF_BYTES = 500
# The attributes Moodle's CC converter (backup/cc/entity11.resource.class.php) follows
# in a page's HTML, and the extensions whose files it never copies (get_all_files).
MOODLE_CC_LINK_ATTRIBUTES = ("href", "src", "background", "archive", "code")
MOODLE_CC_UNCOPIED = (".html", ".htm", ".xhtml")


def check_lms(lms: str, view: PackageView, report: Report) -> None:
    PROFILES[lms](view, report)


# ---------------------------------------------------------------- Moodle


def check_moodle(view: PackageView, report: Report) -> None:
    if view.standard in ("scorm12", "scorm2004"):
        _moodle_scorm_version(view, report)
        _moodle_single_root_item(view, report)
        _moodle_resources_base(view, report)
        if view.standard == "scorm2004":
            _moodle_sequencing(view, report)
    elif view.standard in CC_STANDARDS:
        _moodle_cc_version(view, report)
        _moodle_cc_sections(view, report)
        _moodle_cc_pages(view, report)
        _moodle_cc_page_links(view, report)
        for path, item in _qti_items(view, report):
            _moodle_qti_item(path, item, report)


def _schemaversion_where(view: PackageView) -> Where | str:
    for element in view.root.iter(view.cp("schemaversion")):
        return where_of(element)
    return "imsmanifest.xml <metadata>"


def _raw_schemaversion(view: PackageView) -> str | None:
    """The manifest's schemaversion as written: Moodle matches it untrimmed."""
    metadata = view.root.find(view.cp("metadata"))
    element = metadata.find(view.cp("schemaversion")) if metadata is not None else None
    return None if element is None else (element.text or "")


def _moodle_scorm_version(view: PackageView, report: Report) -> None:
    version = _raw_schemaversion(view)
    moodle_2004 = version in MOODLE_SCORM2004_VERSIONS
    if view.standard == "scorm2004" and not moodle_2004:
        stated = f"schemaversion {version!r}" if version is not None else "no schemaversion"
        if version is not None and version.strip() in MOODLE_SCORM2004_VERSIONS:
            stated += " (it does not trim the spaces)"
        report.error(
            _schemaversion_where(view),
            f"Moodle reads {stated} as SCORM 1.2, so the SCO looks for API_1484_11 and never finds it "
            f"(Moodle knows {', '.join(repr(v) for v in MOODLE_SCORM2004_VERSIONS)})",
            "lms-moodle-schemaversion",
        )
    elif view.standard == "scorm12" and moodle_2004:
        report.error(
            _schemaversion_where(view),
            f"Moodle reads schemaversion {version!r} as SCORM 2004 and offers API_1484_11 to a SCORM 1.2 SCO",
            "lms-moodle-schemaversion",
        )


def _moodle_single_root_item(view: PackageView, report: Report) -> None:
    organization = view.default_organization()
    if organization is None:
        return
    top_items = organization.findall(view.cp("item"))
    if len(top_items) > 1:
        report.warning(
            where_of(organization),
            f"{len(top_items)} top-level items: Moodle's player disables Next/Previous between sibling top-level "
            "items; put them under one root item",
            "lms-moodle-root-item",
        )


def _moodle_resources_base(view: PackageView, report: Report) -> None:
    for resources in view.root.iter(view.cp("resources")):
        base = resources.get(XML_BASE)
        if base:
            report.error(
                where_of(resources),
                f"Moodle ignores xml:base {base!r} on <resources> (it honours it only on <resource>): "
                "its player requests the files without that prefix and gets 404s",
                "lms-moodle-xml-base",
            )


def _moodle_sequencing(view: PackageView, report: Report) -> None:
    sequencing = list(view.root.iter(f"{{{IMSSS}}}sequencing"))
    if sequencing:
        report.warning(
            where_of(sequencing[0]),
            f"Moodle ignores SCORM 2004 sequencing ({len(sequencing)} imsss:sequencing element(s)): learners may open "
            "items in any order, and its rules and rollup do not apply",
            "lms-moodle-sequencing",
        )
    for map_info in view.root.iter(f"{{{IMSSS}}}mapInfo"):
        report.error(
            where_of(map_info),
            "Moodle 4.5 cannot upload a package with imsss:mapInfo (global objective maps): its manifest parser "
            "stops with 'Attempt to assign property on null'",
            "lms-moodle-mapinfo",
        )


def _moodle_cc_version(view: PackageView, report: Report) -> None:
    namespace = MOODLE_CC_NAMESPACES.get(view.standard)
    if namespace is None:
        report.error(
            "imsmanifest.xml <manifest>",
            f"Moodle imports Common Cartridge 1.0 and 1.1 only: it refuses {STANDARD_NAMES[view.standard]} as an "
            "unknown format (build the cc11 target for Moodle)",
            "lms-moodle-cc-version",
        )
        return
    sniff = view.manifest_bytes[:MOODLE_CC_SNIFF_BYTES].decode("utf-8", "replace").lower()
    sniff = re.sub(r"\s+", "", sniff).replace('"', "").replace("'", "")
    if f"xmlns={namespace}" not in sniff:
        report.error(
            "imsmanifest.xml <manifest>",
            f'Moodle looks for xmlns="{namespace}" in the first {MOODLE_CC_SNIFF_BYTES} bytes of imsmanifest.xml and '
            "does not find it (a long comment first, or a prefixed namespace): it refuses the cartridge as an unknown format",
            "lms-moodle-cc-namespace",
        )


def _root_item(view: PackageView) -> etree._Element | None:
    organization = view.default_organization()
    if organization is None:
        return None
    items = organization.findall(view.cp("item"))
    return items[0] if len(items) == 1 else None


def _moodle_cc_sections(view: PackageView, report: Report) -> None:
    root_item = _root_item(view)
    if root_item is None:
        return
    sections = root_item.findall(view.cp("item"))
    if sections and sections[0].find(view.cp("item")) is not None:
        first = sections[0]
        report.warning(
            where_of(first),
            f"Moodle turns the first item under the root item into section 0 ('General'), so the "
            f"{len(first.findall(view.cp('item')))} items of {(first.findtext(view.cp('title')) or '').strip()!r} land "
            "there: put an introduction item first",
            "lms-moodle-intro-item",
        )


def _moodle_cc_pages(view: PackageView, report: Report) -> None:
    resources = view.resources()
    launched = {item.get("identifierref") for item in view.root.iter(view.cp("item"))}
    for identifier in sorted(filter(None, launched)):
        resource = resources.get(identifier)
        launched = view.launch_page(resource) if resource is not None and resource.get("type") == "webcontent" else None
        if launched is None:
            continue
        path, page = launched
        body = page.find(".//body") if page is not None else None
        if body is None or not (len(body) or (body.text or "").strip()):
            report.error(
                where_of(resource),
                f"the page {path!r} has an empty body: Moodle's Common Cartridge converter fails on it "
                "(DOMDocument::loadHTML(): Argument #1 must not be empty)",
                "lms-moodle-empty-page",
            )


def _moodle_cc_page_links(view: PackageView, report: Report) -> None:
    """Links from a page (a webcontent item) to another HTML file of the cartridge: dead in Moodle.

    Moodle makes a page activity of each such item, copying its body and,
    into the page's own file area, the files it links that are not HTML. A
    link to an HTML file of the cartridge becomes @@PLUGINFILE@@/<path>, a
    file that is not there (the restore log says "error migrating file
    course_files/<path>"); with a #fragment or ?query it stays a relative URL
    that resolves against Moodle's own page.
    """
    resources = view.resources()
    seen: set[str] = set()
    for item in view.root.iter(view.cp("item")):
        resource = resources.get(item.get("identifierref") or "")
        if resource is None or resource.get("type") != "webcontent":
            continue
        launched = view.launch_page(resource)
        if launched is None or launched[1] is None or launched[0] in seen:
            continue
        path, page = launched
        seen.add(path)
        body = page.find(".//body")
        reported: set[str] = set()
        for element in (body if body is not None else page).iter():
            for attribute in MOODLE_CC_LINK_ATTRIBUTES:
                link = element.get(attribute) if isinstance(element.tag, str) else None
                target = _cartridge_target(path, link or "")
                if target and target.lower().endswith(MOODLE_CC_UNCOPIED) and target in view.files and link not in reported:
                    reported.add(link)
                    report.warning(
                        where_of(resource),
                        f"the page {path!r} links to {link!r}, another HTML file of the cartridge: Moodle copies "
                        "no HTML file into a page's files, so the link is dead there (let the LMS link the pages)",
                        "lms-moodle-page-link",
                    )


def _cartridge_target(page_path: str, link: str) -> str | None:
    """The package path a relative link of a page points at; None for URLs and in-page anchors."""
    parts = urlsplit(link.strip())
    if parts.scheme or parts.netloc or not parts.path or "://" in link:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_path), unquote(parts.path)))


def _qti_items(view: PackageView, report: Report) -> list[tuple[str, etree._Element]]:
    """(file, item) for every QTI item of the cartridge's assessments and question banks."""
    found = []
    for resource in view.root.iter(view.cp("resource")):
        kind = cc_resource_kind(resource.get("type"))
        if kind is None or kind[0] != "qti":
            continue
        found.extend(resource_qti_items(view, resource))
    return found


def resource_qti_items(view: PackageView, resource: etree._Element) -> list[tuple[str, etree._Element]]:
    """(file, item) for every QTI item in the XML files of one cartridge resource."""
    found = []
    for file_element in resource.iterchildren(view.cp("file")):
        path = view.resource_path(resource, file_element.get("href") or "")
        if not path or not path.lower().endswith(".xml") or path not in view.files:
            continue
        try:
            document = view.read_xml(path)
        except (etree.XMLSyntaxError, PackageReadError):
            continue  # already an error of the standard checks
        found.extend((path, item) for item in document.iter(f"{{{QTI}}}item"))
    return found


def _qti(tag: str) -> str:
    return f"{{{QTI}}}{tag}"


def _cc_profile(item: etree._Element) -> str:
    for field in item.iter(_qti("qtimetadatafield")):
        if (field.findtext(_qti("fieldlabel")) or "").strip() == "cc_profile":
            return (field.findtext(_qti("fieldentry")) or "").strip()
    return ""


def _moodle_qti_item(path: str, item: etree._Element, report: Report) -> None:
    profile = _cc_profile(item)
    where = where_of(item, path)
    if profile == "cc.true_false.v0p1":
        idents = sorted(label.get("ident") or "" for label in item.iter(_qti("response_label")))
        if idents != ["false", "true"]:
            report.error(
                where,
                f"true/false response idents are {idents}: Moodle accepts only 'true' and 'false' and refuses the whole "
                "cartridge ('Unknown answer identifier detected in true/false quiz question')",
                "lms-moodle-truefalse",
            )
    if profile == "cc.multiple_response.v0p1":
        _moodle_multiple_response(where, item, report)
    if profile in ("cc.multiple_choice.v0p1", "cc.multiple_response.v0p1", "cc.true_false.v0p1"):
        _moodle_other_feedback(path, item, report)


def _moodle_other_feedback(path: str, item: etree._Element, report: Report) -> None:
    """Feedback shown only from an <other/> condition: Moodle drops it (it keeps feedback on named options)."""
    on_options: set[str] = set()
    on_other: list[tuple[etree._Element, str]] = []
    for condition in item.iter(_qti("respcondition")):
        variables = condition.find(_qti("conditionvar"))
        if variables is None:
            continue
        shown = [feedback.get("linkrefid") or "" for feedback in condition.iter(_qti("displayfeedback"))]
        if variables.find(_qti("other")) is not None:
            on_other.extend((condition, ident) for ident in shown)
        elif variables.find(f".//{_qti('varequal')}") is not None:
            on_options.update(shown)
    for condition, ident in on_other:
        if ident not in on_options:
            report.warning(
                where_of(condition, path),
                f"feedback {ident!r} is shown only on <other/>: Moodle keeps feedback only from a respcondition whose "
                "varequal names an option, and drops this one",
                "lms-moodle-other-feedback",
            )


def _sets_full_score(condition: etree._Element) -> bool:
    for setvar in condition.iter(_qti("setvar")):
        if (setvar.get("varname") or "SCORE") == "SCORE" and (setvar.text or "").strip() in ("100", "100.0", "100.00"):
            return True
    return False


def _moodle_multiple_response(where: Where, item: etree._Element, report: Report) -> None:
    scoring = [condition for condition in item.iter(_qti("respcondition")) if _sets_full_score(condition)]
    correct = []
    for condition in scoring:
        for varequal in condition.iter(_qti("varequal")):
            if not any(etree.QName(ancestor).localname == "not" for ancestor in varequal.iterancestors()):
                correct.append(varequal)
    missing = [v for v in correct if (v.get("case") or "") != "Yes"]
    if not scoring or not correct:
        report.error(
            where,
            "no respcondition sets SCORE to 100 with the correct options' varequals: Moodle imports it with every "
            "option worth 0, a question nobody can get right",
            "lms-moodle-multiple-response",
        )
    elif missing:
        options = ", ".join(repr((v.text or "").strip()) for v in missing)
        report.error(
            where,
            f"correct option(s) {options} have no case=\"Yes\" on their varequal: Moodle counts an option correct only "
            "with it, so it imports a question nobody can get right",
            "lms-moodle-multiple-response",
        )


# ---------------------------------------------------------------- Open edX


def check_openedx(view: PackageView, report: Report) -> None:
    if view.standard not in ("scorm12", "scorm2004"):
        report.error(
            "imsmanifest.xml <manifest>",
            f"Open edX's SCORM XBlock plays SCORM 1.2 and 2004 packages; {STANDARD_NAMES[view.standard]} is not one",
            "lms-openedx-standard",
        )
        return
    resources = view.root.find(view.cp("resources"))
    first = None
    if resources is not None:
        first = next((r for r in resources.iterchildren(view.cp("resource")) if r.get("href")), None)
    intended = _first_launch(view)
    if first is None:
        report.error(
            "imsmanifest.xml <resources>",
            "no resource has an href: Open edX then launches the first index.html it finds anywhere in the package",
            "lms-openedx-launch",
        )
    elif intended is not None and intended is not first:
        report.error(
            where_of(first),
            f"Open edX launches the first resource with an href ({first.get('href')!r}), not the first item's "
            f"resource {intended.get('identifier')!r} ({intended.get('href')!r}): list that resource first",
            "lms-openedx-launch",
        )
    version = view.schemaversion
    if view.standard == "scorm12" and version is not None and not re.match(r"^1.2$", version):
        report.error(
            _schemaversion_where(view),
            f"Open edX runs any schemaversion other than '1.2' ({version!r}) as SCORM 2004",
            "lms-openedx-schemaversion",
        )
    if view.standard == "scorm2004" and version is None:
        report.error(
            "imsmanifest.xml <metadata>",
            "without a schemaversion Open edX runs the package as SCORM 1.2, and the SCO never finds API_1484_11",
            "lms-openedx-schemaversion",
        )


def _first_launch(view: PackageView) -> etree._Element | None:
    """The resource of the first item that launches something, in the default organization."""
    organization = view.default_organization()
    if organization is None:
        return None
    resources = view.resources()
    for item in organization.iter(view.cp("item")):
        resource = resources.get(item.get("identifierref"))
        if resource is not None and resource.get("href"):
            return resource
    return None


# --------------------------------------------------- SCORM Cloud, ADL test suite


def check_scorm_cloud(view: PackageView, report: Report) -> None:
    """The ADL conformance test suite (and SCORM Cloud's strict import) wants the control documents in the package."""
    if view.standard not in ("scorm12", "scorm2004"):
        report.note("imsmanifest.xml", "scorm-cloud: the control-document rule applies to SCORM packages only", "lms-scorm-cloud")
        return
    named = schema_locations(view.root)
    if not named:
        report.error(
            "imsmanifest.xml <manifest>",
            "no xsi:schemaLocation names the control documents (XSDs) the ADL test suite validates the manifest with",
            "lms-scorm-cloud-control",
        )
        return
    checked: set[str] = set()
    pending = list(named)
    while pending:
        location = pending.pop(0)
        if location in checked:
            continue
        checked.add(location)
        if location not in view.files:
            report.error(
                f"imsmanifest.xml xsi:schemaLocation {location!r}",
                "the control document is not in the package: the ADL test suite needs every XSD the manifest names, "
                "at the path it names",
                "lms-scorm-cloud-control",
            )
            continue
        pending.extend(_schema_imports(view, location))


def _schema_imports(view: PackageView, location: str) -> list[str]:
    """The local files an XSD includes or imports (read as text: XSDs may carry a DOCTYPE we never parse)."""
    try:
        text = view.read(location).decode("utf-8", "replace")
    except PackageReadError:
        return []
    folder = location.rsplit("/", 1)[0] + "/" if "/" in location else ""
    found = []
    for match in re.finditer(r"<(?:\w+:)?(?:include|import|redefine)\b[^>]*?schemaLocation\s*=\s*[\"']([^\"']+)[\"']", text):
        target = match.group(1)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            continue  # a URL: outside the package by design
        found.append(posixpath.normpath(folder + target))
    return found


# ---------------------------------------------------------------- Canvas


# Canvas's Common Cartridge importer (lib/cc/importer/standard/converter.rb, FILEBASE_REGEX)
# rewrites references that start with this token, in either spelling, and no other.
CANVAS_FILEBASE = re.compile(rb"\$IMS[-_]CC[-_]FILEBASE\$")
NEWER_FILEBASE = re.compile(rb"(?:\$|%24)1EdTech[-_]CC[-_]FILEBASE(?:\$|%24)", re.IGNORECASE)


def check_canvas(view: PackageView, report: Report) -> None:
    if view.standard not in CC_STANDARDS:
        report.note(
            "imsmanifest.xml",
            "canvas: no Canvas-specific rules for SCORM packages beyond the standard checks above",
            "lms-canvas",
        )
        return
    _canvas_filebase(view, report)


def _canvas_filebase(view: PackageView, report: Report) -> None:
    """References written with the 1EdTech spelling of the file-base token, which Canvas does not replace."""
    for resource in view.root.iter(view.cp("resource")):
        for file_element in resource.iterchildren(view.cp("file")):
            path = view.resource_path(resource, file_element.get("href") or "")
            if not path or path not in view.files or not path.lower().endswith((".html", ".htm", ".xml")):
                continue
            try:
                content = view.read(path)
            except PackageReadError:
                continue  # already an error of the standard checks
            if NEWER_FILEBASE.search(content):
                report.warning(
                    f"{path}",
                    "uses $1EdTech-CC-FILEBASE$: Canvas replaces only $IMS-CC-FILEBASE$, so these references "
                    "stay as written and their files are not found",
                    "lms-canvas-filebase",
                )


PROFILES: dict[str, Callable[[PackageView, Report], None]] = {
    "moodle": check_moodle,
    "canvas": check_canvas,
    "openedx": check_openedx,
    "scorm-cloud": check_scorm_cloud,
}
LMS_NAMES = tuple(PROFILES)
