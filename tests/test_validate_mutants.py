"""Issue 21: `validate` never calls a broken package valid.

Mutants of the bundled course's packages (tests/mutants.py): their XML with
values out of range, elements duplicated or moved to another namespace, and
blank hrefs, must get the official validator's verdict; their zip members
corrupted each way an LMS's unzip refuses must be errors naming the member
and why. Needs ../shared for the official validator (skipped without it).
"""
from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED_COURSE, OFFICIAL_VALIDATOR
from mutants import member_mutants, package_xml_mutants
from scormpack.pipeline import run_pipeline
from scormpack.validate import Limits, validate_package

BUNDLE = "internal-actors-in-mission"
TARGETS = ("scorm12", "scorm2004", "cc11", "cc13")

pytestmark = pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")

# Where our schemas are stricter than the official ones on purpose (each says why in its XSD):
# SCORM 1.2's masteryscore is a number from 0 to 100 (ADL's XSD only limits its length).
STRICTER_ON_PURPOSE = ("<masteryscore> text",)


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    run_pipeline(BUNDLED_COURSE, list(TARGETS), [BUNDLE], out, use_cache=False)
    found = {target: next(out.glob(f"*-{BUNDLE}-*{target}.*")) for target in TARGETS}
    return found


@pytest.fixture(scope="module")
def official():
    if not OFFICIAL_VALIDATOR.is_file():
        pytest.skip("../shared/reference/validate_official.py is absent (it is present in CI)")
    spec = importlib.util.spec_from_file_location("validate_official", OFFICIAL_VALIDATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xml_members(package: Path) -> tuple[str, ...]:
    """The manifest, and for a cartridge its first QTI file (the other resource XML has the same schema)."""
    with zipfile.ZipFile(package) as archive:
        quizzes = sorted(name for name in archive.namelist() if name.endswith("knowledge-check.xml"))
    return ("imsmanifest.xml", *quizzes[:1])


@pytest.mark.parametrize("target", TARGETS)
def test_xml_mutants_get_the_official_verdict(target, packages, official, tmp_path):
    package = packages[target]
    disagreements, counted = [], 0
    mutant_file = tmp_path / f"mutant{package.suffix}"
    for mutant in package_xml_mutants(package, _xml_members(package)):
        mutant_file.write_bytes(mutant.data)
        ours = validate_package(mutant_file)
        theirs = official.validate(str(mutant_file))
        counted += 1
        if ours.valid == (not theirs.problems):
            continue
        if not ours.valid and any(text in mutant.description for text in STRICTER_ON_PURPOSE):
            continue
        disagreements.append(
            f"{mutant.description}: ours {'valid' if ours.valid else 'INVALID'} "
            f"({'; '.join(str(f) for f in ours.errors[:2])}), official {'OK' if not theirs.problems else theirs.problems[:2]}"
        )
    assert counted > 100, f"only {counted} mutants of {package.name}"
    assert disagreements == [], "\n".join(disagreements)


# ------------------------------------------------------------------ corrupt zip members

EXPECTED_REASONS = {
    "CRC": "corrupt: CRC mismatch",
    "flipped byte (middle)": "corrupt: ",
    "flipped byte (start)": "corrupt: ",
    "encrypted flag": "encrypted",
    "unknown method": "compressed with an unsupported method",
}


def _members_to_corrupt(package: Path) -> list[str]:
    """The manifest, a launch page, a stylesheet or script, an image, and a cartridge's QTI file."""
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    chosen = ["imsmanifest.xml"]
    for suffixes in ((".html",), (".css", ".js"), (".png", ".jpg", ".svg", ".webp"), ("knowledge-check.xml",)):
        chosen.extend([name for name in names if name.endswith(suffixes)][:1])
    return chosen


@pytest.mark.parametrize("target", TARGETS)
def test_every_unreadable_member_is_an_error_naming_it_and_why(target, packages, tmp_path):
    package = packages[target]
    mutant_file = tmp_path / f"mutant{package.suffix}"
    checked = 0
    for member in _members_to_corrupt(package):
        for mutant in member_mutants(package, member):
            mutant_file.write_bytes(mutant.data)
            report = validate_package(mutant_file)
            assert not report.valid, mutant.description
            kind = mutant.description.rsplit(f"{member} ", 1)[1]
            if kind == "version needed":
                # zipfile refuses the whole central directory; the package is named, not the member.
                assert any("not a readable zip file: zip file version 9.9" in f.message for f in report.errors), mutant.description
            else:
                named = [f for f in report.errors if f.where == member or f.message.startswith(f"cannot read {member} ")]
                assert named, f"{mutant.description}: {[str(f) for f in report.errors]}"
                assert EXPECTED_REASONS[kind] in named[0].message, f"{mutant.description}: {named[0]}"
            checked += 1
    assert checked >= 4 * 6


def test_corrupt_members_never_reach_the_user_as_a_traceback(cli, packages, tmp_path):
    package = packages["cc11"]
    for member in ("imsmanifest.xml", _members_to_corrupt(package)[1]):
        for mutant in member_mutants(package, member):
            mutant_file = tmp_path / f"{len(list(tmp_path.iterdir()))}.imscc"
            mutant_file.write_bytes(mutant.data)
            result = cli("validate", mutant_file)
            assert result.exit_code == 1, f"{mutant.description}: {result.output}"
            assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
            assert "INVALID" in result.output, mutant.description


def test_every_member_is_read_even_when_nothing_references_it(packages, tmp_path):
    """A member nothing in the manifest names is still unpacked by the LMS: a corrupt one is an error."""
    package = packages["scorm12"]
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(tmp_path / "extra.zip", "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("notes/unused.txt", "a file no resource lists " * 100, zipfile.ZIP_DEFLATED)
    [mutant] = [m for m in member_mutants(tmp_path / "extra.zip", "notes/unused.txt") if m.description.endswith(" CRC")]
    (tmp_path / "bad.zip").write_bytes(mutant.data)
    report = validate_package(tmp_path / "bad.zip")
    assert [f.message for f in report.errors if f.where == "notes/unused.txt"] == [
        "cannot be unpacked: corrupt: CRC mismatch; an LMS refuses the package"
    ]


# ------------------------------------------------------------------ ceilings


def test_a_manifest_over_the_element_ceiling_is_refused_with_the_limit(packages):
    report = validate_package(packages["scorm2004"], limits=Limits(xml_elements=50))
    [finding] = report.errors
    assert finding.code == "too-large" and finding.where == "imsmanifest.xml"
    assert "more than 50 elements" in finding.message


def test_a_manifest_over_the_size_ceiling_is_refused_with_the_limit(packages):
    report = validate_package(packages["cc11"], limits=Limits(xml_bytes=1000))
    [finding] = report.errors
    assert finding.code == "too-large" and "over the 1,000 bytes limit for package XML" in finding.message


def test_a_resource_file_over_the_ceiling_is_an_error_naming_it(packages):
    package = packages["cc11"]
    with zipfile.ZipFile(package) as archive:
        manifest_size = archive.getinfo("imsmanifest.xml").file_size
        quiz = max((info for info in archive.infolist() if info.filename.endswith("knowledge-check.xml")), key=lambda i: i.file_size)
    report = validate_package(package, limits=Limits(xml_bytes=max(manifest_size, quiz.file_size - 1)))
    assert any(f.where == quiz.filename and f.code == "too-large" for f in report.errors), [str(f) for f in report.errors]


def test_a_page_over_the_ceiling_is_a_note_not_an_error(packages):
    """An LMS serves a large page as it is; validate says which pages its checks could not parse."""
    package = packages["scorm2004"]
    with zipfile.ZipFile(package) as archive:
        manifest_size = archive.getinfo("imsmanifest.xml").file_size
    report = validate_package(package, limits=Limits(xml_bytes=max(manifest_size, 200)))
    notes = [f for f in report.notes if f.code == "too-large"]
    assert report.valid and notes, [str(f) for f in report.findings]
    assert all(f.path.endswith(".html") and "the checks that read pages skipped it" in f.message for f in notes)


@pytest.mark.parametrize("target", ("scorm2004", "cc11"))
def test_past_the_memory_kept_for_members_the_checks_read_them_again_with_the_same_verdict(target, packages):
    package = packages[target]
    kept_nothing = validate_package(package, lms="moodle", limits=Limits(kept_bytes=0))
    assert kept_nothing.findings == validate_package(package, lms="moodle").findings


def test_a_cmi5_course_structure_has_the_same_ceilings(tmp_path):
    blocks = "".join(f'<block id="https://example.org/b{n}"><title><langstring lang="en">B</langstring></title></block>' for n in range(100))
    structure = f'<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">{blocks}</courseStructure>'
    with zipfile.ZipFile(tmp_path / "course.zip", "w") as archive:
        archive.writestr("cmi5.xml", structure)
    report = validate_package(tmp_path / "course.zip", limits=Limits(xml_elements=50))
    assert [(f.path, f.code) for f in report.errors] == [("cmi5.xml", "too-large")], [str(f) for f in report.errors]


def test_findings_past_two_hundred_of_a_kind_are_counted_not_listed(tmp_path):
    files = "".join(f'<file href="missing/{number}.html"/>' for number in range(1000))
    manifest = f"""<?xml version="1.0"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" identifier="M">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>T</title></item></organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormType="sco" href="index.html">{files}</resource></resources>
</manifest>"""
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("index.html", "<html><body><p>x</p></body></html>")
    report = validate_package(tmp_path / "many.zip")
    missing = [f for f in report.errors if f.code == "missing-file"]
    assert len(missing) == 201
    assert missing[-1].message == "800 more errors like the above (missing-file) not shown"
