"""Package validation: our schemas plus the integrity checks an LMS depends on.

The same checks run on a package plan before the build writes it and on any
package file given to `scormpack validate`. Package files are untrusted: the
zip is never extracted (members are read into memory with bounded reads),
names are checked before use, sizes and compression ratios are bounded, and
XML is parsed without DTDs, entities or network access.
"""
from __future__ import annotations

import json
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from lxml import etree

from . import schemas

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Limits:
    """What a package may hold before it is refused as a possible zip bomb, and how much we read of it."""

    entries: int = 20_000
    total_bytes: int = 2 * 1024**3  # declared uncompressed size of all entries
    ratio: int = 200  # uncompressed / compressed, for entries (and archives) above ratio_floor
    ratio_floor: int = 1024**2
    member_bytes: int = 32 * 1024**2  # one member we read (manifest, resource XML, launch page)
    read_budget: int = 256 * 1024**2  # every member we read, together


LIMITS = Limits()
# Kept for callers of the first version of this module.
MAX_ENTRIES = LIMITS.entries
MAX_TOTAL_BYTES = LIMITS.total_bytes
MAX_XML_BYTES = LIMITS.member_bytes
MAX_RATIO = LIMITS.ratio

NS = {
    "scorm12": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp12": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "imscp11": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp13": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
    "cc10": "http://www.imsglobal.org/xsd/imscc/imscp_v1p1",
    "cc11": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "cc12": "http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1",
    "cc13": "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
    "qti": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
CC_STANDARDS = ("cc10", "cc11", "cc12", "cc13")

STANDARD_NAMES = {
    "scorm12": "SCORM 1.2",
    "scorm2004": "SCORM 2004",
    "cc10": "IMS Common Cartridge 1.0",
    "cc11": "IMS Common Cartridge 1.1",
    "cc12": "IMS Common Cartridge 1.2",
    "cc13": "IMS Common Cartridge 1.3",
    "unknown": "an unknown standard",
}
# SCORM 2004 editions by the manifest's schemaversion (SCORM 2004 CAM, each edition).
SCORM2004_EDITIONS = {"CAM 1.3": "2nd Edition", "2004 3rd Edition": "3rd Edition", "2004 4th Edition": "4th Edition"}
CC_SCHEMAVERSIONS = {"cc10": "1.0.0", "cc11": "1.1.0", "cc12": "1.2.0", "cc13": "1.3.0"}
# Our schema set for each standard's manifest. SCORM 2004 2nd and 3rd Edition
# manifests are checked with the 4th Edition schemas (a note says so); there
# is no set for CC 1.0 or 1.2, whose manifests get the integrity checks only.
MANIFEST_SCHEMA_SETS = {"scorm12": "scorm12", "scorm2004": "scorm2004", "cc11": "cc11", "cc13": "cc13"}

# Common Cartridge resource types whose file is an XML document of its own, and
# the root element each must have.
CC_RESOURCE_TYPE = re.compile(
    r"^(?:imsqti_xmlv1p2/imscc_xmlv1p(?P<qti>\d)/(?:assessment|question-bank)"
    r"|imswl_xmlv1p(?P<weblink>\d)|imsdt_xmlv1p(?P<topic>\d)|imsbasiclti_xmlv1p(?P<lti>\d))$"
)
CC_RESOURCE_ROOTS = {"qti": "questestinterop", "weblink": "webLink", "topic": "topic", "lti": "cartridge_basiclti_link"}
CC_RESOURCE_KINDS = {"qti": "QTI assessment", "weblink": "web link", "topic": "discussion topic", "lti": "Basic LTI link"}

SUSPEND_DATA_LIMITS = {"scorm12": 4096, "scorm2004": 64000}


# ------------------------------------------------------------------ findings


@dataclass
class Finding:
    severity: str  # "error", "warning" or "note"
    where: str  # the file, and for XML the line and element: "imsmanifest.xml:12 <item identifier="I1">"
    message: str
    code: str = ""  # a stable category, for pipelines and tests

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "where": self.where, "message": self.message, "code": self.code}


@dataclass
class Report:
    package: str
    standard: str = "unknown"
    schemaversion: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "note"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def passes(self, strict: bool = False) -> bool:
        """Valid, and with --strict also free of warnings (notes never count)."""
        return self.valid and not (strict and self.warnings)

    @property
    def description(self) -> str:
        """What the package is, in words: 'SCORM 2004 3rd Edition', 'IMS Common Cartridge 1.1', ..."""
        return describe_standard(self.standard, self.schemaversion)

    def error(self, where: str, message: str, code: str = "") -> None:
        self.findings.append(Finding("error", where, message, code))

    def warning(self, where: str, message: str, code: str = "") -> None:
        self.findings.append(Finding("warning", where, message, code))

    def note(self, where: str, message: str, code: str = "") -> None:
        self.findings.append(Finding("note", where, message, code))

    def summary(self, strict: bool = False) -> str:
        verdict = "valid" if self.passes(strict) else "INVALID"
        found = self.description if self.standard != "unknown" else "standard not recognised"
        version = f", schemaversion {self.schemaversion!r}" if self.schemaversion is not None else ""
        counts = f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        return f"{verdict} {self.standard} ({counts}): {found}{version}"

    def as_dict(self, strict: bool = False) -> dict:
        return {
            "package": self.package,
            "standard": self.standard,
            "description": self.description,
            "schemaversion": self.schemaversion,
            "valid": self.passes(strict),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [finding.as_dict() for finding in self.findings],
        }


def describe_standard(standard: str, schemaversion: str | None) -> str:
    name = STANDARD_NAMES.get(standard, standard)
    if standard == "scorm2004":
        edition = SCORM2004_EDITIONS.get((schemaversion or "").strip())
        return f"{name} {edition}" if edition else f"{name} (edition not stated)"
    return name


def where_of(element: etree._Element, document: str = "imsmanifest.xml") -> str:
    """Names an element for a finding: file, line (when parsed) and tag with its identifier."""
    qname = etree.QName(element)
    tag = f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname
    identifier = element.get("identifier") or element.get("ident")
    label = f'<{tag} {"identifier" if element.get("identifier") else "ident"}="{identifier}">' if identifier else f"<{tag}>"
    line = f":{element.sourceline}" if element.sourceline else ""
    return f"{document}{line} {label}"


def format_report(report: Report, strict: bool = False) -> list[str]:
    """The human-readable lines for one package: `PACKAGE: severity: where: message`, then the verdict."""
    lines = [f"{report.package}: {finding}" for finding in report.findings]
    lines.append(f"{report.package}: {report.summary(strict)}")
    return lines


def reports_json(reports: list[Report], strict: bool = False, lms: str | None = None) -> str:
    return json.dumps(
        {
            "valid": all(report.passes(strict) for report in reports),
            "strict": strict,
            "lms": lms,
            "packages": [report.as_dict(strict) for report in reports],
        },
        indent=2,
        ensure_ascii=False,
    )


# --------------------------------------------------------------- safe parsing


def split_reference(text: str):
    """urlsplit, or None for text that is no URI reference at all (urlsplit raises on some, e.g. 'http://[x')."""
    try:
        return urlsplit(text.strip())
    except ValueError:
        return None


def _is_url(text: str) -> bool:
    parts = split_reference(text)
    return parts is None or bool(parts.scheme or parts.netloc)


class PackageReadError(Exception):
    """A member that cannot be read safely (too large, corrupt, encrypted, ...)."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse untrusted XML; a DOCTYPE (the door to entity tricks: XXE, billion laughs) is refused outright,
    before the parser sees it when the prolog is ASCII-compatible, and after parsing otherwise."""
    if _prolog_has_doctype(data) or _parsed_doctype(data):
        raise UnsafeXMLError("a DOCTYPE is not allowed in package XML (entity and DTD declarations are refused for safety)")
    return etree.fromstring(data, safe_parser())


class UnsafeXMLError(etree.XMLSyntaxError):
    """XML refused before parsing; an XMLSyntaxError, so callers handle both alike."""

    def __init__(self, message: str):
        super().__init__(message, None, 0, 0)

    def __str__(self) -> str:
        return self.args[0]


def _prolog_has_doctype(data: bytes) -> bool:
    """Whether a DOCTYPE comes before the root element (skipping the XML declaration, comments and PIs)."""
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while position < len(data) and data[position : position + 1] in b" \t\r\n":
            position += 1
        if data.startswith(b"<?", position):
            terminator = b"?>"
        elif data.startswith(b"<!--", position):
            terminator = b"-->"
        else:
            return data.startswith(b"<!DOCTYPE", position)
        end = data.find(terminator, position)
        if end < 0:
            return False
        position = end + len(terminator)


def _parsed_doctype(data: bytes) -> bool:
    """The check for encodings the byte scan cannot read (UTF-16, ...): parse without entities, look."""
    if data.startswith(b"<") or data.startswith(b"\xef\xbb\xbf"):
        return False  # ASCII-compatible: the prolog scan has decided
    try:
        return bool(etree.fromstring(data, safe_parser()).getroottree().docinfo.doctype)
    except etree.XMLSyntaxError:
        return False


def _html_parser() -> etree.HTMLParser:
    return etree.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)


class ZipMembers:
    """Bounded, in-memory reads of a zip's members; nothing is ever written to disk."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        self.archive = archive
        self.limits = limits
        self.infos = {info.filename: info for info in archive.infolist()}
        self.spent = 0

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise PackageReadError(f"{name}: no such member")
        if info.file_size > self.limits.member_bytes:
            raise PackageReadError(f"{name} is {info.file_size} bytes, over the {self.limits.member_bytes} bytes read limit")
        if self.spent + info.file_size > self.limits.read_budget:
            raise PackageReadError(f"reading {name} would pass the {self.limits.read_budget} bytes read budget")
        try:
            with self.archive.open(info) as handle:
                data = handle.read(self.limits.member_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as error:
            raise PackageReadError(f"cannot read {name} from the zip: {error}") from None
        if len(data) > self.limits.member_bytes:
            raise PackageReadError(f"{name} inflates beyond the {self.limits.member_bytes} bytes read limit")
        self.spent += len(data)
        return data


@dataclass
class PackageView:
    """A package as the checks see it: the parsed manifest, its bytes, the file names and bounded reads."""

    root: etree._Element
    manifest_bytes: bytes
    files: set[str]
    standard: str
    schemaversion: str | None
    read: Callable[[str], bytes]  # raises PackageReadError

    @property
    def namespace(self) -> str | None:
        return etree.QName(self.root).namespace

    def cp(self, tag: str) -> str:
        """A tag in the manifest's own (content packaging) namespace."""
        return f"{{{self.namespace}}}{tag}" if self.namespace else tag

    def resources(self) -> dict[str, etree._Element]:
        found: dict[str, etree._Element] = {}
        for resource in self.root.iter(self.cp("resource")):
            found.setdefault(resource.get("identifier"), resource)
        return found

    def default_organization(self) -> etree._Element | None:
        organizations = self.root.find(self.cp("organizations"))
        if organizations is None:
            return None
        candidates = organizations.findall(self.cp("organization"))
        default = organizations.get("default")
        for organization in candidates:
            if default is None or organization.get("identifier") == default:
                return organization
        return candidates[0] if candidates else None

    def resource_path(self, resource: etree._Element, href: str) -> str | None:
        """The package path an href of a resource names (xml:base applied), or None for a URL (or no URI at all)."""
        parts = split_reference(href)
        if parts is None or parts.scheme or parts.netloc:
            return None
        resources_element = resource.getparent()
        bases = [self.root.get(XML_BASE), resources_element.get(XML_BASE) if resources_element is not None else None, resource.get(XML_BASE)]
        path = ""
        for base in bases + [unquote(parts.path)]:
            if not base:
                continue
            if _is_url(base):
                return None
            path = base if base.startswith("/") else posixpath.join(path, base)
        path = posixpath.normpath(path) if path else ""
        return "" if path == "." else path

    def read_xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name), name)

    def read_html(self, name: str) -> etree._Element | None:
        data = self.read(name)
        if not data.strip():
            return None
        return etree.fromstring(data, _html_parser())

    def launch_page(self, resource: etree._Element) -> tuple[str, etree._Element | None] | None:
        """(path, parsed HTML) of the HTML page a resource launches; None when there is none to read."""
        href = resource.get("href")
        path = self.resource_path(resource, href) if href else None
        if not path or path not in self.files or not path.lower().endswith((".html", ".htm")):
            return None
        try:
            return path, self.read_html(path)
        except (PackageReadError, etree.ParserError, ValueError):
            return None


# ---------------------------------------------------------- standard detection


def _schemaversion(root: etree._Element) -> str | None:
    for metadata in root:
        if isinstance(metadata.tag, str) and etree.QName(metadata).localname == "metadata":
            for child in metadata:
                if isinstance(child.tag, str) and etree.QName(child).localname == "schemaversion":
                    return (child.text or "").strip()
    return None


def _namespaces_in_use(root: etree._Element) -> set[str]:
    used: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        used.update(namespace for namespace in element.nsmap.values() if namespace)
        used.add(etree.QName(element).namespace or "")
        used.update(etree.QName(name).namespace or "" for name in element.attrib)
    return used


def detect_standard(root: etree._Element) -> str:
    """scorm12, scorm2004, cc10 ... cc13, or unknown: from the namespaces and metadata/schemaversion."""
    namespace = etree.QName(root).namespace
    for standard in CC_STANDARDS:
        if namespace == NS[standard]:
            return standard
    if namespace and "imscc" in namespace:
        return "unknown"
    version = _schemaversion(root) or ""
    used = _namespaces_in_use(root)
    if namespace == NS["scorm12"] or NS["adlcp12"] in used:
        return "scorm12"
    if NS["adlcp13"] in used or version.startswith("2004") or version == "CAM 1.3":
        return "scorm2004"
    if version == "1.2":
        return "scorm12"
    return "unknown"


# ------------------------------------------------------------ manifest checks


def _schema_findings(report: Report, schema_set: str, document: etree._Element, name: str, code: str) -> None:
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
    version = _schemaversion(root)
    _check_schemaversion(report, root, standard, version)
    schema_set = MANIFEST_SCHEMA_SETS.get(standard)
    if schema_set and schema_set in schemas.SCHEMA_SETS:
        _schema_findings(report, schema_set, root, "imsmanifest.xml", "schema")
        if standard == "scorm2004" and version in ("CAM 1.3", "2004 3rd Edition"):
            report.note("imsmanifest.xml", f"{describe_standard(standard, version)}: checked against the 4th Edition schemas", "schema-edition")
    elif standard in CC_STANDARDS:
        report.note(
            "imsmanifest.xml",
            f"no bundled schemas for {STANDARD_NAMES[standard]} (we have CC 1.1 and 1.3): integrity checks only",
            "no-schema",
        )
    elif standard == "unknown":
        namespace = etree.QName(root).namespace
        report.error(
            "imsmanifest.xml",
            f"cannot tell the standard: root namespace {namespace!r}, schemaversion {version!r} "
            "(expected SCORM 1.2, SCORM 2004 or IMS Common Cartridge 1.0-1.3)",
            "standard-unknown",
        )

    view = PackageView(root, b"", files, standard, version, _no_reads)
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
    for name in sorted(files - referenced - control - {"imsmanifest.xml"}):
        report.warning(name, "file is in the package but the manifest lists it in no resource", "unreferenced")


def _no_reads(name: str) -> bytes:
    raise PackageReadError(f"{name}: not readable here")


def _check_schemaversion(report: Report, root: etree._Element, standard: str, version: str | None) -> None:
    if version is None:
        return
    where = "imsmanifest.xml <schemaversion>"
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
        report.error("imsmanifest.xml", "the manifest has no <organizations> element", "no-organizations")
    for element in organizations:
        default = element.get("default")
        names = {organization.get("identifier") for organization in element.findall(cp("organization"))}
        if default is not None and default not in names:
            report.error(where_of(element), f"default {default!r} names no organization", "default-org")
    if root.find(cp("resources")) is None:
        report.error("imsmanifest.xml", "the manifest has no <resources> element", "no-resources")
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


def _scorm_type(resource: etree._Element) -> str | None:
    value = resource.get(f"{{{NS['adlcp12']}}}scormtype") or resource.get(f"{{{NS['adlcp13']}}}scormType")
    return value.strip().lower() if value else None


def _check_launches(report: Report, view: PackageView, resources: dict[str, etree._Element]) -> None:
    """Every SCO, and every resource an item launches, needs a launch file (href)."""
    for resource in view.root.iter(view.cp("resource")):
        if _scorm_type(resource) == "sco" and not (resource.get("href") or "").strip():
            report.error(where_of(resource), "a SCO without an href: the LMS has nothing to launch", "no-launch")
    for item in view.root.iter(view.cp("item")):
        resource = resources.get(item.get("identifierref"))
        if resource is not None and _scorm_type(resource) != "sco" and not (resource.get("href") or "").strip():
            report.error(
                where_of(item),
                f"launches resource {resource.get('identifier')!r}, which has no href: the LMS has nothing to launch",
                "no-launch",
            )


def _check_files(report: Report, view: PackageView) -> set[str]:
    """Every href and <file> present, with exact case; returns the paths the manifest references."""
    referenced: set[str] = set()
    lower_files = {name.lower(): name for name in view.files}
    for resource in view.root.iter(view.cp("resource")):
        hrefs = [("href", resource.get("href"))] + [("file", f.get("href")) for f in resource.iterchildren(view.cp("file"))]
        for kind, href in hrefs:
            if not href or not href.strip():
                continue
            if split_reference(href) is None:
                report.error(where_of(resource), f"{kind} {href!r} is not a valid URI reference", "bad-href")
                continue
            path = view.resource_path(resource, href)
            if path is None:
                continue
            where = where_of(resource)
            if path.startswith("../") or path == ".." or path.startswith("/"):
                report.error(where, f"{kind} {href!r} points outside the package", "outside")
                continue
            referenced.add(path)
            if path in view.files:
                continue
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
        if location and not _is_url(location):
            referenced.add(posixpath.normpath(unquote(location)))
    return referenced


def schema_locations(element_tree: etree._Element) -> list[str]:
    """The relative file locations named by every xsi:schemaLocation in a document."""
    found = []
    for element in element_tree.iter():
        if not isinstance(element.tag, str):
            continue
        value = element.get(f"{{{NS['xsi']}}}schemaLocation")
        if not value:
            continue
        tokens = value.split()
        for location in tokens[1::2]:
            if not _is_url(location):
                found.append(posixpath.normpath(unquote(location)))
    return found


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
                _schema_findings(report, schema_set, document, path, "resource-schema")
            else:
                unschemed[f"{CC_RESOURCE_KINDS[kind]} ({STANDARD_NAMES.get(version, version)})"] = (
                    unschemed.get(f"{CC_RESOURCE_KINDS[kind]} ({STANDARD_NAMES.get(version, version)})", 0) + 1
                )
    for what, count in sorted(unschemed.items()):
        report.note("imsmanifest.xml", f"{count} {what} file(s) not schema-checked: no bundled schema for them", "no-schema")


# ------------------------------------------------------------ suspend data


def estimate_suspend_data(sco: dict, quiz: dict | None) -> int:
    """The longest cmi.suspend_data our runtime (static/scormpack.js, suspendData) can write for one SCO.

    It saves the page, the pages visited, the attempts used and the last
    answers to every question: the worst case is every page visited and the
    longest answer to each question.
    """
    pages = int(sco.get("pageCount", 1)) + (1 if quiz else 0)
    data: dict = {"p": max(pages - 1, 0), "v": list(range(pages))}
    if quiz:
        attempts = int(quiz.get("attempts") or 0) or 9999  # unlimited: a realistic ceiling on the counter
        data["q"] = {"n": attempts, "r": {q.get("id", ""): _longest_answer(q) for q in quiz.get("questions", [])}}
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


FILL_IN_MAX_CHARS = 250  # the text input's maxlength in templates/quiz.html


def _longest_answer(question: dict) -> list:
    kind = question.get("type")
    if kind == "single":
        return [max(question.get("options") or [""], key=len)]
    if kind == "multiple":
        return list(question.get("options") or [])
    if kind == "truefalse":
        return [False]
    if kind == "fillin":
        # Every character may need escaping in JSON (a quote or a backslash): two characters each.
        return ["x" * (2 * FILL_IN_MAX_CHARS)]
    if kind == "matching":
        longest = max(question.get("right") or [""], key=len)
        return [[left, longest] for left in question.get("left") or []]
    if kind == "ordering":
        return list(question.get("items") or [])
    return []


def _script_json(page: etree._Element, element_id: str) -> dict | None:
    for script in page.iter("script"):
        if script.get("id") == element_id:
            try:
                value = json.loads(script.text or "")
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def check_suspend_data(report: Report, view: PackageView) -> None:
    """Warn when a scormpack SCO's saved state can pass what the standard guarantees to store."""
    limit = SUSPEND_DATA_LIMITS.get(view.standard)
    if limit is None:
        return
    for resource in view.root.iter(view.cp("resource")):
        launched = view.launch_page(resource) if _scorm_type(resource) == "sco" else None
        if launched is None:
            continue
        path, page = launched
        sco = _script_json(page, "sp-sco") if page is not None else None
        if sco is None:
            continue  # not a scormpack SCO: its saved state cannot be estimated
        size = estimate_suspend_data(sco, _script_json(page, "sp-quiz"))
        if size > limit:
            report.warning(
                where_of(resource),
                f"the SCO's saved state (cmi.suspend_data) can reach {size:,} characters, over the {limit:,} that "
                f"{STANDARD_NAMES[view.standard]} guarantees: the runtime then drops the longest saved answers, "
                "which learners lose on resume (fewer or shorter questions per module keep them)",
                "suspend-data",
            )


# -------------------------------------------------------------- entry points


def validate_plan(manifest: etree._Element, entries: dict, extra_documents: dict[str, str], standard: str) -> Report:
    """Checks a package before it is written (used by the build)."""
    report = Report("(build)", standard, _schemaversion(manifest))
    files = set(entries) | {"imsmanifest.xml"}
    check_manifest(report, manifest, files, standard)
    for name, schema_set in extra_documents.items():
        document = etree.fromstring(_entry_bytes(entries[name]))
        _schema_findings(report, schema_set, document, name, "schema")

    def read(name: str) -> bytes:
        if name not in entries:
            raise PackageReadError(f"{name}: not in the package")
        return _entry_bytes(entries[name])

    check_suspend_data(report, PackageView(manifest, b"", files, standard, report.schemaversion, read))
    return report


def _entry_bytes(content: bytes | Path) -> bytes:
    return content if isinstance(content, bytes) else Path(content).read_bytes()


def validate_package(path: Path, lms: str | None = None, limits: Limits = LIMITS) -> Report:
    """Validate a package file from anyone, safely; `lms` adds that LMS's rules (see lms_profiles)."""
    report = Report(str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        report.error(str(path), f"not a readable zip file: {error}", "zip-unreadable")
        return report
    with archive:
        files = _check_entries(report, archive, limits)
        if files is None:
            return report
        if "imsmanifest.xml" not in files:
            nested = sorted(name for name in files if name.lower().endswith("imsmanifest.xml"))
            if nested and "/" not in nested[0]:
                report.error(
                    nested[0],
                    f"the manifest must be named exactly imsmanifest.xml, not {nested[0]!r} "
                    "(LMSs on case-sensitive servers do not find it)",
                    "manifest-missing",
                )
            elif nested:
                report.error(nested[0], "imsmanifest.xml must be at the zip root, not in a folder (zip the folder's content, not the folder)", "manifest-misplaced")
            else:
                report.error("imsmanifest.xml", "no imsmanifest.xml at the zip root: not a SCORM or Common Cartridge package", "manifest-missing")
            return report
        members = ZipMembers(archive, limits)
        try:
            manifest_bytes = members.read("imsmanifest.xml")
            root = parse_xml(manifest_bytes, "imsmanifest.xml")
        except PackageReadError as error:
            report.error("imsmanifest.xml", str(error), "zip-unreadable")
            return report
        except UnsafeXMLError as error:
            report.error("imsmanifest.xml", f"refused: {error}", "manifest-unsafe")
            return report
        except etree.XMLSyntaxError as error:
            report.error("imsmanifest.xml", f"not well-formed XML: {error}", "manifest-not-xml")
            return report
        report.standard = detect_standard(root)
        report.schemaversion = _schemaversion(root)
        check_manifest(report, root, files, report.standard)
        view = PackageView(root, manifest_bytes, files, report.standard, report.schemaversion, members.read)
        if report.standard in CC_STANDARDS:
            check_cc_resources(report, view)
        check_suspend_data(report, view)
        if lms is not None:
            from .lms_profiles import check_lms

            check_lms(lms, view, report)
    return report


def _check_entries(report: Report, archive: zipfile.ZipFile, limits: Limits) -> set[str] | None:
    """The package's file names, or None when the zip is refused (unsafe names, zip bomb)."""
    infos = archive.infolist()
    where = report.package
    if len(infos) > limits.entries:
        report.error(where, f"{len(infos)} entries (limit {limits.entries}): refused as a possible zip bomb", "zip-bomb")
        return None
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        report.error(where, f"{total} bytes uncompressed (limit {limits.total_bytes}): refused as a possible zip bomb", "zip-bomb")
        return None
    compressed = sum(info.compress_size for info in infos)
    if total > limits.ratio_floor and total > limits.ratio * max(compressed, 1):
        report.error(where, f"the entries inflate {total // max(compressed, 1)} times (limit {limits.ratio}): refused as a possible zip bomb", "zip-bomb")
        return None
    files: set[str] = set()
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        problem = _unsafe_name(name)
        if problem:
            report.error(repr(name), f"unsafe entry path ({problem}): refused", "zip-unsafe-name")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            report.error(name, "a symbolic link entry: refused (it could point outside the package once extracted)", "zip-unsafe-name")
            continue
        if name in seen:
            report.error(name, "the zip holds this entry twice: which copy an LMS extracts is undefined", "zip-duplicate")
        seen.add(name)
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
            report.error(name, f"inflates {info.file_size // max(info.compress_size, 1)} times (limit {limits.ratio}): refused as a possible zip bomb", "zip-bomb")
            continue
        if not name.endswith("/"):
            files.add(name)
    if any(finding.code in ("zip-unsafe-name", "zip-bomb") for finding in report.errors):
        return None
    return files


def _unsafe_name(name: str) -> str | None:
    if "\x00" in name:
        return "NUL in the name"
    if name.startswith(("/", "\\")):
        return "absolute path"
    if re.match(r"^[A-Za-z]:", name):
        return "drive letter"
    if "\\" in name:
        return "backslash in the path"
    if ".." in name.split("/"):
        return "'..' segment"
    return None
