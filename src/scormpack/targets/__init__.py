"""The output formats, registered by name."""
from __future__ import annotations

from .base import PackagePlan, Target
from .scorm12 import Scorm12Target
from .scorm2004 import Scorm2004Target, Scorm2004ThirdEditionTarget

TARGETS: dict[str, Target] = {target.name: target for target in (Scorm12Target(), Scorm2004Target(), Scorm2004ThirdEditionTarget())}


def get_target(name: str) -> Target:
    return TARGETS[name]


__all__ = ["PackagePlan", "Target", "TARGETS", "get_target"]
