"""What a package holds that decides what learners keep when it replaces another.

A snapshot is read from an untrusted package with validate's reader (bounded
reads of the zip, safe names, no DTDs or entities) and its one manifest
reader. It keeps only what an update depends on: the standard and edition,
the items by identifier (what each launches, whether the LMS tracks it, its
pass mark), and, for scormpack's own SCOs, what the runtime saves (page
count, question ids) as the page's embedded data declares it.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..validate import LIMITS, Limits, PackageReadError, PackageView, Report, describe_standard, read_manifest, validate_package
from ..validate.archive import PackageArchive, check_entries
from ..validate.manifest import CC_STANDARDS, MANIFEST_NAME, NS
from ..validate.safe_xml import TooLargeError, UnsafeXMLError
from ..validate.lms_profiles import resource_qti_items
from ..validate.suspend_data import page_json
from ..validate.standard import cc_resource_kind, scorm_type
from ..validate.validator import UNREADABLE_ZIP
from ..validate.web import FRONT_PAGE, is_web_edition

IMSSS = NS["imsss"]
CMI5_STRUCTURE = "cmi5.xml"  # a cmi5 package's course structure, at the zip root


@dataclass(frozen=True)
class ItemSnapshot:
    identifier: str
    title: str
    line: int | None
    launch: str | None  # the package path the item launches (xml:base applied); None for a container
    resource_type: str | None  # 'sco', 'asset', or a Common Cartridge resource type
    tracked: bool  # the LMS keeps learner records under this identifier (a SCO, a CC assessment or topic)
    pass_mark: float | None = None  # percent: adlcp:masteryscore, or imsss minNormalizedMeasure x 100
    module: str | None = None  # scormpack SCOs: the module the page belongs to
    page_count: int | None = None  # scormpack SCOs: pages the bookmark can point to
    questions: tuple[str, ...] | None = None  # scormpack SCOs and CC assessments: the question ids
    state_format: int | None = None  # scormpack SCOs: the layout of the saved state (1 before pages said)


@dataclass
class PackageSnapshot:
    path: str
    sha256: str = ""
    standard: str = "unknown"
    schemaversion: str | None = None
    manifest_identifier: str | None = None
    organization: str | None = None
    items: dict[str, ItemSnapshot] = field(default_factory=dict)  # in document order
    problem: str | None = None  # why the package could not be read (then items is empty)
    problem_code: str | None = None  # zip-unreadable, zip-refused, manifest-missing, manifest-unreadable
    validation_errors: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        return describe_standard(self.standard, self.schemaversion)

    @property
    def is_cc(self) -> bool:
        return self.standard in CC_STANDARDS

    def tracked_items(self) -> dict[str, ItemSnapshot]:
        return {identifier: item for identifier, item in self.items.items() if item.tracked}


def _web_edition(members: PackageArchive) -> bool:
    try:
        return is_web_edition(members.read(FRONT_PAGE))
    except (PackageReadError, TooLargeError):
        return False


def read_snapshot(path: Path, limits: Limits = LIMITS, validate: bool = False) -> PackageSnapshot:
    """The snapshot of one package file; `validate` also runs `scormpack validate`'s checks and keeps the errors."""
    path = Path(path)
    snapshot = PackageSnapshot(str(path))
    try:
        snapshot.sha256 = _sha256(path)
        archive = zipfile.ZipFile(path)
    except UNREADABLE_ZIP as error:
        snapshot.problem, snapshot.problem_code = f"not a readable zip file: {error}", "zip-unreadable"
        return snapshot
    with archive:
        entry_report = Report(str(path))
        files = check_entries(entry_report, archive, limits)
        if files is None:
            snapshot.problem = "; ".join(f"{f.where}: {f.message}" for f in entry_report.errors[:3])
            snapshot.problem_code = "zip-refused"
            return snapshot
        if MANIFEST_NAME not in files and CMI5_STRUCTURE in files:
            snapshot.problem = f"a cmi5 package ({CMI5_STRUCTURE}): its updates are not compared yet"
            snapshot.problem_code = "not-compared"
            return snapshot
        members = PackageArchive(archive, limits)
        if MANIFEST_NAME not in files and FRONT_PAGE in files and _web_edition(members):
            # Its learners' progress is in their browsers, under a key that names the version.
            snapshot.problem = "an offline web edition (no LMS, progress kept in the browser): its updates are not compared"
            snapshot.problem_code = "not-compared"
            return snapshot
        if MANIFEST_NAME not in files:
            snapshot.problem, snapshot.problem_code = f"no {MANIFEST_NAME} at the zip root", "manifest-missing"
            return snapshot
        try:
            manifest = read_manifest(members.read(MANIFEST_NAME), MANIFEST_NAME, limits)
        except (PackageReadError, UnsafeXMLError) as error:
            snapshot.problem, snapshot.problem_code = f"{MANIFEST_NAME}: {error}", "manifest-unreadable"
            return snapshot
        except etree.XMLSyntaxError as error:
            snapshot.problem = f"{MANIFEST_NAME} is not well-formed XML: {error}"
            snapshot.problem_code = "manifest-unreadable"
            return snapshot
        view = PackageView(
            manifest.root, manifest.manifest_bytes, manifest.standard, manifest.schemaversion,
            files=files, read=members.read, limits=limits,
        )
        snapshot.standard = view.standard
        snapshot.schemaversion = view.schemaversion
        snapshot.manifest_identifier = view.root.get("identifier")
        _read_items(snapshot, view)
    if validate:
        report = validate_package(path, limits=limits)
        snapshot.validation_errors = [f"{f.where}: {f.message}" for f in report.errors]
    return snapshot


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_items(snapshot: PackageSnapshot, view: PackageView) -> None:
    organization = view.default_organization()
    if organization is None:
        return
    snapshot.organization = organization.get("identifier")
    resources = view.resources()
    for element in organization.iter(view.cp("item")):
        identifier = element.get("identifier")
        if not identifier or identifier in snapshot.items:
            continue  # a duplicate identifier is a validation error; the first one is what an LMS keeps
        title = (element.findtext(view.cp("title")) or "").strip()
        resource = resources.get(element.get("identifierref") or "")
        if resource is None:
            snapshot.items[identifier] = ItemSnapshot(identifier, title, element.sourceline, None, None, False)
            continue
        launch = view.resource_path(resource, resource.get("href")) if resource.get("href") else None
        if snapshot.is_cc:
            snapshot.items[identifier] = _cc_item(view, element, resource, identifier, title, launch)
        else:
            snapshot.items[identifier] = _scorm_item(view, element, resource, identifier, title, launch)


def _scorm_item(view, element, resource, identifier: str, title: str, launch: str | None) -> ItemSnapshot:
    kind = scorm_type(resource) or "asset"
    module = page_count = questions = state_format = None
    pass_mark = _pass_mark(element)
    launched = view.launch_page(resource) if kind == "sco" else None
    page = launched[1] if launched else None
    if page is not None:
        sco = page_json(page, "sp-sco")
        if sco is not None:  # a scormpack SCO: its page declares what the runtime saves
            module = str(sco.get("moduleId") or "") or None
            page_count = _int(sco.get("pageCount"))
            state_format = _int(sco.get("stateFormat", 1))
            quiz = page_json(page, "sp-quiz")
            if quiz is not None:
                questions = tuple(str(q.get("id", "")) for q in quiz.get("questions") or [] if isinstance(q, dict))
                if pass_mark is None and isinstance(quiz.get("passMark"), (int, float)):
                    pass_mark = float(quiz["passMark"])
                page_count = (page_count or 0) + 1  # the knowledge check is a page of its own
    return ItemSnapshot(
        identifier, title, element.sourceline, launch, kind, kind == "sco", pass_mark, module, page_count, questions, state_format
    )


def _cc_item(view, element, resource, identifier: str, title: str, launch: str | None) -> ItemSnapshot:
    resource_type = (resource.get("type") or "").strip()
    kind = cc_resource_kind(resource_type)
    questions = None
    # Learners' work in an LMS hangs on assessments, discussion topics and LTI links, not on pages or web links.
    tracked = kind is not None and kind[0] in ("qti", "topic", "lti")
    if kind is not None and kind[0] == "qti":
        questions = tuple(item.get("ident", "") for _, item in resource_qti_items(view, resource))
    return ItemSnapshot(identifier, title, element.sourceline, launch, resource_type, tracked, None, None, None, questions)


def _pass_mark(item: etree._Element) -> float | None:
    """The item's pass mark in percent, from SCORM 1.2's masteryscore or 2004's primary objective."""
    for element in item.iterchildren(f"{{{NS['adlcp12']}}}masteryscore"):
        return _float(element.text)
    for objective in item.iterfind(f"{{{IMSSS}}}sequencing/{{{IMSSS}}}objectives/{{{IMSSS}}}primaryObjective"):
        if (objective.get("satisfiedByMeasure") or "").strip() == "true":
            measure = _float(objective.findtext(f"{{{IMSSS}}}minNormalizedMeasure"))
            return None if measure is None else round(measure * 100, 4)
    return None


def _float(text: str | None) -> float | None:
    try:
        return float((text or "").strip())
    except ValueError:
        return None


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
