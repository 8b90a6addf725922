"""Mutants of a package: its XML documents changed one value or one element at a time, and its zip
members corrupted one way at a time. Used by the mutation tests (tests/test_validate_mutants.py) and
by benchmarks/validate.py.

Each XML mutant changes the first occurrence of one kind of element or attribute, so a package yields
a few hundred mutants, not one per node.
"""
from __future__ import annotations

import copy
import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lxml import etree

# Text and attribute values out of range for most types: a number no double holds, a language tag
# of 21 digits, blank, and one far longer than any LOM character string.
OUT_OF_RANGE = {
    "huge-number": "1e309",
    "negative": "-1",
    "21-digits": "123456789012345678901",
    "blank": " ",
    "empty": "",
    "long": "x" * 5000,
}
FOREIGN_NAMESPACE = "urn:example:moved"


@dataclass
class Mutant:
    kind: str  # "text", "attribute", "duplicate", "namespace", "href", "member"
    description: str  # what was changed, for assertion messages
    data: bytes  # the mutated package


def _zip_with(members: list[tuple[zipfile.ZipInfo, bytes]], replaced: dict[str, bytes]) -> bytes:
    """The package with some members' content replaced, same order and names. Members are stored, not
    deflated, so that writing hundreds of mutants stays fast; compression plays no part in what they test."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info, data in members:
            target.writestr(info.filename, replaced.get(info.filename, data))
    return out.getvalue()


def _label(element: etree._Element) -> str:
    return etree.QName(element).localname


def _first_of_each_kind(root: etree._Element) -> list[etree._Element]:
    seen: set[str] = set()
    found = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag not in seen:
            seen.add(element.tag)
            found.append(element)
    return found


def xml_mutants(document: bytes) -> Iterator[tuple[str, str, bytes]]:
    """(kind, description, mutated document) for one XML document."""
    root = etree.fromstring(document)

    elements = list(root.iter())

    def mutated(change) -> bytes:
        tree = copy.deepcopy(root)
        change(list(tree.iter())[elements.index(target)])
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    for target in _first_of_each_kind(root):
        where = f"<{_label(target)}>"
        if target.text and target.text.strip() and not len(target):
            for name, value in OUT_OF_RANGE.items():
                yield "text", f"{where} text {name}", mutated(lambda element, value=value: setattr(element, "text", value))
        for attribute in target.attrib:
            if etree.QName(attribute).namespace == "http://www.w3.org/2001/XMLSchema-instance":
                continue
            attribute_name = etree.QName(attribute).localname
            for name, value in OUT_OF_RANGE.items():
                if attribute_name in ("identifier", "identifierref", "ident", "href") and name in ("empty", "long"):
                    continue  # integrity checks decide these the same way in both validators
                yield "attribute", f"{where} @{attribute_name} {name}", mutated(
                    lambda element, attribute=attribute, value=value: element.set(attribute, value)
                )
        if target is not root:
            yield "duplicate", f"{where} twice", mutated(_duplicate)
            yield "namespace", f"{where} in another namespace", mutated(_renamespace)
    for tag in ("file", "resource"):
        for target in root.iter(f"{{{etree.QName(root).namespace}}}{tag}" if etree.QName(root).namespace else tag):
            if target.get("href") is not None:
                yield "href", f"<{tag}> href blank", mutated(lambda element: element.set("href", " "))
                break


def _duplicate(element: etree._Element) -> None:
    twin = copy.deepcopy(element)
    for node in twin.iter():
        for attribute in ("identifier", "ident"):
            if node.get(attribute):
                node.set(attribute, node.get(attribute) + "-twin")
    element.addnext(twin)


def _renamespace(element: etree._Element) -> None:
    element.tag = f"{{{FOREIGN_NAMESPACE}}}{etree.QName(element).localname}"


def package_xml_mutants(package: Path, members: tuple[str, ...]) -> Iterator[Mutant]:
    """Mutants of the named XML members of a package (each mutant changes one member once)."""
    with zipfile.ZipFile(package) as archive:
        contents = [(info, archive.read(info)) for info in archive.infolist()]
    documents = {info.filename: data for info, data in contents if info.filename in members}
    for name, document in documents.items():
        for kind, description, mutated in xml_mutants(document):
            yield Mutant(kind, f"{package.name} {name} {description}", _zip_with(contents, {name: mutated}))


# ----------------------------------------------------------- corrupt members

LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature, version, flags, method, time, date, crc, sizes, name/extra lengths


def _local_header_offset(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.getinfo(name).header_offset


def _patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def _central_entry_offset(data: bytes, name: str) -> int:
    encoded = name.encode()
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46: position + 46 + name_length] == encoded:
            return position
        position = data.find(b"PK\x01\x02", position + 4)
    raise KeyError(name)


def member_mutants(package: Path, name: str) -> Iterator[Mutant]:
    """One zip member of a package made unreadable each way an LMS's unzip refuses."""
    data = package.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    local = _local_header_offset(data, name)
    start = local + LOCAL_HEADER.size + len(info.filename.encode()) + len(info.extra)
    central = _central_entry_offset(data, name)
    label = f"{package.name} {name}"

    # A wrong CRC in both headers: the content inflates, but not to what was stored.
    crc = struct.pack("<L", info.CRC ^ 0xFFFFFFFF)
    yield Mutant("member", f"{label} CRC", _patch(_patch(data, local + 14, crc), central + 16, crc))
    # A flipped byte inside the compressed data, in the middle and at the start of the stream
    # (where it breaks the deflate block structure rather than only the content).
    for where, offset in (("middle", start + info.compress_size // 2), ("start", start)):
        if info.compress_size:
            yield Mutant("member", f"{label} flipped byte ({where})", _patch(data, offset, bytes([data[offset] ^ 0x55])))
    # The encryption flag set.
    encrypted = data
    for offset in (local + 6, central + 8):
        flags = struct.unpack_from("<H", data, offset)[0] | 0x1
        encrypted = _patch(encrypted, offset, struct.pack("<H", flags))
    yield Mutant("member", f"{label} encrypted flag", encrypted)
    # A compression method nobody implements (99 is AES in WinZip's extension).
    method = struct.pack("<H", 99)
    yield Mutant("member", f"{label} unknown method", _patch(_patch(data, local + 8, method), central + 10, method))
    # A version needed to extract that no reader supports.
    version = struct.pack("<H", 99)
    yield Mutant("member", f"{label} version needed", _patch(_patch(data, local + 4, version), central + 6, version))
