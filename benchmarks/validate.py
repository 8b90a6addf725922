"""Benchmarks of `scormpack validate`: time on the bundled course's packages, peak memory on hostile input.

    python benchmarks/validate.py [--workdir DIR] [--skip-course]

1. Builds every package of the bundled course (content/) and validates each
   one in this process, reading every member: the time per package (median
   and slowest) and per MiB.
2. Writes hostile packages and validates each in a fresh process, measured
   from outside (wall time and the child's peak RSS from os.wait4): a
   manifest of 300,000 <file> elements, manifests just under and over the
   size and element ceilings, launch pages at the member ceiling. The
   ceiling to keep on any input is 300 MB of peak memory; the worst case is
   printed last.
These are benchmarks, not tests: nothing here fails a test run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MEMORY_CEILING_MB = 300

MANIFEST_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" identifier="M">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>T</title></item></organization></organizations>
  <resources>
    <resource identifier="R" type="webcontent" adlcp:scormType="sco" href="index.html">
"""
MANIFEST_TAIL = "    </resource>\n  </resources>\n</manifest>\n"


def manifest_with_files(count: int, present: bool, compact: bool = False) -> tuple[bytes, dict[str, bytes]]:
    lines = [f'<file href="{number:x}"/>' if compact else f'      <file href="f/{number:07d}.html"/>\n' for number in range(count)]
    manifest = (MANIFEST_HEAD + "".join(lines) + MANIFEST_TAIL).encode()
    files = {f"f/{number:07d}.html": b"" for number in range(count)} if present else {}
    return manifest, files


def write_package(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def hostile_packages(folder: Path) -> list[tuple[str, Path]]:
    from scormpack.validate import LIMITS

    page = b"<html><body>" + b"<p>x</p>" * 10 + b"</body></html>"
    made = []
    for count, present, compact in ((300_000, False, False), (300_000, False, True), (LIMITS.xml_elements - 20, False, False), (15_000, True, False)):
        manifest, files = manifest_with_files(count, present, compact)
        label = f"manifest of {count:,} <file> elements ({len(manifest) / 2**20:.1f} MiB), files {'present' if present else 'missing'}"
        made.append((label, write_package(folder / f"files-{count}-{present}-{compact}.zip", {"imsmanifest.xml": manifest, "index.html": page, **files})))
    comment = b"<!--" + os.urandom(384 * 1024).hex().encode() + b"-->"  # libxml2 caps one text node at 10 MB
    manifest, _ = manifest_with_files(1, False)
    padded = manifest.replace(b"<metadata>", comment * ((LIMITS.xml_bytes - len(manifest)) // len(comment)) + b"<metadata>")
    made.append((f"manifest just under the size ceiling ({len(padded) / 2**20:.1f} MiB of comments)",
                 write_package(folder / "manifest-size.zip", {"imsmanifest.xml": padded, "index.html": page})))
    over = padded.replace(b"<metadata>", comment * 2 + b"<metadata>")
    made.append((f"manifest over the size ceiling ({len(over) / 2**20:.1f} MiB)",
                 write_package(folder / "manifest-over.zip", {"imsmanifest.xml": over, "index.html": page})))
    paragraph = lambda: b"<p>" + os.urandom(3).hex().encode() + b"</p>"  # noqa: E731 - 16 bytes, incompressible enough
    manifest = (MANIFEST_HEAD + MANIFEST_TAIL).encode()
    for count in (LIMITS.xml_elements - 10, (LIMITS.xml_bytes - 100) // 16):
        big_page = b"<html><body>" + b"".join(paragraph() for _ in range(count)) + b"</body></html>"
        made.append((f"launch page of {count:,} paragraphs ({len(big_page) / 2**20:.1f} MiB)",
                     write_package(folder / f"big-page-{count}.zip", {"imsmanifest.xml": manifest, "index.html": big_page})))
    pages = 20
    resources = "".join(
        f'<resource identifier="P{n}" type="webcontent" adlcp:scormType="sco" href="page-{n}.html"><file href="page-{n}.html"/></resource>'
        for n in range(pages)
    )
    items = "".join(f'<item identifier="IP{n}" identifierref="P{n}"><title>T</title></item>' for n in range(pages))
    manifest_pages = (MANIFEST_HEAD + MANIFEST_TAIL).replace("</resource>\n  </resources>", "</resource>" + resources + "</resources>")
    manifest_pages = manifest_pages.replace("</organization>", items + "</organization>").encode()
    def large_page() -> bytes:  # just under the page ceiling, a paragraph per KiB, incompressible enough
        paragraphs = (LIMITS.xml_bytes * 9 // 10) // 1007
        return b"<html><body>" + b"".join(b"<p>" + os.urandom(500).hex().encode() + b"</p>" for _ in range(paragraphs)) + b"</body></html>"

    members = {f"page-{n}.html": large_page() for n in range(pages)}
    made.append((f"{pages} launch pages of {len(members['page-0.html']) / 2**20:.1f} MiB each, all parsed",
                 write_package(folder / "large-pages.zip", {"imsmanifest.xml": manifest_pages, "index.html": page, **members})))
    many = {"imsmanifest.xml": manifest, "index.html": page}
    many.update({f"media/{number}.bin": os.urandom(1024) * 1024 for number in range(64)})
    made.append(("64 incompressible 1 MiB members (every member streamed, none kept)", write_package(folder / "media.zip", many)))
    return made


# The child reports its own peak (VmHWM): os.wait4's ru_maxrss would count the pages the child
# shared with this process between fork and exec.
CHILD = """
import re, sys
from scormpack.validate import validate_package
report = validate_package(sys.argv[1])
print(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(report.summary())
print(*(str(finding)[:200] for finding in report.findings[:2]), sep="\\n")
"""


def measure_in_child(package: Path) -> tuple[float, float, str]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHILD, str(package)], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        return wall, float("nan"), f"FAILED: {result.stderr.strip()[-500:]}"
    peak_kb, output = result.stdout.split("\n", 1)
    return wall, int(peak_kb) / 1024, output.strip()


def course_packages(folder: Path) -> list[Path]:
    from scormpack.pipeline import run_pipeline
    from scormpack.targets import TARGETS

    run_pipeline(REPO / "content", list(TARGETS), [], folder, use_cache=False)
    return sorted(path for path in folder.iterdir() if path.suffix in (".zip", ".imscc"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, help="where packages go (default: a temporary folder, removed)")
    parser.add_argument("--skip-course", action="store_true", help="only the hostile packages")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="scormpack-validate-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if not args.skip_course:
            from scormpack.validate import validate_package

            packages = course_packages(workdir / "dist")
            validate_package(packages[0])  # compiles the schemas once, as any run does
            timings = []
            for package in packages:
                started = time.perf_counter()
                report = validate_package(package)
                timings.append((time.perf_counter() - started, package))
                assert report.valid, f"{package.name}: {report.summary()}"
            total_mib = sum(package.stat().st_size for package in packages) / 2**20
            seconds = [t for t, _ in timings]
            slowest, slowest_package = max(timings)
            print(f"bundled course: {len(packages)} packages, {total_mib:.1f} MiB, every member read")
            print(f"  per package: median {statistics.median(seconds) * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms ({slowest_package.name})")
            print(f"  all together: {sum(seconds):.2f} s, {sum(seconds) / total_mib * 1000:.0f} ms per MiB of package")
        worst = (0.0, "")
        print(f"hostile packages (fresh process each; ceiling {MEMORY_CEILING_MB} MB peak RSS):")
        for label, package in hostile_packages(workdir):
            wall, peak_mb, output = measure_in_child(package)
            print(f"  {label}: {wall:.2f} s, {peak_mb:.0f} MB peak")
            for line in output.splitlines()[:2]:
                print("    " + line)
            worst = max(worst, (peak_mb, label))
        print(f"worst case: {worst[0]:.0f} MB peak ({worst[1]}): {'under' if worst[0] < MEMORY_CEILING_MB else 'OVER'} the {MEMORY_CEILING_MB} MB ceiling")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
