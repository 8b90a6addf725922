"""Our own XSD control documents (schemas/), compiled offline into lxml validators."""
from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

_PACKAGED = Path(__file__).parent / "schemas"
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "schemas"

NS_XML = "http://www.w3.org/XML/1998/namespace"

# Each schema set is the list of (namespace, file under schemas/) that a
# document of that kind may use; they are compiled together.
SCHEMA_SETS: dict[str, list[tuple[str, str]]] = {
    "scorm12": [
        ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "scorm12/imscp_rootv1p1p2.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "scorm12/adlcp_rootv1p2.xsd"),
    ],
    "scorm12-lom": [
        ("http://www.imsglobal.org/xsd/imsmd_rootv1p2p1", "scorm12/imsmd_rootv1p2p1.xsd"),
    ],
    # SCORM 2004 4th Edition manifest: IMS CP 1.1.4 with the ADL extensions,
    # IMS Simple Sequencing and (inline) IEEE LOM metadata.
    "scorm2004": [
        ("http://www.imsglobal.org/xsd/imscp_v1p1", "scorm2004/imscp_v1p1.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_v1p3", "scorm2004/adlcp_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlseq_v1p3", "scorm2004/adlseq_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlnav_v1p3", "scorm2004/adlnav_v1p3.xsd"),
        ("http://www.imsglobal.org/xsd/imsss", "scorm2004/imsss_v1p0.xsd"),
        ("http://ltsc.ieee.org/xsd/LOM", "scorm2004/lom.xsd"),
    ],
    # IMS Common Cartridge 1.1 and 1.3: manifest (with its LOM profiles and
    # authorization, imported by the manifest schema) and the resource files.
    "cc11": [
        ("http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1", "cc11/ccv1p1_imscp_v1p2_v1p0.xsd"),
    ],
    "cc11-qti": [
        ("http://www.imsglobal.org/xsd/ims_qtiasiv1p2", "cc11/ccv1p1_qtiasiv1p2p1_v1p0.xsd"),
    ],
    "cc11-weblink": [
        ("http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1", "cc11/ccv1p1_imswl_v1p1.xsd"),
    ],
    "cc11-topic": [
        ("http://www.imsglobal.org/xsd/imsccv1p1/imsdt_v1p1", "cc11/ccv1p1_imsdt_v1p1.xsd"),
    ],
    "cc13": [
        ("http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1", "cc13/ccv1p3_imscp_v1p2_v1p0.xsd"),
        # cpx:variant enters a resource through the manifest's strict wildcard.
        ("http://www.imsglobal.org/xsd/imsccv1p3/imscp_extensionv1p2", "cc13/ccv1p3_cpextensionv1p2_v1p0.xsd"),
    ],
    "cc13-qti": [
        ("http://www.imsglobal.org/xsd/ims_qtiasiv1p2", "cc13/ccv1p3_qtiasiv1p2p1_v1p0.xsd"),
    ],
    "cc13-weblink": [
        ("http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3", "cc13/ccv1p3_imswl_v1p3.xsd"),
    ],
    "cc13-topic": [
        ("http://www.imsglobal.org/xsd/imsccv1p3/imsdt_v1p3", "cc13/ccv1p3_imsdt_v1p3.xsd"),
    ],
    # cmi5 course structure (cmi5.xml), our schema written from the cmi5 specification.
    "cmi5": [
        ("https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd", "cmi5/cmi5_course_structure.xsd"),
    ],
}


def schemas_dir() -> Path:
    """The schemas shipped in the installed package, or those of a source checkout."""
    if _PACKAGED.is_dir():
        return _PACKAGED
    return _SOURCE_TREE


def schema_files(set_name: str) -> list[Path]:
    """Every XSD file of a set's folder, for copying into packages as control documents."""
    root = schemas_dir()
    folders = {rel.split("/")[0] for _, rel in SCHEMA_SETS[set_name]}
    return sorted(path for folder in folders for path in (root / folder).rglob("*.xsd"))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@functools.lru_cache(maxsize=None)
def load_schema(set_name: str) -> etree.XMLSchema:
    root = schemas_dir()
    wrapper = etree.Element("{http://www.w3.org/2001/XMLSchema}schema")
    for namespace, relative in SCHEMA_SETS[set_name]:
        etree.SubElement(
            wrapper,
            "{http://www.w3.org/2001/XMLSchema}import",
            namespace=namespace,
            schemaLocation=(root / relative).as_uri(),
        )
    document = etree.fromstring(etree.tostring(wrapper), _parser(), base_url=(root / "wrapper.xsd").as_uri())
    return etree.XMLSchema(etree.ElementTree(document))


def schema_errors(set_name: str, document: etree._ElementTree | etree._Element) -> list[str]:
    """Schema violations as 'line N: message' strings (empty when valid)."""
    schema = load_schema(set_name)
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
