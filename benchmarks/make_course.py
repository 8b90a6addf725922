"""Generate a synthetic course for benchmarks: N modules of realistic Markdown and a media folder.

    python benchmarks/make_course.py 1000 --out /tmp/bench-course [--media-mb 500]

Each module has front matter, an opening page, three or four pages with
headings, lists, a table, an image, an audience-conditional passage, a link
to the module before it, and a quiz of five questions. With --media-mb the
course also gets that many megabytes of already-compressed media (PNG and
JPEG pictures, MP4 videos, a PDF), each referenced from a module so every
package that holds the module carries the file. The media bytes are random,
which is what compressed data looks like to a zip writer. The same arguments
always give the same course.
"""
from __future__ import annotations

import argparse
import io
import random
import shutil
import struct
import zlib
from pathlib import Path

WORDS = (
    "mission coordination planning civilian police military humanitarian partners mandate "
    "protection assessment strategy integration country team leadership reporting analysis "
    "security development priorities transition community dialogue resources training "
    "monitoring evaluation consent principles neutrality access logistics governance"
).split()
AUDIENCES = [("staff", "Mission staff"), ("partners", "Partner organisations")]
STAGES = [("induction", "Induction"), ("in-mission", "In mission")]
VIDEO_MB = 25
PICTURE_KB = 300


def sentence(rng: random.Random, words: int = 14) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < 0.3:
        chosen[rng.randrange(words)] = f"**{rng.choice(WORDS)}**"
    return " ".join(chosen).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng, rng.randint(9, 18)) for _ in range(sentences))


def svg(title: str, shade: int) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="200" viewBox="0 0 640 200" role="img">\n'
        f"  <title>{title}</title>\n"
        f'  <rect x="10" y="10" width="620" height="180" rx="12" fill="hsl({shade}, 40%, 85%)"/>\n'
        f'  <text x="320" y="110" text-anchor="middle" font-size="28">{title}</text>\n'
        "</svg>\n"
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def small_jpeg(rng: random.Random) -> bytes:
    from PIL import Image  # a dependency of scormpack (media.py)

    buffer = io.BytesIO()
    Image.frombytes("RGB", (32, 32), rng.randbytes(32 * 32 * 3)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def compressed_file(suffix: str, size: int, rng: random.Random) -> bytes:
    """A file of about `size` bytes that starts like its format and is incompressible after that."""
    payload = rng.randbytes(max(0, size - 64))
    if suffix == ".png":
        header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", payload) + png_chunk(b"IEND", b"")
    if suffix == ".jpg":
        # A real (small) JPEG, as the build reads pictures by their content, padded to the size with
        # comment segments of noise right after its start: as large, and as incompressible, as a photo.
        picture = small_jpeg(rng)
        padding = b""
        while len(picture) + len(padding) < size:
            chunk = rng.randbytes(min(65533, size - len(picture) - len(padding) - 4) or 1)
            padding += b"\xff\xfe" + struct.pack(">H", len(chunk) + 2) + chunk
        return picture[:2] + padding + picture[2:]
    if suffix == ".mp4":
        return struct.pack(">I", 24) + b"ftypisom\x00\x00\x02\x00isomiso2" + payload
    if suffix == ".pdf":
        return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + payload + b"\n%%EOF\n"
    raise ValueError(suffix)


def media_plan(total_mb: float) -> list[tuple[str, int]]:
    """(file name, bytes) adding up to total_mb: videos for the bulk, then pictures and a PDF."""
    total = int(total_mb * 1024 * 1024)
    files: list[tuple[str, int]] = []
    videos = int(total * 0.8) // (VIDEO_MB * 1024 * 1024)
    for index in range(videos):
        files.append((f"video-{index + 1:03}.mp4", VIDEO_MB * 1024 * 1024))
    left = total - sum(size for _, size in files)
    if left > 2 * 1024 * 1024:
        files.append(("handbook.pdf", 2 * 1024 * 1024))
        left -= 2 * 1024 * 1024
    index = 0
    while left > 0:
        size = min(PICTURE_KB * 1024, left)
        files.append((f"photo-{index + 1:04}{'.png' if index % 2 else '.jpg'}", size))
        left -= size
        index += 1
    return files


def module_text(number: int, count: int, rng: random.Random, diagram: str, media: list[str]) -> str:
    module_id = f"m{number:04}"
    lines = [
        "---",
        f"id: {module_id}",
        f"title: \"Module {number}: {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}\"",
        f"order: {number}",
        "audiences: [all]",
        "stages: [all]",
        f"duration: {rng.randint(10, 40)}",
        "objectives:",
        f"  - Explain the role of {rng.choice(WORDS)} in {rng.choice(WORDS)}.",
        f"  - List three {rng.choice(WORDS)} priorities.",
        f'source: "Synthetic benchmark text, module {number}"',
        "quiz:",
        "  pass_mark: 80",
        "---",
        "",
        paragraph(rng, 3),
        "",
    ]
    if number > 1:
        lines += [f"This module builds on [module {number - 1}](m{number - 1:04}.md).", ""]
    pages = rng.randint(3, 4)
    for page in range(pages):
        lines += [f"## {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} ({page + 1})", "", paragraph(rng), ""]
        lines += [f"- {sentence(rng, 8)}" for _ in range(rng.randint(3, 5))] + [""]
        if page == 0:
            lines += [f"![Diagram for module {number}](../images/{diagram})", ""]
        if page == 1:
            lines += ["| Actor | Role | Timing |", "|---|---|---|"]
            lines += [f"| {rng.choice(WORDS)} | {sentence(rng, 5)} | week {rng.randint(1, 12)} |" for _ in range(4)]
            lines += [""]
        if page == 2:
            lines += ["::: only audience=partners", paragraph(rng, 2), ":::", ""]
            lines += [f"1. {sentence(rng, 7)}" for _ in range(3)] + [""]
    for name in media:
        if name.endswith((".png", ".jpg")):
            lines += [f"![Photo {name}](../media/{name})", ""]
        else:
            lines += [f"Download: [{name}](../media/{name})", ""]
    right = rng.randrange(3)
    lines += [
        "::: quiz",
        "",
        "? single",
        f"Which of these is about {rng.choice(WORDS)}?",
        "",
        *[f"- [{'x' if i == right else ' '}] {WORDS[(number + i * 7) % len(WORDS)]} option {i + 1}" for i in range(3)],
        "",
        f"if-correct: {sentence(rng, 6)}",
        f"if-wrong: {sentence(rng, 6)}",
        "",
        "? multiple",
        "Select every true statement.",
        "",
        f"- [x] {sentence(rng, 6)}",
        f"- [x] {sentence(rng, 7)}",
        f"- [ ] {sentence(rng, 8)}",
        "  > That one is not right.",
        "",
        "? truefalse",
        f"{sentence(rng, 10)}",
        "",
        f"answer: {'true' if number % 2 else 'false'}",
        "",
        "? fillin",
        "Write the acronym of the Joint Mission Analysis Centre.",
        "",
        "answer: JMAC",
        "",
        "? single",
        f"{sentence(rng, 9)}",
        "",
        "- [ ] Before",
        "- [x] During",
        "- [ ] After",
        "",
        ":::",
        "",
    ]
    return "\n".join(lines)


def make_course(out: Path, modules: int, media_mb: float = 0.0, seed: int = 9) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "modules").mkdir(parents=True)
    (out / "images").mkdir()
    diagrams = [f"diagram-{index + 1:02}.svg" for index in range(10)]
    for index, name in enumerate(diagrams):
        (out / "images" / name).write_text(svg(f"Diagram {index + 1}", index * 36))
    media = media_plan(media_mb) if media_mb > 0 else []
    if media:
        (out / "media").mkdir()
        for name, size in media:
            (out / "media" / name).write_bytes(compressed_file(Path(name).suffix, size, rng))
    media_by_module: dict[int, list[str]] = {}
    for index, (name, _) in enumerate(media):
        media_by_module.setdefault(index % modules + 1, []).append(name)
    for number in range(1, modules + 1):
        text = module_text(number, modules, rng, diagrams[number % len(diagrams)], media_by_module.get(number, []))
        (out / "modules" / f"m{number:04}.md").write_text(text)
    audiences = "\n".join(f'[[audiences]]\nid = "{i}"\ntitle = "{t}"\n' for i, t in AUDIENCES)
    stages = "\n".join(f'[[stages]]\nid = "{i}"\ntitle = "{t}"\n' for i, t in STAGES)
    (out / "course.toml").write_text(
        f"""[course]
id = "bench-course"
title = "Benchmark course of {modules} modules"
description = "A synthetic course for scormpack's benchmarks."
version = "1.0.0"
language = "en"
authors = ["scormpack benchmarks"]
licence = "CC0-1.0"
keywords = ["benchmark"]

[defaults]
targets = ["scorm12"]

{audiences}
{stages}
[[bundles]]
id = "complete"
title = "Every module"
audience = "staff"
stage = "induction"
"""
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", type=int, help="number of modules")
    parser.add_argument("--out", type=Path, default=Path("bench-course"), help="course directory to (re)create")
    parser.add_argument("--media-mb", type=float, default=0.0, help="megabytes of already-compressed media")
    parser.add_argument("--seed", type=int, default=9)
    arguments = parser.parse_args()
    course = make_course(arguments.out, arguments.modules, arguments.media_mb, arguments.seed)
    print(f"{course}: {arguments.modules} modules, {arguments.media_mb:g} MB of media")


if __name__ == "__main__":
    main()
