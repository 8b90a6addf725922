"""The checks every package gets from its standard: our schemas, then the integrity an LMS depends on
(sections, identifiers, references, launch files, every listed file present with its exact case) and,
for Common Cartridge, each QTI, web link, discussion topic and LTI file."""
from __future__ import annotations

import posixpath
import re
from typing import Callable
from urllib.parse import unquote

from lxml import etree

from .. import schemas
from ..targets import manifest_schema_sets
from .archive import PackageReadError, UnreadableMember
from .manifest import CC_STANDARDS, MANIFEST_NAME, NS, PackageView, is_plain_path, is_url, schemaversion_of, split_reference
from .report import SCORM2004_EDITIONS, STANDARD_NAMES, Report, describe_standard, where_of
from .safe_xml import TooLargeError, UnsafeXMLError

CC_SCHEMAVERSIONS = {"cc10": "1.0.0", "cc11": "1.1.0", "cc12": "1.2.0", "cc13": "1.3.0"}
# Our schema set for each standard's manifest. SCORM 2004 2nd and 3rd Edition
# manifests are checked with the 4th Edition schemas (a note says so); there
# is no set for CC 1.0 or 1.2, whose manifests get the integrity checks only.
MANIFEST_SCHEMA_SETS = manifest_schema_sets()  # from the target registry: {"scorm12": "scorm12", ...}

# Common Cartridge resource types whose file is an XML document of its own, and
# the root element each must have.
CC_RESOURCE_TYPE = re.compile(
    r"^(?:imsqti_xmlv1p2/imscc_xmlv1p(?P<qti>\d)/(?:assessment|question-bank)"
    r"|imswl_xmlv1p(?P<weblink>\d)|imsdt_xmlv1p(?P<topic>\d)|imsbasiclti_xmlv1p(?P<lti>\d))$"
)
CC_RESOURCE_ROOTS = {"qti": "questestinterop", "weblink": "webLink", "topic": "topic", "lti": "cartridge_basiclti_link"}
CC_RESOURCE_KINDS = {"qti": "QTI assessment", "weblink": "web link", "topic": "discussion topic", "lti": "Basic LTI link"}


# ------------------------------------------------------------ manifest checks


def schema_findings(report: Report, schema_set: str, document: etree._Element, name: str, code: str) -> None:
    schema = schemas.load_schema(schema_set)
    if schema.validate(document):
        return
    for count, error in enumerate(schema.error_log):
        if count == 50:
            report.error(name, "further schema errors not shown", code)
            break
        report.error(f"{name}:{error.line}", error.message, code)


def check_manifest(report: Report, root: etree._Element, files: set[str], standard: str) -> None:
    """Schema and integrity checks of a manifest against the set of file names in the package."""
    if etree.QName(root).localname != "manifest":
        report.error(where_of(root), "the root element must be <manifest>", "manifest-root")
    version = schemaversion_of(root)
    _check_schemaversion(report, root, standard, version)
    schema_set = MANIFEST_SCHEMA_SETS.get(standard)
    if schema_set and schema_set in schemas.SCHEMA_SETS:
        schema_findings(report, schema_set, root, MANIFEST_NAME, "schema")
        if standard == "scorm2004" and version in ("CAM 1.3", "2004 3rd Edition"):
            report.note(MANIFEST_NAME, f"{describe_standard(standard, version)}: checked against the 4th Edition schemas", "schema-edition")
    elif standard in CC_STANDARDS:
        report.note(
            MANIFEST_NAME,
            f"no bundled schemas for {STANDARD_NAMES[standard]} (we have CC 1.1 and 1.3): integrity checks only",
            "no-schema",
        )
    elif standard == "unknown":
        namespace = etree.QName(root).namespace
        report.error(
            MANIFEST_NAME,
            f"cannot tell the standard: root namespace {namespace!r}, schemaversion {version!r} "
            "(expected SCORM 1.2, SCORM 2004 or IMS Common Cartridge 1.0-1.3)",
            "standard-unknown",
        )

    view = PackageView(root, b"", standard, version, files=files, read=_no_reads)
    cp = view.cp
    _check_sections(report, root, cp)
    _check_identifiers(report, root, cp)
    resources = view.resources()
    for item in root.iter(cp("item")):
        reference = item.get("identifierref")
        if reference is not None and reference not in resources:
            report.error(where_of(item), f"identifierref {reference!r} names no resource", "dangling-ref")
    for dependency in root.iter(cp("dependency")):
        if dependency.get("identifierref") not in resources:
            report.error(where_of(dependency), f"identifierref {dependency.get('identifierref')!r} names no resource", "dangling-ref")
    if standard in ("scorm12", "scorm2004"):
        _check_launches(report, view, resources)
    referenced = _check_files(report, view)
    control = control_documents(view)
    for name in sorted(files - referenced - control - {MANIFEST_NAME}):
        report.warning(name, "file is in the package but the manifest lists it in no resource", "unreferenced")


def _no_reads(name: str) -> bytes:
    raise PackageReadError(f"{name}: not readable here")


def _check_schemaversion(report: Report, root: etree._Element, standard: str, version: str | None) -> None:
    if version is None:
        return
    where = f"{MANIFEST_NAME} <schemaversion>"
    if standard == "scorm12" and version != "1.2":
        report.error(where, f"a SCORM 1.2 manifest has schemaversion {version!r}; it must be '1.2'", "schemaversion")
    elif standard == "scorm2004" and version not in SCORM2004_EDITIONS:
        report.error(
            where,
            f"schemaversion {version!r} is not a SCORM 2004 value ({', '.join(repr(v) for v in SCORM2004_EDITIONS)})",
            "schemaversion",
        )
    elif standard in CC_SCHEMAVERSIONS and version != CC_SCHEMAVERSIONS[standard]:
        report.error(
            where,
            f"{STANDARD_NAMES[standard]} manifest has schemaversion {version!r}; it must be {CC_SCHEMAVERSIONS[standard]!r}",
            "schemaversion",
        )


def _check_sections(report: Report, root: etree._Element, cp: Callable[[str], str]) -> None:
    organizations = root.findall(cp("organizations"))
    if not organizations:
        report.error(MANIFEST_NAME, "the manifest has no <organizations> element", "no-organizations")
    for element in organizations:
        default = element.get("default")
        names = {organization.get("identifier") for organization in element.findall(cp("organization"))}
        if default is not None and default not in names:
            report.error(where_of(element), f"default {default!r} names no organization", "default-org")
    if root.find(cp("resources")) is None:
        report.error(MANIFEST_NAME, "the manifest has no <resources> element", "no-resources")
    order = {"metadata": 0, "organizations": 1, "resources": 2, "manifest": 3}
    highest = -1
    for child in root:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != etree.QName(root).namespace:
            continue
        rank = order.get(etree.QName(child).localname)
        if rank is None:
            continue
        if rank < highest:
            report.error(where_of(child), "out of order: a manifest holds metadata, organizations, resources, then sub-manifests", "section-order")
        highest = max(highest, rank)


def _check_identifiers(report: Report, root: etree._Element, cp: Callable[[str], str]) -> None:
    seen: dict[str, etree._Element] = {}
    for element in root.iter(cp("manifest"), cp("organization"), cp("item"), cp("resource")):
        identifier = element.get("identifier")
        if identifier is None:
            continue
        if identifier in seen:
            first = seen[identifier]
            line = f" on line {first.sourceline}" if first.sourceline else ""
            report.error(where_of(element), f"identifier {identifier!r} is already used by <{etree.QName(first).localname}>{line}", "duplicate-id")
        else:
            seen[identifier] = element


def scorm_type(resource: etree._Element) -> str | None:
    value = resource.get(f"{{{NS['adlcp12']}}}scormtype") or resource.get(f"{{{NS['adlcp13']}}}scormType")
    return value.strip().lower() if value else None


def _check_launches(report: Report, view: PackageView, resources: dict[str, etree._Element]) -> None:
    """Every SCO, and every resource an item launches, needs a launch file (href)."""
    for resource in view.root.iter(view.cp("resource")):
        if scorm_type(resource) == "sco" and not (resource.get("href") or "").strip():
            report.error(where_of(resource), "a SCO without an href: the LMS has nothing to launch", "no-launch")
    for item in view.root.iter(view.cp("item")):
        resource = resources.get(item.get("identifierref"))
        if resource is not None and scorm_type(resource) != "sco" and not (resource.get("href") or "").strip():
            report.error(
                where_of(item),
                f"launches resource {resource.get('identifier')!r}, which has no href: the LMS has nothing to launch",
                "no-launch",
            )


def _check_files(report: Report, view: PackageView) -> set[str]:
    """Every href and <file> present, with exact case; returns the paths the manifest references."""
    referenced: set[str] = set()
    lower_files = {name.lower(): name for name in view.files}
    file_tag = view.cp("file")
    for resource in view.root.iter(view.cp("resource")):
        hrefs = [("href", resource.get("href"))] + [("file", f.get("href")) for f in resource.iterchildren(file_tag)]
        bases = view.bases(resource)
        for kind, href in hrefs:
            if not href:
                continue
            if not href.strip():
                report.error(where_of(resource), f"{kind} {href!r} is blank: it names no file in the package", "missing-file")
                continue
            if not is_plain_path(href) and split_reference(href) is None:
                report.error(where_of(resource), f"{kind} {href!r} is not a valid URI reference", "bad-href")
                continue
            path = view.resource_path(resource, href, bases)
            if path is None:
                continue
            if path.startswith("../") or path == ".." or path.startswith("/"):
                report.error(where_of(resource), f"{kind} {href!r} points outside the package", "outside")
                continue
            referenced.add(path)
            if path in view.files:
                continue
            where = where_of(resource)  # only for an error: a manifest of 1,000 modules names 5,000 files
            if path.lower() in lower_files:
                report.error(
                    where,
                    f"{kind} {href!r} differs in case from the file {lower_files[path.lower()]!r} "
                    "(breaks on case-sensitive servers, as most LMSs run on)",
                    "case-mismatch",
                )
            else:
                report.error(where, f"{kind} {href!r}: no such file in the package", "missing-file")
    for element in view.root.iter(f"{{{NS['adlcp12']}}}location", f"{{{NS['adlcp13']}}}location"):
        location = (element.text or "").strip()
        if location and not is_url(location):
            referenced.add(posixpath.normpath(unquote(location)))
    return referenced


def schema_locations(element_tree: etree._Element) -> list[str]:
    """The relative file locations named by every xsi:schemaLocation in a document."""
    found = []
    for value in _SCHEMA_LOCATIONS(element_tree):  # in document order, as iterating every element would
        tokens = value.split()
        for location in tokens[1::2]:
            if not is_url(location):
                found.append(posixpath.normpath(unquote(location)))
    return found


_SCHEMA_LOCATIONS = etree.XPath("descendant-or-self::*/@xsi:schemaLocation", namespaces={"xsi": NS["xsi"]})


def control_documents(view: PackageView) -> set[str]:
    """Files that describe the package rather than belong to a resource: schema documents (XSDs, with
    the DTDs and sub-folders they use) and whatever a schemaLocation names."""
    control = {name for name in view.files if name.lower().endswith((".xsd", ".dtd"))}
    control.update(schema_locations(view.root))
    return control


# ---------------------------------------------------- Common Cartridge resources


def cc_resource_kind(resource_type: str | None) -> tuple[str, str] | None:
    """('qti' | 'weblink' | 'topic' | 'lti', 'cc1N') for a CC resource type held in an XML file of its own."""
    match = CC_RESOURCE_TYPE.match((resource_type or "").strip())
    if not match:
        return None
    kind = next(name for name, value in match.groupdict().items() if value is not None)
    version = match.group(kind)
    if kind == "lti" and version == "0":
        version = "1"  # imsbasiclti_xmlv1p0 is the LTI link type of CC 1.0 to 1.2
    return kind, f"cc1{version}"


def cc_resource_schema_set(resource_type: str | None) -> str | None:
    """Our schema set for the XML file of a CC resource type (e.g. 'cc11-qti'), or None when we have none."""
    kind_version = cc_resource_kind(resource_type)
    if kind_version is None:
        return None
    kind, version = kind_version
    name = f"{version}-{kind}"
    return name if name in schemas.SCHEMA_SETS else None


def check_cc_resources(report: Report, view: PackageView) -> None:
    """Each QTI, web link, discussion topic and LTI file: well-formed, the right root, and our schema where we have one."""
    unschemed: dict[str, int] = {}
    for resource in view.root.iter(view.cp("resource")):
        kind_version = cc_resource_kind(resource.get("type"))
        if kind_version is None:
            continue
        kind, version = kind_version
        if version != view.standard and kind != "lti":
            report.note(
                where_of(resource),
                f"type {resource.get('type')!r} is an {STANDARD_NAMES.get(version, version)} type; checked as such",
                "resource-version",
            )
        schema_set = cc_resource_schema_set(resource.get("type"))
        for file_element in resource.iterchildren(view.cp("file")):
            path = view.resource_path(resource, file_element.get("href") or "")
            if not path or not path.lower().endswith(".xml") or path not in view.files:
                continue
            try:
                document = view.read_xml(path)
            except UnreadableMember:
                continue  # reported with the zip's members
            except TooLargeError as error:
                report.error(path, f"the {CC_RESOURCE_KINDS[kind]} file is refused: {error}", "too-large")
                continue
            except UnsafeXMLError as error:
                report.error(path, f"the {CC_RESOURCE_KINDS[kind]} file is refused: {error}", "resource-unsafe")
                continue
            except (etree.XMLSyntaxError, PackageReadError) as error:
                report.error(path, f"the {CC_RESOURCE_KINDS[kind]} file is not well-formed XML: {error}", "resource-not-xml")
                continue
            qname = etree.QName(document)
            expected_namespace = schemas.SCHEMA_SETS[schema_set][0][0] if schema_set else None
            expected = CC_RESOURCE_ROOTS[kind]
            if qname.localname != expected or (expected_namespace and qname.namespace != expected_namespace):
                wanted = f"{{{expected_namespace}}}{expected}" if expected_namespace else expected
                report.error(
                    where_of(document, path),
                    f"the root element is {{{qname.namespace}}}{qname.localname}; a {CC_RESOURCE_KINDS[kind]} file has {wanted}",
                    "resource-root",
                )
            if schema_set:
                schema_findings(report, schema_set, document, path, "resource-schema")
            else:
                unschemed[f"{CC_RESOURCE_KINDS[kind]} ({STANDARD_NAMES.get(version, version)})"] = (
                    unschemed.get(f"{CC_RESOURCE_KINDS[kind]} ({STANDARD_NAMES.get(version, version)})", 0) + 1
                )
    for what, count in sorted(unschemed.items()):
        report.note(MANIFEST_NAME, f"{count} {what} file(s) not schema-checked: no bundled schema for them", "no-schema")
