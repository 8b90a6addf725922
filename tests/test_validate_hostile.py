"""`scormpack validate` on hostile or broken input: each package refused with a clear
message, no traceback, no network, and nothing written anywhere (the zip is never
extracted)."""
from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest

from scormpack.validate import LIMITS, validate_package

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>{doctype}
<manifest identifier="M1" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O1"><organization identifier="O1"><title>{title}</title>
    <item identifier="I1" identifierref="R1"><title>One</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource>
  </resources>
</manifest>
"""
GOOD = {"imsmanifest.xml": MANIFEST.format(doctype="", title="Course"), "index.html": "<html><body>Hi</body></html>"}


def write_zip(path: Path, files: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), content, compress_type=compression)
    return path


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Packages live in tmp_path/in; the command runs from an empty tmp_path/work. After each
    check both folders (and tmp_path's parent) must be exactly as they were."""
    incoming, work = tmp_path / "in", tmp_path / "work"
    incoming.mkdir()
    work.mkdir()
    monkeypatch.chdir(work)
    return incoming


def refused(cli, package: Path, message: str, *extra: str) -> str:
    parent = package.parent.parent.parent
    before = (snapshot(package.parent), snapshot(Path.cwd()), sorted(p.name for p in parent.iterdir()))
    result = cli("validate", *extra, package)
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert result.output.splitlines()[-1].startswith(f"{package}: INVALID")
    assert (snapshot(package.parent), snapshot(Path.cwd()), sorted(p.name for p in parent.iterdir())) == before
    return result.output


def test_the_good_package_is_accepted(cli, sandbox):
    assert cli("validate", write_zip(sandbox / "good.zip", GOOD)).exit_code == 0


# ------------------------------------------------------------------- zip slip


@pytest.mark.parametrize(
    "name, why",
    [
        ("../escape.html", "'..' segment"),
        ("content/../../escape.html", "'..' segment"),
        ("/tmp/escape.html", "absolute path"),
        ("C:/escape.html", "drive letter"),
        ("content\\..\\..\\escape.html", "backslash in the path"),
    ],
)
def test_zip_slip_entries_are_refused(cli, sandbox, name, why):
    package = write_zip(sandbox / "slip.zip", {**GOOD, name: "<script>owned()</script>"})
    refused(cli, package, f"unsafe entry path ({why}): refused")
    assert not (sandbox.parent.parent / "escape.html").exists()
    assert not Path("/tmp/escape.html").exists()


def test_symbolic_link_entries_are_refused(cli, sandbox):
    package = sandbox / "link.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for name, content in GOOD.items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo("index2.html")
        link.external_attr = (0o120777 << 16)  # a symlink, as `zip --symlinks` stores it
        archive.writestr(link, "/etc/passwd")
    refused(cli, package, "a symbolic link entry: refused")


# ------------------------------------------------------------------ zip bombs


def test_a_highly_compressed_entry_is_refused(cli, sandbox):
    package = write_zip(sandbox / "bomb.zip", {**GOOD, "zeros.bin": b"\0" * (20 * 1024**2)})
    assert package.stat().st_size < 100_000
    refused(cli, package, "refused as a possible zip bomb")


def test_many_small_highly_compressed_entries_are_refused_together(cli, sandbox):
    """Each entry stays under the per-entry threshold; the archive as a whole inflates far too much."""
    megabyte = b"\0" * LIMITS.ratio_floor
    package = write_zip(sandbox / "bomb.zip", {**GOOD, **{f"z/{n}.bin": megabyte for n in range(40)}})
    refused(cli, package, "the entries inflate")


def test_too_many_entries_are_refused(cli, sandbox):
    files = {**GOOD, **{f"f/{n}.txt": "" for n in range(LIMITS.entries)}}
    package = write_zip(sandbox / "many.zip", files, zipfile.ZIP_STORED)
    refused(cli, package, f"{len(files)} entries (limit {LIMITS.entries}): refused as a possible zip bomb")


def set_uncompressed_size(package: Path, member: str, size: int) -> None:
    """Rewrite the sizes a zip declares for a member (both headers), as a forged zip would."""
    data = bytearray(package.read_bytes())
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = data.find(signature)
        while position >= 0:
            name_at = position + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, position + offset, size)
            position = data.find(signature, position + 4)
    package.write_bytes(bytes(data))


def test_a_declared_size_over_the_total_limit_is_refused_before_reading(cli, sandbox):
    package = write_zip(sandbox / "huge.zip", GOOD)
    set_uncompressed_size(package, "index.html", 0xF0000000)
    assert zipfile.ZipFile(package).getinfo("index.html").file_size > LIMITS.total_bytes
    refused(cli, package, "bytes uncompressed (limit")


def test_a_member_that_inflates_past_its_declared_size_is_not_read_past_it(cli, sandbox):
    """A forged header that understates the size: the read stops at the declared size and the CRC fails."""
    package = write_zip(sandbox / "liar.zip", {**GOOD, "imsmanifest.xml": GOOD["imsmanifest.xml"] + " " * 5_000_000})
    set_uncompressed_size(package, "imsmanifest.xml", 100)
    output = refused(cli, package, "cannot read imsmanifest.xml from the zip")
    assert "CRC" in output


# --------------------------------------------------------------- hostile XML


def test_external_entities_are_not_resolved(cli, sandbox):
    secret = sandbox.parent / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = f'\n<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    manifest = MANIFEST.format(doctype=doctype, title="&xxe;")
    output = refused(cli, write_zip(sandbox / "xxe.zip", {**GOOD, "imsmanifest.xml": manifest}), "a DOCTYPE is not allowed")
    assert "TOP-SECRET-CONTENT" not in output


def test_no_network_access_for_an_external_dtd(cli, sandbox):
    doctype = '\n<!DOCTYPE manifest SYSTEM "http://198.51.100.1/evil.dtd">'
    package = write_zip(sandbox / "dtd.zip", {**GOOD, "imsmanifest.xml": MANIFEST.format(doctype=doctype, title="x")})
    started = time.monotonic()
    refused(cli, package, "a DOCTYPE is not allowed")
    assert time.monotonic() - started < 5  # no connection attempt to an unroutable address


def test_billion_laughs_is_refused_without_expanding(cli, sandbox):
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    manifest = MANIFEST.format(doctype=f"\n<!DOCTYPE manifest [{entities}]>", title="&lol9;")
    started = time.monotonic()
    refused(cli, write_zip(sandbox / "lol.zip", {**GOOD, "imsmanifest.xml": manifest}), "a DOCTYPE is not allowed")
    assert time.monotonic() - started < 5


def test_hostile_xml_in_a_cartridge_resource_is_refused_too(sandbox):
    manifest = """<?xml version="1.0"?>
<manifest identifier="M" xmlns="http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1">
  <organizations/>
  <resources><resource identifier="Q" type="imsqti_xmlv1p2/imscc_xmlv1p2/assessment"><file href="q.xml"/></resource></resources>
</manifest>"""
    quiz = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><questestinterop>&x;</questestinterop>'
    report = validate_package(write_zip(sandbox / "cc.imscc", {"imsmanifest.xml": manifest, "q.xml": quiz}))
    [finding] = [f for f in report.errors if f.where == "q.xml"]
    assert "a DOCTYPE is not allowed" in finding.message and "root:" not in finding.message


def test_absurdly_deep_xml_is_refused(cli, sandbox):
    deep = "<x>" * 100_000 + "</x>" * 100_000
    manifest = MANIFEST.format(doctype="", title="t").replace("<title>t</title>", f"<title>t</title>{deep}")
    refused(cli, write_zip(sandbox / "deep.zip", {**GOOD, "imsmanifest.xml": manifest}), "not well-formed XML")


# ------------------------------------------------------------- broken packages


def test_missing_manifest(cli, sandbox):
    package = write_zip(sandbox / "none.zip", {"index.html": GOOD["index.html"]})
    refused(cli, package, "no imsmanifest.xml at the zip root")


def test_manifest_in_a_folder(cli, sandbox):
    package = write_zip(sandbox / "nested.zip", {f"course/{name}": content for name, content in GOOD.items()})
    refused(cli, package, "course/imsmanifest.xml: imsmanifest.xml must be at the zip root, not in a folder")


def test_manifest_name_in_the_wrong_case(cli, sandbox):
    package = write_zip(sandbox / "case.zip", {"IMSManifest.xml": GOOD["imsmanifest.xml"], "index.html": GOOD["index.html"]})
    refused(cli, package, "the manifest must be named exactly imsmanifest.xml, not 'IMSManifest.xml'")


def test_a_launch_file_in_the_wrong_case(cli, sandbox):
    package = write_zip(sandbox / "case.zip", {"imsmanifest.xml": GOOD["imsmanifest.xml"], "Index.html": GOOD["index.html"]})
    refused(cli, package, "href 'index.html' differs in case from the file 'Index.html'")


def test_manifest_that_is_not_xml(cli, sandbox):
    package = write_zip(sandbox / "text.zip", {**GOOD, "imsmanifest.xml": "This is a manifest, honest."})
    refused(cli, package, "imsmanifest.xml: not well-formed XML")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"This is not a zip file at all." * 10,
        lambda data: data[: len(data) // 2],
        lambda data: b"",
    ],
    ids=["not-a-zip", "truncated", "empty"],
)
def test_corrupt_zip(cli, sandbox, damage):
    package = write_zip(sandbox / "good.zip", GOOD)
    package.write_bytes(damage(package.read_bytes()))
    refused(cli, package, "not a readable zip file")


def test_corrupt_member_data(cli, sandbox):
    package = write_zip(sandbox / "crc.zip", GOOD)
    data = bytearray(package.read_bytes())
    start = data.find(b"imsmanifest.xml") + len("imsmanifest.xml")
    for offset in range(start + 10, start + 40):
        data[offset] ^= 0xFF
    package.write_bytes(bytes(data))
    refused(cli, package, "cannot read imsmanifest.xml from the zip")


def test_encrypted_member(cli, sandbox):
    package = write_zip(sandbox / "secret.zip", GOOD)
    data = bytearray(package.read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        while position >= 0:
            data[position + flags] |= 0x01  # "encrypted"
            position = data.find(signature, position + 4)
    package.write_bytes(bytes(data))
    refused(cli, package, "cannot read imsmanifest.xml from the zip")


def test_duplicate_entries(cli, sandbox):
    package = sandbox / "twice.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for name, content in GOOD.items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning):
            archive.writestr("index.html", "<html><body>Other</body></html>")
    refused(cli, package, "index.html: the zip holds this entry twice")


def test_hrefs_that_are_no_uri_at_all_are_errors_not_crashes(cli, sandbox):
    manifest = GOOD["imsmanifest.xml"].replace('<file href="index.html"/>', '<file href="index.html"/><file href="http://[broken"/>')
    for lms in ("moodle", "openedx", "scorm-cloud", "canvas"):
        refused(cli, write_zip(sandbox / f"uri-{lms}.zip", {**GOOD, "imsmanifest.xml": manifest}), "file 'http://[broken' is not a valid URI reference", "--lms", lms)
