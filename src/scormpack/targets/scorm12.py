"""SCORM 1.2: IMS Content Packaging 1.1.2 with the ADL adlcp extensions, one SCO per module."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from .. import schemas
from ..course import Module
from ..render import RenderedBundle, RenderedModule
from .base import XML_LANG, XSI, PackagePlan, Target, WrappedFolder, control_files, manifest_bytes, edition_id, keyword_language, sub, xml_id

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
METADATA_FILE = "metadata.xml"


def cp(tag: str) -> str:
    return f"{{{IMSCP}}}{tag}"


def runtime_files(rendered: RenderedBundle) -> list[str]:
    """The runtime's files every page uses (shared/ itself, not its media folder)."""
    return [path for path in rendered.shared_files if path.count("/") == 1]


def resource_files(runtime: list[str], module: RenderedModule) -> list[str]:
    """Every file the module's pages use: its own pages, the runtime and its media."""
    return sorted(set(module.contents).union(runtime, module.media))


def add_resources(root: etree._Element, cp, scorm_type: str, rendered: RenderedBundle, package_files: list[str]) -> None:
    """One SCO resource per module, the shared assets, and the package's own files, each listed.

    The first resource with an href is the first module: Open edX launches that one.
    """
    resources = sub(root, cp("resources"))
    shared_id = xml_id("RES", "shared")
    runtime = runtime_files(rendered)
    file_tag = cp("file")
    for module in rendered.modules:
        resource = sub(resources, cp("resource"), identifier=xml_id("RES", module.module.id), type="webcontent", href=module.launch)
        resource.set(scorm_type, "sco")
        for path in resource_files(runtime, module):
            etree.SubElement(resource, file_tag, href=path)  # not sub(): 5,000 files on 1,000 modules
        sub(resource, cp("dependency"), identifierref=shared_id)
    for identifier, paths in ((shared_id, list(rendered.shared_files)), (xml_id("RES", "package-description"), package_files)):
        asset = sub(resources, cp("resource"), identifier=identifier, type="webcontent")
        asset.set(scorm_type, "asset")
        for path in paths:
            sub(asset, cp("file"), href=path)


def add_organization(root: etree._Element, cp, rendered: RenderedBundle, extend_item) -> tuple[etree._Element, etree._Element]:
    """The organization and its one course item holding an item per module; returns both.

    Moodle disables next/previous between sibling top-level items, so one
    non-launchable item holds every module. Its COURSE- prefix differs from the
    modules' ITEM- so no module id can collide with it. extend_item(item, module)
    adds what a standard hangs on each module's item.
    """
    course, bundle = rendered.course, rendered.bundle
    organization_id = xml_id("ORG", bundle.id)
    organizations = sub(root, cp("organizations"), default=organization_id)
    organization = sub(organizations, cp("organization"), identifier=organization_id)
    sub(organization, cp("title"), bundle.title)
    course_item = sub(organization, cp("item"), identifier=xml_id("COURSE", bundle.id), isvisible="true")
    sub(course_item, cp("title"), course.title)
    for module in rendered.modules:
        item = sub(
            course_item,
            cp("item"),
            identifier=xml_id("ITEM", module.module.id),
            identifierref=xml_id("RES", module.module.id),
            isvisible="true",
        )
        sub(item, cp("title"), module.module.title)
        extend_item(item, module.module)
    return organization, course_item


def single_sco_manifest(
    folder: WrappedFolder,
    control: dict[str, Path],
    *,
    namespace: str,
    nsmap: dict,
    schema_locations: str,
    schemaversion: str,
    scorm_type: str,
) -> etree._Element:
    """A SCORM manifest (1.2 or 2004) with one SCO launching folder.launch and listing every file."""

    def cp(tag: str) -> str:
        return f"{{{namespace}}}{tag}"

    identifier = folder.identifier
    root = etree.Element(cp("manifest"), nsmap=nsmap, identifier=xml_id("MANIFEST", identifier), version=folder.version)
    root.set(f"{{{XSI}}}schemaLocation", schema_locations)
    metadata = sub(root, cp("metadata"))
    sub(metadata, cp("schema"), "ADL SCORM")
    sub(metadata, cp("schemaversion"), schemaversion)
    organization_id = xml_id("ORG", identifier)
    organization = sub(sub(root, cp("organizations"), default=organization_id), cp("organization"), identifier=organization_id)
    sub(organization, cp("title"), folder.title)
    item = sub(
        organization,
        cp("item"),
        identifier=xml_id("ITEM", identifier),
        identifierref=xml_id("RES", identifier),
        isvisible="true",
    )
    sub(item, cp("title"), folder.title)
    resources = sub(root, cp("resources"))
    resource = sub(resources, cp("resource"), identifier=xml_id("RES", identifier), type="webcontent", href=folder.launch)
    resource.set(scorm_type, "sco")
    for name in folder.files:
        sub(resource, cp("file"), href=name)
    description = sub(resources, cp("resource"), identifier=xml_id("RES", "package-description"), type="webcontent")
    description.set(scorm_type, "asset")
    for name in control:
        sub(description, cp("file"), href=name)
    return root


class Scorm12Target(Target):
    name = "scorm12"
    description = "SCORM 1.2"
    schema_set = "scorm12"
    standard = "scorm12"
    layout = "sco"
    runtime = "scorm12"
    wraps_folders = True

    @staticmethod
    def extend_item(item: etree._Element, module: Module) -> None:
        if module.quiz is not None:
            sub(item, f"{{{ADLCP}}}masteryscore", _percent(module.quiz.settings.pass_mark))

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        course, bundle = rendered.course, rendered.bundle
        control = control_files(schemas.schema_files("scorm12"))
        root = etree.Element(
            cp("manifest"),
            nsmap={None: IMSCP, "adlcp": ADLCP, "xsi": XSI},
            identifier=xml_id("MANIFEST", edition_id(course), bundle.id),
            version=course.version,
        )
        root.set(f"{{{XSI}}}schemaLocation", f"{IMSCP} imscp_rootv1p1p2.xsd {ADLCP} adlcp_rootv1p2.xsd")
        metadata = sub(root, cp("metadata"))
        sub(metadata, cp("schema"), "ADL SCORM")
        sub(metadata, cp("schemaversion"), "1.2")
        sub(metadata, f"{{{ADLCP}}}location", METADATA_FILE)

        add_organization(root, cp, rendered, self.extend_item)

        add_resources(root, cp, f"{{{ADLCP}}}scormtype", rendered, [METADATA_FILE, *control])

        entries: dict = {METADATA_FILE: manifest_bytes(lom_metadata(rendered)), **control}
        for module in rendered.modules:
            entries.update(module.contents)
        entries.update(rendered.shared_files)
        return PackagePlan(
            manifest=root,
            entries=entries,
            schema_set=self.schema_set,
            extra_documents={METADATA_FILE: "scorm12-lom"},
            warnings=list(rendered.warnings),
            manifest_name=self.manifest_name,
        )

    def plan_folder(self, folder: WrappedFolder) -> PackagePlan:
        control = control_files(schemas.schema_files(self.schema_set))
        manifest = single_sco_manifest(
            folder,
            control,
            namespace=IMSCP,
            nsmap={None: IMSCP, "adlcp": ADLCP, "xsi": XSI},
            schema_locations=f"{IMSCP} imscp_rootv1p1p2.xsd {ADLCP} adlcp_rootv1p2.xsd",
            schemaversion="1.2",
            scorm_type=f"{{{ADLCP}}}scormtype",
        )
        return PackagePlan(manifest, {**folder.files, **control}, self.schema_set, manifest_name=self.manifest_name)


def _percent(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def lom_metadata(rendered: RenderedBundle) -> etree._Element:
    """IMS LOM 1.2.1 description of the package, kept in its own file (see adlcp:location)."""
    course, bundle = rendered.course, rendered.bundle
    language = course.language

    def langstring(parent: etree._Element, text: str, written_in: str = language) -> None:
        sub(parent, f"{{{IMSMD}}}langstring", text).set(XML_LANG, written_in)

    def md(tag: str) -> str:
        return f"{{{IMSMD}}}{tag}"

    lom = etree.Element(md("lom"), nsmap={None: IMSMD, "xsi": XSI})
    lom.set(f"{{{XSI}}}schemaLocation", f"{IMSMD} imsmd_rootv1p2p1.xsd")
    general = sub(lom, md("general"))
    langstring(sub(general, md("title")), rendered.messages("package.title", course=course.title, bundle=bundle.title))
    sub(general, md("language"), language)
    description = bundle.description or course.description
    if description:
        langstring(sub(general, md("description")), description)
    for keyword in course.keywords:
        langstring(sub(general, md("keyword")), keyword, keyword_language(course))
    lifecycle = sub(lom, md("lifecycle"))
    langstring(sub(lifecycle, md("version")), course.version)
    metametadata = sub(lom, md("metametadata"))
    sub(metametadata, md("metadatascheme"), "ADL SCORM 1.2")
    technical = sub(lom, md("technical"))
    sub(technical, md("format"), "text/html")
    if course.licence:
        rights = sub(lom, md("rights"))
        langstring(sub(rights, md("description")), course.licence)
    return lom
