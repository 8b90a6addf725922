"""Package validation: our schemas plus the integrity checks an LMS depends on.

The same checks run on a package plan before the build writes it and on any
package file given to `scormpack validate`. Package files are untrusted: the
zip is never extracted (members are read into memory with bounded reads),
names are checked before use, sizes and compression ratios are bounded, and
XML is parsed without DTDs, entities or network access.

One concern per module, imported one way (report ← archive ← manifest ←
standard, suspend_data, lms_profiles ← validator):
- `report`: findings, a package's report, how they are printed;
- `safe_xml`: parsing untrusted XML and HTML;
- `archive`: reading the zip (bounded reads, safe names, zip-bomb limits);
- `manifest`: the one manifest reader (also used by preview);
- `standard`: the checks each standard asks for (schemas, integrity);
- `suspend_data`: the saved-state budget of our SCOs;
- `lms_profiles`: what particular LMSs need beyond the standards;
- `validator`: `validate_plan` (the build) and `validate_package` (any file).
"""
from __future__ import annotations

from .archive import LIMITS, MAX_ENTRIES, MAX_RATIO, MAX_TOTAL_BYTES, MAX_XML_BYTES, Limits, PackageReadError
from .lms_profiles import LMS_NAMES
from .manifest import MANIFEST_NAME, Manifest, PackageView, detect_standard, read_manifest
from .report import Finding, Report, describe_standard, format_report, reports_json
from .suspend_data import estimate_suspend_data
from .validator import validate_package, validate_plan

__all__ = [
    "LIMITS", "LMS_NAMES", "MANIFEST_NAME", "MAX_ENTRIES", "MAX_RATIO", "MAX_TOTAL_BYTES", "MAX_XML_BYTES",
    "Finding", "Limits", "Manifest", "PackageReadError", "PackageView", "Report",
    "describe_standard", "detect_standard", "estimate_suspend_data", "format_report", "read_manifest",
    "reports_json", "validate_package", "validate_plan",
]
