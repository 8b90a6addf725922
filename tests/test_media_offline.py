"""Media that works offline: nothing in a package loads from the internet unless the course allows it."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from conftest import build
from test_bad_input import built, edit, expect_failure, module  # noqa: F401 (built is a fixture)

from scormpack.markdown_ext.remote import remote_addresses


def add_to_page(course: Path, text: str) -> int:
    """Append text to the first module; the line it starts on."""
    path = module(course)
    lines = path.read_text().split("\n")
    path.write_text("\n".join(lines + ["", text, ""]))
    return len(lines) + 2


def test_remote_image_is_an_error_with_url_and_line(cli, built):
    course, dist = built
    line = add_to_page(course, "![A map](https://tiles.example.org/map.png)")
    output = expect_failure(cli, course, dist, "'https://tiles.example.org/map.png'")
    assert f"{module(course)}:{line}:" in output
    assert "allow_remote" in output


def test_remote_script_font_and_video_in_raw_html_are_errors(cli, built):
    course, dist = built
    first = add_to_page(course, '<script src="//cdn.example.org/lib.js"></script>')
    second = add_to_page(course, "<style>@import 'https://fonts.example.org/css?family=Noto';</style>")
    third = add_to_page(course, '<video poster="https://media.example.org/p.jpg"><source src="https://media.example.org/v.mp4"></video>')
    output = expect_failure(cli, course, dist, "'//cdn.example.org/lib.js'")
    assert f"{module(course)}:{first}:" in output
    assert f"{module(course)}:{second}:" in output and "fonts.example.org" in output
    assert f"{module(course)}:{third}:" in output
    assert "'https://media.example.org/p.jpg'" in output and "'https://media.example.org/v.mp4'" in output


def test_a_link_to_a_website_is_not_a_remote_load(cli, example_course, tmp_path):
    add_to_page(example_course, 'Read [the charter](https://www.un.org/en/about-us/un-charter) or <a href="https://www.un.org">the UN</a>.')
    build(cli, example_course, tmp_path / "dist")


def test_course_allows_remote_prefixes(cli, example_course, tmp_path):
    edit(example_course / "course.toml", "[course]\n", '[course]\nallow_remote = ["https://media.example.org/"]\n')
    add_to_page(example_course, "![A map](https://media.example.org/map.png)")
    dist = tmp_path / "dist"
    build(cli, example_course, dist)
    package = next(dist.glob("*.zip"))
    with zipfile.ZipFile(package) as archive:
        pages = [archive.read(name).decode() for name in archive.namelist() if name.endswith(".html")]
    assert any('src="https://media.example.org/map.png"' in page for page in pages)
    # Other hosts stay errors.
    line = add_to_page(example_course, "![Another](https://elsewhere.example.net/x.png)")
    output = expect_failure(cli, example_course, dist, "'https://elsewhere.example.net/x.png'")
    assert f":{line}:" in output


def test_allow_remote_must_name_a_host(cli, built):
    course, dist = built
    edit(course / "course.toml", "[course]\n", '[course]\nallow_remote = ["https:"]\n')
    expect_failure(cli, course, dist, "[course].allow_remote: 'https:' must be an address prefix naming its host")


def test_lint_reports_remote_reference(cli, example_course):
    line = add_to_page(example_course, "![A map](http://tiles.example.org/map.png)")
    result = cli("lint", example_course)
    assert result.exit_code == 1, result.output
    assert f"{module(example_course)}:{line}:" in result.output and "tiles.example.org" in result.output


def test_remote_addresses_reads_srcset_and_css_urls():
    html = '<img srcset="a.png 1x, https://x.example/b.png 2x"><div style="background: url(//x.example/c.png)"><a href="https://x.example/">'
    assert remote_addresses(html) == ["https://x.example/b.png", "//x.example/c.png"]


# Images checked by content, not by name.

def test_text_file_named_png_is_an_error(cli, built):
    course, dist = built
    (course / "images" / "fake.png").write_text("this is not a picture\n")
    line = add_to_page(course, "![A fake](../images/fake.png)")
    output = expect_failure(cli, course, dist, "'fake.png' is named .png but its content is not a readable image")
    assert f"{module(course)}:{line}:" in output


def test_jpeg_named_png_is_an_error(cli, built):
    from PIL import Image

    course, dist = built
    Image.new("RGB", (20, 10), "red").save(course / "images" / "photo.png", format="JPEG")
    add_to_page(course, "![A photo](../images/photo.png)")
    expect_failure(cli, course, dist, "'photo.png' is named .png but holds a JPEG image")


def test_heavy_image_is_a_warning_in_lint_and_build(cli, example_course, tmp_path):
    import random

    from PIL import Image

    noise = random.Random(7)
    image = Image.new("RGB", (1600, 400))
    image.putdata([(noise.randrange(256), noise.randrange(256), noise.randrange(256)) for _ in range(1600 * 400)])
    image.save(example_course / "images" / "wide.png")
    line = add_to_page(example_course, "![A wide noisy picture](../images/wide.png)")
    lint = cli("lint", example_course)
    assert f"{module(example_course)}:{line}:" in lint.output
    assert "over the 300 KB limit" in lint.output and "1600 px wide, over 1472 px" in lint.output
    result = build(cli, example_course, tmp_path / "dist")
    assert "1600 px wide" in result.output


def test_svg_with_only_a_viewbox_keeps_its_intrinsic_size(cli, example_course, tmp_path):
    (example_course / "images" / "icon.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><rect width="120" height="60"/></svg>'
    )
    add_to_page(example_course, "![An icon](../images/icon.svg)\n\n![A wider icon](../images/icon.svg){width=240}")
    dist = tmp_path / "dist"
    build(cli, example_course, dist)
    with zipfile.ZipFile(next(dist.glob("*.zip"))) as archive:
        pages = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".html"))
    icons = re.findall(r"<img [^>]*icon\.svg[^>]*>", pages)
    natural = next(tag for tag in icons if 'alt="An icon"' in tag)
    given = next(tag for tag in icons if 'alt="A wider icon"' in tag)
    assert 'width="120"' in natural and 'height="60"' in natural
    assert 'width="240"' in given and "height=" not in given


def test_svg_that_is_not_svg_is_an_error(cli, built):
    course, dist = built
    (course / "images" / "broken.svg").write_text("<html><body>oops</body></html>")
    add_to_page(course, "![Broken](../images/broken.svg)")
    expect_failure(cli, course, dist, "its root element is <html>, not <svg>")


def test_build_report_lists_size_of_every_image(cli, example_course, tmp_path):
    import json

    dist = tmp_path / "dist"
    build(cli, example_course, dist)
    report = json.loads((dist / "build-report.json").read_text())
    listed = [item for record in report["packages"] for item in record["media"] if item["path"].endswith("images/steps.svg")]
    assert listed, report["packages"]
    for steps in listed:
        assert steps["bytes"] == (example_course / "images" / "steps.svg").stat().st_size
        assert (steps["format"], steps["width"], steps["height"]) == ("SVG", 480, 120)


# Video and audio from Markdown.

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def package_pages(dist: Path) -> dict[str, str]:
    pages = {}
    for package in sorted(dist.glob("*.zip")):
        with zipfile.ZipFile(package) as archive:
            for name in archive.namelist():
                pages[f"{package.name}:{name}"] = archive.read(name).decode("utf-8", "replace")
    return pages


def add_clip(course: Path, captions: dict[str, str], extra: str = "") -> int:
    media = course / "media"
    media.mkdir(exist_ok=True)
    (media / "radio-check.mp4").write_bytes(MP4_HEAD)
    for name, text in captions.items():
        (media / name).write_text(text)
    return add_to_page(course, f"[Radio check at the gate](../media/radio-check.mp4){extra}")


def test_video_link_becomes_a_captioned_player_packaged_and_listed(cli, example_course, tmp_path):
    add_clip(
        example_course,
        {
            "radio-check.en.vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\nGate, this is patrol one.\n",
            "radio-check.fr.srt": "1\n00:00:00,000 --> 00:00:02,000\nPorte, ici patrouille un.\n",
            "radio-check.poster.png": "",
            "radio-check.transcript.txt": "Gate, this is patrol one.\n",
        },
    )
    from PIL import Image

    Image.new("RGB", (64, 36), "navy").save(example_course / "media" / "radio-check.poster.png")
    dist = tmp_path / "dist"
    result = build(cli, example_course, dist)
    assert "no captions" not in result.output
    files = package_pages(dist)
    page = next(text for name, text in files.items() if "<video" in text)
    player = re.search(r"<video [^>]*>.*?</video>", page, re.DOTALL).group(0)
    assert "controls" in player and 'src="../shared/media/media/radio-check.mp4"' in player
    assert 'poster="../shared/media/media/radio-check.poster.png"' in player
    tracks = {re.search(r'srclang="([^"]+)"', tag).group(1): tag for tag in re.findall(r"<track [^>]*>", player)}
    assert set(tracks) == {"en", "fr"}
    assert 'kind="captions"' in tracks["en"] and "default" in tracks["en"] and 'label="English"' in tracks["en"]
    assert 'src="../shared/media/media/radio-check.en.vtt"' in tracks["en"]
    assert 'kind="subtitles"' in tracks["fr"] and 'label="French"' in tracks["fr"] and "default" not in tracks["fr"]
    assert 'src="../first-minutes/captions/radio-check.fr.vtt"' in tracks["fr"]
    assert 'class="sp-transcript"' in page and "radio-check.transcript.txt" in page
    package = next(name for name in files if "<video" in files[name]).split(":")[0]
    with zipfile.ZipFile(dist / package) as archive:
        names = archive.namelist()
        manifest = archive.read("imsmanifest.xml").decode()
        converted = next(archive.read(n).decode() for n in names if n.endswith("captions/radio-check.fr.vtt"))
    assert converted.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n")
    for member in ("shared/media/media/radio-check.mp4", "shared/media/media/radio-check.en.vtt", "shared/media/media/radio-check.poster.png"):
        assert member in names and f'href="{member}"' in manifest


def test_video_without_captions_is_a_lint_warning(cli, example_course):
    line = add_clip(example_course, {})
    result = cli("lint", example_course)
    assert f"{module(example_course)}:{line}:" in result.output and "no captions (WCAG 1.2.2)" in result.output


def test_media_named_mp4_that_is_not_media_is_an_error(cli, built):
    course, dist = built
    (course / "media").mkdir()
    (course / "media" / "clip.mp4").write_text("not a video")
    line = add_to_page(course, "[A clip](../media/clip.mp4)")
    output = expect_failure(cli, course, dist, "its content is not a video or audio file browsers play")
    assert f"{module(course)}:{line}:" in output


def test_media_link_inside_a_sentence_stays_a_link(cli, example_course, tmp_path):
    add_clip(example_course, {"radio-check.en.vtt": "WEBVTT\n"})
    add_to_page(example_course, "Download [the clip](../media/radio-check.mp4) to watch later.")
    dist = tmp_path / "dist"
    build(cli, example_course, dist)
    with zipfile.ZipFile(dist / "first-aid-basics-0.1.0-staff-induction-scorm12.zip") as archive:
        pages = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".html"))
    assert pages.count("<video ") == 1 and ">the clip</a> to watch later" in pages


def test_seen_rule_is_checked_and_carried(cli, example_course, tmp_path):
    add_clip(example_course, {"radio-check.en.vtt": "WEBVTT\n"}, "{seen=played}")
    dist = tmp_path / "dist"
    build(cli, example_course, dist)
    assert 'data-sp-seen="played"' in "".join(package_pages(dist).values())
    add_to_page(example_course, "[Again](../media/radio-check.mp4){seen=watched}")
    result = cli("build", example_course, "-o", dist)
    assert result.exit_code == 1 and "seen='watched' must be one of moved-on, played" in result.output


def test_changed_captions_rebuild_the_page_that_plays_them(cli, example_course, tmp_path):
    """Captions, posters and transcripts are build inputs: a rebuild from the cache notices each change."""
    add_clip(example_course, {"radio-check.en.srt": "1\n00:00:00,000 --> 00:00:02,000\nGate, this is patrol one.\n"})
    dist = tmp_path / "dist"
    build(cli, example_course, dist)

    def converted() -> str:
        pages = package_pages(dist)
        return next(text for name, text in pages.items() if name.endswith("captions/radio-check.en.vtt"))

    def player() -> str:
        pages = package_pages(dist)
        return next(re.search(r"<video [^>]*>.*?</video>", text, re.DOTALL).group(0) for text in pages.values() if "<video" in text)

    assert "patrol one" in converted()
    (example_course / "media" / "radio-check.en.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nGate, this is patrol two.\n")
    build(cli, example_course, dist)
    assert "patrol two" in converted() and "patrol one" not in converted()

    # Captions in another language, or a transcript, put beside the video later appear too.
    (example_course / "media" / "radio-check.fr.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:00:02.000\nPorte, ici patrouille deux.\n")
    (example_course / "media" / "radio-check.transcript.txt").write_text("Gate, this is patrol two.\n")
    build(cli, example_course, dist)
    assert 'srclang="fr"' in player()
    assert "radio-check.transcript.txt" in "".join(package_pages(dist).values())



def web_pages(dist: Path) -> dict[str, str]:
    """Every page of the web editions in dist, by package and member name."""
    return {name: text for name, text in package_pages(dist).items() if "-web.zip:" in name and name.endswith(".html")}


def carried_captions(page: str) -> dict:
    """The cues a web edition's page carries for its players (#sp-captions), by <track src>."""
    import json

    found = re.search(r'<script type="application/json" id="sp-captions">(.*?)</script>', page, re.DOTALL)
    return json.loads(found.group(1)) if found else {}


def test_web_edition_pages_carry_their_players_captions_and_other_targets_do_not(cli, example_course, tmp_path):
    """From file:// Chromium loads no <track> file: the web edition's module page and handout carry the cues
    (web.js gives them to the player); the SCORM pages keep only the <track> elements an LMS serves."""
    add_clip(
        example_course,
        {
            "radio-check.en.vtt": "WEBVTT\n\nNOTE the gate scene\n\ngate\n00:00.000 --> 00:02.000 align:start\n"
                                  "Gate, this is <i>patrol one</i>.\nOver.\n\n00:02.000 --> 00:03.500\nGo ahead.\n",
            # Cue text is text: nothing in it may end the page's script element or become an element.
            "radio-check.fr.vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\n</script><img src=x onerror=alert(1)> & <!--\n",
        },
    )
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "-t", "web", "-t", "scorm12")
    pages = package_pages(dist)
    assert not any("sp-captions" in text for name, text in pages.items() if "-scorm12.zip:" in name)
    web = web_pages(dist)
    module_pages = [text for name, text in web.items() if "<video" in text and ":print/" not in name]  # one per bundle
    module_page = module_pages[0]
    captions = carried_captions(module_page)
    assert all(carried_captions(page) == captions for page in module_pages)
    assert set(captions) == {"../shared/media/media/radio-check.en.vtt", "../shared/media/media/radio-check.fr.vtt"}
    # Keyed by the src of the <track> each replaces, and still beside them for a page read without JavaScript.
    for src in captions:
        assert f'src="{src}"' in module_page
    assert captions["../shared/media/media/radio-check.en.vtt"] == [
        {"id": "gate", "start": 0.0, "end": 2.0, "text": "Gate, this is <i>patrol one</i>.\nOver.", "settings": {"align": "start"}},
        {"start": 2.0, "end": 3.5, "text": "Go ahead."},
    ]
    assert captions["../shared/media/media/radio-check.fr.vtt"][0]["text"] == "</script><img src=x onerror=alert(1)> & <!--"
    assert "<img src=x" not in module_page and "</script><img" not in module_page and "<!--" not in module_page
    # The handout shows the player on screen too, with the same cues.
    handouts = [text for name, text in web.items() if name.endswith(":print/index.html") and "<video" in text]
    assert handouts and all(carried_captions(text) == captions for text in handouts)
    # A page without a player carries nothing.
    assert all("sp-captions" not in text for text in web.values() if "<video" not in text)


def test_subrip_captions_play_in_the_web_edition_too(cli, example_course, tmp_path):
    """A .srt is converted to WebVTT in the module's folder, named from its pages and from the handout alike
    (the handout is one folder down too), and its cues carried like a .vtt's."""
    add_clip(example_course, {"radio-check.fr.srt": "1\r\n00:00:00,000 --> 00:00:02,000\r\nPorte, ici patrouille un.\r\n"})
    dist = tmp_path / "dist"
    build(cli, example_course, dist, "-t", "web", "-t", "scorm12")  # the web edition's validation checks every <track src>
    src = "../first-minutes/captions/radio-check.fr.vtt"
    pages = package_pages(dist)
    assert any(name.endswith("-scorm12.zip:first-minutes/captions/radio-check.fr.vtt") for name in pages)
    players = [text for name, text in web_pages(dist).items() if "<video" in text]
    assert any(":print/" in name for name, text in web_pages(dist).items() if "<video" in text)
    for page in players:
        assert f'src="{src}"' in page
        assert carried_captions(page) == {src: [{"id": "1", "start": 0.0, "end": 2.0, "text": "Porte, ici patrouille un."}]}

def test_a_malformed_caption_file_is_an_error_at_its_own_line(cli, built):
    course, dist = built
    captions = course / "media" / "radio-check.en.vtt"
    add_clip(course, {"radio-check.en.vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\nGate.\n\n00:02.000 --> 00:04,000\nOver.\n"})
    output = expect_failure(cli, course, dist, "cue timing '00:02.000 --> 00:04,000' is not 'start --> end'")
    assert f"{captions.resolve()}:6: error: captions:" in output
    result = cli("lint", course)
    assert result.exit_code == 1 and f"{captions.resolve()}:6:" in result.output and "Traceback" not in result.output


def test_a_caption_file_not_in_utf8_is_an_error_at_its_line(cli, built):
    """A .srt saved in a legacy code page: its accents would show as U+FFFD to every learner."""
    course, dist = built
    add_clip(course, {})
    captions = course / "media" / "radio-check.fr.srt"
    captions.write_bytes("1\n00:00:00,000 --> 00:00:02,000\nPorte, ici patrouille un.\n\n2\n00:00:02,000 --> 00:00:04,000\nÀ vous.\n".encode("cp1252"))
    output = expect_failure(cli, course, dist, "captions: the file is not valid UTF-8")
    assert f"{captions.resolve()}:7: error:" in output

def test_changed_webvtt_captions_change_the_web_edition_s_cues_on_a_rebuild(cli, example_course, tmp_path):
    """A .vtt is a render input: a rebuild from the cache carries the new cues, not the cached ones."""
    add_clip(example_course, {"radio-check.en.vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\nGate, this is patrol one.\n"})
    dist = tmp_path / "dist"

    def cue_texts() -> list[str]:
        page = next(text for name, text in web_pages(dist).items() if "<video" in text and ":print/" not in name)
        return [cue["text"] for cues in carried_captions(page).values() for cue in cues]

    build(cli, example_course, dist, "-t", "web")
    assert cue_texts() == ["Gate, this is patrol one."]
    (example_course / "media" / "radio-check.en.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:02.000\nGate, this is patrol two.\n\n00:02.000 --> 00:03.000\nOver.\n"
    )
    result = build(cli, example_course, dist, "-t", "web")
    assert cue_texts() == ["Gate, this is patrol two.", "Over."], result.output

def heavy_photo(path: Path) -> None:
    """A 3000 x 2000 photo-like JPEG of about 2 MB, with camera metadata."""
    from PIL import Image, ImageFilter

    noise = Image.effect_noise((3000, 2000), 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize((3000, 2000)).convert("RGB")
    photo = Image.blend(noise, gradient, 0.5).filter(ImageFilter.GaussianBlur(1))
    exif = photo.getexif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS: where it was taken
    photo.save(path, quality=95, exif=exif, comment=b"taken at the gate")


def test_build_resize_images_scales_and_recompresses_heavy_rasters_deterministically(cli, example_course, tmp_path):
    import json

    from PIL import Image

    heavy_photo(example_course / "images" / "gate.jpg")
    svg_before = (example_course / "images" / "steps.svg").read_bytes()
    add_to_page(example_course, "![The gate at dawn](../images/gate.jpg)")
    plain = build(cli, example_course, tmp_path / "plain", "-t", "scorm12", "-t", "web")
    assert "3000 px wide" in plain.output  # off by default: packaged as it is, with the warning

    resized = build(cli, example_course, tmp_path / "one", "-t", "scorm12", "-t", "web", "--resize-images")
    again = build(cli, example_course, tmp_path / "two", "-t", "scorm12", "-t", "web", "--resize-images", "--no-cache")
    assert "3000 px wide" not in resized.output and "300 KB limit" not in resized.output
    for package in sorted((tmp_path / "one").glob("*.zip")):
        assert package.read_bytes() == (tmp_path / "two" / package.name).read_bytes(), package.name  # same bytes on rebuild
        with zipfile.ZipFile(package) as archive:
            names = archive.namelist()
            if "shared/media/images/gate.jpg" not in names:
                continue
            data = archive.read("shared/media/images/gate.jpg")
            assert archive.read("shared/media/images/steps.svg") == svg_before  # SVGs untouched
    import io

    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (1472, 981) and len(data) <= 300 * 1024
    assert not image.getexif() and "comment" not in image.info  # metadata stripped
    report = json.loads((tmp_path / "one" / "build-report.json").read_text())
    listed = [item for record in report["packages"] for item in record["media"] if item["path"].endswith("images/gate.jpg")]
    assert listed and all(item["width"] == 1472 and item["bytes"] == len(data) for item in listed)
    assert all(item["resized_from"]["width"] == 3000 for item in listed)

    # The course can ask for it too; lint then says nothing about the image either.
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace("[course]\n", "[course]\nresize_images = true\n", 1))
    assert "3000 px wide" not in cli("lint", example_course).output
    from_toml = build(cli, example_course, tmp_path / "three", "-t", "scorm12")
    assert "3000 px wide" not in from_toml.output
