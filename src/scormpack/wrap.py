"""`scormpack wrap`: an existing HTML folder (from another authoring tool) as a package.

The folder becomes one launchable item: a single-SCO SCORM 1.2 or 2004
package, or a Common Cartridge whose one web-content resource holds every
file. The manifest is built by the target's own module (Target.plan_folder
in targets/, which the registry says can wrap), checked by the same validation as a build (our schemas and the
package's integrity) and written by the same deterministic, streaming zip
writer: the same folder and SOURCE_DATE_EPOCH give the same bytes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import ScormpackError
from .package import write_package
from .pipeline import StrictFailure
from .targets import TARGETS, WrappedFolder, get_target, target_names
from .validate import MAX_ENTRIES, Finding, validate_plan

# The registered targets that can package a folder (targets/: Target.wraps_folders).
WRAP_TARGETS = target_names(wraps_folders=True)
LAUNCH_SUFFIXES = (".html", ".htm", ".xhtml")
# Per runtime (Target.runtime), the calls that show a page talks to the LMS, and
# how to name them: without them the LMS records nothing.
RUNTIME_CALLS = {
    "scorm12": (re.compile(rb"LMSInitialize|LMSFinish"), "LMSInitialize/LMSFinish"),
    "scorm2004": (re.compile(rb"API_1484_11|\.Initialize\s*\(|\.Terminate\s*\("), "the API_1484_11 Initialize/Terminate calls"),
}
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
    manifest = next(
        (target.manifest_name for target in TARGETS.values() if target.has_manifest and target.manifest_name in files), None
    )
    if manifest is not None:
        raise ScormpackError(
            f"already holds an {manifest}: it is a package, not a folder to wrap (zip it, or check it "
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
    runtime = get_target(spec.target).runtime
    if runtime in RUNTIME_CALLS:
        pattern, calls = RUNTIME_CALLS[runtime]
        talks_to_lms = any(
            pattern.search(path.read_bytes())
            for name, path in files.items()
            if PurePosixPath(name).suffix.lower() in SCANNED_SUFFIXES
        )
        if not talks_to_lms:
            warnings.append(
                f"no page or script in the folder uses {calls}: the LMS will launch the SCO but record no "
                "completion or score for it"
            )
    return warnings


def default_output(spec: WrapSpec) -> Path:
    return Path("dist") / f"{spec.identifier}-{spec.version}-{spec.target}{get_target(spec.target).suffix}"


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
    target = get_target(spec.target)
    plan = target.plan_folder(WrappedFolder(spec.identifier, spec.title, spec.version, spec.language, spec.launch, files))
    clash = sorted(name for name in files if plan.entries.get(name) != files[name])
    if clash:
        raise ScormpackError(
            f"the folder holds {clash[0]}, a name the package needs for its own schema files: rename it", spec.folder
        )
    report = validate_plan(plan.manifest, plan.entries, plan.extra_documents, plan.schema_set)
    if report.errors:
        details = "; ".join(f"{f.where}: {f.message}" for f in report.errors[:5])
        raise ScormpackError(f"the {spec.target} package would not be valid, so it was not written: {details}", spec.folder)
    warnings += [f"{f.where}: {f.message}" for f in report.warnings]
    if strict and warnings:
        raise StrictFailure(warnings, "the wrap")
    destination = Path(destination) if destination is not None else default_output(spec)
    all_entries = plan.all_entries()
    write_package(destination, all_entries, first=(plan.manifest_name,))
    return WrapResult(destination, len(all_entries), destination.stat().st_size, report.findings, warnings)
