"""Our Common Cartridge 1.1 / 1.3 XSDs: they compile, agree with the official
schemas on real cartridges, accept well-formed cartridges and reject broken ones."""
from __future__ import annotations

import functools
import importlib.util
import json
import posixpath
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree

from scormpack.schemas import load_schema, schema_errors

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "reference"
CARTRIDGES = sorted((REFERENCE / "packages" / "cc").glob("*.imscc"))

CC_SETS = ["cc11", "cc11-qti", "cc11-weblink", "cc11-topic", "cc13", "cc13-qti", "cc13-weblink", "cc13-topic"]

NS_CP = {
    "1": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "3": "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
}
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# The resource types whose files the official validator schema-checks, with the
# CC version the type belongs to (the schema used is that version's, whatever
# the cartridge's). Basic LTI links are left out: we write no LTI schema.
RESOURCE_TYPE = re.compile(
    r"^(?:imsqti_xmlv1p2/imscc_xmlv1p(?P<qti>\d)/(?:assessment|question-bank)"
    r"|imswl_xmlv1p(?P<wl>\d)|imsdt_xmlv1p(?P<dt>\d))$"
)
KIND_SET = {"qti": "qti", "wl": "weblink", "dt": "topic"}


def parse(text: str) -> etree._ElementTree:
    return etree.ElementTree(etree.fromstring(text.encode("utf-8")))


@functools.lru_cache(maxsize=None)
def official_schema(set_name: str) -> etree.XMLSchema | None:
    """The official schema set matching one of ours, from the oracle; None without ../shared."""
    script = REFERENCE / "validate_official.py"
    if not script.is_file():
        return None
    spec = importlib.util.spec_from_file_location("validate_official", script)
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    version, _, kind = set_name.partition("-")
    version = "cc1p" + version[-1]
    imports = oracle.SCHEMA_SETS[version] if not kind else [
        oracle.CC_RESOURCE_SCHEMAS[(version, {"qti": "qti", "weblink": "wl", "topic": "dt"}[kind])]
    ]
    schema, _, missing = oracle.compile_schema(oracle.DEFAULT_SCHEMAS, imports)
    assert not missing and schema is not None, missing
    return schema


def is_valid(set_name: str, document: etree._ElementTree) -> bool:
    """Our verdict; where the official schemas are at hand, they must give the same."""
    ours = load_schema(set_name).validate(document)
    official = official_schema(set_name)
    if official is not None:
        assert official.validate(document) == ours, f"official schemas disagree with ours on this {set_name} document"
    return ours


# --------------------------------------------------------------------- compile
@pytest.mark.parametrize("set_name", CC_SETS)
def test_schema_set_compiles(set_name):
    assert isinstance(load_schema(set_name), etree.XMLSchema)


def test_schema_imports_are_relative_and_folders_flat():
    root = Path(__file__).resolve().parents[1] / "schemas"
    for folder in ("cc11", "cc13"):
        files = list((root / folder).iterdir())
        assert files and all(path.is_file() for path in files), folder
        for path in files:
            tree = etree.parse(str(path))
            for ref in tree.iter("{http://www.w3.org/2001/XMLSchema}import", "{http://www.w3.org/2001/XMLSchema}include"):
                location = ref.get("schemaLocation")
                assert location and "/" not in location and ":" not in location, (path.name, location)
                assert (root / folder / location).is_file(), (path.name, location)


# ------------------------------------------------------- agreement with oracle
def official_verdict(cartridge: Path) -> tuple[bool, set[str]]:
    """(manifest schema-valid, names of resource files that failed their schema)."""
    result = subprocess.run(
        [sys.executable, str(REFERENCE / "validate_official.py"), str(cartridge), "--json", "--strict-schemas"],
        capture_output=True, text=True, check=False,
    )
    report = json.loads(result.stdout)
    manifest_ok = not any(p["code"] == "schema.manifest" for p in report["problems"])
    bad_files = {p["message"].split(" line ")[0] for p in report["problems"] if p["code"] == "schema.cc_resource"}
    return manifest_ok, bad_files


def resource_files(root: etree._Element, cp_ns: str, members: set[str]):
    """(path in zip, schema set) of each file the official validator schema-checks."""
    bases = [root.get(XML_BASE)]
    for resources in root.iter(f"{{{cp_ns}}}resources"):
        for resource in resources.iterfind(f"{{{cp_ns}}}resource"):
            match = RESOURCE_TYPE.match(resource.get("type") or "")
            if not match:
                continue
            kind = next(name for name, value in match.groupdict().items() if value)
            set_name = f"cc1{match.group(kind)}-{KIND_SET[kind]}"
            for file in resource.iterfind(f"{{{cp_ns}}}file"):
                href = file.get("href") or ""
                if urlsplit(href).scheme or not href.lower().endswith(".xml"):
                    continue
                parts = [p for p in bases + [resources.get(XML_BASE), resource.get(XML_BASE)] if p]
                path = posixpath.normpath(posixpath.join(*parts, unquote(href)))
                if path in members:
                    yield path, set_name


@pytest.mark.skipif(not CARTRIDGES, reason="../shared/reference (official oracle and real cartridges) is absent")
@pytest.mark.parametrize("cartridge", CARTRIDGES, ids=lambda path: path.stem)
def test_verdict_agrees_with_official_schemas(cartridge):
    official_manifest_ok, official_bad_files = official_verdict(cartridge)
    with zipfile.ZipFile(cartridge) as archive:
        members = set(archive.namelist())
        manifest = etree.ElementTree(etree.fromstring(archive.read("imsmanifest.xml")))
        root = manifest.getroot()
        cp_ns = etree.QName(root).namespace
        version = next(v for v, ns in NS_CP.items() if ns == cp_ns)
        ours_manifest_ok = is_valid(f"cc1{version}", manifest)
        assert ours_manifest_ok == official_manifest_ok, schema_errors(f"cc1{version}", manifest)[:5]

        checked = set()
        for path, set_name in resource_files(root, cp_ns, members):
            document = etree.ElementTree(etree.fromstring(archive.read(path)))
            ours_ok = is_valid(set_name, document)
            assert ours_ok == (path not in official_bad_files), (path, set_name, schema_errors(set_name, document)[:5])
            checked.add(path)
    # Every resource file the oracle rejected was checked here too, except
    # Basic LTI links, for which we have no schema.
    assert official_bad_files - lti_files(root, cp_ns) <= checked


def lti_files(root: etree._Element, cp_ns: str) -> set[str]:
    return {
        file.get("href")
        for resource in root.iter(f"{{{cp_ns}}}resource")
        if (resource.get("type") or "").startswith("imsbasiclti_xmlv1p")
        for file in resource.iterfind(f"{{{cp_ns}}}file")
    }


# ---------------------------------------------------------- hand-written manifests
CC11_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M_course" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
    xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
    xmlns:lom="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.1.0</schemaversion>
    <lomimscc:lom>
      <lomimscc:general>
        <lomimscc:title><lomimscc:string language="en">Safety basics</lomimscc:string></lomimscc:title>
      </lomimscc:general>
    </lomimscc:lom>
  </metadata>
  <organizations>
    <organization identifier="O_1" structure="rooted-hierarchy">
      <item identifier="I_root">
        <item identifier="I_page" identifierref="R_page"><title>Welcome</title></item>
        <item identifier="I_link" identifierref="R_link"><title>Further reading</title></item>
        <item identifier="I_quiz" identifierref="R_quiz"><title>Check yourself</title></item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R_page" type="webcontent" href="pages/welcome.html">
      <file href="pages/welcome.html"/>
    </resource>
    <resource identifier="R_link" type="imswl_xmlv1p1">
      <file href="links/reading.xml"/>
    </resource>
    <resource identifier="R_quiz" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment">
      <metadata>
        <lom:lom><lom:educational><lom:intendedEndUserRole>
          <lom:source>IMSGLC_CC_Rolesv1p1</lom:source><lom:value>Learner</lom:value>
        </lom:intendedEndUserRole></lom:educational></lom:lom>
      </metadata>
      <file href="quiz/assessment.xml"/>
      <dependency identifierref="R_page"/>
    </resource>
  </resources>
</manifest>
"""

CC13_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M_course" xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
    xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
    xmlns:lom="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
    xmlns:cpx="http://www.imsglobal.org/xsd/imsccv1p3/imscp_extensionv1p2">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.3.0</schemaversion>
    <lomimscc:lom>
      <lomimscc:general>
        <lomimscc:title><lomimscc:string language="en">Safety basics</lomimscc:string></lomimscc:title>
      </lomimscc:general>
    </lomimscc:lom>
  </metadata>
  <organizations>
    <organization identifier="O_1" structure="rooted-hierarchy">
      <item identifier="I_root">
        <item identifier="I_page" identifierref="R_page"><title>Welcome</title></item>
        <item identifier="I_quiz" identifierref="R_quiz"><title>Check yourself</title></item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R_page" type="webcontent" href="pages/welcome.html" intendeduse="assignment">
      <file href="pages/welcome.html"/>
      <cpx:variant identifier="V_page" identifierref="R_page_print">
        <cpx:metadata/>
      </cpx:variant>
    </resource>
    <resource identifier="R_page_print" type="webcontent" href="pages/welcome.pdf">
      <file href="pages/welcome.pdf"/>
    </resource>
    <resource identifier="R_quiz" type="imsqti_xmlv1p2/imscc_xmlv1p3/assessment">
      <metadata>
        <lom:lom><lom:educational><lom:intendedEndUserRole>
          <lom:source>IMSGLC_CC_Rolesv1p2</lom:source><lom:value>Learner</lom:value>
        </lom:intendedEndUserRole></lom:educational></lom:lom>
      </metadata>
      <file href="quiz/assessment.xml"/>
    </resource>
  </resources>
</manifest>
"""


def test_cc11_manifest_is_valid():
    assert schema_errors("cc11", parse(CC11_MANIFEST)) == []
    assert is_valid("cc11", parse(CC11_MANIFEST))


def test_cc13_manifest_with_variant_is_valid():
    assert schema_errors("cc13", parse(CC13_MANIFEST)) == []
    assert is_valid("cc13", parse(CC13_MANIFEST))


@pytest.mark.parametrize(
    "old, new",
    [
        ('type="webcontent"', 'type="scorm_sco"'),  # not in the CC 1.1 resource type vocabulary
        ("<schemaversion>1.1.0</schemaversion>", ""),  # schemaversion is required
        ("<schemaversion>1.1.0</schemaversion>", "<schemaversion>1.2</schemaversion>"),
        ("<schema>IMS Common Cartridge</schema>", "<schema>ADL SCORM</schema>"),
        ('structure="rooted-hierarchy"', 'structure="hierarchical"'),
        ('<item identifier="I_page" identifierref="R_page"><title>Welcome</title></item>',
         '<item identifier="I_page" identifierref="R_page"/>'),  # a child item needs a title
        ('identifier="R_link"', 'identifier="R_page"'),  # duplicate ID
        ('identifier="R_link"', 'identifier="1link"'),  # not an xs:ID
        ('<resource identifier="R_page" type="webcontent"', '<resource identifier="R_page" type="webcontent" intendeduse="assignment"'),
        ("<lom:source>IMSGLC_CC_Rolesv1p1</lom:source>", "<lom:source>IMSGLC_CC_Rolesv1p2</lom:source>"),
        ("<lom:value>Learner</lom:value>", "<lom:value>Student</lom:value>"),
        ('<file href="pages/welcome.html"/>', '<file href="pages/welcome.html"/><extra xmlns="urn:x"/>'),
    ],
)
def test_broken_cc11_manifest_is_rejected(old, new):
    assert CC11_MANIFEST.count(old) >= 1
    assert not is_valid("cc11", parse(CC11_MANIFEST.replace(old, new, 1)))


def test_cc13_variant_before_file_is_rejected():
    broken = CC13_MANIFEST.replace(
        """      <file href="pages/welcome.html"/>
      <cpx:variant identifier="V_page" identifierref="R_page_print">
        <cpx:metadata/>
      </cpx:variant>""",
        """      <cpx:variant identifier="V_page" identifierref="R_page_print">
        <cpx:metadata/>
      </cpx:variant>
      <file href="pages/welcome.html"/>""",
    )
    assert broken != CC13_MANIFEST
    assert not is_valid("cc13", parse(broken))


@pytest.mark.parametrize(
    "old, new",
    [
        ("<schemaversion>1.3.0</schemaversion>", ""),
        ("<schemaversion>1.3.0</schemaversion>", "<schemaversion>1.1.0</schemaversion>"),
        ('intendeduse="assignment"', 'intendeduse="homework"'),
        ("<cpx:metadata/>", ""),  # a variant must carry metadata
        ("<lom:source>IMSGLC_CC_Rolesv1p2</lom:source>", "<lom:source>IMSGLC_CC_Rolesv1p1</lom:source>"),
        ('<organization identifier="O_1" structure="rooted-hierarchy">',
         '<organization identifier="O_1" structure="rooted-hierarchy"><item identifier="I_extra"/>'),
    ],
)
def test_broken_cc13_manifest_is_rejected(old, new):
    assert CC13_MANIFEST.count(old) >= 1
    assert not is_valid("cc13", parse(CC13_MANIFEST.replace(old, new, 1)))


# ------------------------------------------------------------------------- QTI
def qti_item(ident: str, profile: str, response: str, processing: str) -> str:
    return f"""
      <item ident="{ident}" title="{ident}">
        <itemmetadata><qtimetadata>
          <qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>{profile}</fieldentry></qtimetadatafield>
          <qtimetadatafield><fieldlabel>cc_weighting</fieldlabel><fieldentry>1</fieldentry></qtimetadatafield>
        </qtimetadata></itemmetadata>
        <presentation>
          <material><mattext texttype="text/html">&lt;p&gt;Question {ident}&lt;/p&gt;</mattext></material>
          {response}
        </presentation>
        <resprocessing>
          <outcomes><decvar varname="SCORE" vartype="Decimal" minvalue="0" maxvalue="100"/></outcomes>
          {processing}
        </resprocessing>
        <itemfeedback ident="{ident}_fb"><flow_mat><material><mattext>Well done.</mattext></material></flow_mat></itemfeedback>
      </item>"""


def choices(ident: str, cardinality: str, labels: list[str]) -> str:
    options = "".join(
        f'<response_label ident="{label}"><material><mattext>{label}</mattext></material></response_label>' for label in labels
    )
    return f'<response_lid ident="{ident}" rcardinality="{cardinality}"><render_choice shuffle="No">{options}</render_choice></response_lid>'


QTI_ASSESSMENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
  <assessment ident="A_1" title="Check yourself">
    <qtimetadata>
      <qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>2</fieldentry></qtimetadatafield>
    </qtimetadata>
    <section ident="S_1">
      {qti_item("Q_mc", "cc.multiple_choice.v0p1", choices("R_mc", "Single", ["a", "b", "c"]),
                '<respcondition continue="No"><conditionvar><varequal respident="R_mc">b</varequal></conditionvar>'
                '<setvar action="Set" varname="SCORE">100</setvar>'
                '<displayfeedback feedbacktype="Response" linkrefid="Q_mc_fb"/></respcondition>')}
      {qti_item("Q_mr", "cc.multiple_response.v0p1", choices("R_mr", "Multiple", ["a", "b", "c"]),
                '<respcondition><conditionvar><and><varequal respident="R_mr">a</varequal>'
                '<varequal respident="R_mr">c</varequal><not><varequal respident="R_mr">b</varequal></not>'
                '</and></conditionvar><setvar varname="SCORE" action="Set">100</setvar></respcondition>')}
      {qti_item("Q_tf", "cc.true_false.v0p1", choices("R_tf", "Single", ["true", "false"]),
                '<respcondition><conditionvar><varequal respident="R_tf">true</varequal></conditionvar>'
                '<setvar>100</setvar></respcondition>'
                '<respcondition><conditionvar><other/></conditionvar><setvar>0</setvar></respcondition>')}
      {qti_item("Q_fib", "cc.fib.v0p1",
                '<response_str ident="R_fib" rcardinality="Single"><render_fib prompt="Box" fibtype="String" rows="1" columns="20"/></response_str>',
                '<respcondition><conditionvar><varequal respident="R_fib" case="No">helmet</varequal>'
                '<varsubstring respident="R_fib">helm</varsubstring></conditionvar><setvar>100</setvar></respcondition>')}
    </section>
  </assessment>
</questestinterop>
"""


@pytest.mark.parametrize("set_name", ["cc11-qti", "cc13-qti"])
def test_qti_assessment_with_the_four_item_profiles_is_valid(set_name):
    assert schema_errors(set_name, parse(QTI_ASSESSMENT)) == []
    assert is_valid(set_name, parse(QTI_ASSESSMENT))


def test_qti_question_bank_is_valid():
    bank = QTI_ASSESSMENT.replace('<assessment ident="A_1" title="Check yourself">', '<objectbank ident="B_1">')
    bank = bank.replace('<section ident="S_1">', "").replace("</section>", "").replace("</assessment>", "</objectbank>")
    assert schema_errors("cc11-qti", parse(bank)) == []
    assert is_valid("cc13-qti", parse(bank))


def test_qti_or_is_cc13_only():
    with_or = QTI_ASSESSMENT.replace(
        '<conditionvar><varequal respident="R_tf">true</varequal></conditionvar>',
        '<conditionvar><or><varequal respident="R_tf">true</varequal><varequal respident="R_tf">yes</varequal></or></conditionvar>',
    )
    assert with_or != QTI_ASSESSMENT
    assert is_valid("cc13-qti", parse(with_or))
    assert not is_valid("cc11-qti", parse(with_or))


@pytest.mark.parametrize(
    "old, new",
    [
        ('<assessment ident="A_1" title="Check yourself">', '<assessment ident="A_1">'),  # title required
        ('<section ident="S_1">', '<section ident="S_1"></section><section ident="S_2">'),  # one section only
        ('rcardinality="Single"', 'rcardinality="Several"'),
        ('<decvar varname="SCORE"', '<decvar varname="POINTS"'),  # the only outcome is SCORE
        ('feedbacktype="Response"', 'feedbacktype="Popup"'),
        ('<setvar action="Set" varname="SCORE">', '<setvar action="Add" varname="SCORE">'),
        ('<varequal respident="R_mc">b</varequal>', '<varequal>b</varequal>'),  # respident required
        ('<render_choice shuffle="No">', '<render_choice shuffle="Maybe">'),
        ("<outcomes>", "<outcomes><decvar/>"),  # a single decvar
        ('<qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>2</fieldentry></qtimetadatafield>',
         '<qtimetadatafield><fieldentry>2</fieldentry></qtimetadatafield>'),
        ('<mattext texttype="text/html">', '<mattext texttype="text/html"><b>bold</b>'),  # mattext is text only
        ('<response_str ident="R_fib" rcardinality="Single"><render_fib',
         '<response_str ident="R_fib" rcardinality="Single"><response_grp/><render_fib'),  # not in the profile
    ],
)
def test_broken_qti_is_rejected(old, new):
    assert QTI_ASSESSMENT.count(old) >= 1
    for set_name in ("cc11-qti", "cc13-qti"):
        assert not is_valid(set_name, parse(QTI_ASSESSMENT.replace(old, new, 1))), set_name


# --------------------------------------------------------------- link and topic
@pytest.mark.parametrize("version", ["1", "3"])
def test_web_link_and_topic(version):
    link = f"""<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p{version}/imswl_v1p{version}">
      <title>Further reading</title><url href="https://example.org/safety" target="_blank"/></webLink>"""
    topic = f"""<topic xmlns="http://www.imsglobal.org/xsd/imsccv1p{version}/imsdt_v1p{version}">
      <title>Introduce yourself</title><text texttype="text/html">&lt;p&gt;Hello&lt;/p&gt;</text>
      <attachments><attachment href="files/rules.pdf"/></attachments></topic>"""
    assert schema_errors(f"cc1{version}-weblink", parse(link)) == []
    assert schema_errors(f"cc1{version}-topic", parse(topic)) == []
    assert is_valid(f"cc1{version}-weblink", parse(link)) and is_valid(f"cc1{version}-topic", parse(topic))
    assert not is_valid(f"cc1{version}-weblink", parse(link.replace("<title>Further reading</title>", "")))
    assert not is_valid(f"cc1{version}-weblink", parse(link.replace(' href="https://example.org/safety"', "")))
    assert not is_valid(f"cc1{version}-topic", parse(topic.replace('texttype="text/html"', 'texttype="text/markdown"')))
    assert not is_valid(f"cc1{version}-topic", parse(topic.replace("<attachments>", "<attachments></attachments><attachments>")))
    other = "1" if version == "3" else "3"
    assert not is_valid(f"cc1{other}-weblink", parse(link))
