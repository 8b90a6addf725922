"""Walking the course directory as `Path.rglob` does, with os.scandir and strings.

A rebuild of a 1,000-module course walks it twice (the snapshot of its
sources, then the module files); Path objects made, compared and sorted for
every entry cost several times the walk itself.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator


def walk(root: str, skip: Callable[[str], bool]) -> Iterator[tuple[str, os.DirEntry]]:
    """(path relative to root, with '/', entry) of every entry below root whose name and whose folders'
    names `skip` keeps, in no particular order.

    As rglob: a folder that is a symbolic link is listed but not entered, and a folder that cannot be
    listed is passed over.
    """
    folders = [("", root)]
    while folders:
        prefix, folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if skip(entry.name):
                continue
            relative = prefix + entry.name
            yield relative, entry
            try:
                descend = entry.is_dir() and not entry.is_symlink()
            except OSError:
                descend = False
            if descend:
                folders.append((relative + "/", entry.path))


def path_order(relative: str) -> list[str]:
    """The order Path objects sort in (by their parts): 'a/b' before 'a-b', unlike the strings."""
    return relative.split("/")
