"""What every target shares: the package plan it produces and manifest helpers."""
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


@dataclass
class PackagePlan:
    """Everything a package holds, before it is written."""

    manifest: etree._Element
    entries: dict[str, bytes | Path]  # zip path -> content or source file (manifest excluded)
    schema_set: str  # our schema set the manifest must satisfy
    extra_documents: dict[str, str] = field(default_factory=dict)  # zip path of an XML entry -> its schema set
    warnings: list[ScormpackError] = field(default_factory=list)

    def all_entries(self) -> dict[str, bytes | Path]:
        return {"imsmanifest.xml": manifest_bytes(self.manifest), **self.entries}


class Target:
    """One output format. Subclasses set the class attributes and implement plan()."""

    name: str = ""
    description: str = ""
    suffix: str = ".zip"
    layout: str = "sco"

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        raise NotImplementedError

    def package_name(self, course: Course, bundle: Bundle) -> str:
        return f"{course.id}-{course.version}-{bundle.id}-{self.name}{self.suffix}"


def xml_id(*parts: str) -> str:
    """A valid, stable XML ID (NCName) built from ids: letters first, no dots or spaces."""
    text = "-".join(parts)
    text = re.sub(r"[^A-Za-z0-9_-]", "_", text)
    if not re.match(r"[A-Za-z_]", text):
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
