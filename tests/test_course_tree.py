"""The course walk (course_tree.py) lists what Path.rglob lists, in the same order, for the snapshot and the module files."""
from __future__ import annotations

import os
from pathlib import Path

from scormpack.cache import source_snapshot
from scormpack.loader import module_files


def rglob_module_files(root: Path) -> list[Path]:
    def is_module(path: Path) -> bool:
        return path.name != "README.md" and not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)

    return sorted(path for path in root.rglob("*.md") if is_module(path))


def rglob_snapshot(root: Path) -> dict:
    snapshot = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        try:
            stat = path.stat()
        except OSError:
            if path.is_symlink():
                snapshot[relative.as_posix()] = (-1, -1, -1)
            continue
        if path.is_file():
            snapshot[relative.as_posix()] = (stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns)
    return snapshot


def test_the_walk_lists_what_rglob_lists_links_hidden_and_underscored_folders_included(tmp_path: Path):
    root = tmp_path / "course"
    for name in ["a.md", "a-b.md", "a/b.md", "a/c/d.md", "README.md", "a/README.md", "_drafts/x.md", ".hidden/y.md",
                 "a/.z.md", "notes.txt", "__pycache__/m.md", "b/_part.md", "images/i.svg", "x.md.bak"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("---\n")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "inner").mkdir(parents=True)
    (elsewhere / "outside.md").write_text("---\n")
    (elsewhere / "inner" / "deep.md").write_text("---\n")
    os.symlink(elsewhere / "outside.md", root / "linked.md")  # a link to a file: listed
    os.symlink(elsewhere / "inner", root / "linked-folder")  # a link to a folder: listed, not entered
    os.symlink(tmp_path / "nowhere.md", root / "broken.md")  # a link to nowhere: listed (the loader reports it)
    (root / "folder.md").mkdir()  # a folder named like a module: listed, as rglob lists it
    assert module_files(root) == rglob_module_files(root)
    assert [str(path) for path in module_files(root)] == [str(path) for path in rglob_module_files(root)]
    assert list(source_snapshot(root).items()) == list(rglob_snapshot(root).items())
    assert source_snapshot(root)["broken.md"] == (-1, -1, -1) and "linked-folder/deep.md" not in source_snapshot(root)
