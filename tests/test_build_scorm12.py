"""`scormpack build` for SCORM 1.2: what is written, and the rules real LMSs depend on."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import BUNDLED_COURSE, REPO, build, manifest_of

CP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.zip"))}


def test_build_writes_one_zip_per_bundle_with_a_summary(cli, example_course, tmp_path):
    result = build(cli, example_course, tmp_path / "dist")
    names = sorted(p.name for p in (tmp_path / "dist").glob("*.zip"))
    assert names == [
        "first-aid-basics-0.1.0-reference-scorm12.zip",
        "first-aid-basics-0.1.0-staff-induction-scorm12.zip",
        "first-aid-basics-0.1.0-wardens-refresher-scorm12.zip",
    ]
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("bundle "))
    header = lines[start].split()
    assert header == ["bundle", "target", "modules", "size", "validation", "package"]
    rows = [line.split()[:3] for line in lines[start + 2 :]]
    assert ["staff-induction", "scorm12", "2"] in rows


def test_bundle_option_builds_only_that_bundle(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "-b", "reference", "-t", "scorm12")
    assert [p.name for p in (tmp_path / "dist").glob("*.zip")] == ["first-aid-basics-0.1.0-reference-scorm12.zip"]


def test_every_package_passes_the_official_schemas(cli, example_course, tmp_path, assert_official_ok):
    build(cli, example_course, tmp_path / "dist")
    for package in sorted((tmp_path / "dist").glob("*.zip")):
        assert_official_ok(package)


def test_rebuild_is_byte_identical(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "a")
    build(cli, example_course, tmp_path / "b")
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_source_date_epoch_sets_entry_times_and_permissions(cli, example_course, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(cli, example_course, tmp_path / "dist")
    package = tmp_path / "dist" / "first-aid-basics-0.1.0-reference-scorm12.zip"
    with zipfile.ZipFile(package) as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {(2023, 11, 14, 22, 13, 20)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    assert infos[0].filename == "imsmanifest.xml"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])


def test_single_root_item_holds_the_modules_and_is_not_launchable(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip")
    organization = manifest.find(f"{CP}organizations/{CP}organization")
    top_items = organization.findall(f"{CP}item")
    assert len(top_items) == 1
    assert top_items[0].get("identifierref") is None
    modules = top_items[0].findall(f"{CP}item")
    assert [item.findtext(f"{CP}title") for item in modules] == ["The first minutes", "Emergency numbers"]
    assert all(item.get("parameters") is None for item in manifest.iter(f"{CP}item"))


def test_schemaversion_is_exactly_1_2(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "first-aid-basics-0.1.0-reference-scorm12.zip")
    assert manifest.findtext(f"{CP}metadata/{CP}schemaversion") == "1.2"
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "ADL SCORM"


def test_manifest_identifier_is_stable_across_versions(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "v1", "-b", "staff-induction")
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    build(cli, example_course, tmp_path / "v2", "-b", "staff-induction")
    first = manifest_of(next((tmp_path / "v1").glob("*.zip")))
    second = manifest_of(next((tmp_path / "v2").glob("*.zip")))
    assert first.get("identifier") == second.get("identifier") == "MANIFEST-first-aid-basics-staff-induction"
    assert second.get("version") == "0.2.0"


def test_first_resource_with_href_is_the_first_module_launch(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip")
    with_href = [r for r in manifest.iter(f"{CP}resource") if r.get("href")]
    assert with_href[0].get("href") == "first-minutes/index.html"
    assert with_href[0].get(f"{ADLCP}scormtype") == "sco"
    assert all("?" not in r.get("href") and "#" not in r.get("href") for r in with_href)


def test_every_zip_entry_is_listed_and_every_listed_file_present(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    for package in (tmp_path / "dist").glob("*.zip"):
        manifest = manifest_of(package)
        listed = {f.get("href") for f in manifest.iter(f"{CP}file")}
        with zipfile.ZipFile(package) as archive:
            entries = set(archive.namelist()) - {"imsmanifest.xml"}
        assert listed == entries, package.name


def test_control_schemas_and_lom_file_are_at_the_zip_root(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    package = tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip"
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        lom = etree.fromstring(archive.read("metadata.xml"))
    assert {"imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "metadata.xml"} <= names
    manifest = manifest_of(package)
    assert manifest.findtext(f"{CP}metadata/{ADLCP}location") == "metadata.xml"
    md = "{http://www.imsglobal.org/xsd/imsmd_rootv1p2p1}"
    assert lom.findtext(f"{md}general/{md}title/{md}langstring") == "First Aid Basics: First aid for new staff"
    assert [k.text for k in lom.iter(f"{md}langstring") if k.getparent().tag == f"{md}keyword"] == ["first aid", "safety"]
    assert lom.findtext(f"{md}lifecycle/{md}version/{md}langstring") == "0.1.0"


def test_quiz_module_carries_its_mastery_score(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip")
    scores = {item.get("identifier"): item.findtext(f"{ADLCP}masteryscore") for item in manifest.iter(f"{CP}item")}
    assert scores["ITEM-first-minutes"] == "75"
    assert scores["ITEM-emergency-numbers"] is None


def test_sco_resource_lists_its_page_runtime_and_images(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip")
    resource = next(r for r in manifest.iter(f"{CP}resource") if r.get("identifier") == "RES-first-minutes")
    files = [f.get("href") for f in resource.findall(f"{CP}file")]
    assert files == [
        "first-minutes/index.html",
        "shared/media/images/steps.svg",
        "shared/scormpack.css",
        "shared/scormpack.js",
    ]
    assert resource.find(f"{CP}dependency").get("identifierref") == "RES-shared"


def test_conditional_passages_follow_the_bundle_audience(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    page = "first-minutes/index.html"
    with zipfile.ZipFile(tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip") as archive:
        staff = archive.read(page).decode()
    with zipfile.ZipFile(tmp_path / "dist" / "first-aid-basics-0.1.0-wardens-refresher-scorm12.zip") as archive:
        wardens = archive.read(page).decode()
    assert "whether the floor must be cleared" in wardens
    assert "whether the floor must be cleared" not in staff


def test_links_to_modules_point_into_the_package(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    with zipfile.ZipFile(tmp_path / "dist" / "first-aid-basics-0.1.0-staff-induction-scorm12.zip") as archive:
        page = archive.read("first-minutes/index.html").decode()
    assert 'href="../emergency-numbers/index.html"' in page
    assert 'src="../shared/media/images/steps.svg"' in page


def test_python_dash_m_runs_the_cli(example_course, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scormpack", "list", str(example_course)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "staff-induction: First aid for new staff [staff / induction]" in result.stdout


def test_init_scaffolds_a_buildable_course(cli, tmp_path, assert_official_ok):
    result = cli("init", tmp_path / "new")
    assert result.exit_code == 0, result.output
    build(cli, tmp_path / "new", tmp_path / "dist")
    assert len(list((tmp_path / "dist").glob("*.zip"))) == 3


def test_init_refuses_a_non_empty_directory(cli, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = cli("init", tmp_path / "taken")
    assert result.exit_code == 1
    assert "not empty" in result.output


def test_validate_exit_codes(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist")
    good = next((tmp_path / "dist").glob("*.zip"))
    assert cli("validate", good).exit_code == 0
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "shared/scormpack.js":
                target.writestr(info, source.read(info))
    result = cli("validate", broken)
    assert result.exit_code == 1
    assert "'shared/scormpack.js': no such file in the package" in result.output
    assert cli("validate", tmp_path / "missing.zip").exit_code == 2
    assert cli("validate").exit_code == 2


def test_wheel_ships_the_schemas_templates_and_runtime(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(result.stderr[-2000:])
    wheel = next(tmp_path.glob("scormpack-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "scormpack/schemas/scorm12/imscp_rootv1p1p2.xsd" in names
    assert "scormpack/templates/sco.html" in names
    assert "scormpack/static/scormpack.js" in names
    assert "scormpack/scaffold/course.toml" in names


@pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")
def test_bundled_course_builds_with_no_arguments_and_passes_official(cli, tmp_path, monkeypatch, assert_official_ok):
    monkeypatch.chdir(REPO)
    result = cli("build", "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.output
    packages = sorted((tmp_path / "dist").glob("*-scorm12.zip"))
    assert len(packages) >= 11
    for package in packages:
        assert_official_ok(package)
