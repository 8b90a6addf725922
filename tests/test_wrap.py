"""`scormpack wrap`: an HTML folder from another tool, packaged and validated like our own builds."""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from scormpack.validate import validate_package
from scormpack.wrap import WRAP_TARGETS
from conftest import manifest_of

SCORM12_PAGE = """<!doctype html>
<html><head><title>Fire safety</title><script src="js/api.js"></script></head>
<body><h1>Fire safety</h1><p>Know your exits.</p><img src="img/exit.png" alt="Exit sign"></body></html>
"""
API_JS = "var api = findAPI(window); api.LMSInitialize(''); window.onunload = function () { api.LMSFinish(''); };\n"
API_2004_JS = "var api = window.parent.API_1484_11; api.Initialize(''); addEventListener('pagehide', () => api.Terminate(''));\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small exported site: a launch page, a script calling both SCORM APIs, a picture, a video, a subpage."""
    folder = tmp_path / "site"
    (folder / "js").mkdir(parents=True)
    (folder / "img").mkdir()
    (folder / "media").mkdir()
    (folder / "index.html").write_text(SCORM12_PAGE)
    (folder / "more.html").write_text("<html><body><p>Assembly points.</p></body></html>\n")
    (folder / "js" / "api.js").write_text(API_JS + API_2004_JS)
    (folder / "img" / "exit.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
    (folder / "media" / "drill.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + os.urandom(50_000))
    return folder


def wrap(cli, folder: Path, out: Path, target: str, *extra: str):
    return cli("wrap", folder, "--launch", "index.html", "--title", "Fire safety", "-t", target, "-o", out, *extra)


@pytest.mark.parametrize("target", WRAP_TARGETS)
def test_wrapped_folder_is_a_valid_package_of_every_file(cli, site, tmp_path, target, assert_official_ok):
    package = tmp_path / f"fire-{target}.zip"
    result = wrap(cli, site, package, target)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "warning" not in result.output
    report = validate_package(package)
    assert report.valid, [str(f) for f in report.findings]
    assert report.warnings == []
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
    assert {"index.html", "more.html", "js/api.js", "img/exit.png", "media/drill.mp4"} <= names
    manifest = manifest_of(package)
    launchable = [e for e in manifest.iter() if etree.QName(e).localname == "item" and e.get("identifierref")]
    assert len(launchable) == 1
    resources = [e for e in manifest.iter() if etree.QName(e).localname == "resource" and e.get("href")]
    assert [r.get("href") for r in resources] == ["index.html"]
    assert_official_ok(package)


def test_scorm_packages_mark_the_folder_as_one_sco(cli, site, tmp_path):
    wrap(cli, site, tmp_path / "a.zip", "scorm12")
    wrap(cli, site, tmp_path / "b.zip", "scorm2004")
    sco12 = manifest_of(tmp_path / "a.zip").xpath("//*[local-name()='resource'][@href]")[0]
    sco2004 = manifest_of(tmp_path / "b.zip").xpath("//*[local-name()='resource'][@href]")[0]
    assert sco12.get("{http://www.adlnet.org/xsd/adlcp_rootv1p2}scormtype") == "sco"
    assert sco2004.get("{http://www.adlnet.org/xsd/adlcp_v1p3}scormType") == "sco"
    assert manifest_of(tmp_path / "b.zip").findtext(".//{*}schemaversion") == "2004 4th Edition"


def test_wrap_is_byte_identical_when_repeated(cli, site, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    wrap(cli, site, tmp_path / "a.zip", "cc13")
    os.utime(site / "index.html", (0, 0))  # file times never reach the package
    wrap(cli, site, tmp_path / "b.zip", "cc13")
    digest = [hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() for name in ("a.zip", "b.zip")]
    assert digest[0] == digest[1]


def test_compressed_media_is_stored_and_pages_deflated(cli, site, tmp_path):
    wrap(cli, site, tmp_path / "a.zip", "scorm12")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        kinds = {info.filename: info.compress_type for info in archive.infolist()}
    assert kinds["media/drill.mp4"] == zipfile.ZIP_STORED
    assert kinds["img/exit.png"] == zipfile.ZIP_STORED
    assert kinds["index.html"] == zipfile.ZIP_DEFLATED


def test_hidden_files_are_left_out(cli, site, tmp_path):
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("[core]\n")
    (site / ".DS_Store").write_bytes(b"\x00")
    wrap(cli, site, tmp_path / "a.zip", "scorm12")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert not [name for name in archive.namelist() if name.startswith(".") or "/." in name]


def test_a_folder_without_scorm_calls_is_wrapped_with_a_warning_and_refused_when_strict(cli, site, tmp_path):
    (site / "js" / "api.js").write_text("console.log('no LMS here');\n")
    result = wrap(cli, site, tmp_path / "a.zip", "scorm12")
    assert result.exit_code == 0
    assert "warning: no page or script in the folder uses LMSInitialize/LMSFinish" in result.output
    assert "valid (1 warning)" in result.output
    strict = wrap(cli, site, tmp_path / "b.zip", "scorm12", "--strict")
    assert strict.exit_code == 1
    assert "--strict" in strict.output
    assert not (tmp_path / "b.zip").exists()


def test_a_cartridge_needs_no_scorm_calls(cli, site, tmp_path):
    (site / "js" / "api.js").write_text("console.log('plain web content');\n")
    result = wrap(cli, site, tmp_path / "a.imscc", "cc11", "--strict")
    assert result.exit_code == 0, result.output


def test_missing_launch_page_is_an_error_and_writes_nothing(cli, site, tmp_path):
    result = cli("wrap", site, "--launch", "start.html", "--title", "T", "-o", tmp_path / "a.zip")
    assert result.exit_code == 1
    assert "--launch 'start.html': no such file in the folder" in result.output
    assert not (tmp_path / "a.zip").exists()


def test_an_empty_launch_page_is_refused(cli, site, tmp_path):
    (site / "index.html").write_text("<html><body>  </body></html>")
    result = wrap(cli, site, tmp_path / "a.imscc", "cc11")
    assert result.exit_code == 1
    assert "the launch page has no text" in result.output


def test_a_folder_that_is_already_a_package_is_refused(cli, site, tmp_path):
    (site / "imsmanifest.xml").write_text("<manifest/>")
    result = wrap(cli, site, tmp_path / "a.zip", "scorm12")
    assert result.exit_code == 1
    assert "already holds an imsmanifest.xml" in result.output


def test_a_link_out_of_the_folder_is_refused(cli, site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the package")
    (site / "notes.txt").symlink_to(secret)
    result = wrap(cli, site, tmp_path / "a.zip", "scorm12")
    assert result.exit_code == 1
    assert "outside the folder" in result.output


def test_a_file_named_like_a_schema_file_is_refused(cli, site, tmp_path):
    (site / "imscp_rootv1p1p2.xsd").write_text("<x/>")
    result = wrap(cli, site, tmp_path / "a.zip", "scorm12")
    assert result.exit_code == 1
    assert "imscp_rootv1p1p2.xsd" in result.output and "rename it" in result.output


def test_default_output_is_named_after_the_title_in_dist(cli, site, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("wrap", site, "--launch", "index.html", "--title", "Fire Safety: the Basics", "-t", "cc13")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dist" / "fire-safety-the-basics-1.0.0-cc13.imscc").is_file()
