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


class TooLargeError(UnsafeXMLError):
    """A document over the size or element ceiling: refused before (or while) it becomes a tree."""


FEED_BYTES = 64 * 1024


def parse_xml(data: bytes, where: str, max_bytes: int | None = None, max_elements: int | None = None) -> etree._Element:
    """Parse untrusted XML; a DOCTYPE (the door to entity tricks: XXE, billion laughs) is refused outright,
    before the parser sees it when the prolog is ASCII-compatible, and after parsing otherwise.

    With ceilings, a document over `max_bytes` is refused unread, and one over `max_elements` as soon as
    the parser meets the element past the limit, so memory stays bounded whatever the document holds."""
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLargeError(f"{len(data):,} bytes, over the {max_bytes:,} bytes limit for package XML")
    if _prolog_has_doctype(data) or _parsed_doctype(data):
        raise UnsafeXMLError("a DOCTYPE is not allowed in package XML (entity and DTD declarations are refused for safety)")
    if max_elements is None:
        return etree.fromstring(data, safe_parser())
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return _pull(parser, data, max_elements, "package XML")


def parse_html(data: bytes, max_bytes: int | None = None, max_elements: int | None = None) -> etree._Element | None:
    """Parse an untrusted HTML page with the same ceilings; None for a page with nothing in it."""
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLargeError(f"{len(data):,} bytes, over the {max_bytes:,} bytes limit for a page")
    if not data.strip():
        return None
    if max_elements is None:
        return etree.fromstring(data, html_parser())
    parser = etree.HTMLPullParser(events=("start",), no_network=True, remove_comments=True, huge_tree=False)
    return _pull(parser, data, max_elements, "a page")


def _pull(parser, data: bytes, max_elements: int, what: str) -> etree._Element:
    elements = 0
    for start in range(0, len(data), FEED_BYTES):
        parser.feed(data[start : start + FEED_BYTES])
        elements += sum(1 for _ in parser.read_events())
        if elements > max_elements:
            raise TooLargeError(f"more than {max_elements:,} elements, the limit for {what}")
    root = parser.close()
    elements += sum(1 for _ in parser.read_events())
    if elements > max_elements:
        raise TooLargeError(f"more than {max_elements:,} elements, the limit for {what}")
    return root


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
