"""The output formats, registered by name: the one table every command reads.

A target is one module here (plus its schema set in schemas.py and, where it
has one, its runtime adapter in static/) and one row below. The build, the
`--target` option, course.toml's `[defaults] targets`, `scormpack wrap`, the
preview and validate's choice of schemas read this table; none of them
spells a target's name. See docs/architecture.md, "Adding a target".
"""
from __future__ import annotations

from ..errors import ScormpackError
from .base import MANIFEST_NAME, PackagePlan, Target, WrappedFolder
from .cmi5 import Cmi5Target
from .cc import CC11, CC13, CommonCartridgeTarget
from .scorm12 import Scorm12Target
from .scorm2004 import Scorm2004Target, Scorm2004ThirdEditionTarget
from .web import WebTarget


def _table(*targets: Target) -> dict[str, Target]:
    table: dict[str, Target] = {}
    for target in targets:
        if not target.name or target.name in table or target.name == "all":
            raise ValueError(f"target name {target.name!r} is empty, taken or reserved")
        table[target.name] = target
    return table


# In the order `--help`, `all` and the build report list them.
TARGETS: dict[str, Target] = _table(
    Scorm12Target(),
    Scorm2004Target(),
    Scorm2004ThirdEditionTarget(),
    CommonCartridgeTarget(CC11),
    CommonCartridgeTarget(CC13),
    Cmi5Target(),
    WebTarget(),
)


def get_target(name: str) -> Target:
    """The target of that name; an unknown name is a user's error, listing the known ones."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ScormpackError(f"unknown target {name!r} (available: {', '.join(TARGETS)})") from None


def target_names(*, runtimes: tuple[str, ...] | None = None, wraps_folders: bool | None = None) -> tuple[str, ...]:
    """Registered names, optionally only those whose pages call one of `runtimes`, or that wrap folders."""
    return tuple(
        name
        for name, target in TARGETS.items()
        if (runtimes is None or target.runtime in runtimes)
        and (wraps_folders is None or target.wraps_folders == wraps_folders)
    )


# The runtimes the preview's recording LMS implements: it plays the targets whose pages call one of
# them (here rather than in preview.py, so that the command line names them without loading the server).
PLAYER_RUNTIMES = ("scorm12", "scorm2004")
PREVIEWABLE = target_names(runtimes=PLAYER_RUNTIMES)


def manifest_schema_sets() -> dict[str, str]:
    """standard -> our schema set for its manifest, for the standards our targets write."""
    return {target.standard: target.schema_set for target in TARGETS.values()}


__all__ = [
    "MANIFEST_NAME", "PLAYER_RUNTIMES", "PREVIEWABLE", "PackagePlan", "TARGETS", "Target", "WrappedFolder",
    "get_target", "manifest_schema_sets", "target_names",
]
