"""Caption files read into cues: what a page needs to give a player its captions itself.

A <track> element names a WebVTT file that the browser loads by address, and
Chromium refuses that to a page opened from file:// (each file is an origin
of its own): learners who open the offline web edition from a disk or a USB
stick would see no captions. So the web edition carries each track's cues in
its pages, and web.js hands them to the player (TextTrack API). They are read
here, from the very WebVTT the <track> names (a SubRip file is converted to
it first, as it is packaged).

The reading follows the WebVTT parser of the specification in what authors
write: the `WEBVTT` line and its header, blocks separated by blank lines, an
optional cue identifier, cue timings `mm:ss.ttt` or `hh:mm:ss.ttt` with cue
settings after them, cue text on one line or more, NOTE, STYLE and REGION
blocks. Where a browser silently drops what it cannot read (a cue whose
timing is mistyped, text cut from its cue by a blank line), this reports it
at its line: a cue lost without a word is a caption a deaf learner never sees.
A cue setting a browser would ignore is left out here too.

Cue text stays WebVTT cue text (`<i>`, `<v Name>`, `&amp;`): the browser's
cue parser reads it, from a file or from a VTTCue alike, and makes nothing
but cue markup of it, never HTML elements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ScormpackError

TIMESTAMP = re.compile(r"(\d+):(\d{2})(?::(\d{2}))?\.(\d{3})")
TIMING = re.compile(r"[ \t]*(?P<start>[^ \t]+?)[ \t]*-->[ \t]*(?P<end>[^ \t]+)(?P<settings>(?:[ \t].*)?)")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SRT_TIME = re.compile(r"(\d{1,2}:\d{2}:\d{2}),(\d{3})")
# Cue settings as the TextTrack API names them (VTTCue properties), in the order they must be set:
# snapToLines before line, which it changes the meaning of.
SETTING_PROPERTIES = ("vertical", "snapToLines", "line", "lineAlign", "position", "positionAlign", "size", "align")
_PERCENT = r"(\d+(?:\.\d+)?)%"
_LINE = re.compile(r"(?:(-?\d+)|" + _PERCENT + r")(?:,(start|center|end))?")
_POSITION = re.compile(_PERCENT + r"(?:,(line-left|center|line-right))?")
_SIZE = re.compile(_PERCENT)


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # WebVTT cue text, its lines joined with "\n"
    identifier: str = ""
    settings: dict[str, str | float | bool] = field(default_factory=dict)  # VTTCue property -> value

    def as_data(self) -> dict:
        """The cue as the web edition's pages carry it (JSON; web.js makes a VTTCue of it)."""
        data: dict = {"start": self.start, "end": self.end, "text": self.text}
        if self.identifier:
            data["id"] = self.identifier
        if self.settings:
            data["settings"] = dict(self.settings)
        return data


def read_caption_text(path: Path) -> str:
    """A caption file's text. WebVTT is UTF-8 (browsers decode it so), and a SubRip file saved in a legacy
    code page would show its accented letters as U+FFFD on every learner's screen: an error at its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScormpackError("captions: the file is not valid UTF-8: save it as UTF-8", path, line) from None


def read_webvtt(text: str, path: Path, line_offset: int = 0) -> tuple[list[Cue], list[ScormpackError]]:
    """The cues of a WebVTT file's text, and every problem found, located at path:line (line + line_offset)."""
    lines = LINE_BREAK.split(text.lstrip("\ufeff"))
    errors: list[ScormpackError] = []

    def problem(message: str, index: int) -> None:
        errors.append(ScormpackError(f"captions: {message}", path, index + 1 + line_offset))

    if not _is_header(lines[0]):
        problem("the file does not start with 'WEBVTT'", 0)
        return [], errors
    index = 1
    while index < len(lines) and lines[index] and "-->" not in lines[index]:
        index += 1  # the header's own lines (a line with "-->" starts the first cue, as browsers read it)
    cues: list[Cue] = []
    while index < len(lines):
        if not lines[index]:
            index += 1
            continue
        first = index
        block, timing_at = _collect_block(lines, index)
        index += len(block)
        if timing_at is None:
            if not _is_ignored_block(block):
                problem(
                    f"{_shown(block[0])} is not part of a cue (a cue starts with its timing line 'start --> end', "
                    "and a blank line ends it) nor a NOTE, STYLE or REGION block", first,
                )
            continue
        cue = _cue(block, timing_at, lambda message: problem(message, first + timing_at))
        if cue is not None:
            cues.append(cue)
    return cues, errors


def read_subrip(text: str, path: Path) -> tuple[str, list[Cue], list[ScormpackError]]:
    """A SubRip file as the WebVTT packaged in its place, its cues, and its problems at the .srt's own lines."""
    normalized = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    webvtt = srt_to_vtt(normalized)
    blank_lines_dropped = normalized[: len(normalized) - len(normalized.lstrip())].count("\n")
    # srt_to_vtt puts two lines ("WEBVTT", blank) before the text, and drops its leading blank lines.
    cues, errors = read_webvtt(webvtt, path, line_offset=blank_lines_dropped - 2)
    return webvtt, cues, errors


def srt_to_vtt(text: str) -> str:
    """SubRip to WebVTT: a header, and '.' for ',' in the cue times (cue numbers are valid cue ids)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [SRT_TIME.sub(r"\1.\2", line) if "-->" in line else line for line in text.split("\n")]
    return "WEBVTT\n\n" + "\n".join(lines).strip() + "\n"


def _is_header(line: str) -> bool:
    return line == "WEBVTT" or line.startswith(("WEBVTT ", "WEBVTT\t"))


def _collect_block(lines: list[str], start: int) -> tuple[list[str], int | None]:
    """The block of lines from start to a blank line, and the place of its timing line in it (None: no cue).

    As in the specification, a line with "-->" is the block's timing line when it is its first line or
    follows one identifier line; anywhere else it starts the next block.
    """
    block: list[str] = []
    timing_at = None
    index = start
    while index < len(lines) and lines[index]:
        if "-->" in lines[index]:
            if timing_at is not None or len(block) > 1:
                break
            timing_at = len(block)
        block.append(lines[index])
        index += 1
    return block, timing_at


def _is_ignored_block(block: list[str]) -> bool:
    """A NOTE (a comment), a STYLE or REGION block (the player's business), or lines of spaces only."""
    head = block[0]
    return (
        any(head == word or head.startswith((word + " ", word + "\t")) for word in ("NOTE", "STYLE", "REGION"))
        or not "".join(block).strip()
    )


def _cue(block: list[str], timing_at: int, problem) -> Cue | None:
    timing = TIMING.fullmatch(block[timing_at])
    start = timestamp(timing.group("start")) if timing else None
    end = timestamp(timing.group("end")) if timing else None
    if timing is None or start is None or end is None:
        problem(f"cue timing {_shown(block[timing_at])} is not 'start --> end' with times as mm:ss.ttt or hh:mm:ss.ttt")
        return None
    if end <= start:
        problem(f"the cue {_shown(block[timing_at])} ends before it starts (or as it starts): it would never show")
        return None
    return Cue(
        start, end, "\n".join(block[timing_at + 1:]), block[0] if timing_at == 1 else "",
        cue_settings(timing.group("settings")),
    )


def timestamp(value: str) -> float | None:
    """A WebVTT timestamp in seconds (`mm:ss.ttt`, or `h:mm:ss.ttt` with hours of any length), or None."""
    match = TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    first, second, third, milliseconds = match.groups()
    if third is None:
        if len(first) != 2:
            return None  # a first field that is not two digits is hours, and needs minutes and seconds after it
        hours, minutes, seconds = 0, int(first), int(second)
    else:
        hours, minutes, seconds = int(first), int(second), int(third)
    if minutes > 59 or seconds > 59:
        return None
    return round(hours * 3600 + minutes * 60 + seconds + int(milliseconds) / 1000, 3)


def cue_settings(text: str) -> dict[str, str | float | bool]:
    """The cue settings after a timing (`align:start line:85% position:10%,line-left`) as VTTCue properties.

    A setting browsers would ignore (unknown, or its value out of range) is left out, as they leave it.
    """
    settings: dict[str, str | float | bool] = {}
    for token in text.split():
        name, _, value = token.partition(":")
        if name == "vertical" and value in ("rl", "lr"):
            settings["vertical"] = value
        elif name == "align" and value in ("start", "center", "end", "left", "right"):
            settings["align"] = value
        elif name == "line" and (line := _LINE.fullmatch(value)):
            lines, percent, line_align = line.groups()
            if percent is not None and float(percent) > 100:
                continue
            settings["snapToLines"] = percent is None
            settings["line"] = int(lines) if percent is None else _number(percent)
            if line_align:
                settings["lineAlign"] = line_align
        elif name == "position" and (position := _POSITION.fullmatch(value)) and float(position.group(1)) <= 100:
            settings["position"] = _number(position.group(1))
            if position.group(2):
                settings["positionAlign"] = position.group(2)
        elif name == "size" and (size := _SIZE.fullmatch(value)) and float(size.group(1)) <= 100:
            settings["size"] = _number(size.group(1))
    return settings


def _number(text: str) -> float:
    number = float(text)
    return int(number) if number.is_integer() else number


def _shown(line: str, limit: int = 60) -> str:
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")
