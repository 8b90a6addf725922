"""Our SCORM 1.2 / SCORM 2004 XSDs: they compile, they agree with the official
schemas on real and altered packages, and they accept or reject small
hand-written manifests the way the specifications say."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from scormpack.schemas import SCHEMA_SETS, load_schema, schema_errors, schema_files, schemas_dir

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "reference"
ORACLE = REFERENCE / "validate_official.py"
needs_reference = pytest.mark.skipif(
    not ORACLE.is_file(), reason="../shared/reference (official schemas and sample packages) is absent"
)

OUR_SETS = ("scorm12", "scorm12-lom", "scorm2004")
NS_XSD = "http://www.w3.org/2001/XMLSchema"
NS_CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
NS_ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
NS_IMSSS = "http://www.imsglobal.org/xsd/imsss"


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.strip().encode("utf-8"))


def is_valid(set_name: str, text_or_tree) -> bool:
    document = parse(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    return not schema_errors(set_name, document)


# ---------------------------------------------------------------- compiling


@pytest.mark.parametrize("set_name", OUR_SETS)
def test_schema_set_compiles(set_name):
    assert isinstance(load_schema(set_name), etree.XMLSchema)


@pytest.mark.parametrize("folder", ["scorm12", "scorm2004"])
def test_schemas_import_each_other_by_flat_relative_names(folder):
    """Control documents are copied side by side into a zip's root: every
    schemaLocation must name a sibling file, never a URL or a sub-folder."""
    files = sorted((schemas_dir() / folder).glob("*.xsd"))
    assert files
    assert not [p for p in (schemas_dir() / folder).iterdir() if p.is_dir()]
    for path in files:
        tree = etree.parse(str(path))
        for ref in tree.iter(f"{{{NS_XSD}}}import", f"{{{NS_XSD}}}include"):
            location = ref.get("schemaLocation")
            assert location and "/" not in location and ":" not in location, (path.name, location)
            assert (path.parent / location).is_file(), (path.name, location)


@pytest.mark.parametrize("set_name", ["scorm12", "scorm2004"])
def test_schema_set_compiles_from_a_flat_copy(tmp_path, set_name):
    """As in a package root: all files of the folder in one directory."""
    for path in schema_files(set_name):
        shutil.copy(path, tmp_path / path.name)
    wrapper = etree.Element(f"{{{NS_XSD}}}schema")
    for namespace, relative in SCHEMA_SETS[set_name]:
        etree.SubElement(wrapper, f"{{{NS_XSD}}}import", namespace=namespace,
                         schemaLocation=Path(relative).name)
    (tmp_path / "wrapper.xsd").write_bytes(etree.tostring(wrapper))
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = etree.XMLSchema(etree.parse(str(tmp_path / "wrapper.xsd"), parser))
    manifest = SCORM12_MINIMAL if set_name == "scorm12" else SCORM2004_SEQUENCED
    assert schema.validate(parse(manifest)), schema.error_log


def test_schema_manifest_names_are_top_level_files():
    """The names a manifest's xsi:schemaLocation uses exist at the folder's top level."""
    expected = {
        "scorm12": ["imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd"],
        "scorm2004": ["imscp_v1p1.xsd", "adlcp_v1p3.xsd", "adlseq_v1p3.xsd", "adlnav_v1p3.xsd",
                      "imsss_v1p0.xsd", "lom.xsd", "xml.xsd"],
    }
    for folder, names in expected.items():
        for name in names:
            assert (schemas_dir() / folder / name).is_file(), f"{folder}/{name}"


# ---------------------------------------------------------------- SCORM 1.2 manifests

SCORM12_MINIMAL = """
<manifest identifier="course.demo" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
    <adlcp:location>metadata.xml</adlcp:location>
  </metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>Demo course</title>
      <item identifier="item1" identifierref="res1">
        <title>Module 1</title>
        <adlcp:prerequisites type="aicc_script">item0</adlcp:prerequisites>
        <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>continue,no message</adlcp:timelimitaction>
        <adlcp:datafromlms>mode=review</adlcp:datafromlms>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
      <dependency identifierref="shared"/>
    </resource>
    <resource identifier="shared" type="webcontent" adlcp:scormtype="asset">
      <file href="runtime.js"/>
    </resource>
  </resources>
</manifest>
"""


def test_minimal_scorm12_manifest_is_valid():
    assert schema_errors("scorm12", parse(SCORM12_MINIMAL)) == []


@pytest.mark.parametrize(
    "old, new",
    [
        pytest.param("<title>Module 1</title>", "<title>Module 1</title><objectives/>",
                     id="unknown-element-in-cp-namespace"),
        pytest.param('adlcp:scormtype="sco"', 'adlcp:scormtype="lesson"', id="bad-scormtype"),
        # The CAM makes masteryscore a number from 0 to 100; ADL's own XSD only caps
        # its length, so these three are where we are deliberately stricter.
        pytest.param('<adlcp:masteryscore>80</adlcp:masteryscore>',
                     '<adlcp:masteryscore>120</adlcp:masteryscore>', id="masteryscore-above-100"),
        pytest.param('<adlcp:masteryscore>80</adlcp:masteryscore>',
                     '<adlcp:masteryscore>-1</adlcp:masteryscore>', id="masteryscore-negative"),
        pytest.param('<adlcp:masteryscore>80</adlcp:masteryscore>',
                     '<adlcp:masteryscore>high</adlcp:masteryscore>', id="masteryscore-not-a-number"),
        pytest.param('continue,no message', 'continue quietly', id="bad-timelimitaction"),
        pytest.param('type="aicc_script"', 'type="javascript"', id="bad-prerequisites-type"),
        pytest.param('<item identifier="item1"', '<item', id="item-without-identifier"),
        pytest.param('type="webcontent" adlcp:scormtype="sco"', 'adlcp:scormtype="sco"',
                     id="resource-without-type"),
        pytest.param('<adlcp:datafromlms>mode=review</adlcp:datafromlms>',
                     '<adlcp:datafromlms>' + "x" * 256 + '</adlcp:datafromlms>', id="datafromlms-too-long"),
        pytest.param('<title>Demo course</title>', '<title>' + "T" * 201 + '</title>', id="title-too-long"),
        pytest.param('<adlcp:location>metadata.xml</adlcp:location>',
                     '<adlcp:location>metadata.xml</adlcp:location><x:lom xmlns:x="urn:unknown"/>',
                     id="undeclared-extension-element"),
    ],
)
def test_invalid_scorm12_manifest_is_rejected(old, new):
    assert SCORM12_MINIMAL.count(old) == 1
    assert not is_valid("scorm12", SCORM12_MINIMAL.replace(old, new))


def test_scorm12_manifest_without_organizations_is_rejected():
    root = parse(SCORM12_MINIMAL)
    root.remove(root.find(f"{{{NS_CP12}}}organizations"))
    errors = schema_errors("scorm12", root)
    assert errors and "organizations" in " ".join(errors)


def test_scorm12_masteryscore_accepts_decimals_in_range():
    for value in ("0", "100", "72.5"):
        text = SCORM12_MINIMAL.replace(">80<", f">{value}<")
        assert is_valid("scorm12", text), value


def test_scorm12_cp_elements_must_keep_their_order():
    root = parse(SCORM12_MINIMAL)
    resources = root.find(f"{{{NS_CP12}}}resources")
    root.remove(resources)
    root.insert(1, resources)  # resources before organizations
    assert not is_valid("scorm12", root)


# ---------------------------------------------------------------- SCORM 1.2 LOM file

LOM12_RECORD = """
<lom xmlns="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:schemaLocation="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd">
  <general>
    <identifier>course.demo</identifier>
    <title><langstring xml:lang="en">Demo course</langstring></title>
    <catalogentry>
      <catalog>URI</catalog>
      <entry><langstring xml:lang="x-none">urn:example:course.demo</langstring></entry>
    </catalogentry>
    <language>en</language>
    <description><langstring xml:lang="en">What the course teaches.</langstring></description>
    <keyword><langstring xml:lang="en">coherence</langstring></keyword>
    <keyword><langstring xml:lang="en">peacebuilding</langstring></keyword>
    <structure>
      <source><langstring xml:lang="x-none">LOMv1.0</langstring></source>
      <value><langstring xml:lang="x-none">Hierarchical</langstring></value>
    </structure>
  </general>
  <lifecycle>
    <version><langstring xml:lang="en">1.0</langstring></version>
    <status>
      <source><langstring xml:lang="x-none">LOMv1.0</langstring></source>
      <value><langstring xml:lang="x-none">Final</langstring></value>
    </status>
    <contribute>
      <role>
        <source><langstring xml:lang="x-none">LOMv1.0</langstring></source>
        <value><langstring xml:lang="x-none">Author</langstring></value>
      </role>
      <centity><vcard>BEGIN:VCARD FN:Course Team END:VCARD</vcard></centity>
      <date><datetime>2024-05-01</datetime></date>
    </contribute>
  </lifecycle>
  <metametadata>
    <metadatascheme>ADL SCORM 1.2</metadatascheme>
    <language>en</language>
  </metametadata>
  <technical>
    <format>text/html</format>
    <size>123456</size>
    <location type="URI">index.html</location>
  </technical>
  <educational>
    <typicallearningtime><datetime>0000:45:00</datetime></typicallearningtime>
    <language>en</language>
  </educational>
  <rights>
    <cost>
      <source><langstring xml:lang="x-none">LOMv1.0</langstring></source>
      <value><langstring xml:lang="x-none">no</langstring></value>
    </cost>
    <copyrightandotherrestrictions>
      <source><langstring xml:lang="x-none">LOMv1.0</langstring></source>
      <value><langstring xml:lang="x-none">yes</langstring></value>
    </copyrightandotherrestrictions>
    <description><langstring xml:lang="en">All rights reserved.</langstring></description>
  </rights>
  <classification>
    <purpose>
      <source><langstring xml:lang="x-none">LOMv1.0</langstring></source>
      <value><langstring xml:lang="x-none">Educational Objective</langstring></value>
    </purpose>
    <taxonpath>
      <source><langstring xml:lang="en">Our catalogue</langstring></source>
      <taxon><id>T1</id><entry><langstring xml:lang="en">Topic</langstring></entry></taxon>
    </taxonpath>
    <keyword><langstring xml:lang="en">training</langstring></keyword>
  </classification>
</lom>
"""


def test_lom12_record_is_valid():
    assert schema_errors("scorm12-lom", parse(LOM12_RECORD)) == []


def test_lom12_accepts_vendor_extensions_of_other_namespaces():
    text = LOM12_RECORD.replace(
        "<location type=\"URI\">index.html</location>",
        '<location type="URI">index.html</location><v:player xmlns:v="urn:vendor"><v:width>800</v:width></v:player>',
    )
    assert is_valid("scorm12-lom", text)


@pytest.mark.parametrize(
    "old, new",
    [
        pytest.param("<language>en</language>\n    <description>", "<langauge>en</langauge>\n    <description>",
                     id="misspelt-element"),
        pytest.param("<size>123456</size>", "<size>big</size>", id="size-not-a-number"),
        pytest.param('type="URI"', 'type="URL"', id="bad-location-type"),
        pytest.param("<lifecycle>", "<lifecycle><title><langstring>x</langstring></title>",
                     id="element-in-wrong-category"),
        pytest.param("<value><langstring xml:lang=\"x-none\">Final</langstring></value>", "",
                     id="vocabulary-without-value"),
        pytest.param("</general>\n  <lifecycle>", "</general>\n  <general/>\n  <lifecycle>",
                     id="second-general"),
        pytest.param("<metadatascheme>ADL SCORM 1.2</metadatascheme>\n    <language>en</language>",
                     "<language>en</language>\n    <metadatascheme>ADL SCORM 1.2</metadatascheme>",
                     id="metametadata-out-of-order"),
        pytest.param('xml:lang="en">Demo course', 'xml:lang="english language">Demo course',
                     id="bad-xml-lang"),
    ],
)
def test_invalid_lom12_record_is_rejected(old, new):
    assert LOM12_RECORD.count(old) == 1
    assert not is_valid("scorm12-lom", LOM12_RECORD.replace(old, new))


def test_lom12_optional_elements_may_be_left_out():
    root = parse(LOM12_RECORD)
    ns = {"md": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"}
    for path in ("md:general/md:keyword", "md:educational", "md:classification", "md:lifecycle/md:contribute"):
        for element in root.findall(path, ns):
            element.getparent().remove(element)
    assert schema_errors("scorm12-lom", root) == []


@needs_reference
def test_golf_scorm12_lom_file_is_valid():
    package = REFERENCE / "packages" / "scorm12" / "golf_ContentPackagingWithMetadata_SCORM12.zip"
    with zipfile.ZipFile(package) as archive:
        record = etree.fromstring(archive.read("metadata.xml"))
    assert schema_errors("scorm12-lom", record) == []


# ---------------------------------------------------------------- SCORM 2004 manifests

SCORM2004_SEQUENCED = """
<manifest identifier="course.demo.2004" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:lom="http://ltsc.ieee.org/xsd/LOM">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
    <lom:lom>
      <lom:general>
        <lom:title><lom:string language="en">Demo course</lom:string></lom:title>
        <lom:language>en</lom:language>
      </lom:general>
    </lom:lom>
  </metadata>
  <organizations default="org1">
    <organization identifier="org1" adlseq:objectivesGlobalToSystem="false">
      <title>Demo course</title>
      <item identifier="module1" identifierref="res1">
        <title>Module 1</title>
        <adlcp:completionThreshold completedByMeasure="false" minProgressMeasure="0.8"/>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="module1.done" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
              <imsss:mapInfo targetObjectiveID="urn:demo:module1" writeSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
        <adlnav:presentation>
          <adlnav:navigationInterface>
            <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
            <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
          </adlnav:navigationInterface>
        </adlnav:presentation>
      </item>
      <item identifier="module2" identifierref="res2">
        <title>Module 2</title>
        <imsss:sequencing IDRef="common">
          <imsss:sequencingRules>
            <imsss:preConditionRule>
              <imsss:ruleConditions conditionCombination="any">
                <imsss:ruleCondition referencedObjective="prior" operator="not" condition="satisfied"/>
                <imsss:ruleCondition referencedObjective="prior" operator="not" condition="objectiveStatusKnown"/>
              </imsss:ruleConditions>
              <imsss:ruleAction action="disabled"/>
            </imsss:preConditionRule>
            <imsss:postConditionRule>
              <imsss:ruleConditions>
                <imsss:ruleCondition condition="satisfied"/>
              </imsss:ruleConditions>
              <imsss:ruleAction action="continue"/>
            </imsss:postConditionRule>
          </imsss:sequencingRules>
          <imsss:limitConditions attemptLimit="3" attemptAbsoluteDurationLimit="PT1H"/>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="module2.done" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="prior">
              <imsss:mapInfo targetObjectiveID="urn:demo:module1" readSatisfiedStatus="true"/>
            </imsss:objective>
          </imsss:objectives>
          <adlseq:rollupConsiderations requiredForSatisfied="ifAttempted"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" choiceExit="true" flow="true" forwardOnly="false"/>
        <imsss:rollupRules rollupObjectiveSatisfied="true" objectiveMeasureWeight="1">
          <imsss:rollupRule childActivitySet="all">
            <imsss:rollupConditions>
              <imsss:rollupCondition condition="satisfied"/>
            </imsss:rollupConditions>
            <imsss:rollupAction action="satisfied"/>
          </imsss:rollupRule>
          <imsss:rollupRule childActivitySet="atLeastCount" minimumCount="1">
            <imsss:rollupConditions conditionCombination="any">
              <imsss:rollupCondition operator="not" condition="satisfied"/>
            </imsss:rollupConditions>
            <imsss:rollupAction action="notSatisfied"/>
          </imsss:rollupRule>
        </imsss:rollupRules>
        <imsss:randomizationControls randomizationTiming="never" reorderChildren="false"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="m1.html">
      <file href="m1.html"/>
      <dependency identifierref="shared"/>
    </resource>
    <resource identifier="res2" type="webcontent" adlcp:scormType="sco" href="m2.html">
      <file href="m2.html"/>
      <dependency identifierref="shared"/>
    </resource>
    <resource identifier="shared" type="webcontent" adlcp:scormType="asset">
      <file href="runtime.js"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="common">
      <imsss:controlMode choiceExit="false"/>
      <imsss:auxiliaryResources>
        <imsss:auxiliaryResource auxiliaryResourceID="urn:demo:glossary" purpose="glossary"/>
      </imsss:auxiliaryResources>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>
"""


def test_sequenced_scorm2004_manifest_is_valid():
    assert schema_errors("scorm2004", parse(SCORM2004_SEQUENCED)) == []


@pytest.mark.parametrize(
    "old, new",
    [
        pytest.param('flow="true"', 'flow="yes"', id="controlMode-flow-not-boolean"),
        pytest.param('forwardOnly="false"', 'backwardOnly="false"', id="controlMode-unknown-attribute"),
        pytest.param(
            '<imsss:limitConditions attemptLimit="3" attemptAbsoluteDurationLimit="PT1H"/>',
            "", id="control-no-change"),
        pytest.param('<imsss:ruleAction action="disabled"/>', '<imsss:ruleAction action="exitAll"/>',
                     id="post-action-in-precondition-rule"),
        pytest.param('condition="objectiveStatusKnown"', 'condition="passed"', id="unknown-rule-condition"),
        pytest.param('<imsss:minNormalizedMeasure>0.75<', '<imsss:minNormalizedMeasure>1.5<',
                     id="minNormalizedMeasure-above-1"),
        pytest.param('<imsss:objective objectiveID="prior">', '<imsss:objective>', id="objective-without-id"),
        pytest.param('<imsss:rollupAction action="notSatisfied"/>', '<imsss:rollupAction action="passed"/>',
                     id="bad-rollup-action"),
        pytest.param('childActivitySet="atLeastCount"', 'childActivitySet="most"', id="bad-child-activity-set"),
        pytest.param('attemptLimit="3"', 'attemptLimit="-3"', id="negative-attempt-limit"),
        pytest.param('attemptAbsoluteDurationLimit="PT1H"', 'attemptAbsoluteDurationLimit="1 hour"',
                     id="duration-not-iso8601"),
        pytest.param('<adlnav:hideLMSUI>previous</adlnav:hideLMSUI>',
                     '<adlnav:hideLMSUI>suspend</adlnav:hideLMSUI>', id="bad-hideLMSUI"),
        pytest.param('adlcp:scormType="sco" href="m1.html"', 'adlcp:scormType="SCO" href="m1.html"',
                     id="bad-scormType"),
        pytest.param('minProgressMeasure="0.8"', 'minProgressMeasure="80"', id="minProgressMeasure-above-1"),
        pytest.param('requiredForSatisfied="ifAttempted"', 'requiredForSatisfied="sometimes"',
                     id="bad-rollupConsiderations-value"),
        pytest.param('<imsss:controlMode choiceExit="false"/>', '<imsss:controlMode choiceExit="false"/><imsss:flow/>',
                     id="unknown-imsss-element"),
        pytest.param('<organization identifier="org1"', '<organization', id="organization-without-identifier"),
        pytest.param('<lom:language>en</lom:language>', '<lom:langauge>en</lom:langauge>',
                     id="misspelt-inline-lom-element"),
    ],
)
def test_scorm2004_variants_are_rejected(old, new):
    assert SCORM2004_SEQUENCED.count(old) == 1
    text = SCORM2004_SEQUENCED.replace(old, new)
    if new == "":  # removing an optional element keeps the manifest valid
        assert is_valid("scorm2004", text)
    else:
        assert not is_valid("scorm2004", text)


def _sequencing_of(root: etree._Element, item_id: str) -> etree._Element:
    return root.xpath("//cp:item[@identifier=$id]/imsss:sequencing",
                      namespaces={"cp": NS_CP, "imsss": NS_IMSSS}, id=item_id)[0]


def test_scorm2004_sequencing_elements_must_keep_their_order():
    root = parse(SCORM2004_SEQUENCED)
    sequencing = _sequencing_of(root, "module2")
    rules = sequencing.find(f"{{{NS_IMSSS}}}sequencingRules")
    sequencing.remove(rules)
    sequencing.insert(2, rules)  # after limitConditions and objectives
    errors = schema_errors("scorm2004", root)
    assert errors and "sequencingRules" in " ".join(errors)


def test_scorm2004_rule_action_must_follow_its_conditions():
    root = parse(SCORM2004_SEQUENCED)
    rule = root.find(f".//{{{NS_IMSSS}}}preConditionRule")
    action = rule.find(f"{{{NS_IMSSS}}}ruleAction")
    rule.remove(action)
    rule.insert(0, action)
    assert not is_valid("scorm2004", root)


def test_scorm2004_objectives_need_a_primary_objective():
    root = parse(SCORM2004_SEQUENCED)
    objectives = _sequencing_of(root, "module2").find(f"{{{NS_IMSSS}}}objectives")
    objectives.remove(objectives.find(f"{{{NS_IMSSS}}}primaryObjective"))
    assert not is_valid("scorm2004", root)


def test_scorm2004_organization_needs_an_item():
    root = parse(SCORM2004_SEQUENCED)
    organization = root.find(f".//{{{NS_CP}}}organization")
    for item in organization.findall(f"{{{NS_CP}}}item"):
        organization.remove(item)
    assert not is_valid("scorm2004", root)


def test_scorm2004_manifest_without_organizations_is_rejected():
    root = parse(SCORM2004_SEQUENCED)
    root.remove(root.find(f"{{{NS_CP}}}organizations"))
    assert not is_valid("scorm2004", root)


@needs_reference
@pytest.mark.parametrize("name", ["metadata_course.xml", "metadata_organization.xml"])
def test_golf_scorm2004_lom_files_are_valid(name):
    package = REFERENCE / "packages" / "scorm2004" / "golf_ContentPackagingMetadata_SCORM20043rdEdition.zip"
    with zipfile.ZipFile(package) as archive:
        record = etree.fromstring(archive.read(name))
    assert schema_errors("scorm2004", record) == []


# ---------------------------------------------------------------- agreement with the official schemas


def official_schema_verdict(package: Path) -> tuple[str, bool | None]:
    """(standard, manifest valid against the official schemas), or None when the
    official validator could not schema-check the manifest at all."""
    run = subprocess.run([sys.executable, str(ORACLE), str(package), "--json"],
                         capture_output=True, text=True, timeout=120)
    report = json.loads(run.stdout)
    if "imsmanifest.xml" not in report.get("schema_validated", []):
        return report.get("standard", "unknown"), None
    schema_problems = [p for p in report.get("problems", []) if p["code"].startswith("schema.")]
    return report["standard"], not schema_problems


def our_schema_verdict(standard: str, manifest: bytes) -> bool:
    return not schema_errors(standard, etree.fromstring(manifest))


def reference_packages() -> list[Path]:
    folder = REFERENCE / "packages"
    return sorted([*folder.glob("scorm12/*.zip"), *folder.glob("scorm2004/*.zip")])


@needs_reference
@pytest.mark.parametrize("package", reference_packages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_reference_package_verdict_agrees_with_official_schemas(package):
    standard, official = official_schema_verdict(package)
    if official is None:
        pytest.skip(f"the official validator does not schema-check this package ({standard})")
    with zipfile.ZipFile(package) as archive:
        manifest = archive.read("imsmanifest.xml")
    assert our_schema_verdict(standard, manifest) == official


@needs_reference
def test_reference_packages_are_present():
    assert len(reference_packages()) >= 20


# Alterations of real golf manifests, each checked by both schema sets.
# Each takes the manifest root and changes it in place.


def _first(root, path, ns):
    found = root.find(path, ns)
    assert found is not None, path
    return found


def _set(path, attribute, value, ns_map):
    def alter(root):
        _first(root, path, ns_map).set(attribute, value)
    return alter


def _drop(path, ns_map):
    def alter(root):
        element = _first(root, path, ns_map)
        element.getparent().remove(element)
    return alter


def _append(path, xml, ns_map):
    def alter(root):
        _first(root, path, ns_map).append(etree.fromstring(xml))
    return alter


def _move_first_child_last(path, ns_map):
    def alter(root):
        parent = _first(root, path, ns_map)
        children = [c for c in parent if isinstance(c.tag, str)]
        parent.remove(children[0])
        parent.append(children[0])
    return alter


NS12 = {"cp": NS_CP12, "adlcp": NS_ADLCP12}
NS04 = {"cp": NS_CP, "adlcp": NS_ADLCP, "imsss": NS_IMSSS, "adlnav": NS_ADLNAV,
        "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3", "lom": "http://ltsc.ieee.org/xsd/LOM"}

ALTERATIONS = [
    # SCORM 1.2
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "unchanged", lambda root: None),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "no-organizations", _drop("cp:organizations", NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "no-resources", _drop("cp:resources", NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "bad-scormtype",
     _set(".//cp:resource", f"{{{NS_ADLCP12}}}scormtype", "lesson", NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "unknown-cp-element",
     _append(".//cp:item", f'<sequencing xmlns="{NS_CP12}"/>', NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "unknown-adlcp-element",
     _append(".//cp:item", f'<adlcp:objectives xmlns:adlcp="{NS_ADLCP12}"/>', NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "bad-timelimitaction",
     _append(".//cp:item", f'<adlcp:timelimitaction xmlns:adlcp="{NS_ADLCP12}">stop</adlcp:timelimitaction>', NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "good-item-extensions",
     _append(".//cp:item", f'<adlcp:maxtimeallowed xmlns:adlcp="{NS_ADLCP12}">00:10:00</adlcp:maxtimeallowed>', NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "isvisible-not-boolean",
     _set(".//cp:item", "isvisible", "maybe", NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "resource-without-type",
     lambda root: _first(root, ".//cp:resource", NS12).attrib.pop("type")),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "duplicate-identifier",
     lambda root: _first(root, ".//cp:organization", NS12).set(
         "identifier", _first(root, ".//cp:resource", NS12).get("identifier"))),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "title-after-item",
     _move_first_child_last(".//cp:organization", NS12)),
    # libxml2 (like the official schemas under it) leaves dangling IDREFs to the
    # integrity checks; both verdicts must still agree.
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "default-names-no-organization",
     _set("cp:organizations", "default", "nowhere", NS12)),
    ("scorm12/golf_RuntimeBasicCalls_SCORM12.zip", "foreign-attribute",
     _set(".//cp:item", "{urn:vendor}flag", "1", NS12)),
    # SCORM 2004
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "unchanged", lambda root: None),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "no-organizations",
     _drop("cp:organizations", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "controlMode-flow-yes",
     _set(".//imsss:controlMode", "flow", "yes", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "controlMode-unknown-attribute",
     _set(".//imsss:controlMode", "sideways", "true", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "sequencing-children-rotated",
     _move_first_child_last(".//imsss:sequencing[imsss:sequencingRules][imsss:objectives]", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "bad-rule-action",
     _set(".//imsss:preConditionRule/imsss:ruleAction", "action", "retry", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "bad-rule-condition",
     _set(".//imsss:ruleCondition", "condition", "passed", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "no-primary-objective",
     _drop(".//imsss:primaryObjective", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "mapInfo-without-target",
     lambda root: _first(root, ".//imsss:mapInfo", NS04).attrib.pop("targetObjectiveID")),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "limitConditions-after-objectives",
     _append(".//imsss:objectives/..", f'<imsss:limitConditions xmlns:imsss="{NS_IMSSS}" attemptLimit="1"/>', NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "undeclared-element-in-sequencing",
     _append(".//imsss:sequencing", '<v:hint xmlns:v="urn:vendor"/>', NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "undeclared-element-in-item",
     _append(".//cp:item", '<v:hint xmlns:v="urn:vendor"/>', NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "bad-scormType",
     _set(".//cp:resource", f"{{{NS_ADLCP}}}scormType", "SCO", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "bad-deliveryControls",
     _set(".//imsss:deliveryControls", "tracked", "sometimes", NS04)),
    ("scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip", "unchanged", lambda root: None),
    ("scorm2004/golf_SequencingRandomTest_SCORM20043rdEdition.zip", "bad-rollup-action",
     _set(".//imsss:rollupAction", "action", "passed", NS04)),
    ("scorm2004/golf_SequencingSimpleRemediation_SCORM20043rdEdition.zip", "bad-requiredForCompleted",
     _set(".//adlseq:rollupConsiderations", "requiredForCompleted", "never", NS04)),
    ("scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip", "adlseq-objective-without-mapInfo",
     lambda root: [m.getparent().remove(m) for m in _first(root, ".//adlseq:objective", NS04)]),
    ("scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip", "bad-progressWeight",
     _set(".//adlcp:completionThreshold", "progressWeight", "2", NS04)),
    ("scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip", "data-without-map",
     lambda root: [m.getparent().remove(m) for m in root.findall(".//adlcp:data/adlcp:map", NS04)]),
    ("scorm2004/golf_SequencingRandomTest_SCORM20043rdEdition.zip", "bad-hideLMSUI",
     lambda root: setattr(_first(root, ".//adlnav:hideLMSUI", NS04), "text", "suspend")),
    ("scorm2004/golf_SequencingRandomTest_SCORM20043rdEdition.zip", "bad-randomizationTiming",
     _set(".//imsss:randomizationControls", "randomizationTiming", "always", NS04)),
    ("scorm2004/golf_SequencingForcedSequential_SCORM20043rdEdition.zip", "deliveryControls-added",
     _append(".//cp:organization/imsss:sequencing/imsss:controlMode/..",
             f'<imsss:deliveryControls xmlns:imsss="{NS_IMSSS}" tracked="true"/>', NS04)),
    ("scorm2004/golf_ContentPackagingMetadata_SCORM20043rdEdition.zip", "unchanged", lambda root: None),
    ("scorm2004/golf_ContentPackagingMetadata_SCORM20043rdEdition.zip", "misspelt-inline-lom",
     _append(".//lom:general", '<lom:titel xmlns:lom="http://ltsc.ieee.org/xsd/LOM"/>', NS04)),
    ("scorm2004/golf_ContentPackagingMetadata_SCORM20043rdEdition.zip", "inline-lom-unordered",
     _move_first_child_last(".//cp:file/cp:metadata/lom:lom", NS04)),
]


@needs_reference
@pytest.mark.parametrize("source, label, alter", ALTERATIONS,
                         ids=[f"{Path(s).stem}:{label}" for s, label, _ in ALTERATIONS])
def test_altered_manifest_verdict_agrees_with_official_schemas(tmp_path, source, label, alter):
    package = REFERENCE / "packages" / source
    with zipfile.ZipFile(package) as archive:
        manifest = etree.fromstring(archive.read("imsmanifest.xml"))
        members = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    alter(manifest)
    members["imsmanifest.xml"] = etree.tostring(manifest, xml_declaration=True, encoding="UTF-8")
    altered = tmp_path / f"{label}.zip"
    with zipfile.ZipFile(altered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    standard, official = official_schema_verdict(altered)
    assert official is not None, f"official validator did not schema-check {label}"
    assert our_schema_verdict(standard, members["imsmanifest.xml"]) == official, label
