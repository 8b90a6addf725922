"""Benchmarks of the release pipeline: wall time, CPU time, peak memory and output size.

    python benchmarks/run.py [--workdir DIR] [--jobs N] [--skip-media] [--repeat N]

Each scenario runs `scormpack` in a fresh process, as a release pipeline
would, and is measured from outside: wall time; CPU time of the process and
its workers (os.wait4); peak memory, sampled from /proc every 20 ms, of the
largest process (its VmHWM) and of all its processes together (the sum of
their PSS, so pages shared after fork count once);
the bytes of the packages written; the machine's load average (1 minute) as
the scenario started. The rebuilds of the 1,000-module course run --repeat
times (each one-module edit a new edit) and the best wall and best CPU time
are kept: other work on a shared machine only ever adds time. The figures to
reach on a 2-core machine are printed beside each result. These are
benchmarks, not tests: nothing here fails a test run.

scormpack's modules are compiled to bytecode first, as installing a wheel
does: where PYTHONDONTWRITEBYTECODE is set (or the source folder is read-only)
every fresh process would otherwise compile them again, which is start-up time
no installed scormpack spends.
"""
from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from make_course import make_course  # noqa: E402

PACKAGE_SUFFIXES = (".zip", ".imscc")


@dataclass
class Measure:
    name: str
    wall: float
    cpu: float
    peak_rss_mb: float  # the largest single process (peak RSS)
    peak_tree_mb: float  # every process of the run together (PSS)
    output_mb: float
    goal: str
    met: bool | None
    exit_code: int
    load: float = 0.0  # the load average (1 minute) as it started
    runs: int = 1  # the best of how many runs


def process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """(peak RSS of the process so far, its proportional share of memory now), in KiB."""
    peak = share = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    share = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return peak, share


def run(name: str, command: list[str], out_dir: Path | None, goal: str, check) -> Measure:
    """Run command, measuring it; check(measure) says whether the goal is met."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    peak_tree = peak_process = 0
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment, cwd=REPO)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_process
        while not stop.is_set():
            memory = [memory_kb(pid) for pid in process_tree(process.pid)]
            peak_process = max([peak_process, *(peak for peak, _ in memory)])
            peak_tree = max(peak_tree, sum(share for _, share in memory))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        print(f"{name}: exit {process.returncode}\n{stderr.decode(errors='replace')[-2000:]}", file=sys.stderr)
    output = 0
    if out_dir is not None and out_dir.exists():
        targets = [out_dir] if out_dir.is_file() else [p for p in out_dir.iterdir() if p.suffix in PACKAGE_SUFFIXES]
        output = sum(p.stat().st_size for p in targets)
    measure = Measure(
        name,
        wall,
        usage.ru_utime + usage.ru_stime,
        peak_process / 1024,
        peak_tree / 1024,
        output / 1024**2,
        goal,
        None,
        process.returncode,
        load,
    )
    measure.met = process.returncode == 0 and check(measure)
    return measure


def best_of(measures: list[Measure], check) -> Measure:
    """One line for repeated runs: the best wall and the best CPU time (each may come from another run),
    the largest memory, the lowest load seen as a run started."""
    failed = next((m for m in measures if m.exit_code), None)
    if failed is not None:
        return failed
    best = Measure(
        measures[0].name,
        min(m.wall for m in measures),
        min(m.cpu for m in measures),
        max(m.peak_rss_mb for m in measures),
        max(m.peak_tree_mb for m in measures),
        measures[-1].output_mb,
        measures[0].goal,
        None,
        0,
        min(m.load for m in measures),
        len(measures),
    )
    best.met = check(best)
    return best


def edit_module(path: Path, round: int = 0) -> None:
    """What an author does between two builds: a sentence added to one module."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n\n", f"\n\nA sentence added between two builds ({round}).\n\n", 1), encoding="utf-8")


PREVIEW_REBUILD = """
import sys, time
from pathlib import Path
from scormpack.preview import Preview
course = Path(sys.argv[1])
preview = Preview(course, port=0, report=lambda message, is_error: None)
preview.start(watch=False)
module = course / "modules" / "m0500.md"
walls, cpus = [], []
for round in range(3):
    module.write_text(module.read_text().replace("\\n\\n", f"\\n\\nPreview edit {round}.\\n\\n", 1))
    wall, cpu = time.perf_counter(), time.process_time()
    assert preview.rebuild()
    walls.append(time.perf_counter() - wall)
    cpus.append(time.process_time() - cpu)
preview.stop()
print(f"{min(walls):.2f} s wall, {min(cpus):.2f} s CPU (best of 3)")
"""


def preview_rebuild(course: Path) -> str:
    """The rebuild a running preview does after a one-module edit, timed inside its process (best of 3)."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    done = subprocess.run([sys.executable, "-c", PREVIEW_REBUILD, str(course)], capture_output=True, text=True, env=environment, cwd=REPO)
    return done.stdout.strip() if done.returncode == 0 else f"failed: {done.stderr.strip()[-300:]}"


def make_site(folder: Path, files: int) -> Path:
    """An exported HTML site of `files` files: pages, styles, scripts and small pictures."""
    rng = random.Random(3)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "pages").mkdir(parents=True)
    (folder / "assets").mkdir()
    links = []
    for index in range(files - 1):
        kind = index % 4
        if kind == 0:
            name = f"pages/page-{index:04}.html"
            body = " ".join(rng.choice(["safety", "exit", "drill", "alarm", "floor", "warden"]) for _ in range(300))
            (folder / name).write_text(f"<!doctype html><html><body><h1>Page {index}</h1><p>{body}</p></body></html>\n")
            links.append(name)
        elif kind == 1:
            (folder / f"assets/style-{index:04}.css").write_text(f".c{index} {{ color: #{index % 4096:03x}; }}\n" * 40)
        elif kind == 2:
            (folder / f"assets/script-{index:04}.js").write_text(f"function f{index}() {{ return {index}; }}\n" * 40)
        else:
            (folder / f"assets/picture-{index:04}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(20_000))
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links[:50])
    (folder / "index.html").write_text(
        "<!doctype html><html><head><script>var api = window.parent.API; api.LMSInitialize('');</script></head>"
        f"<body><h1>Exported site</h1><ul>{items}</ul></body></html>\n"
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, help="where generated courses and outputs go (default: a temporary folder)")
    parser.add_argument("--jobs", type=int, help="passed to scormpack build --jobs (default: every core)")
    parser.add_argument("--skip-media", action="store_true", help="skip the 500 MB media scenario")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--rebuilds-only", action="store_true", help="only the 1,000-module course's clean build and its rebuilds")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each rebuild of the 1,000-module course; the best is kept (default 3)")
    arguments = parser.parse_args()
    compileall.compile_dir(str(REPO / "src" / "scormpack"), quiet=1)  # see the module's docstring
    workdir = arguments.workdir or Path(tempfile.mkdtemp(prefix="scormpack-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    scormpack = [sys.executable, "-m", "scormpack"]
    jobs = ["--jobs", str(arguments.jobs)] if arguments.jobs else []
    measures: list[Measure] = []
    ratios: list[str] = []
    try:
        print(f"work folder: {workdir}; {os.cpu_count()} cores; generating inputs ...", file=sys.stderr)
        big = make_course(workdir / "course-1000", 1000)
        only_rebuilds = arguments.rebuilds_only
        media = None if arguments.skip_media or only_rebuilds else make_course(workdir / "course-1000-media", 1000, media_mb=500)
        site = None if only_rebuilds else make_site(workdir / "site-2000", 2000)

        full = workdir / "out-full"
        shutil.rmtree(full, ignore_errors=True)
        build_full = [*scormpack, "build", str(REPO / "content"), "--all-targets", "-o", str(full), *jobs]
        if not only_rebuilds:
            measures.append(run("bundled course, all bundles x all targets", build_full, full, "< 3 s wall", lambda m: m.wall < 3))
            measures.append(run("bundled course, no-change rebuild", build_full, full, "< 1 s wall", lambda m: m.wall < 1))
        for name, course in (("1,000 modules, one target", big), ("1,000 modules + 500 MB media, one target", media)):
            if course is None:
                continue
            out = workdir / f"out-{course.name}"
            shutil.rmtree(out, ignore_errors=True)
            command = [*scormpack, "build", str(course), "-t", "scorm12", "-o", str(out), *jobs]
            goal, check = ("< 15 s wall", lambda m: m.wall < 15) if "media" not in name else ("< 300 MB peak", lambda m: m.peak_tree_mb < 300)
            measures.append(run(name, command, out, goal, check))
            clean = measures[-1]
            if course is big and not only_rebuilds:
                # Lint finds what the build does (it renders every bundle) and writes nothing:
                # at most as long as the build, and faster where the build's cache holds the modules.
                built = clean.wall
                lint = [*scormpack, "lint", str(course)]
                fresh = workdir / "out-lint-no-cache"
                measures.append(
                    run("1,000 modules, lint (no build cache)", [*lint, "-o", str(fresh)], None,
                        f"<= the build ({built:.1f} s)", lambda m, built=built: m.wall <= built)
                )
                measures.append(
                    run("1,000 modules, lint after that build", [*lint, "-o", str(out)], None,
                        f"<= the build ({built:.1f} s)", lambda m, built=built: m.wall <= built)
                )
            if course is big:
                edits, unchanged = [], []
                for round in range(max(1, arguments.repeat)):
                    edit_module(course / "modules" / "m0500.md", round)
                    edits.append(run("1,000 modules, one-module edit rebuild", command, out, "< 0.5 s wall", lambda m: m.wall < 0.5))
                    unchanged.append(run("1,000 modules, no-change rebuild", command, out, "< 0.5 s wall", lambda m: m.wall < 0.5))
                edited = best_of(edits, lambda m: m.wall < 0.5)
                measures.append(edited)
                measures.append(best_of(unchanged, lambda m: m.wall < 0.5))
                ratios.append(
                    f"one-module edit rebuild / clean build (1,000 modules): wall {edited.wall:.2f} s / {clean.wall:.2f} s = "
                    f"{edited.wall / clean.wall:.2f}; CPU {edited.cpu:.2f} s / {clean.cpu:.2f} s = {edited.cpu / clean.cpu:.2f}"
                )
                ratios.append(f"preview, one-module edit rebuild in the running preview (1,000 modules): {preview_rebuild(course)}")
        if site is not None:
            wrapped = workdir / "out-wrap" / "site.zip"
            shutil.rmtree(wrapped.parent, ignore_errors=True)
            command = [*scormpack, "wrap", str(site), "--launch", "index.html", "--title", "Exported site", "-o", str(wrapped)]
            measures.append(run("wrap of a 2,000-file folder", command, wrapped, "(no figure set)", lambda m: True))
    finally:
        if not arguments.keep and arguments.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    header = ["scenario", "runs", "wall s", "CPU s", "load", "largest proc MB", "all procs MB", "output MB", "goal", "met"]
    rows = [
        [
            m.name,
            f"best of {m.runs}" if m.runs > 1 else "1",
            f"{m.wall:.2f}",
            f"{m.cpu:.2f}",
            f"{m.load:.1f}",
            f"{m.peak_rss_mb:.0f}",
            f"{m.peak_tree_mb:.0f}",
            f"{m.output_mb:.1f}",
            m.goal,
            "yes" if m.met else ("FAILED RUN" if m.exit_code else "no"),
        ]
        for m in measures
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for ratio in ratios:
        print(f"\n{ratio}")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine skews wall times)")


if __name__ == "__main__":
    main()
