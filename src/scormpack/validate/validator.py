"""The two ways in: a package plan before the build writes it, and a package file from anyone."""
from __future__ import annotations

import struct
import zipfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from lxml import etree

from . import cmi5
from .archive import LIMITS, Limits, PackageArchive, PackageReadError, check_entries
from .lms_profiles import check_lms
from .manifest import CC_STANDARDS, MANIFEST_NAME, PackageView, read_manifest, schemaversion_of
from .report import Report
from .safe_xml import TooLargeError, UnsafeXMLError, parse_xml
from .standard import check_cc_resources, check_manifest, schema_findings
from .suspend_data import check_suspend_data
from .web import FRONT_PAGE, check_web_edition, is_web_edition
from ..package import entry_bytes


# What zipfile raises on a central directory it cannot read: a damaged or forged one (bad
# signatures, sizes, offsets or names) or one that asks for features it lacks.
UNREADABLE_ZIP = (
    zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError,
    RuntimeError, struct.error, KeyError, IndexError, OverflowError,
)


def _zip_error(error: Exception) -> str:
    if isinstance(error, NotImplementedError):
        return f"{error} needed to extract, newer than zip readers know"
    return str(error) or type(error).__name__


def validate_plan(
    manifest: etree._Element,
    entries: dict,
    extra_documents: dict[str, str],
    standard: str,
    suspend_estimates: MutableMapping[str, int | None] | None = None,
    known_digests: Mapping[str, tuple[bytes, str]] | None = None,
) -> Report:
    """Checks a package before it is written (used by the build); see check_suspend_data for suspend_estimates.

    known_digests: entry name -> (content, its sha256) of entries hashed before (a cached page's),
    used while the entry is that very content."""
    if manifest is None:  # the web edition: no manifest, pages linking files
        report = Report("(build)", "web")
        check_web_edition(report, set(entries), lambda name: entry_bytes(entries[name]))
        return report
    if standard == "cmi5":
        report = Report("(build)", standard)
        cmi5.check_course_structure(report, manifest, set(entries))
        return report
    report = Report("(build)", standard, schemaversion_of(manifest))
    files = set(entries) | {MANIFEST_NAME}
    check_manifest(report, manifest, files, standard)
    for name, schema_set in extra_documents.items():
        document = etree.fromstring(entry_bytes(entries[name]))
        schema_findings(report, schema_set, document, name, "schema")

    def read(name: str) -> bytes:
        if name not in entries:
            raise PackageReadError(f"{name}: not in the package")
        return entry_bytes(entries[name])

    def known(name: str) -> str | None:
        content, digest = (known_digests or {}).get(name, (None, None))
        return digest if content is not None and entries.get(name) is content else None

    view = PackageView(manifest, b"", standard, report.schemaversion, files=files, read=read, known_digests=known)
    check_suspend_data(report, view, suspend_estimates)
    return report


def validate_package(path: Path, lms: str | None = None, limits: Limits = LIMITS) -> Report:
    """Validate a package file from anyone, safely; `lms` adds that LMS's rules (see lms_profiles)."""
    report = Report(str(path))
    if path.suffix.lower() == ".xml" and not zipfile.is_zipfile(path):
        return _validate_course_structure_file(report, path, limits)
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE_ZIP as error:
        report.error(str(path), f"not a readable zip file: {_zip_error(error)}", "zip-unreadable")
        return report
    with archive:
        files = check_entries(report, archive, limits)
        if files is None:
            return report
        members = PackageArchive(archive, limits)
        if cmi5.COURSE_STRUCTURE in files and MANIFEST_NAME not in files:
            report.standard = "cmi5"
            root = _read_xml(report, members, cmi5.COURSE_STRUCTURE, limits)
            members.check_members(report, keep=lambda name: False)  # every member unpacks, as an LMS needs
            if root is not None:
                cmi5.check_course_structure(report, root, files)
            return report
        if MANIFEST_NAME not in files and FRONT_PAGE in files and _web_front_page(members, FRONT_PAGE):
            report.standard = "web"
            report.note(
                FRONT_PAGE,
                "an offline web edition (a static site opened from index.html, with no LMS): "
                "not a SCORM, Common Cartridge or cmi5 package, so no LMS imports it; its links and files were checked",
                "web-edition",
            )
            members.check_members(report, keep=lambda name: name.endswith(".html"))
            check_web_edition(report, files, members.read)
            return report
        if not _manifest_found(report, files):
            return report
        try:
            manifest = read_manifest(members.read(MANIFEST_NAME), MANIFEST_NAME, limits)
        except PackageReadError as error:
            report.error(MANIFEST_NAME, str(error), "zip-unreadable")
            return report
        except TooLargeError as error:
            report.error(MANIFEST_NAME, f"refused: {error}", "too-large")
            return report
        except UnsafeXMLError as error:
            report.error(MANIFEST_NAME, f"refused: {error}", "manifest-unsafe")
            return report
        except etree.XMLSyntaxError as error:
            report.error(MANIFEST_NAME, f"not well-formed XML: {error}", "manifest-not-xml")
            return report
        report.standard = manifest.standard
        report.schemaversion = manifest.schemaversion
        view = PackageView(
            manifest.root, manifest.manifest_bytes, manifest.standard, manifest.schemaversion,
            files=files, read=members.read, limits=limits,
        )
        members.check_members(report, keep=view.parsed_members().__contains__)
        check_manifest(report, manifest.root, files, report.standard)
        if report.standard in CC_STANDARDS:
            check_cc_resources(report, view)
        check_suspend_data(report, view)
        if lms is not None:
            check_lms(lms, view, report)
        for page, why in sorted(view.unparsed.items()):
            # An LMS serves such a page as it is, so it is no error; but the checks above skipped it.
            report.note(page, f"not parsed ({why}): the checks that read pages skipped it", "too-large")
    return report


def _web_front_page(members: PackageArchive, name: str) -> bool:
    try:
        return is_web_edition(members.read(name))
    except (PackageReadError, TooLargeError):
        return False


def _read_xml(report: Report, members: PackageArchive, name: str, limits: Limits) -> etree._Element | None:
    try:
        return parse_xml(members.read(name), name, limits.xml_bytes, limits.xml_elements)
    except PackageReadError as error:
        report.error(name, str(error), "zip-unreadable")
    except TooLargeError as error:
        report.error(name, f"refused: {error}", "too-large")
    except UnsafeXMLError as error:
        report.error(name, f"refused: {error}", "manifest-unsafe")
    except etree.XMLSyntaxError as error:
        report.error(name, f"not well-formed XML: {error}", "manifest-not-xml")
    return None


def _validate_course_structure_file(report: Report, path: Path, limits: Limits) -> Report:
    """A cmi5 course structure on its own (no zip): its AU URLs must be fully qualified."""
    report.standard = "cmi5"
    if path.stat().st_size > limits.member_bytes:
        report.error(str(path), f"larger than the {limits.member_bytes} bytes read limit", "too-large")
        return report
    try:
        root = parse_xml(path.read_bytes(), path.name, max_bytes=limits.member_bytes)
    except UnsafeXMLError as error:
        report.error(path.name, f"refused: {error}", "manifest-unsafe")
        return report
    except etree.XMLSyntaxError as error:
        report.error(path.name, f"not well-formed XML: {error}", "manifest-not-xml")
        return report
    cmi5.check_course_structure(report, root, None)
    return report


def _manifest_found(report: Report, files: set[str]) -> bool:
    """Whether the manifest is at the zip root under its exact name; an error says where it is otherwise."""
    if MANIFEST_NAME in files:
        return True
    nested = sorted(name for name in files if name.lower().endswith(MANIFEST_NAME))
    if nested and "/" not in nested[0]:
        report.error(
            nested[0],
            f"the manifest must be named exactly {MANIFEST_NAME}, not {nested[0]!r} "
            "(LMSs on case-sensitive servers do not find it)",
            "manifest-missing",
        )
    elif nested:
        report.error(nested[0], f"{MANIFEST_NAME} must be at the zip root, not in a folder (zip the folder's content, not the folder)", "manifest-misplaced")
    else:
        report.error(MANIFEST_NAME, f"no {MANIFEST_NAME} at the zip root: not a SCORM or Common Cartridge package", "manifest-missing")
    return False
