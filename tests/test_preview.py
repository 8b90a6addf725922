"""`scormpack preview`: the server in-process on loopback, and the command's start and Ctrl-C stop.

The player itself is played in a real browser by test_e2e.py; here the pages
are fetched with urllib.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from scormpack.pipeline import run_pipeline
from scormpack.errors import ScormpackError
from scormpack.loader import load_course
from scormpack.preview import Preview, read_outline
from scormpack.targets import TARGETS

BUNDLE = "staff-induction"
needs_scorm2004 = pytest.mark.skipif("scorm2004" not in TARGETS, reason="the scorm2004 target is not in this checkout")


def fetch(url: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def state_of(preview: Preview) -> dict:
    status, _, body = fetch(preview.url + "__preview/state.json")
    assert status == 200
    return json.loads(body)


def wait_until(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the preview")


def launch_links(player_html: str) -> list[tuple[str, str]]:
    """(href, title) of every launchable item of the player's outline."""
    return re.findall(r'<a class="pv-launch" href="([^"]+)" data-item="[^"]+">([^<]+)</a>', player_html)


class Messages(list):
    def __call__(self, message: str, is_error: bool) -> None:
        self.append((message, is_error))


@pytest.fixture
def preview(example_course):
    messages = Messages()
    with Preview(example_course, BUNDLE, "scorm12", port=0, poll_interval=0.05, report=messages) as running:
        running.messages = messages
        yield running


def test_player_outline_lists_the_bundles_modules_in_order(preview, example_course):
    status, content_type, body = fetch(preview.url)
    assert status == 200 and content_type.startswith("text/html")
    page = body.decode()
    modules = load_course(example_course).bundle(BUNDLE).modules
    assert launch_links(page) == [(f"package/{module.id}/index.html", module.title) for module in modules]
    for href, title in launch_links(page):
        status, content_type, sco = fetch(preview.url + href)
        assert status == 200 and content_type.startswith("text/html")
        assert f"<h1 class=\"sp-module-title\">{title}</h1>" in sco.decode()
    # The player carries the recording LMS and its own script and style.
    for name in ("lms_api.js", "player.js", "player.css"):
        assert f"__preview/{name}" in page
        status, _, _ = fetch(preview.url + "__preview/" + name)
        assert status == 200


def test_served_files_are_the_entries_of_the_built_package(preview, example_course, tmp_path):
    result = run_pipeline(example_course, ["scorm12"], [BUNDLE], tmp_path / "dist", jobs=1, use_cache=False)
    package = tmp_path / "dist" / result.packages[0].file
    with zipfile.ZipFile(package) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    for name, content in entries.items():
        status, _, served = fetch(preview.url + "package/" + name)
        assert (status, served) == (200, content), name
    assert fetch(preview.url + "package/shared/scormpack.js")[1].startswith("text/javascript")
    assert fetch(preview.url + "package/imsmanifest.xml")[1] == "application/xml"
    # Nothing is written where `scormpack build` writes.
    assert not (example_course / "dist").exists() and not Path("dist", package.name).exists()


def test_unknown_and_escaping_paths_are_not_found(preview):
    for path in ("nothing.html", "package/nothing.html", "package/../course.toml", "package/%2e%2e/course.toml",
                 "__preview/../course.toml", "__preview/preview.py"):
        status, _, _ = fetch(preview.url + path)
        assert status == 404, path


def test_listens_on_loopback_and_answers_only_loopback_host_names(preview):
    assert preview.url.startswith("http://127.0.0.1:")
    assert preview._server.server_address[0] == "127.0.0.1"
    port = preview.port
    assert fetch(preview.url, {"Host": f"localhost:{port}"})[0] == 200
    assert fetch(preview.url, {"Host": f"attacker.example:{port}"})[0] == 403


def test_scorm12_outline_comes_with_the_manifests_mastery_score(preview, example_course):
    state = state_of(preview)
    assert state["standard"] == "1.2" and state["target"] == "scorm12" and state["build"] == 1
    modules = {module.id: module for module in load_course(example_course).bundle(BUNDLE).modules}
    for item in state["items"]:
        module = modules[item["href"].split("/")[1]]
        if module.quiz:
            assert item["preset"] == {"cmi.student_data.mastery_score": f"{module.quiz.settings.pass_mark:g}"}
        else:
            assert item["preset"] == {}


def test_a_changed_module_is_rebuilt_and_served(preview, example_course):
    module_file = example_course / "modules" / "01-first-minutes.md"
    module_file.write_text(module_file.read_text().replace("title: The first minutes", "title: The first five minutes"))
    wait_until(lambda: state_of(preview)["build"] == 2)
    page = fetch(preview.url)[2].decode()
    assert ("package/first-minutes/index.html", "The first five minutes") in launch_links(page)
    assert "The first five minutes" in fetch(preview.url + "package/first-minutes/index.html")[2].decode()
    assert any(message.startswith("build 2:") and not is_error for message, is_error in preview.messages)
    # Nothing changed since: no further build.
    time.sleep(0.3)
    assert state_of(preview)["build"] == 2


def test_a_failed_rebuild_is_reported_and_the_last_good_build_stays_served(preview, example_course):
    module_file = example_course / "modules" / "01-first-minutes.md"
    good = module_file.read_text()
    module_file.write_text(good.replace("stages: [induction, refresher]", "stages: [induction, nowhere]"))
    state = wait_until(lambda: (s := state_of(preview))["error"] and s)
    assert state["build"] == 1
    assert re.search(r"01-first-minutes\.md:\d+: .*nowhere", state["error"]), state["error"]
    assert any(is_error and "nowhere" in message for message, is_error in preview.messages)
    # The player says so, and the last good build is still there to play.
    page = fetch(preview.url)[2].decode()
    assert '<div class="pv-build-error" id="pv-build-error" role="alert">' in page
    assert "nowhere" in page
    assert fetch(preview.url + "package/first-minutes/index.html")[0] == 200

    module_file.write_text(good)
    state = wait_until(lambda: (s := state_of(preview))["build"] == 2 and s)
    assert state["error"] is None
    assert 'role="alert" hidden>' in fetch(preview.url)[2].decode()


def test_stop_closes_the_port_and_removes_the_temporary_build(example_course):
    running = Preview(example_course, BUNDLE, "scorm12", port=0, report=Messages()).start()
    workdir = Path(running._workdir.name)
    url = running.url
    assert workdir.is_dir() and fetch(url)[0] == 200
    running.stop()
    assert not workdir.exists()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


def test_a_first_build_that_fails_is_an_error_with_its_place(example_course, cli):
    module_file = example_course / "modules" / "01-first-minutes.md"
    module_file.write_text(module_file.read_text().replace("stages: [induction, refresher]", "stages: [nowhere]"))
    messages = Messages()
    with pytest.raises(ScormpackError) as raised:
        Preview(example_course, BUNDLE, "scorm12", port=0, report=messages).start()
    assert raised.value.path is not None and raised.value.line
    assert messages == []
    result = cli("preview", example_course, "--bundle", BUNDLE, "--port", "0")
    assert result.exit_code == 1
    assert re.search(r"01-first-minutes\.md:\d+: .*nowhere", result.output), result.output
    assert result.output.count("nowhere") == 1


@needs_scorm2004
@pytest.mark.parametrize("target", ["scorm2004", "scorm2004-3rd"])
def test_scorm2004_outline_presets_passing_score_objectives_and_navigation(example_course, target):
    if target not in TARGETS:
        pytest.skip(f"the {target} target is not in this checkout")
    with Preview(example_course, BUNDLE, target, port=0, report=Messages()) as running:
        state = state_of(running)
    assert state["standard"] == "2004"
    modules = {module.id: module for module in load_course(example_course).bundle(BUNDLE).modules}
    items = state["items"]
    assert [item["href"] for item in items] == [f"package/{module_id}/index.html" for module_id in modules]
    assert [(item["previous"], item["next"]) for item in items] == [
        (index > 0, index < len(items) - 1) for index in range(len(items))
    ]
    for item in items:
        module = modules[item["href"].split("/")[1]]
        if module.quiz and module.quiz.settings.required:
            assert float(item["preset"]["cmi.scaled_passing_score"]) == module.quiz.settings.pass_mark / 100
            assert item["preset"]["cmi.objectives.0.id"]


def test_outline_resolves_xml_base_and_parameters_and_skips_hidden_items():
    manifest = b"""<?xml version="1.0"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="B">
    <organization identifier="A"><title>Not the default</title></organization>
    <organization identifier="B"><title>Course</title>
      <item identifier="I1" identifierref="R1" parameters="?lang=en"><title>One</title></item>
      <item identifier="I2" identifierref="R1" isvisible="false"><title>Hidden</title></item>
    </organization>
  </organizations>
  <resources><resource identifier="R1" type="webcontent" href="index.html" xml:base="one/"/></resources>
</manifest>"""
    outline = read_outline(manifest)
    assert (outline.standard, outline.title) == ("2004", "Course")
    assert [(item.title, item.href) for item in outline.launchable()] == [("One", "one/index.html?lang=en")]


def test_outline_applies_xml_base_at_every_level_as_validate_does():
    """Preview reads the manifest with validate's reader: xml:base on <manifest>, <resources> and
    <resource> all apply, and a path is normalised the way validate checks it."""
    manifest = b"""<?xml version="1.0"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M" xml:base="course/">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Course</title>
    <item identifier="I1" identifierref="R1"><title>One</title></item>
    <item identifier="I2" identifierref="R2"><title>Two</title></item>
  </organization></organizations>
  <resources xml:base="modules/">
    <resource identifier="R1" type="webcontent" href="index.html?page=2" xml:base="one/"/>
    <resource identifier="R2" type="webcontent" href="../shared/start.html"/>
  </resources>
</manifest>"""
    outline = read_outline(manifest)
    assert [item.href for item in outline.launchable()] == ["course/modules/one/index.html?page=2", "course/shared/start.html"]


def test_cli_requires_a_bundle_when_the_course_has_several(cli, example_course):
    result = cli("preview", example_course, "--port", "0")
    assert result.exit_code == 1
    assert "--bundle" in result.output and "staff-induction" in result.output


def test_cli_reports_an_unknown_bundle_and_refuses_common_cartridge(cli, example_course):
    result = cli("preview", example_course, "--bundle", "nope", "--port", "0")
    assert result.exit_code == 2 and "unknown bundle 'nope'" in result.output
    assert cli("preview", example_course, "--bundle", BUNDLE, "--target", "cc13").exit_code == 2


def test_cli_serves_until_ctrl_c_and_stops_without_a_traceback(example_course):
    command = [sys.executable, "-m", "scormpack", "preview", str(example_course), "--bundle", BUNDLE, "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = None
        for line in process.stdout:
            found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            if found:
                url = found.group(1)
                break
        assert url, process.stderr.read()
        assert fetch(url)[0] == 200
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "Stopped." in stdout
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["sigterm", "sigterm-with-sigint-ignored"])
def test_sigterm_stops_the_preview_and_removes_its_temporary_build(example_course, tmp_path, ignore_sigint):
    """Process managers and CI stop a server with SIGTERM; a background job of a script has SIGINT ignored."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, "-m", "scormpack", "preview", str(example_course), "--bundle", BUNDLE, "--port", "0"]

    def ignore() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(temporary)},
        preexec_fn=ignore if ignore_sigint else None,
    )
    try:
        for line in process.stdout:
            if "at http://127.0.0.1:" in line:
                break
        assert [p.name for p in temporary.iterdir() if p.name.startswith("scormpack-preview-")], "no temporary build"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "Stopped." in stdout
    assert [p.name for p in temporary.iterdir() if p.name.startswith("scormpack-preview-")] == []
