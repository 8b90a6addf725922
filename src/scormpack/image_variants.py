"""Per-language image variants: `images/<name>.<lang>.<ext>` replaces `images/<name>.<ext>` in that edition.

A diagram whose words are drawn in the picture (an SVG's `<text>` elements)
needs its own file per language; its text alternative is translated in the
catalogue like any other unit. A language edition takes the variant beside
the source image when there is one: the module's Markdown reference is
rewritten in the edition's model (translation.translate_course), so the
renderer, the package and the cache see an ordinary image. Where the source
image holds text and the language has no variant, lint and the translated
build warn at the Markdown reference's path:line.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from .course import Module
from .errors import ScormpackError

# A Markdown image: ![alt](target "title"); the target is what a variant replaces.
# The alt text may hold brackets one deep ("[fr] ..." in a translation).
IMAGE_REFERENCE = re.compile(r"!\[(?P<alt>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<target><[^>]*>|[^)\s]*)(?P<rest>[^)]*)\)")
CODE_FENCE = re.compile(r"^\s*(```|~~~)")
MISSING_VARIANT = "image-variant-missing"


@dataclass(frozen=True)
class ImageReference:
    """One Markdown image of a module body: what was written, the file it names and where."""

    written: str
    path: Path
    line: int


def variant_path(image: Path, language: str) -> Path:
    """images/<name>.<ext> -> images/<name>.<language>.<ext>."""
    return image.with_name(f"{image.stem}.{language}{image.suffix}")


def variant_reference(written: str, language: str) -> str:
    """The Markdown target naming the variant: the same folder, `.<language>` before the extension."""
    folder, slash, name = written.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return written
    return f"{folder}{slash}{stem}.{language}.{suffix}"


@functools.lru_cache(maxsize=256)
def _svg_text(path: Path, size: int, mtime: int) -> bool:
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return False  # the build reports a broken image where the page uses it
    return any(
        etree.QName(element).localname == "text" and "".join(element.itertext()).strip()
        for element in root.iter()
        if isinstance(element.tag, str)
    )


def holds_text(image: Path) -> bool:
    """Whether the picture has words in it: an SVG with a non-empty <text> element (raster text cannot be told)."""
    if image.suffix.lower() != ".svg":
        return False
    try:
        stat = image.stat()
    except OSError:
        return False
    return _svg_text(image.resolve(), stat.st_size, stat.st_mtime_ns)


def image_references(module: Module) -> list[ImageReference]:
    """The local images a module's Markdown body shows, with their body line (code blocks left out)."""
    found: list[ImageReference] = []
    in_code = False
    for index, line in enumerate(module.body.split("\n")):
        if CODE_FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        for match in IMAGE_REFERENCE.finditer(line):
            written = match["target"].strip("<>")
            if not written or ":" in written.split("/")[0] or written.startswith(("/", "#")):
                continue  # remote, absolute or a fragment: not a course file
            path = (module.path.parent / unquote(written.split("#")[0].split("?")[0])).resolve()
            found.append(ImageReference(written, path, module.body_line + index))
    return found


def missing_variant(module: Module, reference: ImageReference, language: str) -> ScormpackError | None:
    """The warning for an image that holds text and has no variant in this language, else None."""
    if not reference.path.is_file() or variant_path(reference.path, language).is_file() or not holds_text(reference.path):
        return None
    wanted = variant_reference(reference.written, language)
    return ScormpackError(
        f"{language}: image {reference.written!r} holds text (SVG <text>) and has no {language} variant: "
        f"add {wanted!r} with the text translated (the {language} edition shows the source image meanwhile)",
        module.path,
        reference.line,
        code=MISSING_VARIANT,
    )


def localize_images(module: Module, language: str) -> list[ScormpackError]:
    """Point the module's images at their `<name>.<language>.<ext>` variants where they exist (in the model);
    return the warnings for images that hold text and have none."""
    warnings = []
    variants = {}
    for reference in image_references(module):
        if variant_path(reference.path, language).is_file():
            variants[reference.written] = variant_reference(reference.written, language)
        elif (warning := missing_variant(module, reference, language)) is not None:
            warnings.append(warning)
    if variants:

        def swap(match: re.Match) -> str:
            written = match["target"].strip("<>")
            if written not in variants:
                return match.group(0)
            target = match["target"].replace(written, variants[written], 1)
            return f"![{match['alt']}]({target}{match['rest']})"

        lines = module.body.split("\n")
        in_code = False
        for index, line in enumerate(lines):
            if CODE_FENCE.match(line):
                in_code = not in_code
            elif not in_code:
                lines[index] = IMAGE_REFERENCE.sub(swap, line)
        module.body = "\n".join(lines)
    return warnings


def missing_variants(modules: list[Module], languages: list[str]) -> list[ScormpackError]:
    """For lint: every image holding text that a language showing its module has no variant of."""
    return [
        warning
        for module in modules
        for reference in image_references(module)
        for language in languages
        if (warning := missing_variant(module, reference, language)) is not None
    ]
