"""IMS Common Cartridge 1.1 and 1.3: pages as web content, knowledge checks as QTI, web links.

One target class, parametrised by the cartridge version. A cartridge holds:

    imsmanifest.xml
    introduction.html                the introduction (first item)
    index.html                       the contents page, for reading the unzipped cartridge:
                                     links every page (a resource, not an item)
    <module>/index.html, page-N.html the module's pages (paged layout), one item each
    <module>/quiz.html               the practice knowledge check (every question type,
                                     scored in the page, not reported), linked from the
                                     contents page
    <module>/knowledge-check.xml     the knowledge check as QTI (the graded one)
    <module>/links/link-N.xml        the module's web links (front matter `links:`)
    shared/                          runtime CSS/JS and media, one webcontent resource

The organization has one root item; under it the introduction first (LMSs
such as Moodle turn the first child into the general section, so module 1
keeps a section of its own), then a folder item per module holding its pages,
its web links and its assessment.

No page an item launches links to another HTML file of the cartridge: LMSs
turn each such page into an activity of their own and move between them
with their own navigation; Moodle rewrites a link to a sibling page into a
file it never copies (see docs/moodle.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..course import WebLink
from ..errors import ScormpackError
from ..render import CONTENTS_FILE, INTRODUCTION_FILE, RenderedBundle, page_filename
from .base import XSI, PackagePlan, Target, WrappedFolder, manifest_bytes, edition_id, keyword_language, sub, xml_id
from .qti import build_assessment

ASSESSMENT_FILE = "knowledge-check.xml"


@dataclass(frozen=True)
class CartridgeVersion:
    name: str  # target name
    label: str
    schemaversion: str
    profile: str  # "v1p1" or "v1p3": the version part of namespaces and resource types

    @property
    def cp(self) -> str:
        return f"http://www.imsglobal.org/xsd/imscc{self.profile}/imscp_v1p1"

    @property
    def lom(self) -> str:
        return f"http://ltsc.ieee.org/xsd/imscc{self.profile}/LOM/manifest"

    @property
    def weblink(self) -> str:
        return f"http://www.imsglobal.org/xsd/imscc{self.profile}/imswl_{self.profile}"

    @property
    def assessment_type(self) -> str:
        return f"imsqti_xmlv1p2/imscc_xml{self.profile}/assessment"

    @property
    def weblink_type(self) -> str:
        return f"imswl_xml{self.profile}"

    @property
    def schema_locations(self) -> str:
        base = f"http://www.imsglobal.org/profile/cc/cc{self.profile}"
        return (
            f"{self.cp} {base}/cc{self.profile}_imscp_v1p2_v1p0.xsd "
            f"{self.lom} {base}/LOM/cc{self.profile}_lommanifest_v1p0.xsd"
        )


CC11 = CartridgeVersion("cc11", "Common Cartridge 1.1", "1.1.0", "v1p1")
CC13 = CartridgeVersion("cc13", "Common Cartridge 1.3", "1.3.0", "v1p3")


class CommonCartridgeTarget(Target):
    suffix = ".imscc"
    layout = "paged"
    wraps_folders = True

    def __init__(self, version: CartridgeVersion):
        self.version = version
        self.name = version.name
        self.description = f"IMS {version.label}"
        self.schema_set = version.name
        self.standard = version.name

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        version = self.version
        course, bundle = rendered.course, rendered.bundle
        warnings: list[ScormpackError] = list(rendered.warnings)

        def cp(tag: str) -> str:
            return f"{{{version.cp}}}{tag}"

        # The CC namespace is declared first on the root: Moodle recognises a
        # cartridge by looking for it in the first 500 bytes of the manifest.
        root = etree.Element(
            cp("manifest"), nsmap={None: version.cp, "lomimscc": version.lom, "xsi": XSI},
            identifier=xml_id("MANIFEST", edition_id(course), bundle.id),
        )
        root.set(f"{{{XSI}}}schemaLocation", version.schema_locations)
        self._metadata(sub(root, cp("metadata")), rendered)

        organization = sub(
            sub(root, cp("organizations")), cp("organization"),
            identifier=xml_id("ORG", bundle.id), structure="rooted-hierarchy",
        )
        top = sub(organization, cp("item"), identifier=xml_id("ROOT", bundle.id))
        resources = sub(root, cp("resources"))
        shared_id = xml_id("RES", "shared")
        entries: dict = {}
        extra_documents: dict[str, str] = {}

        def webcontent(identifier: str, href: str, dependencies: list[str]) -> None:
            resource = sub(resources, cp("resource"), identifier=identifier, type="webcontent", href=href)
            sub(resource, cp("file"), href=href)
            for dependency in dependencies:
                sub(resource, cp("dependency"), identifierref=dependency)

        def item(parent: etree._Element, identifier: str, title: str, resource: str | None = None) -> etree._Element:
            element = sub(parent, cp("item"), identifier=identifier, identifierref=resource)
            sub(element, cp("title"), title)
            return element

        messages = rendered.messages
        item(top, xml_id("ITEM", "introduction"), messages("introduction.title"), xml_id("RES", "introduction"))
        webcontent(xml_id("RES", "introduction"), INTRODUCTION_FILE, [shared_id])
        assert rendered.introduction is not None and rendered.contents is not None, "the paged layout has both"
        entries[INTRODUCTION_FILE] = rendered.introduction

        for module in rendered.modules:
            module_id = module.module.id
            folder = item(top, xml_id("FOLDER", module_id), module.module.title)
            practice = f"{module_id}/{page_filename(rendered.layout, len(module.pages), len(module.pages))}"
            has_practice = practice in module.contents
            for page in module.pages:
                identifier = xml_id("RES", module_id, "page", str(page.number))
                item(folder, xml_id("ITEM", module_id, "page", str(page.number)), page.title, identifier)
                webcontent(identifier, f"{module_id}/{page_filename(rendered.layout, page.index, len(module.pages))}", [shared_id])
            if has_practice:
                # Not an item: an LMS page would lose its form controls (Moodle's HTML
                # cleaning strips them and shows every feedback); the graded knowledge
                # check is the assessment below. The contents page links it.
                webcontent(xml_id("RES", module_id, "practice"), practice, [shared_id])
            entries.update(module.contents)

            for number, link in enumerate(module.module.links, start=1):
                identifier = xml_id("RES", module_id, "link", str(number))
                path = f"{module_id}/links/link-{number}.xml"
                item(folder, xml_id("ITEM", module_id, "link", str(number)), link.title, identifier)
                resource = sub(resources, cp("resource"), identifier=identifier, type=version.weblink_type)
                sub(resource, cp("file"), href=path)
                entries[path] = manifest_bytes(self._weblink(link))
                extra_documents[path] = f"{version.name}-weblink"

            assessment = build_assessment(module, rendered.messages, f"{version.name} ({version.label})", warnings)
            if assessment is not None:
                identifier = xml_id("RES", module_id, "check")
                path = f"{module_id}/{ASSESSMENT_FILE}"
                item(folder, xml_id("ITEM", module_id, "check"), messages("quiz.assessment_title", module=module.module.title), identifier)
                resource = sub(resources, cp("resource"), identifier=identifier, type=version.assessment_type)
                sub(resource, cp("file"), href=path)
                if assessment.uses_files:
                    sub(resource, cp("dependency"), identifierref=shared_id)
                entries[path] = manifest_bytes(assessment.document)
                extra_documents[path] = f"{version.name}-qti"

        # The unzipped cartridge's front door; no item launches it, so no LMS shows it.
        webcontent(xml_id("RES", "contents"), CONTENTS_FILE, [shared_id])
        entries[CONTENTS_FILE] = rendered.contents

        shared = sub(resources, cp("resource"), identifier=shared_id, type="webcontent")
        for path in rendered.shared_files:
            sub(shared, cp("file"), href=path)
        entries.update(rendered.shared_files)
        return PackagePlan(
            manifest=root,
            entries=entries,
            schema_set=self.schema_set,
            extra_documents=extra_documents,
            warnings=warnings,
            manifest_name=self.manifest_name,
        )

    def plan_folder(self, folder: WrappedFolder) -> PackagePlan:
        return PackagePlan(folder_manifest(folder, self.version), dict(folder.files), self.schema_set, manifest_name=self.manifest_name)

    def _metadata(self, metadata: etree._Element, rendered: RenderedBundle) -> None:
        """schema, schemaversion and the cartridge's LOM (manifest profile)."""
        version = self.version
        course, bundle = rendered.course, rendered.bundle

        def cp(tag: str) -> str:
            return f"{{{version.cp}}}{tag}"

        def lom(tag: str) -> str:
            return f"{{{version.lom}}}{tag}"

        def text(parent: etree._Element, tag: str, value: str, written_in: str = course.language) -> None:
            sub(sub(parent, lom(tag)), lom("string"), value, language=written_in)

        sub(metadata, cp("schema"), "IMS Common Cartridge")
        sub(metadata, cp("schemaversion"), version.schemaversion)
        record = sub(metadata, lom("lom"))
        general = sub(record, lom("general"))
        title = rendered.messages("package.title", course=course.title, bundle=bundle.title)
        text(general, "title", title if bundle.title != course.title else course.title)
        sub(general, lom("language"), course.language)
        description = bundle.description or course.description
        if description:
            text(general, "description", " ".join(description.split()))
        for keyword in course.keywords:
            text(general, "keyword", keyword, keyword_language(course))
        if course.licence:
            rights = sub(record, lom("rights"))
            sub(sub(rights, lom("copyrightAndOtherRestrictions")), lom("value"), "yes")
            text(rights, "description", course.licence)

    def _weblink(self, link: WebLink) -> etree._Element:
        namespace = self.version.weblink
        root = etree.Element(f"{{{namespace}}}webLink", nsmap={None: namespace})
        sub(root, f"{{{namespace}}}title", link.title)
        sub(root, f"{{{namespace}}}url", href=link.url)
        return root


def folder_manifest(folder: WrappedFolder, version: CartridgeVersion) -> etree._Element:
    """A cartridge whose one web-content resource launches folder.launch and lists every file."""

    def cp(tag: str) -> str:
        return f"{{{version.cp}}}{tag}"

    def lom(tag: str) -> str:
        return f"{{{version.lom}}}{tag}"

    identifier = folder.identifier
    # The CC namespace first: Moodle looks for it in the manifest's first bytes.
    root = etree.Element(
        cp("manifest"), nsmap={None: version.cp, "lomimscc": version.lom, "xsi": XSI}, identifier=xml_id("MANIFEST", identifier)
    )
    root.set(f"{{{XSI}}}schemaLocation", version.schema_locations)
    metadata = sub(root, cp("metadata"))
    sub(metadata, cp("schema"), "IMS Common Cartridge")
    sub(metadata, cp("schemaversion"), version.schemaversion)
    general = sub(sub(metadata, lom("lom")), lom("general"))
    sub(sub(general, lom("title")), lom("string"), folder.title, language=folder.language)
    sub(general, lom("language"), folder.language)
    organization = sub(
        sub(root, cp("organizations")), cp("organization"), identifier=xml_id("ORG", identifier), structure="rooted-hierarchy"
    )
    # Moodle makes a course section of each child of the root item: a folder item holds the page.
    top = sub(organization, cp("item"), identifier=xml_id("ROOT", identifier))
    folder_item = sub(top, cp("item"), identifier=xml_id("FOLDER", identifier))
    sub(folder_item, cp("title"), folder.title)
    item = sub(folder_item, cp("item"), identifier=xml_id("ITEM", identifier), identifierref=xml_id("RES", identifier))
    sub(item, cp("title"), folder.title)
    resource = sub(
        sub(root, cp("resources")), cp("resource"), identifier=xml_id("RES", identifier), type="webcontent", href=folder.launch
    )
    for name in folder.files:
        sub(resource, cp("file"), href=name)
    return root
