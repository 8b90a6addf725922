"""The one manifest reader: validate, the LMS profiles and preview read a package's manifest through it.

`read_manifest` parses untrusted manifest bytes safely and tells the
standard; `Manifest` answers what every reader asks (the default
organization, the resources by identifier, the package path an href names
with every `xml:base` on the way applied); `PackageView` adds the package's
file names and bounded reads of its members, for the checks.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from ..targets import MANIFEST_NAME  # from the target registry: the manifest of IMS packages (SCORM, Common Cartridge)
from .archive import LIMITS, Limits, PackageReadError
from .safe_xml import TooLargeError, parse_html, parse_xml


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


# A relative path written as it is: no scheme, host, escape, query, fragment or space, and no leading
# slash. Most hrefs of a manifest are such paths; they skip URL parsing (a manifest of 1,000 modules
# names 5,000 files, and checking them was a tenth of a one-module rebuild).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~-][A-Za-z0-9_.~/-]*")


def is_plain_path(text: str) -> bool:
    return _PLAIN_PATH.fullmatch(text) is not None


def split_reference(text: str):
    """urlsplit, or None for text that is no URI reference at all (urlsplit raises on some, e.g. 'http://[x')."""
    try:
        return urlsplit(text.strip())
    except ValueError:
        return None


def is_url(text: str) -> bool:
    parts = split_reference(text)
    return parts is None or bool(parts.scheme or parts.netloc)


@dataclass
class Manifest:
    """A parsed manifest and the standard it follows."""

    root: etree._Element
    manifest_bytes: bytes
    standard: str
    schemaversion: str | None

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

    def bases(self, resource: etree._Element) -> list[str | None]:
        """The xml:base of the manifest, the resources and the resource, which apply to its hrefs in turn."""
        resources_element = resource.getparent()
        return [self.root.get(XML_BASE), resources_element.get(XML_BASE) if resources_element is not None else None, resource.get(XML_BASE)]

    def resource_path(self, resource: etree._Element, href: str, bases: list[str | None] | None = None) -> str | None:
        """The package path an href of a resource names (xml:base applied), or None for a URL (or no URI at all).
        bases: the resource's (self.bases), when the caller has them already."""
        bases = self.bases(resource) if bases is None else bases
        if is_plain_path(href) and not any(bases):  # the path it is, normalized (as below, faster)
            path = posixpath.normpath(href)
            return "" if path == "." else path
        parts = split_reference(href)
        if parts is None or parts.scheme or parts.netloc:
            return None
        path = ""
        for base in bases + [unquote(parts.path)]:
            if not base:
                continue
            if is_url(base):
                return None
            path = base if base.startswith("/") else posixpath.join(path, base)
        path = posixpath.normpath(path) if path else ""
        return "" if path == "." else path

    def launch_url(self, resource: etree._Element) -> str | None:
        """The URL, relative to the package root, that an LMS launches for a resource: its href with
        xml:base applied and its query kept; None when it launches nothing inside the package."""
        href = resource.get("href")
        path = self.resource_path(resource, href) if href else None
        if not path:
            return None
        query = split_reference(href).query
        return quote(path) + (f"?{query}" if query else "")


def read_manifest(data: bytes, name: str = MANIFEST_NAME, limits: Limits = LIMITS) -> Manifest:
    """Parse untrusted manifest bytes (raises UnsafeXMLError, its TooLargeError, or etree.XMLSyntaxError)
    within the XML ceilings, and tell the standard."""
    root = parse_xml(data, name, limits.xml_bytes, limits.xml_elements)
    return Manifest(root, data, detect_standard(root), schemaversion_of(root))


@dataclass(kw_only=True)
class PackageView(Manifest):
    """A package as the checks see it: the parsed manifest, the file names and bounded reads of members."""

    files: set[str]
    read: Callable[[str], bytes]  # raises PackageReadError
    limits: Limits = LIMITS
    unparsed: dict[str, str] = field(default_factory=dict)  # page -> why the checks could not parse it
    # The sha256 of members already known (a build knows its cached pages'): member -> hex digest.
    known_digests: Callable[[str], str | None] = lambda name: None

    def sha256(self, name: str) -> str:
        """A member's sha256 (raises PackageReadError)."""
        return self.known_digests(name) or hashlib.sha256(self.read(name)).hexdigest()

    def read_xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name), name, self.limits.xml_bytes, self.limits.xml_elements)

    def read_html(self, name: str) -> etree._Element | None:
        return parse_html(self.read(name), self.limits.xml_bytes, self.limits.xml_elements)

    def parsed_members(self) -> set[str]:
        """The members the checks parse: each resource's launch page and each XML file of a Common
        Cartridge resource (QTI, web link, discussion topic, LTI), and the XSDs (the scorm-cloud profile)."""
        wanted = {name for name in self.files if name.lower().endswith(".xsd")}
        for resource in self.root.iter(self.cp("resource")):
            hrefs = [resource.get("href")] + [element.get("href") for element in resource.iterchildren(self.cp("file"))]
            for href in filter(None, hrefs):
                path = self.resource_path(resource, href)
                if path and path.lower().endswith((".html", ".htm", ".xml")):
                    wanted.add(path)
        return wanted

    def launch_page(self, resource: etree._Element) -> tuple[str, etree._Element | None] | None:
        """(path, parsed HTML) of the HTML page a resource launches; None when there is none to read."""
        href = resource.get("href")
        path = self.resource_path(resource, href) if href else None
        if not path or path not in self.files or not path.lower().endswith((".html", ".htm")):
            return None
        try:
            return path, self.read_html(path)
        except TooLargeError as error:
            self.unparsed[path] = str(error)
            return None
        except (PackageReadError, etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None


# ---------------------------------------------------------- standard detection


def schemaversion_of(root: etree._Element) -> str | None:
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
    version = schemaversion_of(root) or ""
    used = _namespaces_in_use(root)
    if namespace == NS["scorm12"] or NS["adlcp12"] in used:
        return "scorm12"
    if NS["adlcp13"] in used or version.startswith("2004") or version == "CAM 1.3":
        return "scorm2004"
    if version == "1.2":
        return "scorm12"
    return "unknown"
