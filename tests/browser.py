"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by Playwright.

Never downloads a browser. When Chromium or Playwright is missing the tests
skip, except under CI=true, where a missing browser is a failure.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The Chromium binary to use, or None when there is none."""
    candidates = [os.environ.get("SCORMPACK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true needs a browser: apt-get install chromium; pip install playwright)")
    pytest.skip(reason)


def require_browser():
    """Returns (sync_playwright, chromium path), or skips (fails on CI)."""
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    return sync_playwright, path


@contextlib.contextmanager
def chromium(**context_options) -> Iterator[object]:
    """A fresh persistent browser context (own user data dir) in headless Chromium."""
    sync_playwright, path = require_browser()
    with tempfile.TemporaryDirectory(prefix="scormpack-chromium-") as profile:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=path,
                headless=True,
                args=CHROMIUM_FLAGS,
                **context_options,
            )
            try:
                yield context
            finally:
                context.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def end_headers(self):
        # Every test run sees the files as they are now.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serves directory over HTTP on the loopback interface; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
