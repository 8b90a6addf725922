"""Nothing in a package fetches from the internet unless the course allows it.

Training is taken where there is little or no connectivity: an image, a
video, a font or a script loaded from a URL is missing there, and the page
breaks without a word. So a remote reference the page would *load* (not a
link the learner may follow) is an error naming the URL and its line, unless
its address starts with a prefix listed in `[course].allow_remote`.

Checked on the page's tree (Markdown images) and on the raw HTML the page
holds (src, poster, data, srcset, <link href>, CSS url() and @import), in the
same Markdown pass as the other page checks.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from ..errors import ScormpackError

if TYPE_CHECKING:
    from .links import LinkContext

# An address another host serves: with a scheme that fetches, or protocol-relative.
REMOTE = re.compile(r"^\s*(?:(?:https?|ftp):)?//", re.IGNORECASE)
# Attributes whose address the browser loads by itself (an <a href> is only followed when clicked).
LOADING_ATTRIBUTE = re.compile(
    r"""\b(src|poster|data|background|srcset|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE
)
HTML_TAG = re.compile(r"<\s*([A-Za-z][\w-]*)([^<>]*)>")
CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])([^"')\s]+)""", re.IGNORECASE)


def is_remote(reference: str) -> bool:
    return bool(REMOTE.match(reference or ""))


def remote_addresses(raw_html: str) -> list[str]:
    """The remote addresses a piece of raw HTML makes the browser load, in order."""
    found = []
    for tag in HTML_TAG.finditer(raw_html):
        name = tag.group(1).lower()
        for attribute in LOADING_ATTRIBUTE.finditer(tag.group(2)):
            kind = attribute.group(1).lower()
            if kind == "href" and name != "link":
                continue
            value = next(group for group in attribute.groups()[1:] if group is not None)
            candidates = [part.strip().split(" ")[0] for part in value.split(",")] if kind == "srcset" else [value]
            found += [candidate for candidate in candidates if is_remote(candidate)]
    found += [address for address in CSS_URL.findall(raw_html) if is_remote(address)]
    return found


class RemoteReferences(Treeprocessor):
    def __init__(self, md: Markdown, context: LinkContext):
        super().__init__(md)
        self.context = context

    def run(self, root) -> None:
        for element in root.iter():
            if element.tag == "img":
                self.check(element.get("src", ""), "image")
        for raw in self.md.htmlStash.rawHtmlBlocks:
            # Fenced code is stashed too, escaped: it shows an address, it does not load it.
            if not isinstance(raw, str) or raw.lstrip().startswith(("<!--", "<pre><code")):
                continue
            for address in remote_addresses(raw):
                self.check(address, "raw HTML")

    def check(self, address: str, what: str) -> None:
        context = self.context
        if not is_remote(address) or any(address.startswith(prefix) for prefix in context.allowed_remote):
            return
        context.errors.append(
            ScormpackError(
                f"{what} loads {address!r} from the internet: a package must work offline. Put the file in the "
                "course and reference it by a relative path, or allow the address's prefix in "
                "[course].allow_remote in course.toml",
                context.module_path,
                context.locate(address),
            )
        )
