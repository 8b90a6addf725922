"""Fenced `::: name args` ... `:::` blocks in module source, found line by line.

Both the loader (to parse quizzes and check conditions with exact line
numbers) and the Markdown extensions (to keep or drop passages) use this one
scanner, so the two can never disagree about where a block starts or ends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScormpackError

FENCE = re.compile(r"^:::\s*(?P<name>[A-Za-z][\w-]*)?(?P<args>.*)$")
CODE_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Block:
    name: str
    args: str
    start: int  # index of the opening line
    end: int  # index of the closing line


def find_blocks(lines: list[str], path: Path, first_line: int) -> list[Block]:
    """The top-level ::: blocks in lines; first_line is the file line of lines[0]."""
    blocks: list[Block] = []
    open_block: Block | None = None
    in_code = False
    for index, line in enumerate(lines):
        if CODE_FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        match = FENCE.match(line.rstrip())
        if not match:
            continue
        name = match.group("name")
        if name is None and not match.group("args").strip():
            if open_block is None:
                raise ScormpackError("closing ':::' without an opening block", path, first_line + index)
            open_block.end = index
            blocks.append(open_block)
            open_block = None
        elif name is None:
            raise ScormpackError(f"malformed block line {line.strip()!r}", path, first_line + index)
        elif open_block is not None:
            raise ScormpackError(
                f"'::: {name}' inside the '::: {open_block.name}' block opened on line "
                f"{first_line + open_block.start}; blocks do not nest",
                path,
                first_line + index,
            )
        else:
            open_block = Block(name, match.group("args").strip(), index, -1)
    if open_block is not None:
        raise ScormpackError(f"'::: {open_block.name}' block is never closed", path, first_line + open_block.start)
    return blocks


@dataclass(frozen=True)
class Condition:
    audiences: tuple[str, ...] | None
    stages: tuple[str, ...] | None

    def keeps(self, audience: str | None, stage: str | None) -> bool:
        if self.audiences is not None and audience not in self.audiences:
            return False
        if self.stages is not None and stage not in self.stages:
            return False
        return True


def parse_condition(args: str, path: Path, line: int) -> Condition:
    """`audience=a,b stage=c` -> Condition; unknown keys are errors."""
    values: dict[str, tuple[str, ...]] = {}
    for part in args.split():
        key, sep, value = part.partition("=")
        if not sep or key not in ("audience", "stage") or not value:
            raise ScormpackError(
                f"'::: only' expects audience=ID[,ID] and/or stage=ID[,ID], got {part!r}", path, line
            )
        if key in values:
            raise ScormpackError(f"'{key}=' given twice", path, line)
        values[key] = tuple(item for item in value.split(",") if item)
    if not values:
        raise ScormpackError("'::: only' needs audience=... or stage=...", path, line)
    return Condition(values.get("audience"), values.get("stage"))
