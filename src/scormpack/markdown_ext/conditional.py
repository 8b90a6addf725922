"""`::: only audience=... stage=...` passages: kept or dropped for the bundle being rendered."""
from __future__ import annotations

from pathlib import Path

from .blocks import find_blocks, parse_condition


def filter_passages(lines: list[str], path: Path, first_line: int, audience: str | None, stage: str | None) -> list[str]:
    """Lines with the passages this audience and stage should not see blanked out.

    Blanking (rather than deleting) keeps every remaining line at its source
    line number, so later messages can still point into the file.
    """
    kept = list(lines)
    for block in find_blocks(lines, path, first_line):
        if block.name != "only":
            continue
        condition = parse_condition(block.args, path, first_line + block.start)
        keep = condition.keeps(audience, stage)
        kept[block.start] = ""
        kept[block.end] = ""
        if not keep:
            for index in range(block.start + 1, block.end):
                kept[index] = ""
    return kept
