"""Video and audio from Markdown: a paragraph that is only a link to a media file becomes a player.

    [Radio check at the gate (video, 12 s)](../media/radio-check.mp4)

In any Markdown viewer this stays a link to the file; in a package it is the
browser's own <video> (or <audio>) player, with the link kept inside it for
browsers that cannot play the file. Its companions are found beside it by
name, so the Markdown stays one plain line:

- `radio-check.<lang>.vtt` (or `.srt`, converted to WebVTT): captions in the
  course's language, subtitles in the others;
- `radio-check.poster.<png|jpg|webp>`: the poster frame;
- `radio-check.transcript.<txt|html|pdf>`: linked under the player.

Attributes after the link (attr_list) name them instead, and choose when the
page counts as seen: `{poster=... transcript=... seen=played}` (`played`:
once the media has played to its end; `moved-on`: once the learner leaves
the page; default: on arrival, like any page).
"""
from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from ..captions import read_caption_text, read_subrip, read_webvtt
from ..errors import ScormpackError

if TYPE_CHECKING:
    from .links import LinkContext

VIDEO = {".mp4", ".m4v", ".webm", ".ogv"}
AUDIO = {".mp3", ".m4a", ".ogg", ".oga", ".opus", ".wav"}
POSTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
TRANSCRIPT_SUFFIXES = (".txt", ".html", ".pdf")
SEEN_RULES = {"played", "moved-on"}
CAPTION_FILE = re.compile(r"^(?P<stem>.+)\.(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.(?P<kind>vtt|srt)$")


def media_kind(path: str) -> str | None:
    suffix = posixpath.splitext(path.split("?")[0].split("#")[0])[1].lower()
    return "video" if suffix in VIDEO else "audio" if suffix in AUDIO else None


def content_matches(path: Path) -> bool:
    """The file's first bytes are a container browsers play (names are not trusted: see media.py)."""
    with path.open("rb") as file:
        head = file.read(16)
    return (
        head[4:8] == b"ftyp"  # MP4, M4A, M4V
        or head.startswith(b"\x1a\x45\xdf\xa3")  # WebM (Matroska)
        or head.startswith(b"OggS")
        or head.startswith(b"ID3")
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)  # MP3 frame
        or (head.startswith(b"RIFF") and head[8:12] == b"WAVE")
    )


def language_label(tag: str, in_language: str) -> str:
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(Locale.parse(in_language.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return tag
    return name[:1].upper() + name[1:] if name else tag


class MediaPlayers(Treeprocessor):
    def __init__(self, md: Markdown, context: LinkContext):
        super().__init__(md)
        self.context = context

    def run(self, root) -> None:
        for parent in list(root.iter()):
            for index, paragraph in enumerate(list(parent)):
                link = self._lone_media_link(paragraph)
                if link is not None:
                    figure = self._player(link)
                    if figure is not None:
                        figure.tail = paragraph.tail
                        parent.remove(paragraph)
                        parent.insert(index, figure)

    @staticmethod
    def _lone_media_link(paragraph):
        if paragraph.tag != "p" or len(paragraph) != 1 or (paragraph.text or "").strip():
            return None
        link = paragraph[0]
        if link.tag != "a" or (link.tail or "").strip() or not media_kind(link.get("href", "")):
            return None
        return link

    def _player(self, link):
        from .links import resolve_reference  # links.py registers this processor

        context = self.context
        written = link.get("href")
        line = context.locate(written)
        try:
            resolved = resolve_reference(context, written)
        except ScormpackError as error:
            context.errors.append(error)
            return None
        if resolved is None:
            return None  # remote: the remote-reference check reports it
        source, _ = resolved
        if not content_matches(source):
            context.errors.append(
                ScormpackError(f"media {written!r}: its content is not a video or audio file browsers play", context.module_path, line)
            )
            return None
        kind = media_kind(written)
        label = "".join(link.itertext()).strip() or source.name
        player = etree.Element(kind, {"controls": "", "preload": "metadata", "src": self._package(source)})
        player.set("aria-label", label)
        seen = link.get("seen")
        if seen:
            if seen not in SEEN_RULES:
                context.errors.append(
                    ScormpackError(f"media {written!r}: seen={seen!r} must be one of {', '.join(sorted(SEEN_RULES))}", context.module_path, line)
                )
            else:
                player.set("data-sp-seen", seen)
        poster = self._companion(source, link.get("poster"), ".poster", POSTER_SUFFIXES, written, line)
        if poster is not None and kind == "video":
            player.set("poster", self._package(poster))
        tracks = self._tracks(source, player, written, line)
        if kind == "video" and not tracks:
            context.warnings.append(
                ScormpackError(
                    f"video {written!r} has no captions (WCAG 1.2.2): put a WebVTT or SubRip file beside it, "
                    f"named {source.stem}.{context.language}.vtt",
                    context.module_path,
                    line,
                )
            )
        fallback = etree.SubElement(player, "a", {"href": written})
        fallback.text = label
        figure = etree.Element("figure", {"class": f"sp-media sp-{kind}"})
        figure.append(player)
        caption = etree.SubElement(figure, "figcaption")
        caption.text = label
        transcript = self._companion(source, link.get("transcript"), ".transcript", TRANSCRIPT_SUFFIXES, written, line)
        if transcript is not None:
            caption.text = label + " · "
            # Written relative to the module, so the link rewriter packages it like any linked file.
            anchor = etree.SubElement(caption, "a", {"href": self._written_relative(transcript), "class": "sp-transcript"})
            anchor.text = context.transcript_label
        return figure

    def _written_relative(self, path: Path) -> str:
        return Path(posixpath.relpath(path.as_posix(), self.context.module_path.parent.resolve().as_posix())).as_posix()

    def _package(self, source: Path) -> str:
        from .links import MEDIA_FOLDER

        context = self.context
        relative = source.relative_to(context.course_root.resolve()).as_posix()
        package_path = posixpath.join(MEDIA_FOLDER, relative)
        context.media[package_path] = source
        return context.shared_prefix + posixpath.relpath(package_path, "shared")

    def _companion(self, source: Path, given: str | None, infix: str, suffixes, written: str, line: int) -> Path | None:
        from .links import resolve_reference

        if given:
            try:
                resolved = resolve_reference(self.context, given)
            except ScormpackError as error:
                self.context.errors.append(error)
                return None
            return resolved[0] if resolved else None
        self.context.inputs.add(source.parent)  # a companion added there later changes the page
        for suffix in suffixes:
            candidate = source.with_name(source.stem + infix + suffix)
            if candidate.is_file():
                return candidate
        return None

    def _tracks(self, source: Path, player, written: str, line: int) -> list:
        context = self.context
        found = []
        context.inputs.add(source.parent)  # captions added there later change the page
        for candidate in sorted(source.parent.iterdir()):
            match = CAPTION_FILE.match(candidate.name)
            if not match or match.group("stem") != source.stem or not candidate.is_file():
                continue
            language = match.group("language")
            context.inputs.add(candidate)
            try:
                text = read_caption_text(candidate)
            except ScormpackError as error:
                context.errors.append(error)
                continue
            if match.group("kind") == "srt":
                converted = f"{context.module_id}/captions/{source.stem}.{language}.vtt"
                # Through the module's folder: the same address from its pages and from the web edition's
                # handout (print/), which shows the player too.
                src = f"../{converted}"
                webvtt, cues, problems = read_subrip(text, candidate)
                context.generated[converted] = webvtt.encode("utf-8")
            elif not text.lstrip("\ufeff").startswith("WEBVTT"):
                context.errors.append(
                    ScormpackError(f"captions {candidate.name!r} for {written!r} do not start with 'WEBVTT'", context.module_path, line)
                )
                continue
            else:
                src = self._package(candidate)
                cues, problems = read_webvtt(text, candidate)
            context.errors.extend(problems)
            context.captions[src] = tuple(cues)  # the web edition's pages carry them (render.py, web.js)
            own = language.split("-")[0] == context.language.split("-")[0]
            track = etree.SubElement(
                player,
                "track",
                {
                    "kind": "captions" if own else "subtitles",
                    "srclang": language,
                    "label": language_label(language, context.language),
                    "src": src,
                },
            )
            if own and not any(t.get("default") is not None for t in found):
                track.set("default", "")
            found.append(track)
        return found
