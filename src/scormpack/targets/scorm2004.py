"""SCORM 2004 (4th and 3rd Edition): IMS CP 1.1.4 with the ADL extensions,
IMS Simple Sequencing and inline IEEE LOM; one SCO per module.

Sequencing is an extra, never a requirement: Moodle implements none of it, so
every package must launch and track without it. What the manifest says:

- the organization (the root activity) and the single course item both carry
  a control mode: `free` allows choice and flow, `linear` flow only (modules
  in order with Continue/Previous, none chosen out of turn);
- each quiz module's primary objective is satisfied by measure: the LMS
  compares cmi.score.scaled with pass_mark / 100;
- modules without a required quiz do not count towards the course's success
  (rollupObjectiveSatisfied="false"), so the default rollup rules give the
  course "completed" when every module is, and "passed" when every required
  knowledge check is;
- global objectives (imsss:mapInfo) only when course.toml asks for them,
  because any mapInfo makes Moodle's SCORM import fail.
"""
from __future__ import annotations

from decimal import Decimal

from lxml import etree

from .. import schemas
from ..course import COURSE_FILE, Course, Module
from ..errors import ScormpackError
from ..render import RenderedBundle
from .base import XSI, PackagePlan, Target, WrappedFolder, control_files, edition_id, keyword_language, sub, xml_id
from .scorm12 import add_organization, add_resources, single_sco_manifest

IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"

# Moodle's manifest parser matches names as written ("ADLCP:SCORMTYPE",
# "IMSSS:SEQUENCING"), so these conventional prefixes are part of the contract.
NSMAP = {None: IMSCP, "adlcp": ADLCP, "adlseq": ADLSEQ, "adlnav": ADLNAV, "imsss": IMSSS, "lom": LOM, "xsi": XSI}
SCHEMA_LOCATIONS = (
    (IMSCP, "imscp_v1p1.xsd"),
    (ADLCP, "adlcp_v1p3.xsd"),
    (ADLSEQ, "adlseq_v1p3.xsd"),
    (ADLNAV, "adlnav_v1p3.xsd"),
    (IMSSS, "imsss_v1p0.xsd"),
    (LOM, "lom.xsd"),
)
LOM_VOCABULARY = "LOMv1.0"


def cp(tag: str) -> str:
    return f"{{{IMSCP}}}{tag}"


def ss(tag: str) -> str:
    return f"{{{IMSSS}}}{tag}"


def lom(tag: str) -> str:
    return f"{{{LOM}}}{tag}"


class Scorm2004Target(Target):
    name = "scorm2004"
    description = "SCORM 2004 4th Edition"
    schema_version = "2004 4th Edition"
    schema_set = "scorm2004"
    standard = "scorm2004"
    layout = "sco"
    runtime = "scorm2004"
    wraps_folders = True

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        course, bundle = rendered.course, rendered.bundle
        control = control_files(schemas.schema_files(self.schema_set))
        root = etree.Element(
            cp("manifest"),
            nsmap=NSMAP,
            identifier=xml_id("MANIFEST", edition_id(course), bundle.id),
            version=course.version,
        )
        root.set(f"{{{XSI}}}schemaLocation", " ".join(f"{ns} {file}" for ns, file in SCHEMA_LOCATIONS))
        metadata = sub(root, cp("metadata"))
        sub(metadata, cp("schema"), "ADL SCORM")
        sub(metadata, cp("schemaversion"), self.schema_version)
        metadata.append(lom_metadata(rendered))

        organization, course_item = add_organization(
            root, cp, rendered, lambda item, module: module_sequencing(item, module, course)
        )
        # The course item's sequencing follows its children (CAM element order);
        # the organization's applies to the root activity.
        cluster_sequencing(course_item, course.sequencing)
        cluster_sequencing(organization, course.sequencing)

        add_resources(root, cp, f"{{{ADLCP}}}scormType", rendered, list(control))

        entries: dict = dict(control)
        for module in rendered.modules:
            entries.update(module.contents)
        entries.update(rendered.shared_files)
        warnings = list(rendered.warnings)
        if course.global_objectives:
            warnings.append(
                ScormpackError(
                    f"global_objectives = true: the {self.name} manifest maps every module's objective to a "
                    "global objective (imsss:mapInfo), and Moodle cannot upload such a package (its SCORM "
                    "import fails on mapInfo); leave global_objectives unset for packages meant for Moodle",
                    course.root / COURSE_FILE,
                )
            )
        return PackagePlan(
            manifest=root, entries=entries, schema_set=self.schema_set, warnings=warnings, manifest_name=self.manifest_name
        )

    def plan_folder(self, folder: WrappedFolder) -> PackagePlan:
        control = control_files(schemas.schema_files(self.schema_set))
        manifest = single_sco_manifest(
            folder,
            control,
            namespace=IMSCP,
            nsmap=NSMAP,
            schema_locations=" ".join(f"{ns} {file}" for ns, file in SCHEMA_LOCATIONS),
            schemaversion=self.schema_version,
            scorm_type=f"{{{ADLCP}}}scormType",
        )
        return PackagePlan(manifest, {**folder.files, **control}, self.schema_set, manifest_name=self.manifest_name)


class Scorm2004ThirdEditionTarget(Scorm2004Target):
    """The same package for LMSs that only know the 3rd Edition: nothing it
    uses is new in the 4th, only the schemaversion differs."""

    name = "scorm2004-3rd"
    description = "SCORM 2004 3rd Edition"
    schema_version = "2004 3rd Edition"


def cluster_sequencing(parent: etree._Element, preset: str) -> None:
    """The control mode of a cluster (the root activity or the course item)."""
    sequencing = sub(parent, ss("sequencing"))
    # Flow is needed at every level for Start and Continue; `linear` turns off
    # choice, so modules can only be reached in order.
    sub(sequencing, ss("controlMode"), choice="true" if preset == "free" else "false", flow="true")


def module_sequencing(item: etree._Element, module: Module, course: Course) -> None:
    quiz = module.quiz
    sequencing = sub(item, ss("sequencing"))
    if quiz is None or not quiz.settings.required:
        # Without a required knowledge check there is nothing to pass: the
        # module counts towards the course's completion only.
        sub(sequencing, ss("rollupRules"), rollupObjectiveSatisfied="false")
    if quiz is None and not course.global_objectives:
        return
    objectives = sub(sequencing, ss("objectives"))
    primary = sub(objectives, ss("primaryObjective"), objectiveID=module.id)
    if quiz is not None:
        primary.set("satisfiedByMeasure", "true")
        sub(primary, ss("minNormalizedMeasure"), normalized_measure(quiz.settings.pass_mark))
    if course.global_objectives:
        sub(
            primary,
            ss("mapInfo"),
            targetObjectiveID=global_objective_id(course, module),
            readSatisfiedStatus="true",
            readNormalizedMeasure="true",
            writeSatisfiedStatus="true",
            writeNormalizedMeasure="true",
        )


def normalized_measure(percent: float) -> str:
    """A pass mark in percent as an exact decimal from 0 to 1 (80 -> 0.8)."""
    value = (Decimal(repr(float(percent))) / 100).normalize()
    return format(value, "f")


def global_objective_id(course: Course, module: Module) -> str:
    """One global objective per module of the course, shared by every bundle that holds it."""
    return f"urn:scormpack:{course.id}:{module.id}"


def lom_metadata(rendered: RenderedBundle) -> etree._Element:
    """IEEE LOM description of the package, inline in the manifest's metadata."""
    course, bundle = rendered.course, rendered.bundle
    language = course.language

    def langstring(parent: etree._Element, tag: str, text: str, written_in: str = language) -> None:
        sub(sub(parent, lom(tag)), lom("string"), text, language=written_in)

    def vocabulary(parent: etree._Element, tag: str, value: str) -> None:
        element = sub(parent, lom(tag))
        sub(element, lom("source"), LOM_VOCABULARY)
        sub(element, lom("value"), value)

    record = etree.Element(lom("lom"), nsmap={"lom": LOM})
    general = sub(record, lom("general"))
    identifier = sub(general, lom("identifier"))
    sub(identifier, lom("catalog"), "URI")
    sub(identifier, lom("entry"), f"urn:scormpack:{edition_id(course)}:{bundle.id}")
    langstring(general, "title", rendered.messages("package.title", course=course.title, bundle=bundle.title))
    sub(general, lom("language"), language)
    description = bundle.description or course.description
    if description:
        langstring(general, "description", description)
    for keyword in course.keywords:
        langstring(general, "keyword", keyword, keyword_language(course))

    life_cycle = sub(record, lom("lifeCycle"))
    langstring(life_cycle, "version", course.version)
    for author in course.authors:
        contribute = sub(life_cycle, lom("contribute"))
        vocabulary(contribute, "role", "author")
        sub(contribute, lom("entity"), vcard(author))

    meta = sub(record, lom("metaMetadata"))
    sub(meta, lom("metadataSchema"), LOM_VOCABULARY)
    sub(meta, lom("metadataSchema"), "SCORM_CAM_v1.3")
    sub(meta, lom("language"), language)

    technical = sub(record, lom("technical"))
    sub(technical, lom("format"), "text/html")

    educational = sub(record, lom("educational"))
    vocabulary(educational, "intendedEndUserRole", "learner")
    learning_time = sub(educational, lom("typicalLearningTime"))
    sub(learning_time, lom("duration"), iso_duration(sum(m.module.duration_minutes for m in rendered.modules)))
    sub(educational, lom("language"), language)

    if course.licence:
        rights = sub(record, lom("rights"))
        vocabulary(rights, "copyrightAndOtherRestrictions", "yes")
        langstring(rights, "description", course.licence)
    return record


def iso_duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def vcard(name: str) -> str:
    """A minimal vCard naming one author (LOM entities are vCards)."""
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", " ")
    return f"BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:{escaped}\nEND:VCARD"
