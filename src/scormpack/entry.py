"""The `scormpack` command's entry point (and `python -m scormpack`'s): the cycle collector's pace is
set before anything is imported, then the command line runs (cli.run)."""
from __future__ import annotations

import gc

# Python collects cycles every 700 net allocations by default. A build makes hundreds of thousands of
# objects that live to its end (the module readings, the cached modules, the manifest), and with that
# pace the collector ran about a hundred times in a one-module rebuild of 1,000 modules, imports
# included, walking young objects that reference counting frees anyway. Every 50,000 it still bounds
# the memory cycles hold, a few times a build.
COLLECTOR_THRESHOLD = 50_000


def main() -> None:
    gc.set_threshold(COLLECTOR_THRESHOLD)
    from .cli import run

    run()
