"""What validation found: findings, the report of one package, and how both are printed."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lxml import etree

from .. import errors
from ..targets import MANIFEST_NAME

SEVERITIES = errors.SEVERITIES

STANDARD_NAMES = {
    "scorm12": "SCORM 1.2",
    "scorm2004": "SCORM 2004",
    "cc10": "IMS Common Cartridge 1.0",
    "cc11": "IMS Common Cartridge 1.1",
    "cc12": "IMS Common Cartridge 1.2",
    "cc13": "IMS Common Cartridge 1.3",
    "cmi5": "cmi5 course structure",
    "web": "an offline web edition (static site, no LMS)",
    "unknown": "an unknown standard",
}
# SCORM 2004 editions by the manifest's schemaversion (SCORM 2004 CAM, each edition).
SCORM2004_EDITIONS = {"CAM 1.3": "2nd Edition", "2004 3rd Edition": "3rd Edition", "2004 4th Edition": "4th Edition"}
# Findings kept per severity and code; past it one finding counts the rest, so that a manifest
# naming 100,000 missing files gives a readable report and does not grow memory with each one.
FINDINGS_PER_CODE = 200


@dataclass(frozen=True)
class Where:
    """Where a finding is: a file (a package member, or the package), a line, and the element it is about."""

    path: str
    line: int | None = None
    element: str = ""  # '<item identifier="I1">'

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        return f"{location} {self.element}" if self.element else location

    @classmethod
    def parse(cls, text: str) -> Where:
        """The Where a finding's text names: 'file', 'file:12', 'file:12 <element>' or 'imsmanifest.xml <element>'."""
        match = re.fullmatch(r"(?P<path>.+?):(?P<line>\d+)(?: (?P<element>.+))?", text, re.DOTALL)
        if match:
            return cls(match["path"], int(match["line"]), match["element"] or "")
        if text.startswith(f"{MANIFEST_NAME} "):
            return cls(MANIFEST_NAME, None, text[len(MANIFEST_NAME) + 1 :])
        return cls(text)


@dataclass(frozen=True)
class Finding(errors.Finding):
    """The tool's one Finding (path, line, severity, message, code), plus the element it is about.

    Validation prints it as `severity: where: message`, where is the file, line and element
    ('imsmanifest.xml:12 <item identifier="I1">'), one line per finding after the package's name."""

    element: str = ""

    @classmethod
    def at(cls, severity: str, where: Where | str, message: str, code: str = "") -> Finding:
        place = where if isinstance(where, Where) else Where.parse(where)
        return cls(place.path, place.line, severity, message, code, place.element)

    @property
    def where(self) -> str:
        return str(Where(str(self.path or ""), self.line, self.element))

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "where": self.where, "message": self.message, "code": self.code,
                "path": self.path, "line": self.line, "element": self.element}


@dataclass
class Report:
    package: str
    standard: str = "unknown"
    schemaversion: str | None = None
    findings: list[Finding] = field(default_factory=list)
    _counts: dict[tuple[str, str], int] = field(default_factory=dict, repr=False, compare=False)
    _overflow: dict[tuple[str, str], int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "note"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def passes(self, strict: bool = False) -> bool:
        """Valid, and with --strict also free of warnings (notes never count)."""
        return self.valid and not (strict and self.warnings)

    @property
    def description(self) -> str:
        """What the package is, in words: 'SCORM 2004 3rd Edition', 'IMS Common Cartridge 1.1', ..."""
        return describe_standard(self.standard, self.schemaversion)

    def error(self, where: Where | str, message: str, code: str = "") -> None:
        self._add(Finding.at(errors.ERROR, where, message, code))

    def warning(self, where: Where | str, message: str, code: str = "") -> None:
        self._add(Finding.at(errors.WARNING, where, message, code))

    def note(self, where: Where | str, message: str, code: str = "") -> None:
        self._add(Finding.at(errors.NOTE, where, message, code))

    def _add(self, finding: Finding) -> None:
        key = (finding.severity, finding.code)
        count = self._counts[key] = self._counts.get(key, 0) + 1
        if count <= FINDINGS_PER_CODE:
            self.findings.append(finding)
            return
        message = f"{count - FINDINGS_PER_CODE:,} more {finding.severity}s like the above ({finding.code or 'uncoded'}) not shown"
        counted = Finding(self.package, None, finding.severity, message, finding.code)
        if key in self._overflow:
            self.findings[self._overflow[key]] = counted
        else:
            self._overflow[key] = len(self.findings)
            self.findings.append(counted)

    def summary(self, strict: bool = False) -> str:
        verdict = "valid" if self.passes(strict) else "INVALID"
        found = self.description if self.standard != "unknown" else "standard not recognised"
        version = f", schemaversion {self.schemaversion!r}" if self.schemaversion is not None else ""
        counts = f"{errors.count_words(len(self.errors), 'error')}, {errors.count_words(len(self.warnings), 'warning')}"
        return f"{verdict} {self.standard} ({counts}): {found}{version}"

    def as_dict(self, strict: bool = False) -> dict:
        return {
            "package": self.package,
            "standard": self.standard,
            "description": self.description,
            "schemaversion": self.schemaversion,
            "valid": self.passes(strict),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [finding.as_dict() for finding in self.findings],
        }


def describe_standard(standard: str, schemaversion: str | None) -> str:
    name = STANDARD_NAMES.get(standard, standard)
    if standard == "scorm2004":
        edition = SCORM2004_EDITIONS.get((schemaversion or "").strip())
        return f"{name} {edition}" if edition else f"{name} (edition not stated)"
    return name


def where_of(element: etree._Element, document: str = MANIFEST_NAME) -> Where:
    """Names an element for a finding: file, line (when parsed) and tag with its identifier."""
    qname = etree.QName(element)
    tag = f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname
    identifier = element.get("identifier") or element.get("ident")
    label = f'<{tag} {"identifier" if element.get("identifier") else "ident"}="{identifier}">' if identifier else f"<{tag}>"
    return Where(document, element.sourceline or None, label)


def format_report(report: Report, strict: bool = False) -> list[str]:
    """The human-readable lines for one package: `PACKAGE: severity: where: message`, then the verdict."""
    lines = [f"{report.package}: {finding}" for finding in report.findings]
    lines.append(f"{report.package}: {report.summary(strict)}")
    return lines


def reports_json(reports: list[Report], strict: bool = False, lms: str | None = None) -> str:
    return json.dumps(
        {
            "valid": all(report.passes(strict) for report in reports),
            "strict": strict,
            "lms": lms,
            "packages": [report.as_dict(strict) for report in reports],
        },
        indent=2,
        ensure_ascii=False,
    )
