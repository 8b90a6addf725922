"""`scormpack validate` on packages from anyone: what it detects, the integrity checks,
agreement with the official validator on real packages, the output, and the
`--lms` profiles (each rule flagged in a hand-made bad package)."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import SHARED, official_verdict
from scormpack.validate import estimate_suspend_data, validate_package

PACKAGES = SHARED / "reference" / "packages"
REAL_PACKAGES = sorted(p for p in PACKAGES.glob("*/*") if p.suffix in (".zip", ".imscc")) if PACKAGES.is_dir() else []
needs_packages = pytest.mark.skipif(not REAL_PACKAGES, reason="../shared/reference/packages is absent (it is present in CI)")


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def codes(report, severity: str | None = None) -> set[str]:
    return {f.code for f in report.findings if severity is None or f.severity == severity}


def findings_with(report, code: str):
    return [f for f in report.findings if f.code == code]


def line_in(package: Path, needle: str, member: str = "imsmanifest.xml") -> int:
    """The line of a member of the package that holds needle (for the expected `where` of a finding)."""
    with zipfile.ZipFile(package) as archive:
        lines = archive.read(member).decode("utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


# ------------------------------------------------------------ hand-made packages

SCORM12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M1" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="O1">
    <organization identifier="O1">
      <title>Course</title>
      {items}
    </organization>
  </organizations>
  <resources{resources_base}>
    {resources}
  </resources>
</manifest>
"""
ONE_ITEM = '<item identifier="I1" identifierref="R1"><title>One</title></item>'
ONE_SCO = '<resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource>'
PAGE = "<html><body><p>Hello</p></body></html>"


def scorm12_package(path: Path, files: dict | None = None, **parts: str) -> Path:
    values = {"version": "1.2", "items": ONE_ITEM, "resources": ONE_SCO, "resources_base": ""}
    values.update(parts)
    return write_zip(path, {"imsmanifest.xml": SCORM12.format(**values), **({"index.html": PAGE} if files is None else files)})


SCORM2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M1" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  {metadata}
  <organizations default="O1">
    <organization identifier="O1">
      <title>Course</title>
      <item identifier="I1" identifierref="R1"><title>One</title>{sequencing}</item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormType="sco" href="index.html"><file href="index.html"/></resource>
  </resources>
</manifest>
"""
SCORM2004_METADATA = "<metadata><schema>ADL SCORM</schema><schemaversion>{}</schemaversion></metadata>"


def scorm2004_package(path: Path, version: str | None = "2004 4th Edition", sequencing: str = "", files: dict | None = None) -> Path:
    metadata = SCORM2004_METADATA.format(version) if version is not None else ""
    manifest = SCORM2004.format(metadata=metadata, sequencing=sequencing)
    return write_zip(path, {"imsmanifest.xml": manifest, **({"index.html": PAGE} if files is None else files)})


CC_NS = {
    "cc10": "http://www.imsglobal.org/xsd/imscc/imscp_v1p1",
    "cc11": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "cc12": "http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1",
    "cc13": "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
}
CC_LOM = {
    "cc11": "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
    "cc13": "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest",
}
CARTRIDGE = """<?xml version="1.0" encoding="UTF-8"?>{preamble}
<manifest identifier="M1" xmlns="{namespace}" xmlns:lomimscc="{lom}">
  <metadata><schema>IMS Common Cartridge</schema><schemaversion>{version}</schemaversion>
    <lomimscc:lom><lomimscc:general><lomimscc:title><lomimscc:string>Test</lomimscc:string></lomimscc:title></lomimscc:general></lomimscc:lom>
  </metadata>
  <organizations>
    <organization identifier="O1" structure="rooted-hierarchy">
      <item identifier="ROOT">
        {sections}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R0" type="webcontent" href="intro.html"><file href="intro.html"/></resource>
    <resource identifier="R1" type="webcontent" href="m1/page.html"><file href="m1/page.html"/></resource>
    <resource identifier="R2" type="imsqti_xmlv1p2/imscc_xmlv1p{minor}/assessment"><file href="m1/quiz.xml"/></resource>
  </resources>
</manifest>
"""
INTRO_FIRST = """<item identifier="I0" identifierref="R0"><title>Introduction</title></item>
        <item identifier="I1"><title>Module 1</title>
          <item identifier="I2" identifierref="R1"><title>Page</title></item>
          <item identifier="I3" identifierref="R2"><title>Quiz</title></item>
        </item>"""
MODULE_FIRST = """<item identifier="I1"><title>Module 1</title>
          <item identifier="I0" identifierref="R0"><title>Introduction</title></item>
          <item identifier="I2" identifierref="R1"><title>Page</title></item>
          <item identifier="I3" identifierref="R2"><title>Quiz</title></item>
        </item>"""
QTI_ITEM = """<item ident="{ident}" title="{ident}">
        <itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>{profile}</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>
        <presentation>
          <material><mattext texttype="text/plain">Question {ident}</mattext></material>
          <response_lid ident="R" rcardinality="{cardinality}"><render_choice>{labels}</render_choice></response_lid>
        </presentation>
        <resprocessing>
          <outcomes><decvar varname="SCORE" vartype="Decimal" minvalue="0" maxvalue="100"/></outcomes>
          {conditions}
        </resprocessing>
        {feedback}
      </item>"""
LABEL = '<response_label ident="{0}"><material><mattext texttype="text/plain">{0}</mattext></material></response_label>'
TRUE_FALSE = dict(
    ident="Q1",
    profile="cc.true_false.v0p1",
    cardinality="Single",
    labels=LABEL.format("true") + LABEL.format("false"),
    conditions='<respcondition continue="No"><conditionvar><varequal respident="R">true</varequal></conditionvar>'
    '<setvar varname="SCORE" action="Set">100</setvar></respcondition>',
    feedback="",
)
MULTIPLE_RESPONSE = dict(
    ident="Q2",
    profile="cc.multiple_response.v0p1",
    cardinality="Multiple",
    labels=LABEL.format("a") + LABEL.format("b") + LABEL.format("c"),
    conditions='<respcondition continue="Yes"><conditionvar><varequal respident="R">c</varequal></conditionvar>'
    '<displayfeedback feedbacktype="Response" linkrefid="c_fb"/></respcondition>'
    '<respcondition continue="No"><conditionvar><and><varequal respident="R" case="Yes">a</varequal>'
    '<varequal respident="R" case="Yes">b</varequal><not><varequal respident="R">c</varequal></not></and></conditionvar>'
    '<setvar varname="SCORE" action="Set">100</setvar></respcondition>',
    feedback='<itemfeedback ident="c_fb"><flow_mat><material><mattext texttype="text/plain">No.</mattext></material></flow_mat></itemfeedback>',
)
QTI = """<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
  <assessment ident="A1" title="Quiz">
    <qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>cc.exam.v0p1</fieldentry></qtimetadatafield></qtimetadata>
    <section ident="S1">
      {items}
    </section>
  </assessment>
</questestinterop>
"""


def cartridge(
    path: Path,
    standard: str = "cc11",
    sections: str = INTRO_FIRST,
    questions: tuple[dict, ...] = (TRUE_FALSE, MULTIPLE_RESPONSE),
    preamble: str = "",
    page: str = PAGE,
    quiz: str | None = None,
) -> Path:
    minor = standard[-1]
    manifest = CARTRIDGE.format(
        preamble=preamble,
        namespace=CC_NS[standard],
        lom=CC_LOM.get(standard, CC_LOM["cc11"]),
        version=f"1.{minor}.0",
        sections=sections,
        minor=minor,
    )
    if quiz is None:
        quiz = QTI.format(items="\n".join(QTI_ITEM.format(**question) for question in questions))
    return write_zip(path, {"imsmanifest.xml": manifest, "intro.html": PAGE, "m1/page.html": page, "m1/quiz.xml": quiz})


@pytest.fixture
def built_scorm12(cli, example_course, tmp_path) -> Path:
    result = cli("build", example_course, "-o", tmp_path / "dist", "-b", "staff-induction", "-t", "scorm12")
    assert result.exit_code == 0, result.output
    return next((tmp_path / "dist").glob("*staff-induction-scorm12.zip"))


# ------------------------------------------------ agreement with the official validator

# The official validator's problem codes, and the finding codes of ours that give the same reason.
SAME_REASON = {
    "zip.unreadable": {"zip-unreadable"},
    "zip.unsafe_path": {"zip-unsafe-name"},
    "zip.duplicate_entry": {"zip-duplicate"},
    "manifest.missing": {"manifest-missing"},
    "manifest.not_at_root": {"manifest-misplaced"},
    "manifest.not_well_formed": {"manifest-not-xml"},
    "manifest.root": {"manifest-root"},
    "standard.unknown": {"standard-unknown"},
    "metadata.schemaversion": {"schemaversion"},
    "schema.manifest": {"schema"},
    "schema.cc_resource": {"resource-schema"},
    "cc.resource_not_well_formed": {"resource-not-xml"},
    "cc.resource_root": {"resource-root"},
    "id.duplicate": {"duplicate-id"},
    "ref.identifierref": {"dangling-ref"},
    "ref.dependency": {"dangling-ref"},
    "ref.default_org": {"default-org"},
    "manifest.no_organizations": {"no-organizations"},
    "manifest.no_resources": {"no-resources"},
    "manifest.child_order": {"section-order"},
    "href.outside": {"outside"},
    "href.missing": {"missing-file", "case-mismatch"},
    "file.missing": {"missing-file", "case-mismatch"},
}
STANDARDS = {"cc1p1": "cc11", "cc1p2": "cc12", "cc1p3": "cc13", "scorm12": "scorm12", "scorm2004": "scorm2004"}


def lti_files(package: Path) -> set[str]:
    """Files of Basic LTI link resources: we bundle no LTI schema, so their schema errors are not ours to find."""
    with zipfile.ZipFile(package) as archive:
        try:
            root = etree.fromstring(archive.read("imsmanifest.xml"))
        except (KeyError, etree.XMLSyntaxError):
            return set()
    return {
        file.get("href")
        for resource in root.iter("{*}resource")
        if (resource.get("type") or "").startswith("imsbasiclti")
        for file in resource.iter("{*}file")
    }


@needs_packages
@pytest.mark.parametrize("package", REAL_PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_agrees_with_the_official_validator_on_every_real_package(package):
    official = json.loads(official_verdict(package, "--json").stdout)
    ours = validate_package(package)
    assert ours.valid == official["ok"], "\n".join(map(str, ours.errors)) or json.dumps(official["problems"], indent=1)
    assert ours.standard == STANDARDS.get(official["standard"], "unknown")
    if official["ok"]:
        return
    # Where the package is invalid we must say so for the same reasons.
    skipped = lti_files(package)
    our_codes = codes(ours, "error")
    for problem in official["problems"]:
        if problem["code"] == "schema.cc_resource" and problem["message"].split(" line ")[0] in skipped:
            continue
        assert SAME_REASON[problem["code"]] & our_codes, f"we miss {problem['code']}: {problem['message']}"


@needs_packages
def test_the_real_packages_include_valid_and_invalid_ones_of_each_standard():
    """The agreement test means something only if both verdicts occur."""
    verdicts = {(p.parent.name, validate_package(p).valid) for p in REAL_PACKAGES}
    assert {("scorm12", True), ("scorm12", False), ("scorm2004", True), ("scorm2004", False), ("cc", True), ("cc", False)} <= verdicts


@needs_packages
@pytest.mark.parametrize(
    "name, description",
    [
        ("scorm12/golf_ContentPackagingSingleSCO_SCORM12.zip", "SCORM 1.2"),
        ("scorm2004/golf_ContentPackagingSingleSCO_SCORM20042ndEdition.zip", "SCORM 2004 2nd Edition"),
        ("scorm2004/golf_ContentPackagingSingleSCO_SCORM20043rdEdition.zip", "SCORM 2004 3rd Edition"),
        ("scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip", "SCORM 2004 4th Edition"),
        ("cc/ccviewer_latex.imscc", "IMS Common Cartridge 1.1"),
        ("cc/ccviewer_single-page.imscc", "IMS Common Cartridge 1.3"),
    ],
)
def test_standard_and_edition_are_detected_and_reported(cli, name, description):
    result = cli("validate", PACKAGES / name)
    verdict = result.output.splitlines()[-1]
    assert re.match(rf"{re.escape(str(PACKAGES / name))}: (valid|INVALID) \w+ \(.*\): {re.escape(description)}, schemaversion ", verdict)


@needs_packages
def test_earlier_scorm_2004_editions_say_which_schemas_checked_them():
    report = validate_package(PACKAGES / "scorm2004" / "golf_ContentPackagingSingleSCO_SCORM20043rdEdition.zip")
    assert [f.message for f in findings_with(report, "schema-edition")] == [
        "SCORM 2004 3rd Edition: checked against the 4th Edition schemas"
    ]


@pytest.mark.parametrize("standard", ["cc10", "cc12"])
def test_cc_versions_without_our_schemas_get_a_note_and_the_integrity_checks(tmp_path, standard):
    package = cartridge(tmp_path / "c.imscc", standard)
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(tmp_path / "broken.imscc", "w") as target:
        for info in source.infolist():
            if info.filename != "m1/page.html":
                target.writestr(info, source.read(info))
    report = validate_package(tmp_path / "broken.imscc")
    assert report.standard == standard
    assert any("no bundled schemas" in f.message for f in report.notes)
    assert "schema" not in codes(report)
    assert [f.message for f in findings_with(report, "missing-file")] == [
        "href 'm1/page.html': no such file in the package",
        "file 'm1/page.html': no such file in the package",
    ]


# ------------------------------------------------------------- integrity checks


def test_a_good_hand_made_package_is_valid(tmp_path):
    report = validate_package(scorm12_package(tmp_path / "p.zip"))
    assert report.findings == [] and report.valid and report.description == "SCORM 1.2"


def test_href_differing_in_case_is_an_error_naming_both(tmp_path):
    package = scorm12_package(tmp_path / "p.zip", files={"Index.html": PAGE})
    errors = findings_with(validate_package(package), "case-mismatch")
    assert errors and all("'index.html' differs in case from the file 'Index.html'" in f.message for f in errors)
    assert errors[0].where == f'imsmanifest.xml:{line_in(package, "<resource ")} <resource identifier="R1">'


def test_missing_file_and_dangling_reference_name_their_element(tmp_path):
    package = scorm12_package(
        tmp_path / "p.zip",
        items='<item identifier="I1" identifierref="R9"><title>One</title></item>',
        resources=ONE_SCO.replace('<file href="index.html"/>', '<file href="index.html"/><file href="style.css"/>'),
    )
    report = validate_package(package)
    assert [(f.where, f.message) for f in report.errors] == [
        (f'imsmanifest.xml:{line_in(package, "<item")} <item identifier="I1">', "identifierref 'R9' names no resource"),
        (f'imsmanifest.xml:{line_in(package, "<resource ")} <resource identifier="R1">', "file 'style.css': no such file in the package"),
    ]


def test_duplicate_identifiers_are_errors(tmp_path):
    package = scorm12_package(tmp_path / "p.zip", items='<item identifier="R1" identifierref="R1"><title>One</title></item>')
    errors = findings_with(validate_package(package), "duplicate-id")
    assert [f.message for f in errors] == [f"identifier 'R1' is already used by <item> on line {line_in(package, '<item')}"]


def test_every_sco_needs_a_launch_file(tmp_path):
    package = scorm12_package(
        tmp_path / "p.zip",
        resources='<resource identifier="R1" type="webcontent" adlcp:scormtype="sco"><file href="index.html"/></resource>',
    )
    errors = findings_with(validate_package(package), "no-launch")
    assert [f.message for f in errors] == ["a SCO without an href: the LMS has nothing to launch"]


def test_unreferenced_files_are_warnings_but_control_documents_are_not(tmp_path):
    package = scorm12_package(tmp_path / "p.zip", files={"index.html": PAGE, "notes.txt": "x", "imscp_rootv1p1p2.xsd": "<x/>"})
    report = validate_package(package)
    assert report.valid
    assert [(f.where, f.code) for f in report.warnings] == [("notes.txt", "unreferenced")]


def test_xml_base_on_resource_and_resources_is_applied(tmp_path):
    resource = ONE_SCO.replace('<resource identifier="R1"', '<resource identifier="R1" xml:base="sco/"')
    package = scorm12_package(tmp_path / "p.zip", resources=resource, resources_base=' xml:base="content/"', files={"content/sco/index.html": PAGE})
    assert validate_package(package).findings == []
    package = scorm12_package(tmp_path / "q.zip", resources=resource, files={"content/sco/index.html": PAGE})
    assert {f.code for f in validate_package(package).errors} == {"missing-file"}


def test_href_leaving_the_package_is_an_error(tmp_path):
    package = scorm12_package(tmp_path / "p.zip", resources=ONE_SCO.replace('href="index.html">', 'href="../index.html">'))
    assert [f.message for f in findings_with(validate_package(package), "outside")] == ["href '../index.html' points outside the package"]


def test_cc_resource_files_are_checked_against_our_schemas(tmp_path):
    broken_item = dict(TRUE_FALSE, labels=LABEL.format("true") + LABEL.format("false") + "<unexpected/>")
    report = validate_package(cartridge(tmp_path / "c.imscc", questions=(broken_item,)))
    assert [f.where.split(":")[0] for f in findings_with(report, "resource-schema")] == ["m1/quiz.xml"]
    report = validate_package(cartridge(tmp_path / "d.imscc", quiz='<?xml version="1.0"?><assessment/>'))
    assert "resource-root" in codes(report, "error")
    report = validate_package(cartridge(tmp_path / "e.imscc", quiz="<questestinterop"))
    assert [f.code for f in report.errors] == ["resource-not-xml"]


@needs_packages
def test_our_cartridge_fixtures_pass_the_official_validator(tmp_path, assert_official_ok):
    """The hand-made packages the LMS rules are tested on are valid to begin with."""
    assert_official_ok(cartridge(tmp_path / "c.imscc"))
    assert_official_ok(scorm12_package(tmp_path / "p.zip"))
    assert_official_ok(scorm2004_package(tmp_path / "q.zip"))


# ----------------------------------------------------------------- output, exit


def test_output_lines_name_package_severity_where_and_message(cli, tmp_path):
    package = scorm12_package(tmp_path / "p.zip", files={"index.html": PAGE, "notes.txt": "x"})
    result = cli("validate", package)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{package}: warning: notes.txt: file is in the package but the manifest lists it in no resource",
        f"{package}: valid scorm12 (no errors, 1 warning): SCORM 1.2, schemaversion '1.2'",
    ]


def test_strict_makes_warnings_fail(cli, tmp_path):
    package = scorm12_package(tmp_path / "p.zip", files={"index.html": PAGE, "notes.txt": "x"})
    result = cli("validate", "--strict", package)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"{package}: INVALID scorm12 (no errors, 1 warning): SCORM 1.2, schemaversion '1.2'"


def test_json_format_for_pipelines(cli, tmp_path):
    good = scorm12_package(tmp_path / "good.zip")
    bad = scorm12_package(tmp_path / "bad.zip", files={})
    result = cli("validate", "--format", "json", good, bad)
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False
    assert [(p["package"], p["standard"], p["valid"]) for p in data["packages"]] == [
        (str(good), "scorm12", True),
        (str(bad), "scorm12", False),
    ]
    assert {f["code"] for f in data["packages"][1]["findings"]} == {"missing-file"}


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("validate").exit_code == 2
    assert cli("validate", tmp_path / "absent.zip").exit_code == 2
    assert cli("validate", "--lms", "blackboard", scorm12_package(tmp_path / "p.zip")).exit_code == 2
    assert cli("validate", "--format", "xml", scorm12_package(tmp_path / "p.zip")).exit_code == 2


def test_our_own_build_is_valid_with_no_findings(built_scorm12):
    report = validate_package(built_scorm12)
    assert report.valid and report.findings == []


# ------------------------------------------------------------- suspend data


def fill_in_quiz(course: Path, questions: int) -> None:
    module = course / "modules" / "02-emergency-numbers.md"
    text = module.read_text()
    block = "\n\n::: quiz\n" + "".join(f"\n? fillin\nName emergency service {n}.\n\nanswer: fire\n" for n in range(questions)) + ":::\n"
    module.write_text(text + block)


@pytest.mark.parametrize("questions, warned", [(1, False), (10, True)])
def test_suspend_data_budget_of_scorm12(cli, example_course, tmp_path, questions, warned):
    fill_in_quiz(example_course, questions)
    result = cli("build", example_course, "-o", tmp_path / "dist", "-b", "reference", "-t", "scorm12")
    assert result.exit_code == 0, result.output
    report = validate_package(next((tmp_path / "dist").glob("*.zip")))
    warnings = findings_with(report, "suspend-data")
    assert bool(warnings) == warned
    if warned:
        size = int(re.search(r"can reach ([\d,]+) characters", warnings[0].message).group(1).replace(",", ""))
        assert size > 4096 and "over the 4,096 that SCORM 1.2 guarantees" in warnings[0].message


def test_suspend_data_estimate_covers_the_longest_answers():
    sco = {"pageCount": 3}
    quiz = {"attempts": 2, "questions": [{"id": "q1", "type": "fillin"}, {"id": "q2", "type": "multiple", "options": ["a", "b", "c"]}]}
    # What the runtime writes with every page seen and the longest answers (its JSON has no spaces).
    longest = json.dumps({"f": 1, "p": 3, "v": [0, 1, 2, 3], "q": {"n": 2, "r": {"q1": ["\\" * 250], "q2": ["a", "b", "c"]}}}, separators=(",", ":"))
    assert estimate_suspend_data(sco, quiz) == len(longest)


def test_suspend_data_of_scorm_2004_has_its_larger_budget(tmp_path, built_scorm12):
    with zipfile.ZipFile(built_scorm12) as archive:
        pages = [archive.read(n) for n in archive.namelist() if n.endswith("/index.html")]
    page = next(page for page in pages if b'id="sp-quiz"' in page)
    quiz = {"passMark": 80, "attempts": 0, "questions": [{"id": f"q{n}", "type": "fillin"} for n in range(20)]}
    page = re.sub(rb'(<script type="application/json" id="sp-quiz">).*?(</script>)', lambda m: m.group(1) + json.dumps(quiz).encode() + m.group(2), page, flags=re.S)
    assert b'"q19"' in page
    assert findings_with(validate_package(scorm12_package(tmp_path / "a.zip", files={"index.html": page})), "suspend-data")
    assert not findings_with(validate_package(scorm2004_package(tmp_path / "b.zip", files={"index.html": page})), "suspend-data")


# ------------------------------------------------------------- --lms moodle


def lms_findings(package: Path, lms: str) -> list:
    return [f for f in validate_package(package, lms=lms).findings if f.code.startswith(f"lms-{lms}")]


def test_moodle_finds_nothing_in_good_packages(tmp_path, built_scorm12):
    assert lms_findings(built_scorm12, "moodle") == []
    assert lms_findings(cartridge(tmp_path / "c.imscc"), "moodle") == []
    assert lms_findings(scorm2004_package(tmp_path / "q.zip"), "moodle") == []


def test_our_moodle_targets_have_no_moodle_findings_and_scorm_2004_only_the_sequencing_warning(cli, example_course, tmp_path):
    result = cli("build", example_course, "-o", tmp_path / "dist", "-t", "scorm12", "-t", "cc11", "-t", "scorm2004")
    assert result.exit_code == 0, result.output
    packages = sorted(p for p in (tmp_path / "dist").iterdir() if p.suffix in (".zip", ".imscc"))
    assert len(packages) == 9
    for package in packages:
        expected = ["lms-moodle-sequencing"] if package.stem.endswith("scorm2004") else []
        assert [f.code for f in lms_findings(package, "moodle")] == expected, package.name


@pytest.mark.parametrize("version", ["CAM 1.3", "2004 3rd Edition", "2004 4th Edition"])
def test_moodle_knows_these_scorm_2004_schemaversions(tmp_path, version):
    assert lms_findings(scorm2004_package(tmp_path / "q.zip", version=version), "moodle") == []


def test_moodle_reads_a_2004_package_without_a_known_schemaversion_as_scorm_12(tmp_path):
    report = validate_package(scorm2004_package(tmp_path / "q.zip", version=None), lms="moodle")
    assert report.standard == "scorm2004"
    [finding] = findings_with(report, "lms-moodle-schemaversion")
    assert finding.severity == "error" and "API_1484_11" in finding.message and "Moodle reads no schemaversion as SCORM 1.2" in finding.message


def test_moodle_matches_schemaversion_untrimmed(tmp_path):
    report = validate_package(scorm2004_package(tmp_path / "q.zip", version=" 2004 4th Edition\n"), lms="moodle")
    assert report.description == "SCORM 2004 4th Edition"
    [finding] = findings_with(report, "lms-moodle-schemaversion")
    assert "(it does not trim the spaces)" in finding.message


def test_moodle_wants_a_single_root_item(tmp_path):
    items = ONE_ITEM + '<item identifier="I2" identifierref="R1"><title>Two</title></item>'
    [finding] = lms_findings(scorm12_package(tmp_path / "p.zip", items=items), "moodle")
    assert finding.severity == "warning"
    assert finding.where == f'imsmanifest.xml:{line_in(tmp_path / "p.zip", "<organization ")} <organization identifier="O1">'
    assert "disables Next/Previous between sibling top-level items" in finding.message


MAP_INFO = (
    '<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="p">'
    '<imsss:mapInfo targetObjectiveID="g"/></imsss:primaryObjective></imsss:objectives></imsss:sequencing>'
)


def test_moodle_ignores_sequencing_and_cannot_take_map_info(tmp_path):
    findings = lms_findings(scorm2004_package(tmp_path / "q.zip", sequencing=MAP_INFO), "moodle")
    assert [(f.severity, f.code, f.where.split(" ")[1]) for f in findings] == [
        ("warning", "lms-moodle-sequencing", "<imsss:sequencing>"),
        ("error", "lms-moodle-mapinfo", "<imsss:mapInfo>"),
    ]
    assert "Attempt to assign property on null" in findings[1].message
    sequencing_only = '<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>'
    assert [f.severity for f in lms_findings(scorm2004_package(tmp_path / "r.zip", sequencing=sequencing_only), "moodle")] == ["warning"]


def test_moodle_ignores_xml_base_on_resources(tmp_path):
    package = scorm12_package(tmp_path / "p.zip", resources_base=' xml:base="content/"', files={"content/index.html": PAGE})
    assert validate_package(package).valid
    [finding] = lms_findings(package, "moodle")
    assert finding.severity == "error" and finding.where == f"imsmanifest.xml:{line_in(package, '<resources')} <resources>"
    assert "Moodle ignores xml:base 'content/' on <resources>" in finding.message


@pytest.mark.parametrize("standard", ["cc12", "cc13"])
def test_moodle_takes_only_cc_10_and_11(tmp_path, standard):
    [finding] = [f for f in lms_findings(cartridge(tmp_path / "c.imscc", standard), "moodle") if f.code == "lms-moodle-cc-version"]
    assert finding.severity == "error" and "Moodle imports Common Cartridge 1.0 and 1.1 only" in finding.message


def test_moodle_needs_the_cc_namespace_in_the_first_500_bytes(tmp_path):
    comment = "\n<!-- " + "a long licence text " * 30 + "-->"
    package = cartridge(tmp_path / "c.imscc", preamble=comment)
    assert validate_package(package).valid
    [finding] = lms_findings(package, "moodle")
    assert finding.code == "lms-moodle-cc-namespace" and "first 500 bytes" in finding.message


def test_moodle_cannot_convert_an_empty_page(tmp_path):
    package = cartridge(tmp_path / "c.imscc", page="<html><head><title>Page</title></head><body>\n</body></html>")
    [finding] = lms_findings(package, "moodle")
    assert finding.code == "lms-moodle-empty-page"
    line = line_in(package, 'identifier="R1"')
    assert finding.where == f'imsmanifest.xml:{line} <resource identifier="R1">'
    assert "DOMDocument::loadHTML(): Argument #1 must not be empty" in finding.message


def test_moodle_flags_a_page_that_links_to_another_html_file_of_the_cartridge(tmp_path):
    page = (
        '<html><head><link rel="stylesheet" href="../intro.html"></head><body>'
        '<p><a href="../intro.html">Back</a> <a href="../intro.html#top">Top</a> <a href="../intro.html">Again</a></p>'
        '<p><a href="#here">Here</a> <a href="https://example.org/x.html">Out</a> <a href="missing.html">Gone</a></p>'
        '</body></html>'
    )
    package = cartridge(tmp_path / "c.imscc", page=page)
    findings = lms_findings(package, "moodle")
    assert [f.code for f in findings] == ["lms-moodle-page-link", "lms-moodle-page-link"]
    line = line_in(package, 'identifier="R1"')
    assert {f.where for f in findings} == {f'imsmanifest.xml:{line} <resource identifier="R1">'}
    assert "'m1/page.html' links to '../intro.html'" in findings[0].message
    assert "'m1/page.html' links to '../intro.html#top'" in findings[1].message
    assert all(f.severity == "warning" and "the link is dead there" in f.message for f in findings)


def test_moodle_has_no_quarrel_with_links_to_images_and_styles(tmp_path):
    page = '<html><body><p><img src="../shared/a.png" alt=""> <a href="../shared/notes.pdf">Notes</a></p></body></html>'
    package = cartridge(tmp_path / "c.imscc", page=page)
    assert lms_findings(package, "moodle") == []


def test_moodle_puts_the_first_section_in_general(tmp_path):
    package = cartridge(tmp_path / "c.imscc", sections=MODULE_FIRST)
    [finding] = lms_findings(package, "moodle")
    line = line_in(package, 'identifier="I1"')
    assert finding.severity == "warning" and finding.where == f'imsmanifest.xml:{line} <item identifier="I1">'
    assert "section 0 ('General')" in finding.message and "put an introduction item first" in finding.message


def test_moodle_true_false_idents_must_be_true_and_false(tmp_path):
    item = dict(TRUE_FALSE, labels=LABEL.format("T") + LABEL.format("F"))
    package = cartridge(tmp_path / "c.imscc", questions=(item,))
    [finding] = lms_findings(package, "moodle")
    assert finding.severity == "error" and finding.where == f'm1/quiz.xml:{line_in(package, "<item ", "m1/quiz.xml")} <item ident="Q1">'
    assert "Unknown answer identifier detected in true/false quiz question" in finding.message


def test_moodle_multiple_response_needs_case_yes(tmp_path):
    item = dict(MULTIPLE_RESPONSE, conditions=MULTIPLE_RESPONSE["conditions"].replace(' case="Yes">b', ">b"))
    [finding] = lms_findings(cartridge(tmp_path / "c.imscc", questions=(item,)), "moodle")
    assert finding.severity == "error" and "correct option(s) 'b' have no case=\"Yes\"" in finding.message


def test_moodle_drops_feedback_on_other(tmp_path):
    conditions = MULTIPLE_RESPONSE["conditions"].replace('<varequal respident="R">c</varequal></conditionvar>', "<other/></conditionvar>", 1)
    [finding] = lms_findings(cartridge(tmp_path / "c.imscc", questions=(dict(MULTIPLE_RESPONSE, conditions=conditions),)), "moodle")
    assert finding.severity == "warning" and finding.where.endswith("<respcondition>")
    assert "feedback 'c_fb' is shown only on <other/>" in finding.message
    # The same feedback also on a condition naming an option is kept: nothing to report.
    kept = MULTIPLE_RESPONSE["conditions"] + '<respcondition continue="No"><conditionvar><other/></conditionvar><displayfeedback feedbacktype="Response" linkrefid="c_fb"/></respcondition>'
    assert lms_findings(cartridge(tmp_path / "d.imscc", questions=(dict(MULTIPLE_RESPONSE, conditions=kept),)), "moodle") == []


def test_cli_lms_moodle_reports_and_fails(cli, tmp_path):
    package = scorm2004_package(tmp_path / "q.zip", sequencing=MAP_INFO)
    assert cli("validate", package).exit_code == 0
    result = cli("validate", "--lms", "moodle", package)
    assert result.exit_code == 1
    assert f"{package}: error: imsmanifest.xml:{line_in(package, '<imsss:mapInfo')} <imsss:mapInfo>: Moodle 4.5 cannot upload" in result.output


# ------------------------------------------------- --lms openedx, scorm-cloud, canvas


def test_openedx_launches_the_first_resource_with_an_href(tmp_path):
    resources = (
        '<resource identifier="R0" type="webcontent" adlcp:scormtype="asset" href="help.html"><file href="help.html"/></resource>'
        + ONE_SCO
    )
    package = scorm12_package(tmp_path / "p.zip", resources=resources, files={"index.html": PAGE, "help.html": PAGE})
    [finding] = lms_findings(package, "openedx")
    line = line_in(package, 'identifier="R0"')
    assert finding.severity == "error" and finding.where == f'imsmanifest.xml:{line} <resource identifier="R0">'
    assert "Open edX launches the first resource with an href ('help.html')" in finding.message
    assert lms_findings(scorm12_package(tmp_path / "q.zip"), "openedx") == []


def test_openedx_plays_scorm_only(tmp_path):
    [finding] = lms_findings(cartridge(tmp_path / "c.imscc"), "openedx")
    assert finding.code == "lms-openedx-standard"


def test_scorm_cloud_needs_the_control_documents(tmp_path, built_scorm12):
    assert lms_findings(built_scorm12, "scorm-cloud") == []
    with zipfile.ZipFile(built_scorm12) as source, zipfile.ZipFile(tmp_path / "bare.zip", "w") as target:
        for info in source.infolist():
            if info.filename != "adlcp_rootv1p2.xsd":
                target.writestr(info, source.read(info))
    findings = lms_findings(tmp_path / "bare.zip", "scorm-cloud")
    assert [f.where for f in findings] == ["imsmanifest.xml xsi:schemaLocation 'adlcp_rootv1p2.xsd'"]
    assert "the ADL test suite needs every XSD the manifest names" in findings[0].message
    [finding] = lms_findings(scorm12_package(tmp_path / "p.zip"), "scorm-cloud")
    assert "no xsi:schemaLocation" in finding.message


def test_canvas_says_it_adds_no_rules(tmp_path):
    report = validate_package(scorm12_package(tmp_path / "p.zip"), lms="canvas")
    assert report.valid and [f.severity for f in report.findings] == ["note"]


def test_canvas_finds_nothing_in_our_cartridges(tmp_path):
    assert lms_findings(cartridge(tmp_path / "c.imscc"), "canvas") == []


def test_canvas_does_not_replace_the_1edtech_spelling_of_the_file_base_token(tmp_path):
    page = '<html><body><p><img src="$1EdTech-CC-FILEBASE$/m1/a.png" alt=""></p></body></html>'
    [finding] = lms_findings(cartridge(tmp_path / "c.imscc", page=page), "canvas")
    assert finding.code == "lms-canvas-filebase" and finding.severity == "warning"
    assert finding.where == "m1/page.html" and "Canvas replaces only $IMS-CC-FILEBASE$" in finding.message
