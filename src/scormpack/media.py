"""What an image file really is: its format read from its bytes, its size and its pixel dimensions.

A file is judged by its content, not its name: a text file named `.png`
would be packaged and show as a broken image on every learner's screen.
Raster images are read with Pillow (it knows every format browsers show and
reads only the header to tell the size); SVG is XML, read with lxml.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

# Pages are laid out in a column of 46rem (about 740 CSS px): an image twice as
# wide already serves high-density screens, and anything larger only costs
# download time on the slow links courses are taken over.
COLUMN_PIXELS = 736
MAX_IMAGE_WIDTH = 2 * COLUMN_PIXELS
MAX_IMAGE_BYTES = 300 * 1024

# File name suffix -> the Pillow formats its content may have.
RASTER_FORMATS = {
    ".png": {"PNG"},
    ".jpg": {"JPEG", "MPO"},
    ".jpeg": {"JPEG", "MPO"},
    ".gif": {"GIF"},
    ".webp": {"WEBP"},
    ".avif": {"AVIF"},
}
SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "PNG", "JPEG", ..., "SVG"
    size: int  # bytes
    width: int | None  # pixels (SVG: its intrinsic width in CSS px, when it states one)
    height: int | None


class NotAnImage(ValueError):
    """The file's content is not the image its name says."""


def probe_image(path: Path) -> ImageInfo:
    """The image in path, read by content; NotAnImage when its bytes are not what its suffix promises."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix == ".svg":
        return _probe_svg(path, size)
    expected = RASTER_FORMATS.get(suffix)
    if expected is None:
        raise NotAnImage(f"{path.name!r} is not an image type pages can show (use PNG, JPEG, GIF, WebP, AVIF or SVG)")
    from PIL import Image, UnidentifiedImageError  # here: a course of SVG pictures does not wait for Pillow to load

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                found, (width, height) = image.format, image.size
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise NotAnImage(f"{path.name!r} is named {suffix} but its content is not a readable image ({_reason(error)})") from None
    if found not in expected:
        raise NotAnImage(f"{path.name!r} is named {suffix} but holds a {found} image: rename it to match its content")
    return ImageInfo(found, size, width, height)


def _probe_svg(path: Path, size: int) -> ImageInfo:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, OSError) as error:
        raise NotAnImage(f"{path.name!r} is named .svg but is not well-formed XML ({_reason(error)})") from None
    if etree.QName(root).localname != "svg":
        raise NotAnImage(f"{path.name!r} is named .svg but its root element is <{etree.QName(root).localname}>, not <svg>")
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(view_box) == 4:
        try:
            box_width, box_height = float(view_box[2]), float(view_box[3])
        except ValueError:
            box_width = box_height = 0
        if box_width > 0 and box_height > 0:
            # Only a viewBox: its user units are the drawing's natural size in CSS px.
            if width is None and height is None:
                width, height = round(box_width), round(box_height)
            elif width is not None and height is None:
                height = round(width * box_height / box_width)
            elif height is not None and width is None:
                width = round(height * box_width / box_height)
    return ImageInfo("SVG", size, width, height)


def _svg_length(value: str | None) -> int | None:
    """A width/height in px (or unitless); None for percentages and other units, which do not fix a size."""
    match = SVG_LENGTH.match(value or "")
    return round(float(match.group(1))) if match else None


def _reason(error: BaseException) -> str:
    return str(error).split("\n")[0] or type(error).__name__


def image_warnings(info: ImageInfo, max_bytes: int = MAX_IMAGE_BYTES, max_width: int = MAX_IMAGE_WIDTH) -> list[str]:
    """Why an image is heavier than a page needs (raster only: an SVG's pixel size is not its cost)."""
    found = []
    if info.size > max_bytes:
        found.append(f"{info.size // 1024} KB, over the {max_bytes // 1024} KB limit")
    if info.format != "SVG" and info.width and info.width > max_width:
        found.append(f"{info.width} px wide, over {max_width} px (twice the page column)")
    return found


def describe_media(package_path: str, source: Path) -> dict:
    """One course file of a package as build-report.json lists it: path and bytes, and what an image is."""
    described: dict = {"path": package_path, "bytes": source.stat().st_size}
    if source.suffix.lower() == ".svg" or source.suffix.lower() in RASTER_FORMATS:
        try:
            info = probe_image(source)
        except NotAnImage:
            return described  # the page that shows it reported the error; a linked file is only a download
        described.update(format=info.format, width=info.width, height=info.height)
    return described


# What `build --resize-images` re-encodes: formats Pillow writes everywhere, one frame each
# (a GIF may be an animation, an AVIF needs an encoder Pillow may lack: both stay as they are).
RESIZABLE_FORMATS = {"PNG", "JPEG", "WEBP"}
JPEG_QUALITIES = (85, 75, 65, 55)  # tried in turn until the image is within the byte limit
WEBP_QUALITIES = (80, 70, 60, 50)


def fit_image(path: Path, max_bytes: int = MAX_IMAGE_BYTES, max_width: int = MAX_IMAGE_WIDTH) -> bytes | None:
    """The image scaled to at most max_width and recompressed towards max_bytes, in its own format,
    without its metadata (EXIF, comments, text chunks: a photo's camera and place stay out of the
    package; the orientation EXIF gave is applied first). None when it is within the limits
    already, is not a format this re-encodes, or re-encoding would not make it smaller.

    The same file and Pillow give the same bytes: nothing written depends on time or chance.
    """
    info = probe_image(path)
    if info.format not in RESIZABLE_FORMATS or not image_warnings(info, max_bytes, max_width):
        return None
    from PIL import Image, ImageOps  # here, as in probe_image: only a course with heavy rasters loads Pillow
    with Image.open(path) as opened:
        if getattr(opened, "n_frames", 1) > 1:
            return None  # an animated PNG or WebP: scaling frames one by one is not ours to do
        image = ImageOps.exif_transpose(opened)
        image.load()
    # Pillow writes some of what it read (a JPEG comment, EXIF) back on save: keep only what the pixels need.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    data = _encode(image, info.format, max_bytes)
    return data if len(data) < info.size else None


def _encode(image, image_format: str, max_bytes: int) -> bytes:
    """The image (a Pillow image) saved in its format: JPEG and WebP at the first quality within max_bytes."""
    from PIL import Image

    def save(picture, **options) -> bytes:
        buffer = io.BytesIO()
        picture.save(buffer, format=image_format, **options)
        return buffer.getvalue()

    if image_format == "JPEG":
        picture = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        for quality in JPEG_QUALITIES:
            data = save(picture, quality=quality, optimize=True)
            if len(data) <= max_bytes:
                break
        return data
    if image_format == "WEBP":
        for quality in WEBP_QUALITIES:
            data = save(image, quality=quality, method=6)
            if len(data) <= max_bytes:
                break
        return data
    # PNG: lossless first; over the limit, 256 colours (a diagram loses nothing it shows).
    data = save(image, optimize=True)
    if len(data) > max_bytes and image.mode not in ("P", "1"):
        quantized = image.convert("RGBA").quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        data = min(data, save(quantized, optimize=True), key=len)
    return data


def describe_resized(package_path: str, data: bytes, source: Path) -> dict:
    """An image the build re-encoded (fit_image), as build-report.json lists it: what is packaged, and from what."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        found, (width, height) = image.format, image.size
    original = describe_media(package_path, source)
    return {
        "path": package_path, "bytes": len(data), "format": found, "width": width, "height": height,
        "resized_from": {key: original[key] for key in ("bytes", "width", "height") if key in original},
    }
