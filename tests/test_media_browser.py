"""Video in Chromium: captions shown, and a page counted as seen only once its media has played (seen=played)."""
from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest
from browser import chromium, serve
from conftest import build
from test_runtime import PLAYER, STATIC, Player

# A two-second WebM made by Chromium itself (canvas -> MediaRecorder): our own clip, no download.
RECORD_CLIP = """async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 36;
  document.body.appendChild(canvas);
  const paint = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(15), { mimeType: "video/webm" });
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  const started = performance.now();
  await new Promise((resolve) => {
    (function frame() {
      const t = performance.now() - started;
      paint.fillStyle = `hsl(${Math.round(t / 10) % 360}, 70%, 50%)`;
      paint.fillRect(0, 0, 64, 36);
      if (t < 2000) requestAnimationFrame(frame); else resolve();
    })();
  });
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  bytes.forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text);
}"""


@pytest.fixture(scope="module")
def browser_context():
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser_context):
    tab = browser_context.new_page()
    yield tab
    tab.close()


def made_clip(page) -> bytes:
    page.set_content("<!DOCTYPE html><html><body></body></html>")
    return base64.b64decode(page.evaluate(RECORD_CLIP))


@pytest.fixture
def course_with_clip(cli, example_course, tmp_path, page):
    media = example_course / "media"
    media.mkdir()
    (media / "radio-check.webm").write_bytes(made_clip(page))
    (media / "radio-check.en.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nGate, this is patrol one.\n")
    module = example_course / "modules" / "02-emergency-numbers.md"
    text = module.read_text()
    first_page = text.index("\n## ")
    second_page = text.index("\n## ", first_page + 1) if "\n## " in text[first_page + 1:] else len(text)
    module.write_text(text[:second_page] + "\n\n[Radio check at the gate](../media/radio-check.webm){seen=played}\n" + text[second_page:])
    dist = tmp_path / "dist"
    build(cli, example_course, dist)
    site = tmp_path / "site"
    with zipfile.ZipFile(dist / "first-aid-basics-0.1.0-staff-induction-scorm12.zip") as archive:
        archive.extractall(site / "pkg")
    (site / "player.html").write_text(PLAYER, encoding="utf-8")
    (site / "sco").symlink_to(site / "pkg")
    (site / "shared").mkdir()
    (site / "shared" / "lms_api.js").write_bytes((STATIC / "lms_api.js").read_bytes())
    return site


def test_captions_show_and_page_counts_only_after_playing(page, course_with_clip):
    with serve(course_with_clip) as url:
        player = Player(page, url, "1.2")
        page.evaluate("src => launch(src)", "sco/emergency-numbers/index.html")
        player.frame = page.frame_locator("#sco")
        sco = page.query_selector("#sco").content_frame()
        sco.wait_for_function("window.scormpack && window.scormpack.adapter !== undefined")
        video = sco.locator("video")
        assert video.count() == 1
        # The English track is the default: Chromium shows it.
        assert sco.evaluate("document.querySelector('video').textTracks[0].mode") == "showing"
        assert sco.evaluate("document.querySelector('video').textTracks[0].language") == "en"
        pages = sco.evaluate("document.querySelectorAll('[data-sp-page]').length")
        for _ in range(pages - 1):
            sco.locator("#sp-next").click()
        # On the last page, the video's page is not seen yet: the module is not complete.
        where = sco.evaluate("Array.from(document.querySelectorAll('[data-sp-page]')).findIndex(p => p.querySelector('video'))")
        assert where >= 0
        assert where not in sco.evaluate("window.scormpack.visited")
        assert page.evaluate("lmsState")["cmi.core.lesson_status"] != "completed"
        for _ in range(pages - 1 - where):
            sco.locator("#sp-previous").click()
        sco.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
        sco.wait_for_function(f"window.scormpack.visited.indexOf({where}) >= 0", timeout=15000)
        for _ in range(pages - 1 - where):
            sco.locator("#sp-next").click()
        assert page.evaluate("lmsState")["cmi.core.lesson_status"] == "completed"
