"""Checks and rewrites the links and images of a page while its Markdown is rendered.

Relative references are resolved against the module's file: a file in the
course becomes a shared media file of the package, a module file becomes a
link to that module's page, and a missing file or one outside the course
directory is an error naming the source line.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

from ..captions import Cue
from ..errors import WARNING, Finding, ScormpackError
from ..media import MAX_IMAGE_BYTES, NotAnImage, fit_image, image_warnings, probe_image
from .checks import HeadingIds, PageChecks, heading_slug
from .players import MediaPlayers
from .remote import RemoteReferences

MEDIA_FOLDER = "shared/media"


@dataclass
class LinkContext:
    """What the link checker needs to know about the page being rendered."""

    course_root: Path
    module_path: Path
    source_lines: list[str]
    first_line: int
    shared_prefix: str  # from the page to the package's shared/ folder
    module_href: Callable[[Path, str], str | None]  # module file, fragment -> href, or None if not in the bundle
    # False for pages an LMS turns into activities of its own (Common Cartridge web
    # content): there a link to another module's page is dead, so only its text is kept.
    link_modules: bool = True
    allowed_remote: tuple[str, ...] = ()  # URL prefixes the course lets pages load ([course].allow_remote)
    language: str = "en"  # the course's: its captions are "captions", other languages' are "subtitles"
    module_id: str = ""
    transcript_label: str = "Transcript"  # from the message table
    generated: dict[str, bytes] = field(default_factory=dict)  # package path -> bytes made while rendering (WebVTT from .srt)
    media: dict[str, Path] = field(default_factory=dict)  # package path -> source file, filled while rendering
    # A player's caption tracks read into cues, by the src of their <track> (the web edition carries them).
    captions: dict[str, tuple[Cue, ...]] = field(default_factory=dict)
    # Files read and folders looked into while rendering, beyond the packaged media (a .srt converted,
    # the folder where a video's captions, poster and transcript are found by name): render inputs.
    inputs: set[Path] = field(default_factory=set)
    resize_images: bool = False  # [course].resize_images / build --resize-images: heavy raster images are re-encoded
    resized: dict[str, bytes] = field(default_factory=dict)  # package path -> the image re-encoded (fit_image)
    module_links: int = 0  # links to other modules of the bundle seen while rendering
    warnings: list[ScormpackError] = field(default_factory=list)
    errors: list[ScormpackError] = field(default_factory=list)  # every bad reference, raised together (raise_errors)
    element_ids: set[str] = field(default_factory=set)  # ids the module's pages hold so far (checks.py)
    anchor_links: list[tuple[str, int]] = field(default_factory=list)  # in-page links: (id, line)
    page_slugs: dict[str, str] = field(default_factory=dict)  # slug of a page title -> that page's anchor
    _next_start: dict[str, int] = field(default_factory=dict, repr=False)

    def line_of(self, reference: str) -> int:
        for offset, line in enumerate(self.source_lines):
            if reference in line:
                return self.first_line + offset
        return self.first_line

    def locate(self, needle: str) -> int:
        """The line of needle's next use, in document order (the second use of an image finds its second line)."""
        start = self._next_start.get(needle, 0)
        for index in range(start, len(self.source_lines)):
            if needle and needle in self.source_lines[index]:
                self._next_start[needle] = index + 1
                return self.first_line + index
        return self.line_of(needle)

    def heading_line(self, text: str) -> int:
        """The line of the heading whose text this is (an ATX '#' line, else the line above a setext underline)."""
        for offset, line in enumerate(self.source_lines):
            if text in line and line.lstrip().startswith("#"):
                return self.first_line + offset
        for offset, line in enumerate(self.source_lines[:-1]):
            if text in line and self.source_lines[offset + 1].strip().strip("=-") == "" and self.source_lines[offset + 1].strip():
                return self.first_line + offset
        return self.line_of(text) if text else self.first_line

    def name_pages(self, titles: list[str]) -> None:
        """A page title's slug is an anchor too: `[see](#from-alpha-to-zulu)` goes to that page (page-N)."""
        for number, title in enumerate(titles, start=1):
            slug = heading_slug(title)
            if slug not in self.page_slugs:
                self.page_slugs[slug] = f"page-{number}"
                self.element_ids.add(slug)

    def raise_errors(self) -> None:
        """Every bad reference of the module at once, with the module's warnings (lint shows both)."""
        if not self.errors:
            return
        findings = [finding for error in self.errors for finding in error.findings]
        findings += [Finding(w.path, w.line, WARNING, w.message) for w in self.warnings]
        raise ScormpackError.of(findings)


def resolve_reference(context: LinkContext, reference: str) -> tuple[Path, str] | None:
    """A relative reference as (file in the course, fragment); None for URLs and in-page anchors."""
    try:
        parts = urlsplit(reference)
    except ValueError:
        raise ScormpackError(
            f"{reference!r} is not a valid link target", context.module_path, context.line_of(reference)
        ) from None
    if parts.scheme or parts.netloc or not parts.path:
        return None
    if parts.path.startswith("/"):
        raise ScormpackError(
            f"absolute path {reference!r}: reference files relative to the module",
            context.module_path,
            context.line_of(reference),
        )
    target = (context.module_path.parent / unquote(parts.path)).resolve()
    root = context.course_root.resolve()
    if root != target and root not in target.parents:
        raise ScormpackError(
            f"{reference!r} points outside the course directory", context.module_path, context.line_of(reference)
        )
    if not target.is_file():
        raise ScormpackError(f"{reference!r}: no such file{_other_case(target)}", context.module_path, context.line_of(reference))
    if "\\" in target.relative_to(root).as_posix():
        raise ScormpackError(
            f"{reference!r}: the file's name holds a backslash, which packages and Windows read as a folder separator; "
            "rename the file",
            context.module_path,
            context.line_of(reference),
        )
    return target, parts.fragment


class LinkTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, context: LinkContext):
        super().__init__(md)
        self.context = context

    def run(self, root) -> None:
        for element in root.iter():
            if element.tag == "img":
                self._rewrite(element, "src")
            elif element.tag == "a":
                self._rewrite(element, "href")

    def _rewrite(self, element, attribute: str) -> None:
        reference = element.get(attribute)
        if not reference:
            return
        try:
            resolved = resolve_reference(self.context, reference)
        except ScormpackError as error:
            self.context.errors.append(error)
            return
        if resolved is None:
            return
        target, fragment = resolved
        context = self.context
        if attribute == "href" and target.suffix == ".md":
            href = context.module_href(target, fragment)
            if href is None:
                context.warnings.append(
                    ScormpackError(
                        f"link to {reference!r}: that module is not in this bundle; the link text is kept without a link",
                        context.module_path,
                        context.line_of(reference),
                    )
                )
                del element.attrib["href"]
            else:
                context.module_links += 1
                if context.link_modules:
                    element.set("href", href)
                else:
                    del element.attrib["href"]
            return
        if element.tag == "img" and not self._check_image(element, target, reference):
            return
        relative = target.relative_to(context.course_root.resolve()).as_posix()
        package_path = posixpath.join(MEDIA_FOLDER, relative)
        context.media[package_path] = target
        element.set(attribute, context.shared_prefix + posixpath.relpath(package_path, "shared"))


    def _check_image(self, element, target: Path, reference: str) -> bool:
        """The image is what its name says (else an error); a heavy one is a warning; an SVG keeps its own size."""
        context = self.context
        line = context.line_of(reference)
        try:
            info = probe_image(target)
        except NotAnImage as problem:
            context.errors.append(ScormpackError(f"image {reference!r}: {problem}", context.module_path, line))
            return False
        heavy = image_warnings(info)
        if heavy and context.resize_images:
            fitted = fit_image(target)
            context.inputs.add(target)  # the packaged bytes are made from it: a change renders again
            if fitted is not None:
                package_path = posixpath.join(MEDIA_FOLDER, target.relative_to(context.course_root.resolve()).as_posix())
                context.resized[package_path] = fitted
                heavy = [f"{len(fitted) // 1024} KB after resizing, over the {MAX_IMAGE_BYTES // 1024} KB limit"] if len(fitted) > MAX_IMAGE_BYTES else []
        if heavy:
            context.warnings.append(
                ScormpackError(
                    f"image {reference!r} is {' and '.join(heavy)}: learners on slow links wait for it; "
                    "scale it to at most twice the page column and recompress it (a photo as JPEG)",
                    context.module_path,
                    line,
                )
            )
        if info.format == "SVG" and not element.get("width") and not element.get("height") and info.width:
            # An <img> of an SVG with only a viewBox has no size of its own and stretches to the column.
            element.set("width", str(info.width))
            if info.height:
                element.set("height", str(info.height))
        return True


class LinkExtension(Extension):
    def __init__(self, context: LinkContext):
        super().__init__()
        self.context = context

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(HeadingIds(md, self.context), "scormpack_heading_ids", 7)
        md.treeprocessors.register(PageChecks(md, self.context), "scormpack_page_checks", 6)
        md.treeprocessors.register(RemoteReferences(md, self.context), "scormpack_remote_references", 5.5)
        md.treeprocessors.register(MediaPlayers(md, self.context), "scormpack_media_players", 5.2)
        md.treeprocessors.register(LinkTreeprocessor(md, self.context), "scormpack_links", 5)


def _other_case(target: Path) -> str:
    """'; 'images/Map.png' exists, with other letter case' when it does: packages and LMS servers tell the case apart."""
    path = Path("/")
    for part in target.parts[1:]:
        try:
            names = {name.lower(): name for name in (entry.name for entry in path.iterdir())} if path.is_dir() else {}
        except OSError:
            return ""
        name = part if (path / part).exists() else names.get(part.lower())
        if name is None:
            return ""
        path = path / name
    if path != target and path.is_file():
        return f"; a file {path.name!r} exists with other letter case (package paths are case-sensitive: write it as named)"
    return ""
