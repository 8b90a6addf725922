"""Package validation: our schemas plus the integrity checks an LMS depends on.

The same checks run on a package plan before the build writes it and on any
package file given to `scormpack validate`. Package files are untrusted: the
zip is never extracted, names are checked before use, sizes are bounded, and
XML is parsed without DTDs, entities or network access.
"""
from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from . import schemas

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_XML_BYTES = 32 * 1024**2
MAX_RATIO = 200  # uncompressed / compressed, per entry of more than 1 MiB

NS = {
    "scorm12": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp12": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "imscp11": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp13": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "cc11": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "cc12": "http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1",
    "cc13": "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
}
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass
class Finding:
    severity: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


@dataclass
class Report:
    package: str
    standard: str = "unknown"
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, where: str, message: str) -> None:
        self.findings.append(Finding("error", where, message))

    def warning(self, where: str, message: str) -> None:
        self.findings.append(Finding("warning", where, message))


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse untrusted XML; a DOCTYPE (the door to entity tricks) is refused outright."""
    root = etree.fromstring(data, safe_parser())
    if root.getroottree().docinfo.doctype:
        raise etree.XMLSyntaxError(f"{where}: a DOCTYPE is not allowed in package XML", None, 0, 0, where)
    return root


def detect_standard(root: etree._Element) -> str:
    namespace = etree.QName(root).namespace
    version = root.findtext(f"{{{namespace}}}metadata/{{{namespace}}}schemaversion") if namespace else None
    version = (version or "").strip()
    for standard in ("cc11", "cc12", "cc13"):
        if namespace == NS[standard]:
            return standard
    if namespace == NS["scorm12"]:
        return "scorm12"
    if namespace == NS["imscp11"]:
        if version == "1.2":
            return "scorm12"
        return "scorm2004"
    return "unknown"


def check_manifest(report: Report, root: etree._Element, files: set[str], standard: str) -> None:
    """Schema and integrity checks of a manifest against the set of file names in the package."""
    schema_set = {"scorm12": "scorm12", "scorm2004": "scorm2004", "cc11": "cc11", "cc13": "cc13"}.get(standard)
    if schema_set and schema_set in schemas.SCHEMA_SETS:
        for message in schemas.schema_errors(schema_set, root):
            report.error("imsmanifest.xml", message)
    elif standard == "unknown":
        report.error("imsmanifest.xml", "cannot tell the standard from the manifest's namespace and schemaversion")
    namespace = etree.QName(root).namespace

    def cp(tag: str) -> str:
        return f"{{{namespace}}}{tag}"

    identifiers: dict[str, str] = {}
    for element in root.iter(cp("manifest"), cp("organization"), cp("item"), cp("resource")):
        identifier = element.get("identifier")
        if identifier is None:
            continue
        if identifier in identifiers:
            report.error("imsmanifest.xml", f"identifier {identifier!r} is used twice (line {element.sourceline})")
        identifiers[identifier] = etree.QName(element).localname
    resources = {r.get("identifier"): r for r in root.iter(cp("resource"))}
    for item in root.iter(cp("item")):
        reference = item.get("identifierref")
        if reference is not None and reference not in resources:
            report.error("imsmanifest.xml", f"item {item.get('identifier')!r}: identifierref {reference!r} names no resource")
    for dependency in root.iter(cp("dependency")):
        if dependency.get("identifierref") not in resources:
            report.error("imsmanifest.xml", f"dependency {dependency.get('identifierref')!r} names no resource")

    referenced: set[str] = set()
    lower_files = {name.lower(): name for name in files}
    manifest_base = root.get(XML_BASE) or ""
    for resources_element in root.iter(cp("resources")):
        resources_base = resources_element.get(XML_BASE) or ""
        for resource in resources_element.iterchildren(cp("resource")):
            base = posixpath.join(manifest_base, resources_base, resource.get(XML_BASE) or "")
            hrefs = [("href", resource.get("href"))] + [("file", f.get("href")) for f in resource.iterchildren(cp("file"))]
            for kind, href in hrefs:
                if not href:
                    continue
                parts = urlsplit(href)
                if parts.scheme or parts.netloc:
                    continue
                path = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
                where = f"resource {resource.get('identifier')!r}"
                if path.startswith("../") or path.startswith("/"):
                    report.error("imsmanifest.xml", f"{where}: {kind} {href!r} points outside the package")
                    continue
                referenced.add(path)
                if path not in files:
                    if path.lower() in lower_files:
                        report.error(
                            "imsmanifest.xml",
                            f"{where}: {kind} {href!r} differs in case from the file {lower_files[path.lower()]!r} "
                            "(breaks on case-sensitive servers)",
                        )
                    else:
                        report.error("imsmanifest.xml", f"{where}: {kind} {href!r}: no such file in the package")
    for name in sorted(files - referenced - {"imsmanifest.xml"}):
        report.warning(name, "file is in the package but the manifest lists it in no resource")


def validate_plan(manifest: etree._Element, entries: dict, extra_documents: dict[str, str], standard: str) -> Report:
    """Checks a package before it is written (used by the build)."""
    report = Report("(build)", standard)
    files = set(entries) | {"imsmanifest.xml"}
    check_manifest(report, manifest, files, standard)
    for name, schema_set in extra_documents.items():
        content = entries[name]
        document = etree.fromstring(content if isinstance(content, bytes) else Path(content).read_bytes())
        for message in schemas.schema_errors(schema_set, document):
            report.error(name, message)
    return report


def validate_package(path: Path) -> Report:
    """Validate a package file from anyone, safely."""
    report = Report(str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        report.error(str(path), f"not a readable zip file: {error}")
        return report
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            report.error(str(path), f"{len(infos)} entries (limit {MAX_ENTRIES}): refused as a possible zip bomb")
            return report
        total = sum(info.file_size for info in infos)
        if total > MAX_TOTAL_BYTES:
            report.error(str(path), f"{total} bytes uncompressed (limit {MAX_TOTAL_BYTES}): refused as a possible zip bomb")
            return report
        files: set[str] = set()
        for info in infos:
            name = info.filename
            if name.startswith("/") or "\\" in name or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
                report.error(name, "unsafe entry path (absolute or '..'): refused")
                continue
            if info.file_size > 1024**2 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                report.error(name, f"compression ratio over {MAX_RATIO}: refused as a possible zip bomb")
                continue
            if not name.endswith("/"):
                files.add(name)
        if report.errors:
            return report
        if "imsmanifest.xml" not in files:
            nested = [n for n in files if n.lower().endswith("imsmanifest.xml")]
            where = f" (found {nested[0]!r}: it must be at the zip root)" if nested else ""
            report.error("imsmanifest.xml", "no imsmanifest.xml at the zip root" + where)
            return report
        try:
            root = parse_xml(_read_limited(archive, "imsmanifest.xml"), "imsmanifest.xml")
        except (etree.XMLSyntaxError, ValueError) as error:
            report.error("imsmanifest.xml", f"not well-formed XML: {error}")
            return report
        report.standard = detect_standard(root)
        check_manifest(report, root, files, report.standard)
    return report


def _read_limited(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as handle:
        data = handle.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise ValueError(f"{name} is larger than {MAX_XML_BYTES} bytes")
    return data
