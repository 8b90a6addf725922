"""Parsing untrusted XML and HTML: no DTDs, no entities, no network, no huge trees."""
from __future__ import annotations

from lxml import etree


class UnsafeXMLError(etree.XMLSyntaxError):
    """XML refused before parsing; an XMLSyntaxError, so callers handle both alike."""

    def __init__(self, message: str):
        super().__init__(message, None, 0, 0)

    def __str__(self) -> str:
        return self.args[0]


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)


def html_parser() -> etree.HTMLParser:
    return etree.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse untrusted XML; a DOCTYPE (the door to entity tricks: XXE, billion laughs) is refused outright,
    before the parser sees it when the prolog is ASCII-compatible, and after parsing otherwise."""
    if _prolog_has_doctype(data) or _parsed_doctype(data):
        raise UnsafeXMLError("a DOCTYPE is not allowed in package XML (entity and DTD declarations are refused for safety)")
    return etree.fromstring(data, safe_parser())


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
