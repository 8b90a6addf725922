"""The output formats, registered by name."""
from __future__ import annotations

from .base import PackagePlan, Target
from .scorm12 import Scorm12Target

TARGETS: dict[str, Target] = {target.name: target for target in (Scorm12Target(),)}


def get_target(name: str) -> Target:
    return TARGETS[name]


__all__ = ["PackagePlan", "Target", "TARGETS", "get_target"]
