"""What every target shares: what a target declares, the package plan it produces and manifest helpers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..course import Bundle, Course
from ..errors import ScormpackError
from ..render import RenderedBundle

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# IMS Content Packaging's manifest name, which SCORM and Common Cartridge both use.
MANIFEST_NAME = "imsmanifest.xml"


@dataclass
class PackagePlan:
    """Everything a package holds, before it is written."""

    manifest: etree._Element | None  # None: a format with no manifest (the web edition), led by its first page
    entries: dict[str, bytes | Path]  # zip path -> content or source file (manifest excluded)
    schema_set: str  # our schema set the manifest must satisfy
    extra_documents: dict[str, str] = field(default_factory=dict)  # zip path of an XML entry -> its schema set
    warnings: list[ScormpackError] = field(default_factory=list)
    manifest_name: str = MANIFEST_NAME  # the manifest's zip path: the package's first entry

    def all_entries(self) -> dict[str, bytes | Path]:
        if self.manifest is None:
            return dict(self.entries)
        return {self.manifest_name: manifest_bytes(self.manifest), **self.entries}


@dataclass
class WrappedFolder:
    """An HTML folder made by another tool, as `scormpack wrap` packages it: one launchable item."""

    identifier: str
    title: str
    version: str
    language: str
    launch: str  # zip path of the page to open
    files: dict[str, Path]  # zip path -> file, every file of the folder


class Target:
    """One output format, registered by name in targets/__init__.py.

    A subclass declares what the rest of scormpack needs to know about the
    format (the class attributes below) and turns a rendered bundle into a
    package plan; nothing outside its module spells the format's names.
    """

    name: str = ""  # the name in `--target`, `[defaults] targets` and package file names
    description: str = ""
    manifest_name: str = MANIFEST_NAME
    has_manifest: bool = True  # False: the package is led by a page, manifest_name (the web edition's index.html)
    suffix: str = ".zip"  # the package file's extension
    schema_set: str = ""  # schemas.SCHEMA_SETS entry its manifest must satisfy
    standard: str = ""  # the standard `scormpack validate` detects in its packages
    layout: str = "sco"  # what it needs from the rendered bundle: render.LAYOUTS ("sco" or "paged")
    runtime: str | None = None  # the LMS API its pages call ("scorm12", "scorm2004"), None when they call none
    wraps_folders: bool = False  # whether `scormpack wrap` can package an HTML folder in this format

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        raise NotImplementedError

    def plan_folder(self, folder: WrappedFolder) -> PackagePlan:
        """The package of an existing HTML folder (when wraps_folders): its manifest and every file."""
        raise NotImplementedError(f"{self.name} does not wrap folders")

    def package_name(self, course: Course, bundle: Bundle) -> str:
        language = f"-{course.language}" if course.translations else ""
        return f"{course.id}-{course.version}-{bundle.id}{language}-{self.name}{self.suffix}"


def edition_id(course: Course) -> str:
    """The course id in identifiers (manifests, cmi5 IRIs): a translated edition's carries its language, so
    each language's package is its own in an LMS and keeps its learners' records across versions; the source
    language's stays the course id, so adding a first translation changes nothing for its learners."""
    return f"{course.id}-{course.language}" if course.source_language else course.id


def keyword_language(course: Course) -> str:
    """The language of the course's keywords: they are not catalogue units, so a translated edition keeps
    them in the source language and its metadata says so (LOM tags each string with its own language)."""
    return course.source_language or course.language


_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_-]")
_ID_START = re.compile(r"[A-Za-z_]")


def xml_id(*parts: str) -> str:
    """A valid, stable XML ID (NCName) built from ids: letters first, no dots or spaces."""
    text = _NOT_IN_ID.sub("_", "-".join(parts))
    if not _ID_START.match(text):
        text = "ID-" + text
    return text


def manifest_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {key: value for key, value in attributes.items() if value is not None})
    if text is not None:
        element.text = text
    return element


def control_files(schema_files: list[Path]) -> dict[str, Path]:
    """The control XSDs shipped at the zip root, beside the manifest that names them."""
    return {path.name: path for path in schema_files}
