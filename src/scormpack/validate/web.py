"""The offline web edition (`--target web`): how validate knows one, and its checks.

A web edition has no manifest: its front page, `index.html` at the zip root,
names the generator. What must hold is what a browser opening it from disk
needs: every file a page links to or loads is in the zip, inside it (no
`../` past its root), with the exact case (a USB stick formatted on one
system is read on another), and nothing is loaded from the internet.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

from lxml import etree

from .report import Report

FRONT_PAGE = "index.html"
GENERATOR = "scormpack web edition"
# The attributes through which a page links to or loads another file.
REFERENCES = {
    "a": ("href",), "link": ("href",), "script": ("src",), "img": ("src",), "source": ("src",),
    "track": ("src",), "video": ("src", "poster"), "audio": ("src",), "iframe": ("src",), "object": ("data",),
}
# Loaded with the page (a link the learner follows may leave the edition; these may not).
LOADED = {"link", "script", "img", "source", "track", "video", "audio", "iframe", "object"}
_GENERATOR_META = re.compile(rb'<meta\s+name="generator"\s+content="' + re.escape(GENERATOR.encode()) + rb'"')


def is_web_edition(front_page: bytes) -> bool:
    """Whether a zip's index.html is the front page of a web edition (its generator meta says so)."""
    return bool(_GENERATOR_META.search(front_page[:4096]))


def _parser() -> etree.HTMLParser:
    return etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)


def page_references(page: bytes) -> Iterable[tuple[int | None, str, str, str]]:
    """(line, element, attribute, value) of every link and loaded file in an HTML page."""
    from lxml import html  # here: only the web edition's pages are read this way

    try:
        root = html.fromstring(page, parser=_parser())
    except (etree.ParserError, ValueError):
        return
    for element in root.iter(*REFERENCES):
        for attribute in REFERENCES[element.tag]:
            value = element.get(attribute)
            if value is not None:
                yield element.sourceline, element.tag, attribute, value.strip()


def check_web_edition(report: Report, names: set[str], read: Callable[[str], bytes]) -> None:
    """Every page's local links and files resolve to members of the zip; nothing loads from the internet."""
    if FRONT_PAGE not in names:
        report.error(FRONT_PAGE, f"no {FRONT_PAGE} at the zip root: a web edition opens from it", "web-front-page")
    folded = {name.lower(): name for name in names}
    for page in sorted(name for name in names if name.endswith(".html")):
        for line, tag, attribute, value in page_references(read(page)):
            where = f"{page}:{line} <{tag} {attribute}>" if line else f"{page} <{tag} {attribute}>"
            parts = urlsplit(value)
            if parts.scheme or value.startswith("//"):
                if tag in LOADED and parts.scheme in ("http", "https", "") and value.startswith(("http", "//")):
                    report.warning(where, f"loads {value} from the internet: it is missing offline", "web-remote")
                continue
            if not parts.path:
                continue  # "#anchor" or "?query": the page itself
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
            if target.startswith("../") or target == "..":
                report.error(where, f"{value} leaves the web edition's folder", "web-outside")
            elif target not in names:
                other = folded.get(target.lower())
                hint = f" (the zip has {other}: the case differs)" if other else ""
                report.error(where, f"{value} is not in the package{hint}", "web-missing")
