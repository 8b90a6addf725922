"""`scormpack build -t cmi5` and `scormpack validate` on cmi5 packages: the
course structure (cmi5.xml at the zip root, one AU per module in course order,
langstrings in the course language, relative URLs), stable IRIs, moveOn and
masteryScore on every AU, and what the validator says about broken ones."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import BUNDLED_COURSE, SHARED, build
from scormpack.loader import load_course
from scormpack.schemas import schema_errors

NS = {"cs": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
CS = "{%s}" % NS["cs"]
STAFF = "first-aid-basics-0.1.0-staff-induction-cmi5.zip"
# The official control document, when a copy is kept beside the project (it is not copied into it).
OFFICIAL_XSD = SHARED / "reference" / "schemas" / "cmi5" / "CourseStructure.xsd"


def course_structure(package: Path) -> etree._Element:
    with zipfile.ZipFile(package) as archive:
        return etree.fromstring(archive.read("cmi5.xml"))


def staff_package(cli, course: Path, out: Path) -> Path:
    build(cli, course, out, "-t", "cmi5", "-b", "staff-induction")
    return out / STAFF


def test_course_structure_is_at_the_zip_root_with_one_au_per_module_in_order(cli, example_course, tmp_path):
    package = staff_package(cli, example_course, tmp_path / "dist")
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    assert names[0] == "cmi5.xml"
    assert "imsmanifest.xml" not in names
    assert "shared/cmi5.js" in names and "shared/scormpack.js" in names
    root = course_structure(package)
    assert schema_errors("cmi5", root) == []
    course = load_course(example_course)
    modules = course.bundle("staff-induction").modules
    aus = root.findall("cs:au", NS)
    assert [au.findtext("cs:title/cs:langstring", namespaces=NS) for au in aus] == [m.title for m in modules]
    assert [au.findtext("cs:url", namespaces=NS) for au in aus] == [f"{m.id}/index.html" for m in modules]
    for url in (au.findtext("cs:url", namespaces=NS) for au in aus):
        assert url in names
    # A package is one bundle: no block repeating the course.
    assert root.find(".//cs:block", NS) is None


def test_langstrings_are_in_the_course_language(cli, example_course, tmp_path):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('language = "en"', 'language = "fr"'))
    root = course_structure(staff_package(cli, example_course, tmp_path / "dist"))
    languages = {langstring.get("lang") for langstring in root.iter(CS + "langstring")}
    assert languages == {"fr"}


def test_every_au_has_an_explicit_move_on_and_a_mastery_score_only_for_a_required_quiz(cli, example_course, tmp_path):
    root = course_structure(staff_package(cli, example_course, tmp_path / "dist"))
    by_title = {au.findtext("cs:title/cs:langstring", namespaces=NS): au for au in root.findall("cs:au", NS)}
    course = load_course(example_course)
    for module in course.bundle("staff-induction").modules:
        au = by_title[module.title]
        assert au.get("launchMethod") == "AnyWindow"
        if module.quiz is not None and module.quiz.settings.required:
            assert au.get("moveOn") == "CompletedAndPassed"
            assert au.get("masteryScore") == f"{module.quiz.settings.pass_mark / 100:g}"
        else:
            assert au.get("moveOn") == "Completed"
            assert au.get("masteryScore") is None
    assert {au.get("moveOn") for au in by_title.values()} == {"CompletedAndPassed", "Completed"}


def test_an_optional_quiz_moves_on_with_completed(cli, example_course, tmp_path):
    module = example_course / "modules" / "01-first-minutes.md"
    module.write_text(module.read_text().replace("required: true", "required: false"))
    root = course_structure(staff_package(cli, example_course, tmp_path / "dist"))
    assert {au.get("moveOn") for au in root.findall("cs:au", NS)} == {"Completed"}
    assert all(au.get("masteryScore") is None for au in root.findall("cs:au", NS))


def test_iris_come_from_the_ids_and_survive_a_new_version_and_other_edits(cli, example_course, tmp_path):
    first = course_structure(staff_package(cli, example_course, tmp_path / "one"))
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('version = "0.1.0"', 'version = "0.2.0"').replace("First Aid Basics", "First Aid"))
    build(cli, example_course, tmp_path / "two", "-t", "cmi5", "-b", "staff-induction")
    second = course_structure(tmp_path / "two" / STAFF.replace("0.1.0", "0.2.0"))

    def ids(root):
        return [element.get("id") for element in root.iter(CS + "course", CS + "au")]

    assert ids(first) == ids(second)
    assert ids(first) == [
        "urn:scormpack:first-aid-basics:bundle:staff-induction",
        "urn:scormpack:first-aid-basics:module:first-minutes",
        "urn:scormpack:first-aid-basics:module:emergency-numbers",
    ]


def test_rebuild_is_byte_identical(cli, example_course, tmp_path):
    one = staff_package(cli, example_course, tmp_path / "one").read_bytes()
    two = staff_package(cli, example_course, tmp_path / "two").read_bytes()
    assert one == two


@pytest.fixture(scope="module")
def bundled_packages(tmp_path_factory) -> list[Path]:
    if not BUNDLED_COURSE.is_dir():
        pytest.skip("the bundled course is not in this checkout")
    from conftest import Cli

    out = tmp_path_factory.mktemp("cmi5") / "dist"
    build(Cli(), BUNDLED_COURSE, out, "-t", "cmi5")
    return sorted(out.glob("*-cmi5.zip"))


def test_every_bundle_of_the_bundled_course_builds_and_passes_our_validator(cli, bundled_packages):
    course = load_course(BUNDLED_COURSE)
    assert len(bundled_packages) == len(course.bundles)
    result = cli("validate", "--strict", *bundled_packages)
    assert result.exit_code == 0, result.output
    for package in bundled_packages:
        assert f"{package}: valid" in result.output


def test_every_bundle_of_the_bundled_course_passes_the_official_schema(bundled_packages):
    if not OFFICIAL_XSD.is_file():
        pytest.skip(
            f"the official cmi5 CourseStructure.xsd is not in {OFFICIAL_XSD.parent} "
            "(run scripts/cmi5_official_check.py with a checkout of AICC/CMI-5_Spec_Current instead)"
        )
    schema = etree.XMLSchema(etree.parse(str(OFFICIAL_XSD)))
    for package in bundled_packages:
        assert schema.validate(course_structure(package)), f"{package.name}: {schema.error_log}"


# ------------------------------------------------------------- validate

GOOD_AU = """<au id="urn:x:au:1" moveOn="Completed"><title><langstring lang="en">A</langstring></title>
<description><langstring lang="en">A</langstring></description><url>{url}</url></au>"""


def structure(*members: str, course_id: str = "urn:x:course") -> bytes:
    return (
        f'<courseStructure xmlns="{NS["cs"]}"><course id="{course_id}"><title><langstring lang="en">C</langstring></title>'
        '<description><langstring lang="en">C</langstring></description></course>' + "".join(members) + "</courseStructure>"
    ).encode()


def zip_with(path: Path, course_xml: bytes, *files: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cmi5.xml", course_xml)
        for name in files:
            archive.writestr(name, "<!DOCTYPE html><title>x</title>")
    return path


def validate(cli, path: Path):
    return cli("validate", path)


def test_validate_accepts_a_good_zip_and_a_bare_structure_with_absolute_urls(cli, tmp_path):
    good = zip_with(tmp_path / "good.zip", structure(GOOD_AU.format(url="au/index.html")), "au/index.html")
    result = validate(cli, good)
    assert result.exit_code == 0, result.output
    assert "cmi5" in result.output
    bare = tmp_path / "cmi5.xml"
    bare.write_bytes(structure(GOOD_AU.format(url="https://example.org/au/index.html")))
    result = validate(cli, bare)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "members, files, code",
    [
        ((GOOD_AU.format(url="au/missing.html"),), ("au/index.html",), "cmi5-url-missing"),
        ((GOOD_AU.format(url="au/index.html?fetch=1"),), ("au/index.html",), "cmi5-url-parameter"),
        ((GOOD_AU.format(url="au/index.html"), GOOD_AU.format(url="au/index.html")), ("au/index.html",), "cmi5-duplicate-id"),
        ((GOOD_AU.format(url="au/index.html").replace("urn:x:au:1", "au-1"),), ("au/index.html",), "cmi5-iri"),
        ((GOOD_AU.format(url="au/index.html").replace('moveOn="Completed"', 'moveOn="Sometimes"'),), ("au/index.html",), "schema"),
        ((GOOD_AU.format(url="au/index.html").replace('moveOn="Completed"', 'moveOn="Passed" masteryScore="0.80001"'),), ("au/index.html",), "schema"),
    ],
)
def test_validate_reports_broken_course_structures(cli, tmp_path, members, files, code):
    package = zip_with(tmp_path / "bad.zip", structure(*members), *files)
    result = cli("validate", "--format", "json", package)
    assert result.exit_code == 1, result.output
    assert f'"code": "{code}"' in result.output


def test_validate_warns_about_a_missing_move_on_and_an_unused_mastery_score(cli, tmp_path):
    au = GOOD_AU.format(url="au/index.html").replace(' moveOn="Completed"', ' masteryScore="0.8"')
    package = zip_with(tmp_path / "lax.zip", structure(au), "au/index.html")
    result = cli("validate", "--format", "json", package)
    assert result.exit_code == 0, result.output  # valid per the specification...
    assert '"code": "cmi5-moveon-missing"' in result.output  # ...but satisfied before it is opened
    assert '"code": "cmi5-mastery-unused"' in result.output
    assert cli("validate", "--strict", package).exit_code == 1


def test_validate_refuses_relative_urls_in_a_bare_course_structure(cli, tmp_path):
    bare = tmp_path / "cmi5.xml"
    bare.write_bytes(structure(GOOD_AU.format(url="au/index.html")))
    result = cli("validate", "--format", "json", bare)
    assert result.exit_code == 1
    assert '"code": "cmi5-url-relative"' in result.output


def test_validate_reports_a_corrupt_member_of_a_cmi5_package(cli, tmp_path):
    package = zip_with(tmp_path / "corrupt.zip", structure(GOOD_AU.format(url="au/index.html")), "au/index.html")
    data = bytearray(package.read_bytes())
    marker = data.find(b"<!DOCTYPE html>")
    assert marker > 0  # stored, not deflated: the page's bytes are in the zip as written
    data[marker + 2] ^= 0xFF  # the CRC no longer matches
    package.write_bytes(bytes(data))
    result = cli("validate", "--format", "json", package)
    assert result.exit_code == 1, result.output
    assert '"code": "zip-member-unreadable"' in result.output
