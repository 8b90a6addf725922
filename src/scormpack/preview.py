"""`scormpack preview`: one bundle, built and played in an LMS-like page on loopback.

The bundle is built by build.build_package, as `scormpack build` builds it
(rendered, planned, validated, zipped), into a temporary folder instead of
dist/; a rebuild reuses what the last one rendered and zipped, in memory. The zip's
entries are then served read-only under /package/, beside a player page
(player/) that reads the package's own manifest for its outline, plays each
SCO in a frame against the recording LMS of static/lms_api.js, and shows
every API call and the data model as they happen.

Sources are polled for changes; a change rebuilds. A failed rebuild is
reported and the last good build stays served, so the learner view never
goes blank while an author is mid-edit. Nothing listens beyond 127.0.0.1.
"""
from __future__ import annotations

import errno
import http.server
import json
import mimetypes
import sys
import signal
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from lxml import etree
from markupsafe import Markup

from .build import EarlierBuild, build_package, relative_warning, select_bundles, unchanged_entries
from .translation import choose_languages, translate_course
from .cache import FileHashes, InputKeys, ModuleCache, collector_paused, source_snapshot, thaws_collector, tool_fingerprint
from .reading_cache import ReadingCache
from .course import Course
from .errors import ScormpackError
from .loader import load_course
from .render import STATIC_DIR, render_bundle
from .targets import PLAYER_RUNTIMES, PREVIEWABLE, TARGETS, target_names
from .validate.manifest import read_manifest

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PLAYER_DIR = Path(__file__).parent / "player"
# PLAYER_RUNTIMES: the runtime APIs the player's recording LMS (static/lms_api.js) implements, and
# PREVIEWABLE: so the registered targets it can play (Target.runtime; Common Cartridge has none);
# both kept in targets/__init__.py.
PREFIX_PACKAGE = "/package/"
PREFIX_PLAYER = "/__preview/"
# Files of the player itself, by URL name.
PLAYER_FILES = {
    "player.js": PLAYER_DIR / "player.js",
    "player.css": PLAYER_DIR / "player.css",
    "lms_api.js": STATIC_DIR / "lms_api.js",
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}

Reporter = Callable[[str, bool], None]  # (message, is_error)


# ------------------------------------------------------------- the outline

@dataclass
class OutlineItem:
    """One item of the package's organization, as an LMS would list it."""

    identifier: str
    title: str
    href: str | None  # package path of the launch file (with its parameters), or None for a folder
    children: list[OutlineItem] = field(default_factory=list)
    # Values an LMS sets for this SCO from the manifest (mastery score, passing score, objectives).
    preset: dict[str, str | bool] = field(default_factory=dict)

    def launchable(self) -> list[OutlineItem]:
        found = [self] if self.href else []
        for child in self.children:
            found.extend(child.launchable())
        return found


@dataclass
class PackageOutline:
    standard: str  # "1.2" or "2004", from <schemaversion>, as Moodle reads it
    title: str  # the organization's title
    items: list[OutlineItem]

    def launchable(self) -> list[OutlineItem]:
        return [found for item in self.items for found in item.launchable()]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


def _child_text(element: etree._Element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


def read_outline(manifest_bytes: bytes) -> PackageOutline:
    """The default organization of a SCORM manifest, with each item's launch URL resolved (xml:base applied)."""
    manifest = read_manifest(manifest_bytes)
    standard = "1.2" if (manifest.schemaversion or "") == "1.2" else "2004"
    resources = manifest.resources()
    organization = manifest.default_organization()
    if organization is None:
        raise ScormpackError("the package's manifest has no organization to play")

    def item_of(element: etree._Element) -> OutlineItem | None:
        if element.get("isvisible") == "false":
            return None
        resource = resources.get(element.get("identifierref")) if element.get("identifierref") else None
        href = manifest.launch_url(resource) if resource is not None else None
        if href:
            parameters = element.get("parameters", "")
            if parameters:
                parameters = parameters.lstrip("?&")
                href += ("&" if "?" in href else "?") + parameters
        item = OutlineItem(element.get("identifier", ""), _child_text(element, "title"), href)
        item.preset = _presets(element, standard)
        item.children = [child for child in map(item_of, _children(element, "item")) if child is not None]
        return item

    items = [item for item in map(item_of, _children(organization, "item")) if item is not None]
    return PackageOutline(standard, _child_text(organization, "title"), items)


def _presets(item: etree._Element, standard: str) -> dict[str, str | bool]:
    """What an LMS initialises from the manifest for this item's SCO."""
    preset: dict[str, str | bool] = {}
    if standard == "1.2":
        mastery = _child_text(item, "masteryscore")
        if mastery:
            preset["cmi.student_data.mastery_score"] = mastery
        return preset
    # SCORM 2004: the objectives of the item's sequencing (cmi.objectives is
    # pre-loaded with their ids) and the primary objective's passing measure.
    objectives = [el for sequencing in _children(item, "sequencing") for el in _children(sequencing, "objectives")]
    index = 0
    for group in objectives:
        for objective in group:
            if _local(objective) not in ("primaryObjective", "objective"):
                continue
            if _local(objective) == "primaryObjective" and objective.get("satisfiedByMeasure") == "true":
                measure = _child_text(objective, "minNormalizedMeasure")
                if measure:
                    preset["cmi.scaled_passing_score"] = measure
            objective_id = objective.get("objectiveID")
            if objective_id:
                preset[f"cmi.objectives.{index}.id"] = objective_id
                preset[f"cmi.objectives.{index}.__exists"] = True
                index += 1
    return preset


# --------------------------------------------------------------- the build

@dataclass
class PreviewBuild:
    """One good build: the package's entries and what the player shows of it."""

    number: int
    course: Course
    bundle_id: str
    target_name: str
    files: dict[str, bytes]  # zip entry name -> content
    outline: PackageOutline
    warnings: list[str]
    built_at: float


def read_package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def default_target(course: Course) -> str:
    for name in course.default_targets:
        if name in PREVIEWABLE:
            return name
    return PREVIEWABLE[0]


def _stderr_reporter(message: str, is_error: bool) -> None:
    print(message, file=sys.stderr if is_error else sys.stdout, flush=True)


class Preview:
    """The preview of one bundle: builds, watches the sources and serves on 127.0.0.1.

        with Preview(Path("content"), "un-personnel-generic", port=0) as preview:
            print(preview.url)
    """

    def __init__(
        self,
        course_dir: Path,
        bundle_id: str | None = None,
        target_name: str | None = None,
        port: int = DEFAULT_PORT,
        poll_interval: float = 0.5,
        report: Reporter = _stderr_reporter,
        language: str | None = None,
    ):
        if target_name is not None and target_name not in PREVIEWABLE:
            raise ScormpackError(
                f"cannot preview target {target_name!r}: preview plays {', '.join(PREVIEWABLE)} packages"
            )
        self.course_dir = Path(course_dir)
        self.bundle_id = bundle_id
        self.language = language  # a translation's edition (translations/<language>.po); None: the source
        self.target_name = target_name
        self.port = port
        self.poll_interval = poll_interval
        self.report = report
        self.current: PreviewBuild | None = None
        self.error: str | None = None  # the last failed build's message, until a build succeeds
        self.attempts = 0  # builds tried, good or bad: the player reloads when it changes
        self._snapshot: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._workdir: tempfile.TemporaryDirectory | None = None
        # What the last good build leaves for the next, in memory, as the build cache does for
        # `scormpack build`: its rendered modules, its package (unchanged members are copied from
        # it compressed) and its pages' saved-state estimates. The bytes never depend on them.
        self._file_hashes = FileHashes()
        self._readings = ReadingCache(None, tool_fingerprint(), in_memory=True)  # module files unchanged are not read again
        self._rendered: dict[str, tuple] = {}
        self._rendered_for: tuple[str, str] | None = None  # (bundle id, layout) of the modules in _rendered
        self._earlier = EarlierBuild()
        self._earlier_keys: dict[str, str] = {}  # module id -> the render key the earlier package was built with
        self._earlier_for: tuple[str, str] | None = None  # (bundle id, target) of the earlier package
        self._server: http.server.ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # ---- building

    @thaws_collector
    def _build(self) -> PreviewBuild:
        # The cycle collector waits until the build is served: run during it, every other rebuild of a
        # big course walked the last build's objects and this one's (0.4 s on 1,000 modules).
        with collector_paused():
            return self._build_now()

    def _build_now(self) -> PreviewBuild:
        course = load_course(self.course_dir, self._readings)
        bundle_id = self.bundle_id
        if bundle_id is None:
            if len(course.bundles) != 1:
                known = ", ".join(bundle.id for bundle in course.bundles)
                raise ScormpackError(f"choose the bundle to preview with --bundle (the course has: {known})")
            bundle_id = course.bundles[0].id
        select_bundles(course, [bundle_id])  # an unknown bundle is an error before any translating
        edition_warnings: list[str] = []
        if self.language:  # a preview shows a translation's progress, in any bundle
            (language,) = choose_languages(course, [self.language])
            if language != course.language:
                course, untranslated = translate_course(course, language, [bundle_id])
                edition_warnings = [relative_warning(warning, course.root) for warning in untranslated]
        bundle = course.bundle(bundle_id)
        target = TARGETS[self.target_name or default_target(course)]
        # The modules rendered by the last build are reused while their keys are unchanged.
        keys = InputKeys(course, self._file_hashes, self._readings).module_keys(bundle, target.layout)
        earlier_modules = self._rendered if self._rendered_for == (bundle.id, target.layout) else {}
        modules = ModuleCache(earlier_modules, keys)
        rendered = render_bundle(course, bundle, target.layout, modules)
        assert self._workdir is not None
        number = (self.current.number + 1) if self.current else 1
        destination = Path(self._workdir.name) / f"{number}-{target.package_name(course, bundle)}"
        if self._earlier.package is not None and self._earlier_for == (bundle.id, target.name):
            self._earlier.unchanged = unchanged_entries(rendered, keys, self._earlier_keys)
        built = build_package(course, bundle, target, rendered, destination, self._earlier)
        files = read_package(built.path)
        warnings = edition_warnings + built.warnings(course)
        if self._earlier.package is not None:
            self._earlier.package.unlink(missing_ok=True)
        self._earlier = EarlierBuild(built.path, built.suspend_estimates)
        self._earlier_keys, self._earlier_for = keys, (bundle.id, target.name)
        self._rendered, self._rendered_for = modules.current, (bundle.id, target.layout)
        return PreviewBuild(
            number, course, bundle.id, target.name, files, read_outline(files[target.manifest_name]), warnings, time.time()
        )

    def rebuild(self, raise_errors: bool = False) -> bool:
        """Builds now. On failure the error is kept and reported (or raised), and the last good build stays served."""
        snapshot = source_snapshot(self.course_dir)
        started = time.monotonic()
        try:
            build = self._build()
        except (ScormpackError, OSError) as error:
            if raise_errors:
                raise error if isinstance(error, ScormpackError) else ScormpackError(str(error)) from error
            message = str(error) if isinstance(error, ScormpackError) else f"error: {error}"
            with self._lock:
                self._snapshot = snapshot
                self.error = message
                self.attempts += 1
            kept = f" (still serving build {self.current.number})" if self.current else ""
            self.report(f"build failed{kept}: {message}", True)
            return False
        with self._lock:
            self._snapshot = snapshot
            self.current = build
            self.error = None
            self.attempts += 1
        for warning in build.warnings:
            self.report(f"warning: {warning}", True)
        self.report(f"build {build.number}: {build.bundle_id} ({build.target_name}) in {time.monotonic() - started:.1f} s", False)
        return True

    def rebuild_if_changed(self) -> bool | None:
        """Rebuilds when a source file was added, removed or changed: True/False as rebuild(); None when unchanged."""
        if source_snapshot(self.course_dir) == self._snapshot:
            return None
        return self.rebuild()

    # ---- serving

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self, watch: bool = True) -> Preview:
        """Builds (a first failure is raised), then serves; with watch, rebuilds on changes in a thread."""
        self._workdir = tempfile.TemporaryDirectory(prefix="scormpack-preview-")
        try:
            self.rebuild(raise_errors=True)
            try:
                self._server = _PreviewServer((HOST, self.port), _Handler, self)
            except OSError as error:
                hint = "; choose another with --port" if error.errno == errno.EADDRINUSE else ""
                raise ScormpackError(f"cannot listen on {HOST}:{self.port}: {error.strerror}{hint}") from None
        except BaseException:
            self._workdir.cleanup()
            self._workdir = None
            raise
        self.port = self._server.server_address[1]
        self._start_thread(lambda: self._server.serve_forever(poll_interval=0.1), "scormpack-preview-server")
        if watch:
            self._start_thread(self._watch, "scormpack-preview-watcher")
        return self

    def _start_thread(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _watch(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            self.rebuild_if_changed()

    def wait(self) -> None:
        """Blocks until stop() (or Ctrl-C in the calling thread)."""
        while not self._stopping.wait(0.5):
            pass

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        self._server = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ---- what the player reads

    def state(self) -> dict:
        """The player's view of the preview: the current build, its outline, and the last error."""
        with self._lock:
            build, error, attempts = self.current, self.error, self.attempts
        assert build is not None
        target = TARGETS[build.target_name]
        items = build.outline.launchable()
        return {
            "attempt": attempts,
            "build": build.number,
            "builtAt": time.strftime("%H:%M:%S", time.localtime(build.built_at)),
            "error": error,
            "warnings": build.warnings,
            "standard": build.outline.standard,
            "target": target.name,
            "targetTitle": target.description,
            "courseTitle": build.course.title,
            "bundleId": build.bundle_id,
            "bundleTitle": build.course.bundle(build.bundle_id).title,
            "organizationTitle": build.outline.title,
            "items": [
                {
                    "id": item.identifier,
                    "title": item.title,
                    "href": PREFIX_PACKAGE.lstrip("/") + item.href,
                    "preset": item.preset,
                    "previous": index > 0,
                    "next": index < len(items) - 1,
                }
                for index, item in enumerate(items)
                if item.href
            ],
            "outlineHtml": _render("outline.html", outline=build.outline, prefix=PREFIX_PACKAGE.lstrip("/")),
        }

    def player_page(self) -> bytes:
        state = self.state()
        config = json.dumps(state, ensure_ascii=False, sort_keys=True)
        config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return _render("player.html", state=state, config=Markup(config), outline=Markup(state["outlineHtml"])).encode()

    def package_file(self, path: str) -> bytes | None:
        build = self.current
        return build.files.get(path) if build else None


_ENVIRONMENT = Environment(
    loader=FileSystemLoader(str(PLAYER_DIR)),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _render(template: str, **context) -> str:
    return _ENVIRONMENT.get_template(template).render(**context)


# ----------------------------------------------------------------- HTTP

class _PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, preview: Preview):
        self.preview = preview
        super().__init__(address, handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _PreviewServer
    server_version = "scormpack-preview"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # a request log would drown the build messages

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _host_allowed(self) -> bool:
        # A page elsewhere could point a DNS name at 127.0.0.1 (DNS rebinding):
        # answer only requests addressed to the loopback names.
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        return host in ("", f"127.0.0.1:{port}", f"localhost:{port}")

    def _answer(self, send_body: bool) -> None:
        if not self._host_allowed():
            self._send(403, b"The preview answers requests for 127.0.0.1 only.\n", ".txt", send_body)
            return
        preview = self.server.preview
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self._send(200, preview.player_page(), ".html", send_body)
        elif path == PREFIX_PLAYER + "state.json":
            self._send(200, json.dumps(preview.state()).encode(), ".json", send_body)
        elif path.startswith(PREFIX_PLAYER) and path[len(PREFIX_PLAYER):] in PLAYER_FILES:
            file = PLAYER_FILES[path[len(PREFIX_PLAYER):]]
            self._send(200, file.read_bytes(), file.suffix, send_body)
        elif path.startswith(PREFIX_PACKAGE) and (content := preview.package_file(path[len(PREFIX_PACKAGE):])) is not None:
            self._send(200, content, Path(path).suffix, send_body)
        else:
            self._send(404, f"Not in the preview: {path}\n".encode(), ".txt", send_body)

    def _send(self, status: int, body: bytes, suffix: str, send_body: bool) -> None:
        content_type = CONTENT_TYPES.get(suffix.lower()) or mimetypes.guess_type("x" + suffix)[0] or "application/octet-stream"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Every reload shows the latest build.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _Terminated(Exception):
    """SIGTERM (or SIGHUP) arrived: how process managers and CI stop a server."""


def _terminate(signal_number: int, frame) -> None:
    raise _Terminated(signal_number)


def run(preview: Preview, echo: Callable[[str], None]) -> None:
    """Serves until Ctrl-C or SIGTERM; stops cleanly (no traceback) and removes the temporary build.

    SIGTERM is handled even when SIGINT is ignored (a background job of a
    non-interactive shell), so the temporary build never stays behind.
    """
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if number is not None:
                previous[number] = signal.signal(number, _terminate)
    try:
        preview.start()
        edition = f", {preview.current.course.language}" if preview.language else ""
        echo(f"Previewing {preview.current.bundle_id} ({preview.current.target_name}{edition}) at {preview.url}")
        echo("Edit the sources to rebuild; press Ctrl-C to stop.")
        preview.wait()
    except (KeyboardInterrupt, _Terminated):
        echo("Stopped.")
    finally:
        try:
            preview.stop()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
