"""The output formats, registered by name."""
from __future__ import annotations

from .base import PackagePlan, Target
from .cc import CC11, CC13, CommonCartridgeTarget
from .scorm12 import Scorm12Target
from .scorm2004 import Scorm2004Target, Scorm2004ThirdEditionTarget

TARGETS: dict[str, Target] = {target.name: target for target in (Scorm12Target(), Scorm2004Target(), Scorm2004ThirdEditionTarget(), CommonCartridgeTarget(CC11), CommonCartridgeTarget(CC13))}


def get_target(name: str) -> Target:
    return TARGETS[name]


__all__ = ["PackagePlan", "Target", "TARGETS", "get_target"]
