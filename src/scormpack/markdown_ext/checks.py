"""Checks on a page's HTML tree while it is rendered, so `build` and `lint` see the same warnings.

Tree processors, run after the link rewriter in the one Markdown pass the
build does anyway:

Both run before the link rewriter (links.py), so they see references as written.

- HeadingIds gives every heading a stable id: `{#id}` when the author set
  one (attr_list), else a slug of its text, unique within the module.
- PageChecks warns about images without alt text, raw HTML, headings that
  skip a level, and records the in-page links (`#id`) to check once every
  page of the module has its ids (check_anchors).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from markdown import Markdown
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from ..errors import ScormpackError

if TYPE_CHECKING:
    from .links import LinkContext

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Ids the page templates use: a heading slug must not take one.
RESERVED_ID = re.compile(r"^(page-(\d+|quiz)(-title)?|sp-.*|q-.*)$")

# Raw HTML is copied into the pages as written: scormpack neither sanitises nor
# checks it. Inline text markup Markdown has no syntax for is fine; anything
# else gets a warning.
INLINE_HTML = {
    "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "strong", "sub", "sup", "time", "u", "var", "wbr",
}
INLINE_HTML_ATTRIBUTES = {"title", "lang", "dir", "datetime", "cite"}
ACTIVE_HTML = {"script", "iframe", "object", "embed", "form", "input", "button", "style", "link", "meta", "base", "frame"}
HTML_TAG = re.compile(r"<\s*([A-Za-z][\w-]*)([^<>]*)>")
HTML_ATTRIBUTE = re.compile(r"([^\s=/]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def heading_slug(text: str) -> str:
    """The id a heading gets from its text: 'From Alpha to Zulu' -> 'from-alpha-to-zulu'."""
    return slugify_unicode(text, "-") or "section"


def _text_of(element) -> str:
    return "".join(element.itertext()).strip()


class HeadingIds(Treeprocessor):
    def __init__(self, md: Markdown, context: LinkContext):
        super().__init__(md)
        self.context = context

    def run(self, root) -> None:
        ids = self.context.element_ids
        for element in root.iter():
            if element.tag not in HEADINGS:
                continue
            chosen = element.get("id")
            if chosen:
                if chosen in ids or RESERVED_ID.match(chosen):
                    line = self.context.line_of("{#" + chosen)
                    self.context.warnings.append(
                        ScormpackError(f"heading id {chosen!r} is used twice in this module (or by the page itself)", self.context.module_path, line)
                    )
                ids.add(chosen)
                continue
            slug = base = heading_slug(_text_of(element))
            number = 1
            while slug in ids or RESERVED_ID.match(slug):
                slug = f"{base}-{number}"
                number += 1
            element.set("id", slug)
            ids.add(slug)


class PageChecks(Treeprocessor):
    def __init__(self, md: Markdown, context: LinkContext):
        super().__init__(md)
        self.context = context

    def warn(self, message: str, line: int) -> None:
        self.context.warnings.append(ScormpackError(message, self.context.module_path, line))

    def run(self, root) -> None:
        context = self.context
        previous = 2  # the page title is level 2, under the module title (level 1)
        for element in root.iter():
            if element.get("id") and element.tag not in HEADINGS:
                context.element_ids.add(element.get("id"))
            if element.tag == "img":
                written = element.get("src", "")
                if not (element.get("alt") or "").strip():
                    self.warn(
                        f"image {written!r} has no alt text: describe it for screen readers, as ![what it shows]({written})",
                        context.locate(written),
                    )
            elif element.tag == "a":
                href = element.get("href") or ""
                if href.startswith("#") and len(href) > 1:
                    context.anchor_links.append((href[1:], context.locate(href)))
                    if href[1:] in context.page_slugs:
                        element.set("href", "#" + context.page_slugs[href[1:]])
            elif element.tag in HEADINGS:
                level = HEADINGS[element.tag]
                text = _text_of(element)
                line = context.heading_line(text)
                if level == 1:
                    self.warn(
                        "a level-1 heading inside a module: the module title is the page's only level-1 heading "
                        "(start a page with '##', a section with '###')",
                        line,
                    )
                    previous = 2
                elif level == 2:
                    self.warn("a heading underlined with '---' does not start a page: write '## Title' instead", line)
                    previous = 2
                else:
                    if level > previous + 1:
                        self.warn(
                            f"heading level {level} follows level {previous}: it skips a level "
                            f"(use {'#' * (previous + 1)}; the page title is level 2)",
                            line,
                        )
                    previous = level
        for raw in self.md.htmlStash.rawHtmlBlocks:
            # Fenced code is stashed here too, escaped: only its own <pre><code> wrapper is a tag.
            if not isinstance(raw, str) or raw.lstrip().startswith(("<!--", "<pre><code")):
                continue
            for match in HTML_TAG.finditer(raw):
                self.check_raw_html(match)

    def check_raw_html(self, match: re.Match) -> None:
        tag = match.group(1).lower()
        attributes = {name.lower() for name in HTML_ATTRIBUTE.findall(match.group(2).rstrip("/"))}
        if tag in INLINE_HTML and attributes <= INLINE_HTML_ATTRIBUTES:
            return
        detail = f"<{tag}>" if tag not in INLINE_HTML else f"<{tag}> with {', '.join(sorted(attributes - INLINE_HTML_ATTRIBUTES))}"
        active = f"; <{tag}> is active content that runs inside the LMS" if tag in ACTIVE_HTML else ""
        self.warn(
            f"raw HTML {detail} is copied into the page unchecked (scormpack does not sanitise raw HTML){active}: "
            "write it in Markdown, or keep raw HTML to inline text markup such as <cite>, <abbr>, <sub>, <sup>, <kbd>",
            self.context.locate(match.group(0)),
        )


def check_anchors(context: LinkContext, page_count: int, has_quiz: bool) -> None:
    """In-page links (`#id`) must name an id the module's pages really have."""
    known = set(context.element_ids)
    known |= {f"page-{n}" for n in range(1, page_count + 1)} | {f"page-{n}-title" for n in range(1, page_count + 1)}
    if has_quiz:
        known |= {"page-quiz", "page-quiz-title"}
    for fragment, line in context.anchor_links:
        if fragment not in known:
            context.warnings.append(
                ScormpackError(f"link to '#{fragment}': no heading or element of this module has that id", context.module_path, line)
            )


ELEMENT_ID = re.compile(r'\bid="([^"]+)"')
MODULE_LINK = re.compile(r'href="\.\./([^/"]+)/index\.html#([^"]+)"')


def rendered_ids(files: dict[str, bytes]) -> set[str]:
    """The ids a rendered module's pages really have."""
    return {found for content in files.values() for found in ELEMENT_ID.findall(content.decode("utf-8", "replace"))}


def rendered_module_links(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(module id, anchor) of each link to another module's page with an anchor."""
    return [link for content in files.values() for link in MODULE_LINK.findall(content.decode("utf-8", "replace"))]


def check_module_anchors(modules: list) -> list[ScormpackError]:
    """A link to another module with `#id` must name an id that module's pages have (modules: RenderedModule)."""
    by_id = {rendered.module.id: rendered for rendered in modules}
    warnings = []
    for rendered in modules:
        if rendered.module_links:
            # Only the modules linked to: a cached module's ids are made when first asked for.
            ids = {target: by_id[target].element_ids for target, _ in rendered.module_links if target in by_id}
            warnings += module_anchor_warnings(rendered.module, list(rendered.module_links), ids)
    return warnings


def module_anchor_warnings(module, links: list[tuple[str, str]], ids: dict[str, set[str]]) -> list[ScormpackError]:
    """The links of one module (course.Module) to other modules' anchors that are not there."""
    lines = module.body.split("\n")
    warnings = []
    for target, fragment in dict.fromkeys(links):
        if target in ids and fragment not in ids[target]:
            line = next((module.body_line + n for n, text in enumerate(lines) if f"#{fragment}" in text), module.body_line)
            warnings.append(
                ScormpackError(f"link to module {target!r} at '#{fragment}': no element of that module has that id", module.path, line)
            )
    return warnings
