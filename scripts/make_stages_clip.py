"""Makes the bundled course's short clip: the three stages of peacebuilding, animated.

    python scripts/make_stages_clip.py [OUT_DIR]    (default: content/media)

Writes peacebuilding-stages.webm (a 12-second animation of the diagram in
content/images/peacebuilding-stages.svg: time moves through the stages while
the internal actors' ownership stays whole and external support shrinks to
nothing) and its poster, peacebuilding-stages.poster.png (the last frame).
The captions (.en.vtt) and the transcript (.transcript.txt) beside them are
written by hand; the scenes below keep to their times.

No encoder is installed here, so Chromium makes the video: the animation is
drawn on a canvas and recorded with MediaRecorder (VP8 in WebM, a format
every current browser plays), driven by Playwright through Debian's
/usr/bin/chromium, as the browser tests are. The frames are drawn from the
clock, so the recording keeps the scene times even when frames are dropped.
The bytes differ from run to run (the encoder is real-time): the clip is
committed, and this script is how it was made and how to make it again.
"""
from __future__ import annotations

import base64
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium  # noqa: E402  (tests/browser.py: headless Debian Chromium, never downloaded)

WIDTH, HEIGHT = 760, 320
DURATION_MS = 12000
BITS_PER_SECOND = 120_000  # flat colours: about 180 KB for the 12 seconds, within the course's budget

# The drawing. Its scenes start at 0, 2, 4.4, 6.8 and 9.5 s; the captions (peacebuilding-stages.<lang>.vtt)
# and the transcript follow them, except that the transition's caption runs on to 7 s, for reading time.
ANIMATION = """async ({width, height, duration, bitrate}) => {
  const canvas = document.createElement("canvas");
  canvas.width = width; canvas.height = height;
  document.body.appendChild(canvas);
  const g = canvas.getContext("2d");
  const font = (size, bold) => `${bold ? "bold " : ""}${size}px "Liberation Sans", Arial, Helvetica, sans-serif`;
  const start = 140, end = 640;           // where the stages begin and end, as in the SVG
  const stages = [
    {name: "Stabilization", from: 140, colour: "#1f4e79"},
    {name: "Transition", from: 300, colour: "#2e75b6"},
    {name: "Consolidation", from: 460, colour: "#0b6e4f"},
  ];
  // Scenes (ms): 0-2000 the starting point; 2000-9500 time moves through the three stages;
  // 9500-12000 the end point: the society sustains its own peace.
  const nowAt = (t) => t < 2000 ? start : t < 9500 ? start + (end - start) * (t - 2000) / 7500 : end;

  function box(x, y, w, h, lines, lit) {
    g.fillStyle = lit ? "#fff4cc" : "#f2f2f2"; g.strokeStyle = lit ? "#b45309" : "#555"; g.lineWidth = lit ? 4 : 2;
    g.beginPath(); g.roundRect(x, y, w, h, 8); g.fill(); g.stroke();
    g.fillStyle = "#222"; g.font = font(14); g.textAlign = "center";
    lines.forEach((line, i) => g.fillText(line, x + w / 2, y + h / 2 - (lines.length - 1) * 9 + i * 18 + 5));
  }

  function arrow(x, colour, alpha) {
    g.globalAlpha = alpha; g.fillStyle = colour; g.beginPath();
    [[x, 40], [x + 150, 40], [x + 180, 80], [x + 150, 120], [x, 120], [x + 30, 80]].forEach(([px, py], i) => i ? g.lineTo(px, py) : g.moveTo(px, py));
    g.closePath(); g.fill(); g.globalAlpha = 1;
  }

  function frame(t) {
    const now = nowAt(t);
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, width, height);
    box(10, 40, 120, 80, ["Cease-fire or", "peace", "agreement"], t < 2000);
    stages.forEach((stage, i) => {
      const here = t >= 2000 && t < 9500 && now >= stage.from && (i === 2 || now < stages[i + 1].from);
      arrow(stage.from, stage.colour, t < 2000 ? 0.35 : here || t >= 9500 ? 1 : 0.45);
      g.fillStyle = "#ffffff"; g.font = font(16, true); g.textAlign = "center";
      g.fillText(stage.name, stage.from + 92, 86);
    });
    box(648, 30, 104, 100, ["Society", "sustains its", "own peace", "unaided"], t >= 9500);
    // Ownership: whole at every stage, drawn as far as time has come.
    g.fillStyle = "#0b6e4f"; g.fillRect(start, 150, Math.max(0, now - start), 32);
    if (now - start > 60) {
      g.save(); g.beginPath(); g.rect(start, 150, now - start, 32); g.clip();
      g.fillStyle = "#ffffff"; g.font = font(14, true); g.textAlign = "center";
      g.fillText("Internal actors own and lead the process at every stage", 390, 171); g.restore();
    }
    // External support: as wide as the band is at this point in time, shrinking to nothing at the end.
    const half = 30 * (end - now) / (end - start);
    g.fillStyle = "#c55a11"; g.beginPath(); g.moveTo(start, 196); g.lineTo(now, 226 - half); g.lineTo(now, 226 + half); g.lineTo(start, 256); g.closePath();
    g.globalAlpha = 0.35; g.fill(); g.globalAlpha = 1;
    g.beginPath(); g.moveTo(now, 226 - half); g.lineTo(now, 226 + half); g.strokeStyle = "#c55a11"; g.lineWidth = 6; g.stroke();
    g.fillStyle = "#7a3608"; g.font = font(14, true); g.textAlign = "left";
    g.fillText("External support", 150, 231);
    // The moment in time: a marker above the stages.
    g.fillStyle = "#b45309"; g.beginPath(); g.moveTo(now - 9, 14); g.lineTo(now + 9, 14); g.lineTo(now, 30); g.closePath(); g.fill();
    g.fillStyle = "#222"; g.font = font(14); g.textAlign = "center";
    g.fillText(t < 9500 ? "External support shrinks as national capacity grows" : "External support has ended; ownership never changed", 390, 300);
  }

  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: "video/webm;codecs=vp8", videoBitsPerSecond: bitrate});
  const chunks = [];
  recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  frame(0);
  recorder.start(1000);
  const began = performance.now();
  await new Promise((resolve) => {
    (function tick() {
      const t = performance.now() - began;
      frame(Math.min(t, duration));
      if (t < duration) requestAnimationFrame(tick); else resolve();
    })();
  });
  recorder.stop();
  await stopped;
  const encode = async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  frame(duration);
  const poster = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  return {video: await encode(new Blob(chunks, {type: "video/webm"})), poster: await encode(poster)};
}"""


# WebM (EBML) element ids: MediaRecorder writes no Duration, so players show a clip of unknown
# length (a seek bar that jumps); with_duration() adds one to the segment's Info.
SEGMENT, INFO, TIMECODE_SCALE, DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489


def _vint(data: bytes, at: int, keep_marker: bool = False) -> tuple[int, int]:
    """An EBML variable-length integer at `at`: (value, its length); ids keep their length marker."""
    first, length, mask = data[at], 1, 0x80
    while not first & mask:
        mask >>= 1
        length += 1
    value = first if keep_marker else first & (mask - 1)
    for offset in range(1, length):
        value = (value << 8) | data[at + offset]
    return value, length


def with_duration(webm: bytes, milliseconds: float) -> bytes:
    """The recording with its Duration written into the segment's Info (in TimecodeScale units, 1 ms here)."""
    at = 0
    while at < len(webm):
        element, id_length = _vint(webm, at, keep_marker=True)
        size, size_length = _vint(webm, at + id_length)
        body = at + id_length + size_length
        if element == SEGMENT:
            at = body  # step inside: its size is "unknown" (a live recording), so it needs no change
            continue
        if element == INFO:
            children, scale, child = webm[body:body + size], 1_000_000, 0
            while child < len(children):
                child_id, child_id_length = _vint(children, child, keep_marker=True)
                child_size, child_size_length = _vint(children, child + child_id_length)
                if child_id == DURATION:
                    return webm  # already there
                if child_id == TIMECODE_SCALE:
                    start = child + child_id_length + child_size_length
                    scale = int.from_bytes(children[start:start + child_size], "big")
                child += child_id_length + child_size_length + child_size
            duration = bytes([0x44, 0x89, 0x88]) + struct.pack(">d", milliseconds * 1_000_000 / scale)
            new_size = size + len(duration)
            if new_size >= (1 << (7 * size_length)) - 1:
                raise ValueError("the Info element's size field is too short for its Duration")
            size_field = (new_size | (1 << (7 * size_length))).to_bytes(size_length, "big")
            return webm[:at + id_length] + size_field + children + duration + webm[body + size:]
        at = body + size
    raise ValueError("no Info element in the recording")


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with chromium(viewport={"width": WIDTH + 40, "height": HEIGHT + 40}) as context:
        page = context.new_page()
        page.set_content("<!DOCTYPE html><html><body style='margin:0'></body></html>")
        made = page.evaluate(
            ANIMATION, {"width": WIDTH, "height": HEIGHT, "duration": DURATION_MS, "bitrate": BITS_PER_SECOND}
        )
    video, poster = with_duration(base64.b64decode(made["video"]), DURATION_MS), base64.b64decode(made["poster"])
    (out_dir / "peacebuilding-stages.webm").write_bytes(video)
    (out_dir / "peacebuilding-stages.poster.png").write_bytes(poster)
    print(f"peacebuilding-stages.webm: {len(video):,} bytes; poster: {len(poster):,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "content" / "media")
