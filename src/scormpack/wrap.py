"""`scormpack wrap`: an existing HTML folder (from another authoring tool) as a package.

The folder becomes one launchable item: a single-SCO SCORM 1.2 or 2004
package, or a Common Cartridge whose one web-content resource holds every
file. The manifest is built with lxml from the same namespaces as our targets
(targets/), checked by the same validation as a build (our schemas and the
package's integrity) and written by the same deterministic, streaming zip
writer: the same folder and SOURCE_DATE_EPOCH give the same bytes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from . import schemas
from .errors import ScormpackError
from .package import write_package
from .pipeline import StrictFailure
from .targets import scorm12, scorm2004
from .targets.base import XSI, control_files, manifest_bytes, sub, xml_id
from .targets.cc import CC11, CC13, CartridgeVersion
from .validate import MAX_ENTRIES, Finding, validate_plan

WRAP_TARGETS = ("scorm12", "scorm2004", "scorm2004-3rd", "cc11", "cc13")
SUFFIXES = {"cc11": ".imscc", "cc13": ".imscc"}
LAUNCH_SUFFIXES = (".html", ".htm", ".xhtml")
# Calls that show a page talks to an LMS: without them the LMS records nothing.
SCORM12_API = re.compile(rb"LMSInitialize|LMSFinish")
SCORM2004_API = re.compile(rb"API_1484_11|\.Initialize\s*\(|\.Terminate\s*\(")
SCANNED_SUFFIXES = {".html", ".htm", ".xhtml", ".js", ".mjs"}
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass
class WrapSpec:
    folder: Path
    launch: str  # path of the launch page inside folder, with '/'
    title: str
    target: str
    identifier: str = ""  # default: from the title
    version: str = "1.0.0"
    language: str = "en"


@dataclass
class WrapResult:
    path: Path
    files: int
    bytes: int
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    """An identifier from a title: ASCII letters, digits and '-', starting with a letter."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text.lower())
    value = "-".join(words)[:60].strip("-")
    if not value or not value[0].isalpha():
        value = "package-" + value if value else "package"
    return value


def collect_files(folder: Path) -> dict[str, Path]:
    """Every file under folder (zip path -> file), skipping hidden files and folders (.git, .DS_Store)."""
    root = folder.resolve()
    files: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or path.is_dir():
            continue
        if not path.resolve().is_relative_to(root):
            raise ScormpackError("is a link to a file outside the folder: copy the file in instead", path)
        name = relative.as_posix()
        if "\\" in name:
            raise ScormpackError("a backslash in a file name breaks zip readers: rename the file", path)
        files[name] = path
    return files


def check_folder(spec: WrapSpec, files: dict[str, Path]) -> list[str]:
    """Problems that stop the wrap (raised) and the ones worth a warning (returned)."""
    folder = spec.folder
    if "imsmanifest.xml" in files:
        raise ScormpackError(
            "already holds an imsmanifest.xml: it is a package, not a folder to wrap (zip it, or check it "
            "with `scormpack validate`)",
            folder,
        )
    if not files:
        raise ScormpackError("holds no files to wrap", folder)
    if len(files) > MAX_ENTRIES - 50:
        raise ScormpackError(f"holds {len(files)} files: more than a package may hold ({MAX_ENTRIES})", folder)
    launch = spec.launch
    if launch not in files:
        raise ScormpackError(f"--launch {launch!r}: no such file in the folder", folder)
    if not launch.lower().endswith(LAUNCH_SUFFIXES):
        raise ScormpackError(f"--launch {launch!r} must be an HTML page", folder)
    if not spec.title.strip():
        raise ScormpackError("--title must not be empty")
    warnings = []
    by_case: dict[str, str] = {}
    for name in files:
        other = by_case.setdefault(name.lower(), name)
        if other != name:
            warnings.append(f"{other} and {name} differ only in case: one hides the other on Windows and macOS")
    page = files[launch].read_bytes()
    if not re.sub(rb"<[^>]*>", b"", page).strip():
        # Moodle's Common Cartridge import crashes on an empty page; a SCO that shows nothing helps nobody either.
        raise ScormpackError("the launch page has no text", files[launch])
    if spec.target.startswith("scorm"):
        pattern = SCORM12_API if spec.target == "scorm12" else SCORM2004_API
        talks_to_lms = any(
            pattern.search(path.read_bytes())
            for name, path in files.items()
            if PurePosixPath(name).suffix.lower() in SCANNED_SUFFIXES
        )
        if not talks_to_lms:
            api = "LMSInitialize/LMSFinish" if spec.target == "scorm12" else "the API_1484_11 Initialize/Terminate calls"
            warnings.append(
                f"no page or script in the folder uses {api}: the LMS will launch the SCO but record no "
                "completion or score for it"
            )
    return warnings


def scorm_manifest(
    spec: WrapSpec,
    files: dict[str, Path],
    control: dict[str, Path],
    *,
    namespace: str,
    nsmap: dict,
    schema_locations: str,
    schemaversion: str,
    scorm_type: str,
) -> etree._Element:
    """A SCORM manifest with one SCO launching spec.launch and listing every file."""

    def cp(tag: str) -> str:
        return f"{{{namespace}}}{tag}"

    root = etree.Element(cp("manifest"), nsmap=nsmap, identifier=xml_id("MANIFEST", spec.identifier), version=spec.version)
    root.set(f"{{{XSI}}}schemaLocation", schema_locations)
    metadata = sub(root, cp("metadata"))
    sub(metadata, cp("schema"), "ADL SCORM")
    sub(metadata, cp("schemaversion"), schemaversion)
    organization_id = xml_id("ORG", spec.identifier)
    organization = sub(sub(root, cp("organizations"), default=organization_id), cp("organization"), identifier=organization_id)
    sub(organization, cp("title"), spec.title)
    item = sub(
        organization,
        cp("item"),
        identifier=xml_id("ITEM", spec.identifier),
        identifierref=xml_id("RES", spec.identifier),
        isvisible="true",
    )
    sub(item, cp("title"), spec.title)
    resources = sub(root, cp("resources"))
    resource = sub(resources, cp("resource"), identifier=xml_id("RES", spec.identifier), type="webcontent", href=spec.launch)
    resource.set(scorm_type, "sco")
    for name in files:
        sub(resource, cp("file"), href=name)
    description = sub(resources, cp("resource"), identifier=xml_id("RES", "package-description"), type="webcontent")
    description.set(scorm_type, "asset")
    for name in control:
        sub(description, cp("file"), href=name)
    return root


def scorm12_manifest(spec: WrapSpec, files: dict[str, Path], control: dict[str, Path]) -> etree._Element:
    return scorm_manifest(
        spec,
        files,
        control,
        namespace=scorm12.IMSCP,
        nsmap={None: scorm12.IMSCP, "adlcp": scorm12.ADLCP, "xsi": XSI},
        schema_locations=f"{scorm12.IMSCP} imscp_rootv1p1p2.xsd {scorm12.ADLCP} adlcp_rootv1p2.xsd",
        schemaversion="1.2",
        scorm_type=f"{{{scorm12.ADLCP}}}scormtype",
    )


def scorm2004_manifest(spec: WrapSpec, files: dict[str, Path], control: dict[str, Path]) -> etree._Element:
    return scorm_manifest(
        spec,
        files,
        control,
        namespace=scorm2004.IMSCP,
        nsmap=scorm2004.NSMAP,
        schema_locations=" ".join(f"{ns} {file}" for ns, file in scorm2004.SCHEMA_LOCATIONS),
        schemaversion="2004 3rd Edition" if spec.target == "scorm2004-3rd" else "2004 4th Edition",
        scorm_type=f"{{{scorm2004.ADLCP}}}scormType",
    )


def cartridge_manifest(spec: WrapSpec, files: dict[str, Path], version: CartridgeVersion) -> etree._Element:
    def cp(tag: str) -> str:
        return f"{{{version.cp}}}{tag}"

    def lom(tag: str) -> str:
        return f"{{{version.lom}}}{tag}"

    # The CC namespace first: Moodle looks for it in the manifest's first bytes.
    root = etree.Element(
        cp("manifest"), nsmap={None: version.cp, "lomimscc": version.lom, "xsi": XSI}, identifier=xml_id("MANIFEST", spec.identifier)
    )
    root.set(f"{{{XSI}}}schemaLocation", version.schema_locations)
    metadata = sub(root, cp("metadata"))
    sub(metadata, cp("schema"), "IMS Common Cartridge")
    sub(metadata, cp("schemaversion"), version.schemaversion)
    general = sub(sub(metadata, lom("lom")), lom("general"))
    sub(sub(general, lom("title")), lom("string"), spec.title, language=spec.language)
    sub(general, lom("language"), spec.language)
    organization = sub(
        sub(root, cp("organizations")), cp("organization"), identifier=xml_id("ORG", spec.identifier), structure="rooted-hierarchy"
    )
    # Moodle makes a course section of each child of the root item: a folder item holds the page.
    top = sub(organization, cp("item"), identifier=xml_id("ROOT", spec.identifier))
    folder = sub(top, cp("item"), identifier=xml_id("FOLDER", spec.identifier))
    sub(folder, cp("title"), spec.title)
    item = sub(folder, cp("item"), identifier=xml_id("ITEM", spec.identifier), identifierref=xml_id("RES", spec.identifier))
    sub(item, cp("title"), spec.title)
    resource = sub(
        sub(root, cp("resources")), cp("resource"), identifier=xml_id("RES", spec.identifier), type="webcontent", href=spec.launch
    )
    for name in files:
        sub(resource, cp("file"), href=name)
    return root


def default_output(spec: WrapSpec) -> Path:
    return Path("dist") / f"{spec.identifier}-{spec.version}-{spec.target}{SUFFIXES.get(spec.target, '.zip')}"


def wrap_folder(spec: WrapSpec, destination: Path | None = None, strict: bool = False) -> WrapResult:
    """Package spec.folder; raises ScormpackError (writing nothing) when it cannot be a valid package."""
    if spec.target not in WRAP_TARGETS:
        raise ScormpackError(f"unknown target {spec.target!r} (wrap makes: {', '.join(WRAP_TARGETS)})")
    if not spec.folder.is_dir():
        raise ScormpackError("no such folder", spec.folder)
    spec.launch = PurePosixPath(spec.launch.replace("\\", "/")).as_posix().removeprefix("./")
    spec.identifier = spec.identifier or slug(spec.title)
    if not IDENTIFIER.match(spec.identifier):
        raise ScormpackError(f"--id {spec.identifier!r} must start with a letter and use only letters, digits, '-' and '_'")
    files = collect_files(spec.folder)
    warnings = check_folder(spec, files)
    if spec.target == "scorm12":
        control = control_files(schemas.schema_files("scorm12"))
        clash = sorted(set(control) & set(files))
        manifest = scorm12_manifest(spec, files, control)
        schema_set = "scorm12"
    elif spec.target.startswith("scorm2004"):
        control = control_files(schemas.schema_files("scorm2004"))
        clash = sorted(set(control) & set(files))
        manifest = scorm2004_manifest(spec, files, control)
        schema_set = "scorm2004"
    else:
        control, clash = {}, []
        version = CC11 if spec.target == "cc11" else CC13
        manifest = cartridge_manifest(spec, files, version)
        schema_set = version.name
    if clash:
        raise ScormpackError(
            f"the folder holds {clash[0]}, a name the package needs for its own schema files: rename it", spec.folder
        )
    entries: dict[str, bytes | Path] = {**files, **control}
    report = validate_plan(manifest, entries, {}, schema_set)
    if report.errors:
        details = "; ".join(f"{f.where}: {f.message}" for f in report.errors[:5])
        raise ScormpackError(f"the {spec.target} package would not be valid, so it was not written: {details}", spec.folder)
    warnings += [f"{f.where}: {f.message}" for f in report.warnings]
    if strict and warnings:
        raise StrictFailure(warnings, "the wrap")
    destination = Path(destination) if destination is not None else default_output(spec)
    all_entries = {"imsmanifest.xml": manifest_bytes(manifest), **entries}
    write_package(destination, all_entries)
    return WrapResult(destination, len(all_entries), destination.stat().st_size, report.findings, warnings)
