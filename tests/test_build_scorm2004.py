"""`scormpack build` for SCORM 2004 (4th and 3rd Edition): the manifest, its
sequencing, and the rules Moodle depends on (lms-notes: no imsss:mapInfo
unless asked for, a single root item, the conventional prefixes)."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import BUNDLED_COURSE, REPO, build, manifest_of, official_verdict
from scormpack.loader import load_course
from scormpack.schemas import schema_errors

NS = {
    "cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
    "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
    "lom": "http://ltsc.ieee.org/xsd/LOM",
}
CP = "{%s}" % NS["cp"]
SS = "{%s}" % NS["imsss"]
EDITIONS = {"scorm2004": "2004 4th Edition", "scorm2004-3rd": "2004 3rd Edition"}
STAFF = "first-aid-basics-0.1.0-staff-induction-{target}.zip"


def set_course_option(course: Path, line: str) -> None:
    """Add a `key = value` line to the [course] table of course.toml."""
    toml = course / "course.toml"
    toml.write_text(toml.read_text().replace("[course]\n", f"[course]\n{line}\n", 1))


def staff_manifest(cli, course: Path, out: Path, target: str = "scorm2004") -> etree._Element:
    build(cli, course, out, "-t", target, "-b", "staff-induction")
    return manifest_of(out / STAFF.format(target=target))


def outline(element: etree._Element) -> list:
    """An element and its descendants as (prefix:name, attributes, text) rows, to compare exactly."""
    rows = []
    for node in element.iter():
        qname = etree.QName(node)
        prefix = {uri: p for p, uri in NS.items()}.get(qname.namespace, qname.namespace)
        text = (node.text or "").strip() or None
        rows.append((f"{prefix}:{qname.localname}", dict(node.attrib), text))
    return rows


def sequencing_of(parent: etree._Element) -> etree._Element:
    found = parent.findall(f"{SS}sequencing")
    assert len(found) == 1, etree.tostring(parent)
    return found[0]


def item(manifest: etree._Element, identifier: str) -> etree._Element:
    return manifest.xpath("//cp:item[@identifier=$id]", namespaces=NS, id=identifier)[0]


def official_ok(package: Path) -> None:
    result = official_verdict(package)
    assert result.returncode == 0, f"{package.name}: {result.stdout}{result.stderr}"
    assert result.stdout.strip().splitlines()[-1] == "OK scorm2004"


# ---------------------------------------------------------------- the bundled course


@pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")
def test_every_bundle_of_the_bundled_course_builds_for_both_editions_and_validates(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = cli("build", "-t", "scorm2004", "-t", "scorm2004-3rd", "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.output
    assert "global_objectives" not in result.output
    bundles = load_course(BUNDLED_COURSE).bundles
    for target in EDITIONS:
        packages = sorted((tmp_path / "dist").glob(f"*-{target}.zip"))
        assert len(packages) == len(bundles), target
        for package in packages:
            manifest = manifest_of(package)
            assert schema_errors("scorm2004", manifest) == [], package.name
            assert manifest.xpath("//imsss:mapInfo | //adlseq:mapInfo", namespaces=NS) == [], package.name
            official_ok(package)


# ---------------------------------------------------------------- manifest shape


@pytest.mark.parametrize("target", EDITIONS)
def test_schemaversion_names_the_edition(cli, example_course, tmp_path, target):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist", target)
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "ADL SCORM"
    assert manifest.findtext(f"{CP}metadata/{CP}schemaversion") == EDITIONS[target]
    assert schema_errors("scorm2004", manifest) == []
    official_ok(tmp_path / "dist" / STAFF.format(target=target))


def test_manifest_uses_ims_cp_1_1_4_and_the_conventional_prefixes(cli, example_course, tmp_path):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    assert manifest.tag == f"{CP}manifest"
    # Moodle's parser reads qualified names as written ("ADLCP:SCORMTYPE", "IMSSS:SEQUENCING").
    assert {prefix: uri for prefix, uri in manifest.nsmap.items() if prefix != "xsi"} == {None: NS["cp"], **{
        prefix: NS[prefix] for prefix in ("adlcp", "adlseq", "adlnav", "imsss", "lom")
    }}
    text = etree.tostring(manifest).decode()
    assert 'adlcp:scormType="sco"' in text and "<imsss:sequencing>" in text


def test_schema_locations_name_control_files_at_the_zip_root(cli, example_course, tmp_path):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    locations = manifest.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation").split()
    pairs = dict(zip(locations[::2], locations[1::2]))
    assert set(pairs) == {NS[prefix] for prefix in ("cp", "adlcp", "adlseq", "adlnav", "imsss", "lom")}
    with zipfile.ZipFile(tmp_path / "dist" / STAFF.format(target="scorm2004")) as archive:
        names = set(archive.namelist())
    assert set(pairs.values()) | {"xml.xsd"} <= names


def test_single_root_item_holds_the_modules_and_is_not_launchable(cli, example_course, tmp_path):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    organizations = manifest.find(f"{CP}organizations")
    organization = organizations.find(f"{CP}organization")
    assert organizations.get("default") == organization.get("identifier") == "ORG-staff-induction"
    assert organization.findtext(f"{CP}title") == "First aid for new staff"
    top_items = organization.findall(f"{CP}item")
    assert len(top_items) == 1
    assert top_items[0].get("identifierref") is None
    assert top_items[0].findtext(f"{CP}title") == "First Aid Basics"
    modules = top_items[0].findall(f"{CP}item")
    assert [m.get("identifier") for m in modules] == ["ITEM-first-minutes", "ITEM-emergency-numbers"]
    assert [m.findtext(f"{CP}title") for m in modules] == ["The first minutes", "Emergency numbers"]
    assert all(m.get("parameters") is None for m in manifest.iter(f"{CP}item"))


def test_identifiers_are_stable_across_versions(cli, example_course, tmp_path):
    first = staff_manifest(cli, example_course, tmp_path / "v1")
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    build(cli, example_course, tmp_path / "v2", "-t", "scorm2004", "-b", "staff-induction")
    second = manifest_of(tmp_path / "v2" / "first-aid-basics-0.2.0-staff-induction-scorm2004.zip")

    def identifiers(manifest):
        return [element.get("identifier") for element in manifest.iter() if element.get("identifier")]

    assert identifiers(first) == identifiers(second)
    assert first.get("identifier") == "MANIFEST-first-aid-basics-staff-induction"
    assert (first.get("version"), second.get("version")) == ("0.1.0", "0.2.0")


def test_first_resource_with_href_is_the_first_module_launch(cli, example_course, tmp_path):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    with_href = [r for r in resources if r.get("href")]
    assert with_href[0].get("href") == "first-minutes/index.html"
    assert [r.get("{%s}scormType" % NS["adlcp"]) for r in with_href] == ["sco", "sco"]
    assert all(r.get("{%s}scormType" % NS["adlcp"]) == "asset" for r in resources if not r.get("href"))
    shared = [r for r in resources if r.get("identifier") == "RES-shared"]
    assert shared and all(r.find(f"{CP}dependency").get("identifierref") == "RES-shared" for r in with_href)
    assert manifest.find(f"{CP}resources").get("{http://www.w3.org/XML/1998/namespace}base") is None


@pytest.mark.parametrize("target", EDITIONS)
def test_every_zip_entry_is_listed_and_every_listed_file_present(cli, example_course, tmp_path, target):
    build(cli, example_course, tmp_path / "dist", "-t", target)
    packages = sorted((tmp_path / "dist").glob("*.zip"))
    assert len(packages) == 3
    for package in packages:
        listed = {f.get("href") for f in manifest_of(package).iter(f"{CP}file")}
        with zipfile.ZipFile(package) as archive:
            entries = set(archive.namelist()) - {"imsmanifest.xml"}
        assert listed == entries, package.name


def test_lom_metadata_is_inline_and_describes_the_bundle(cli, example_course, tmp_path):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    record = manifest.xpath("cp:metadata/lom:lom", namespaces=NS)
    assert len(record) == 1

    def texts(path):
        return record[0].xpath(path + "/text()", namespaces=NS)

    assert texts("lom:general/lom:title/lom:string") == ["First Aid Basics: First aid for new staff"]
    assert texts("lom:general/lom:keyword/lom:string") == ["first aid", "safety"]
    assert texts("lom:lifeCycle/lom:version/lom:string") == ["0.1.0"]
    assert texts("lom:metaMetadata/lom:metadataSchema") == ["LOMv1.0", "SCORM_CAM_v1.3"]
    # The two modules take 15 and 5 minutes.
    assert texts("lom:educational/lom:typicalLearningTime/lom:duration") == ["PT20M"]
    assert texts("lom:rights/lom:description/lom:string") == ["CC-BY-4.0"]
    assert record[0].xpath("lom:general/lom:title/lom:string/@language", namespaces=NS) == ["en"]


# ---------------------------------------------------------------- sequencing


def test_free_course_allows_choice_and_flow_and_measures_the_quiz(cli, example_course, tmp_path):
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    organization = manifest.find(f"{CP}organizations/{CP}organization")
    free = [("imsss:sequencing", {}, None), ("imsss:controlMode", {"choice": "true", "flow": "true"}, None)]
    assert outline(sequencing_of(organization)) == free
    assert outline(sequencing_of(item(manifest, "COURSE-staff-induction"))) == free
    assert outline(sequencing_of(item(manifest, "ITEM-first-minutes"))) == [
        ("imsss:sequencing", {}, None),
        ("imsss:objectives", {}, None),
        ("imsss:primaryObjective", {"objectiveID": "first-minutes", "satisfiedByMeasure": "true"}, None),
        ("imsss:minNormalizedMeasure", {}, "0.75"),
    ]
    assert outline(sequencing_of(item(manifest, "ITEM-emergency-numbers"))) == [
        ("imsss:sequencing", {}, None),
        ("imsss:rollupRules", {"rollupObjectiveSatisfied": "false"}, None),
    ]


def test_linear_course_takes_modules_in_order_by_flow_without_global_objectives(cli, example_course, tmp_path):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('sequencing = "free"', 'sequencing = "linear"'))
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    organization = manifest.find(f"{CP}organizations/{CP}organization")
    linear = [("imsss:sequencing", {}, None), ("imsss:controlMode", {"choice": "false", "flow": "true"}, None)]
    assert outline(sequencing_of(organization)) == linear
    assert outline(sequencing_of(item(manifest, "COURSE-staff-induction"))) == linear
    # The module items' own sequencing does not depend on the preset.
    assert outline(sequencing_of(item(manifest, "ITEM-first-minutes")))[2] == (
        "imsss:primaryObjective", {"objectiveID": "first-minutes", "satisfiedByMeasure": "true"}, None,
    )
    assert manifest.xpath("//imsss:mapInfo | //imsss:sequencingRules | //adlseq:objectives", namespaces=NS) == []
    # The sequencing follows the items it governs, as the CAM orders an item's children.
    course_item = item(manifest, "COURSE-staff-induction")
    assert [etree.QName(child).localname for child in course_item] == ["title", "item", "item", "sequencing"]
    official_ok(tmp_path / "dist" / STAFF.format(target="scorm2004"))


def test_no_map_info_and_no_warning_by_default(cli, example_course, tmp_path):
    result = build(cli, example_course, tmp_path / "dist", "-t", "scorm2004", "-t", "scorm2004-3rd")
    assert "warning" not in result.output
    for package in sorted((tmp_path / "dist").glob("*.zip")):
        manifest = manifest_of(package)
        assert manifest.xpath("//*[local-name()='mapInfo']") == [], package.name
        assert b"mapInfo" not in etree.tostring(manifest)


@pytest.mark.parametrize("target", EDITIONS)
def test_global_objectives_map_every_module_and_warn_that_moodle_refuses_the_package(cli, example_course, tmp_path, target):
    set_course_option(example_course, "global_objectives = true")
    result = build(cli, example_course, tmp_path / "dist", "-t", target, "-b", "staff-induction")
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    assert len(warnings) == 1
    assert "course.toml" in warnings[0] and "Moodle" in warnings[0] and "mapInfo" in warnings[0]
    assert "valid (1 warning)" in result.output
    package = tmp_path / "dist" / STAFF.format(target=target)
    manifest = manifest_of(package)
    maps = {
        mapping.getparent().get("objectiveID"): dict(mapping.attrib)
        for mapping in manifest.iterfind(f".//{SS}primaryObjective/{SS}mapInfo")
    }
    write_and_read = {"readSatisfiedStatus": "true", "readNormalizedMeasure": "true",
                      "writeSatisfiedStatus": "true", "writeNormalizedMeasure": "true"}
    assert maps == {
        "first-minutes": {"targetObjectiveID": "urn:scormpack:first-aid-basics:first-minutes", **write_and_read},
        "emergency-numbers": {"targetObjectiveID": "urn:scormpack:first-aid-basics:emergency-numbers", **write_and_read},
    }
    assert schema_errors("scorm2004", manifest) == []
    official_ok(package)


def test_quiz_objective_uses_the_pass_mark_as_minimum_normalized_measure(cli, example_course, tmp_path):
    module = example_course / "modules" / "01-first-minutes.md"
    module.write_text(module.read_text().replace("pass_mark: 75", "pass_mark: 66.5"))
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    primary = item(manifest, "ITEM-first-minutes").find(f"{SS}sequencing/{SS}objectives/{SS}primaryObjective")
    assert primary.get("satisfiedByMeasure") == "true"
    assert primary.findtext(f"{SS}minNormalizedMeasure") == "0.665"
    # A required quiz counts towards the course's success: its rollup is left on.
    assert item(manifest, "ITEM-first-minutes").find(f"{SS}sequencing/{SS}rollupRules") is None


def test_an_optional_quiz_is_measured_but_does_not_decide_the_course_success(cli, example_course, tmp_path):
    module = example_course / "modules" / "01-first-minutes.md"
    module.write_text(module.read_text().replace("required: true", "required: false"))
    manifest = staff_manifest(cli, example_course, tmp_path / "dist")
    assert outline(sequencing_of(item(manifest, "ITEM-first-minutes"))) == [
        ("imsss:sequencing", {}, None),
        ("imsss:rollupRules", {"rollupObjectiveSatisfied": "false"}, None),
        ("imsss:objectives", {}, None),
        ("imsss:primaryObjective", {"objectiveID": "first-minutes", "satisfiedByMeasure": "true"}, None),
        ("imsss:minNormalizedMeasure", {}, "0.75"),
    ]


# ---------------------------------------------------------------- packages


def test_rebuild_is_byte_identical(cli, example_course, tmp_path):
    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.zip"))}

    build(cli, example_course, tmp_path / "a", "-t", "scorm2004", "-t", "scorm2004-3rd")
    build(cli, example_course, tmp_path / "b", "-t", "scorm2004", "-t", "scorm2004-3rd")
    assert len(digests(tmp_path / "a")) == 6
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_validate_recognises_both_editions(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "-t", "scorm2004", "-t", "scorm2004-3rd", "-b", "reference")
    packages = sorted((tmp_path / "dist").glob("*.zip"))
    result = cli("validate", *packages)
    assert result.exit_code == 0, result.output
    assert result.output.count("valid scorm2004 (no errors, no warnings)") == 2


def test_default_targets_may_name_the_2004_editions(cli, example_course, tmp_path):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('targets = ["scorm12"]', 'targets = ["scorm2004", "scorm2004-3rd"]'))
    build(cli, example_course, tmp_path / "dist", "-b", "reference")
    assert sorted(p.name for p in (tmp_path / "dist").glob("*.zip")) == [
        "first-aid-basics-0.1.0-reference-scorm2004-3rd.zip",
        "first-aid-basics-0.1.0-reference-scorm2004.zip",
    ]
