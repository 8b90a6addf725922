"""The command line: thin wrappers that call the verbs and print their results."""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ERROR, NOTE, SEVERITIES, WARNING, ScormpackError, UsageError, count_words, os_error_message
from .loader import load_course
from .pipeline import StrictFailure, parse_shard, run_pipeline
from .reports import PackageRecord, merge_reports
from .wrap import WRAP_TARGETS, WrapSpec, wrap_folder
from .targets import PREVIEWABLE, TARGETS
from .lint import fails as lint_fails
from .lint import lint_course
from .validate import LMS_NAMES
from .updates.ledger import check_ledger, ledger_path, read_ledger, record, unaccepted, write_ledger
from .updates.verdicts import LMS_RULES
from .validate import format_report, reports_json, validate_package

SCAFFOLD_DIR = Path(__file__).parent / "scaffold"


def fail(error: ScormpackError) -> None:
    """Every finding of the error as `path:line: severity: message`, then exit 1 (2 for a usage error, as click's own)."""
    for finding in error.findings:
        click.echo(str(finding), err=True)
    sys.exit(2 if isinstance(error, UsageError) else 1)


class ScormpackGroup(click.Group):
    """Every command: an OSError at a path the user gave is one line naming it, never a traceback."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except OSError as error:
            click.echo(os_error_message(error), err=True)
            sys.exit(1)


def human_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    for row in [headers, ["-" * width for width in widths], *rows]:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def echo_build_warnings(result) -> None:
    """Each warning once, naming the packages it applies to: a question left out
    of every cartridge should not fill the screen once per bundle."""
    for warning in result.lint_warnings:
        click.echo(as_finding_line(warning, "warning"), err=True)
    for severity in (WARNING, NOTE):
        packages_by_text: dict[str, list[str]] = {}
        for package in result.packages:
            for text in package.warnings if severity == WARNING else getattr(package, "notes", []):
                packages_by_text.setdefault(str(text), []).append(result.package_label(package))
        for text, packages in packages_by_text.items():
            if len(packages) == 1:
                where = packages[0]
            else:
                shown = ", ".join(packages[:2]) + (", ..." if len(packages) > 2 else "")
                where = f"{len(packages)} packages: {shown}"
            click.echo(f"{as_finding_line(text, severity)} [{where}]", err=True)


def as_finding_line(text: str, severity: str) -> str:
    """A warning kept as 'path:line: message' text (build-report.json) printed as `path:line: severity: message`."""
    location, separator, message = text.partition(": ")
    if separator and re.fullmatch(r"[^\s:]+(:\d+)?", location):
        return f"{location}: {severity}: {message}"
    return f"{severity}: {text}"


@click.group(cls=ScormpackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scormpack")
def main() -> None:
    """Compile Markdown training modules into SCORM and Common Cartridge packages."""


def run() -> None:
    """The `scormpack` command (and `python -m scormpack`): main(), then exit without tearing the
    interpreter down. Python's shutdown frees every object one by one and collects cycles among
    them; after a build of a big course that is a third of a second of CPU spent on memory the
    process hands back anyway. Every file is closed by then (writes are atomic, in with-blocks;
    worker pools and the preview's folder are shut down by the commands themselves); only the
    standard streams are flushed here."""
    code = 0
    try:
        main()
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (| head) or stream
                pass
    os._exit(code)


SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def _size_option(context: click.Context, parameter: click.Parameter, value: str | None) -> int | None:
    """A size such as 50MB (decimal units), 2MiB (binary) or 1500000 (bytes), as bytes."""
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", value)
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in SIZE_UNITS or float(match.group(1)) <= 0:
        raise click.BadParameter(f"{value!r} is not a size like 50MB, 300KB or 2MiB")
    return int(float(match.group(1)) * SIZE_UNITS[unit])


def _shard_option(context: click.Context, parameter: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


class BuildProgress:
    """A progress bar on a terminal; one plain line per package otherwise (CI logs)."""

    def __init__(self, show_language: bool = False) -> None:
        self.bar = None
        self.plain = not sys.stderr.isatty() or bool(os.environ.get("CI"))
        self.show_language = show_language

    def __call__(self, record: PackageRecord, done: int, total: int, reused: bool) -> None:
        if self.plain:
            state = "unchanged" if reused else "built"
            width = len(str(total))
            language = f" {record.language}" if self.show_language else ""
            click.echo(f"[{done:{width}}/{total}] {record.bundle} {record.target}{language}: {state}, {human_size(record.bytes)}", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Building", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("-t", "--target", "targets", multiple=True, help=f"Target to build (repeatable): {', '.join(TARGETS)}, or all.")
@click.option("--all-targets", is_flag=True, help="Build every target (the same as --target all).")
@click.option("-b", "--bundle", "bundles", multiple=True, help="Bundle id to build (repeatable; default: every bundle).")
@click.option("-o", "--out", "out_dir", default="dist", type=click.Path(path_type=Path), help="Output directory.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core).")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if anything warns (lint or validation).")
@click.option("--shard", metavar="K/N", callback=_shard_option, help="Build only the K-th of N slices of the bundle x target matrix.")
@click.option("--no-cache", is_flag=True, help="Ignore and keep no build cache (OUT/.scormpack-cache).")
@click.option("--against", type=click.Path(path_type=Path, exists=True), help="The previous release (its folder or build-report.json): fail, writing nothing, if this one deletes learners' records.")
@click.option("--accept-loss", "accept_loss", multiple=True, metavar="MODULE_ID", help="Accept that learners lose their records of this module (repeatable), or 'all' for the whole release.")
@click.option(
    "-l", "--language", "languages", multiple=True,
    help="Build this language's edition (repeatable): the course's language, one of [course].translations "
    "(from translations/<language>.po), or all (every edition, over the bundles [editions] releases it for). "
    "Default: the course's language.",
)
@click.option("--max-package-size", "max_package_size", metavar="SIZE", callback=_size_option, help="Fail, writing nothing, when a package is larger (e.g. 50MB, 300KB, 2MiB; bytes when no unit).")
@click.option("--resize-images", is_flag=True, help="Scale raster images over the size limit down and recompress them, without metadata ([course].resize_images).")
@click.option("--print-answers", is_flag=True, help="The web edition's handout (print/index.html) shows the knowledge checks' answers ([course].print_answers).")
def build(
    course_dir: Path,
    targets: tuple[str, ...],
    all_targets: bool,
    bundles: tuple[str, ...],
    out_dir: Path,
    jobs: int | None,
    strict: bool,
    shard: tuple[int, int] | None,
    no_cache: bool,
    against: Path | None,
    accept_loss: tuple[str, ...],
    languages: tuple[str, ...],
    max_package_size: int | None,
    resize_images: bool,
    print_answers: bool,
) -> None:
    """Build one package per bundle and target from COURSE_DIR (default: content).

    Writes the packages, SHA256SUMS and build-report.json to the output
    directory, and reuses what an earlier build there made from unchanged
    sources.
    """
    progress = BuildProgress(show_language=bool(languages))
    release = None
    if against is not None or ledger_path(course_dir).is_file():
        from .updates.release import ReleaseCheck  # here: the diffing a release check needs is slow to import

        release = ReleaseCheck(course_dir, against, set(accept_loss))
    try:
        result = run_pipeline(
            course_dir,
            ["all"] if all_targets else list(targets),
            list(bundles),
            out_dir,
            jobs=jobs,
            strict=strict,
            shard=shard,
            use_cache=not no_cache,
            on_package=progress,
            check_course=release.check_course if release else None,
            check_packages=release.check_packages if release else None,
            languages=list(languages),
            course_options={name: True for name, given in (("print_answers", print_answers), ("resize_images", resize_images)) if given},
            max_package_bytes=max_package_size,
        )
    except StrictFailure as failure:
        progress.close()
        for warning in failure.warnings:
            # PipelineResult.warnings: "lint: TEXT" (reading the sources) or "BUNDLE/TARGET: TEXT".
            where, _, text = warning.partition(": ")
            click.echo(as_finding_line(text, "warning") + ("" if where == "lint" else f" [{where}]"), err=True)
        fail(failure)
    except ScormpackError as error:
        progress.close()
        fail(error)
    progress.close()
    echo_build_warnings(result)
    for finding in release.findings() if release else []:
        click.echo(f"release: {finding}", err=True)
    by_language = bool(languages) or len(result.languages) > 1
    rows = [
        [
            record.bundle,
            record.target,
            *([record.language] if by_language else []),
            str(record.modules),
            human_size(record.bytes),
            record.validation + (f" ({count_words(len(record.warnings), 'warning')})" if record.warnings else ""),
            str(out_dir / record.file),
        ]
        for record in result.packages
    ]
    print_table(["bundle", "target", *(["language"] if by_language else []), "modules", "size", "validation", "package"], rows)
    stats = result.stats
    click.echo(
        f"{stats.packages_built} built, {stats.packages_reused} unchanged; "
        f"modules rendered: {stats.modules_rendered}, from the cache: {stats.modules_reused}"
    )
    if shard is not None:
        click.echo(f"shard {shard[0]}/{shard[1]}: {len(result.selected)} of {len(result.matrix)} packages")
    if result.release is not None and result.release.get("verdict"):
        click.echo(f"against {result.release['against']}: {result.release['verdict']} (recorded in build-report.json)")


@main.command(name="merge-reports")
@click.argument("shard_dirs", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("-o", "--out", "out_dir", default="dist", type=click.Path(path_type=Path), help="Output directory.")
def merge_reports_command(shard_dirs: tuple[Path, ...], out_dir: Path) -> None:
    """Merge the output directories of a sharded build (build --shard K/N) into one.

    Checks every package against its shard's report, copies the packages
    into OUT and writes one SHA256SUMS and build-report.json for the whole
    matrix.
    """
    try:
        merged = merge_reports(list(shard_dirs), out_dir)
    except ScormpackError as error:
        fail(error)
    click.echo(
        f"merged {len(shard_dirs)} report(s): {len(merged.packages)} packages, {len(merged.copied)} copied into {out_dir}"
    )


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--launch", required=True, help="The page to open, relative to FOLDER (e.g. index.html).")
@click.option("--title", required=True, help="The package's title, as the LMS shows it.")
@click.option("-t", "--target", type=click.Choice(WRAP_TARGETS), default="scorm12", show_default=True, help="Package format.")
@click.option("-o", "--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), help="Package file to write (default: dist/ID-VERSION-TARGET.zip).")
@click.option("--id", "identifier", default="", help="Identifier in the manifest and file name (default: from the title).")
@click.option("--version", "version", default="1.0.0", show_default=True, help="Package version.")
@click.option("--language", default="en", show_default=True, help="Language of the content (BCP 47).")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if anything warns.")
def wrap(
    folder: Path, launch: str, title: str, target: str, out_path: Path | None, identifier: str, version: str, language: str, strict: bool
) -> None:
    """Package an existing HTML FOLDER (from another tool) as a single-SCO SCORM package or a Common Cartridge."""
    spec = WrapSpec(folder, launch, title, target, identifier=identifier, version=version, language=language)
    try:
        result = wrap_folder(spec, out_path, strict=strict)
    except StrictFailure as failure:
        for warning in failure.warnings:
            click.echo(f"warning: {warning}", err=True)
        fail(failure)
    except ScormpackError as error:
        fail(error)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    verdict = "valid" + (f" ({count_words(len(result.warnings), 'warning')})" if result.warnings else "")
    click.echo(f"{result.path}: {target}, {result.files} files, {human_size(result.bytes)}, {verdict}")


@main.command(name="list")
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
def list_bundles(course_dir: Path) -> None:
    """Show the bundles of COURSE_DIR and the modules each holds."""
    try:
        course = load_course(course_dir)
    except ScormpackError as error:
        fail(error)
    click.echo(f"{course.title} ({course.id} {course.version})")
    for bundle in course.bundles:
        selection = " / ".join(part for part in (bundle.audience, bundle.stage) if part) or "explicit list"
        click.echo(f"\n{bundle.id}: {bundle.title} [{selection}]")
        for number, module in enumerate(bundle.modules, start=1):
            quiz = f", quiz of {len(module.quiz.questions)}" if module.quiz else ""
            click.echo(f"  {number:2}. {module.id}: {module.title} ({module.duration_minutes} min{quiz})")


@main.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lms", type=click.Choice(LMS_NAMES), help="Also check what this LMS needs beyond the standard.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@click.option("--strict", is_flag=True, help="Warnings make a package invalid too.")
def validate(packages: tuple[Path, ...], lms: str | None, output_format: str, strict: bool) -> None:
    """Validate SCORM 1.2, SCORM 2004, Common Cartridge and cmi5 packages (or a bare cmi5.xml) from any tool.

    Prints `PACKAGE: severity: where: message` lines, then the verdict per
    package. Exit 0 when all are valid, 1 otherwise, 2 on a usage error.
    """
    for path in packages:
        if not path.is_file():
            raise click.UsageError(f"no such file: {path}")
    reports = [validate_package(path, lms=lms) for path in packages]
    if output_format == "json":
        click.echo(reports_json(reports, strict, lms))
    else:
        for report in reports:
            for line in format_report(report, strict):
                click.echo(line)
    sys.exit(0 if all(report.passes(strict) for report in reports) else 1)


@main.command()
@click.argument("old", type=click.Path(path_type=Path, exists=True))
@click.argument("new", type=click.Path(path_type=Path, exists=True))
@click.option("--lms", "lms_rules", multiple=True, type=click.Choice(LMS_RULES), help="Judge for this LMS rule only (repeatable; default: every rule).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", help="Output format.")
def diff(old: Path, new: Path, lms_rules: tuple[str, ...], output_format: str) -> None:
    """What a learner who started on OLD keeps on NEW, per package and LMS.

    OLD and NEW are two package files (from any tool), or two build output
    folders, whose packages are paired by bundle, language and target
    through their build-report.json. Verdicts: safe, risky, blocked, reset,
    data-loss. Exit 0 when every package is safe, 1 otherwise, 2 on a
    usage error.
    """
    from .updates import diff_folders, diff_packages, diffs_json, format_diffs, overall

    rules = tuple(lms_rules) or LMS_RULES
    if old.is_dir() != new.is_dir():
        raise click.UsageError("OLD and NEW must both be package files or both be build output folders")
    try:
        diffs = diff_folders(old, new) if old.is_dir() else [diff_packages(old, new)]
    except ScormpackError as error:
        raise click.UsageError(str(error)) from None
    if output_format == "json":
        click.echo(diffs_json(diffs, rules))
    else:
        for line in format_diffs(diffs, rules):
            click.echo(line)
    sys.exit(0 if overall(diffs, rules) == "safe" else 1)


@main.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("--record", "record_ids", is_flag=True, help="Add this version's module, question and bundle ids to the ledger (creating it).")
@click.option("--accept-loss", "accept_loss", multiple=True, metavar="MODULE_ID", help="Accept that learners lose their records of this module (repeatable), or 'all'.")
def ledger(course_dir: Path, record_ids: bool, accept_loss: tuple[str, ...]) -> None:
    """Check COURSE_DIR against its identifier ledger (released-ids.json), or --record a release in it.

    Prints what this version of the sources would cost learners of every
    version the ledger records: a released module missing from its bundle
    (data-loss), a released question gone (reset), a retired id reused
    (blocked). Exit 1 on data loss not accepted or a reused id, else 0.
    """
    try:
        course = load_course(course_dir)
        existing = read_ledger(course_dir)
        findings = check_ledger(course, existing) if existing is not None else []
        for finding in findings:
            click.echo(str(finding.finding(set(accept_loss))))
        blocking = unaccepted(findings, set(accept_loss))
        if blocking:
            fail(ScormpackError(f"{len(blocking)} finding(s) stop a release; nothing was recorded", ledger_path(course_dir)))
        if record_ids:
            path = write_ledger(course_dir, record(course, existing))
            click.echo(f"{path}: recorded the ids of {course.id} {course.version}; commit it with the sources")
        elif existing is None:
            click.echo(f"{ledger_path(course_dir)}: no ledger yet; record the ids of a release with --record")
        else:
            click.echo(
                f"{ledger_path(course_dir)}: {len(existing.modules)} module and {len(existing.bundles)} bundle ids "
                f"released; {len(findings)} finding(s), {len(blocking)} stopping a release"
            )
    except ScormpackError as error:
        fail(error)


@main.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@click.option("--strict", is_flag=True, help="Warnings fail the lint too.")
@click.option(
    "-o", "--out", "out_dir", default="dist", type=click.Path(path_type=Path),
    help="The build's output directory: modules rendered there from unchanged sources are not rendered again.",
)
def lint(course_dir: Path, output_format: str, strict: bool, out_dir: Path) -> None:
    """Check COURSE_DIR's sources (default: content) and report every problem as `path:line: severity: message`.

    Finds what `build` would, in every bundle, and writes nothing.
    """
    findings = lint_course(course_dir, out_dir)
    failed = lint_fails(findings, strict)
    if output_format == "json":
        click.echo(json.dumps({"valid": not failed, "strict": strict, "findings": [f.as_dict() for f in findings]}, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{course_dir}: {summary(findings)}", err=True)
    sys.exit(1 if failed else 0)


def summary(findings: list) -> str:
    """'2 errors, 1 warning' (and notes, when there are any)."""
    counts = {severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITIES}
    parts = [count_words(counts[ERROR], ERROR), count_words(counts[WARNING], WARNING)]
    if counts[NOTE]:
        parts.append(count_words(counts[NOTE], NOTE))
    return ", ".join(parts)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Scaffold a new, buildable course in DIRECTORY."""
    if directory.exists() and any(directory.iterdir()):
        fail(ScormpackError("directory is not empty; choose a new one", directory))
    shutil.copytree(SCAFFOLD_DIR, directory, dirs_exist_ok=True)
    click.echo(f"Created a course in {directory}. Build it with: scormpack build {directory}")



@main.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("-b", "--bundle", "bundle_id", help="Bundle id to preview (needed when the course has more than one).")
@click.option(
    "-t", "--target", "target_name", type=click.Choice(PREVIEWABLE),
    help=f"Package to play (default: the course's first default target the player plays, else {PREVIEWABLE[0]}).",
)
@click.option("-p", "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port on 127.0.0.1 (0: any free port).")
@click.option("-l", "--language", default=None, help="Play this translation's edition (from translations/<language>.po), in any bundle.")
def preview(course_dir: Path, bundle_id: str | None, target_name: str | None, port: int, language: str | None) -> None:
    """Build one bundle into a temporary folder and play it in an LMS-like page on 127.0.0.1.

    Rebuilds when a source file changes; Ctrl-C stops.
    """
    from .preview import Preview, run

    def report(message: str, is_error: bool) -> None:
        click.echo(message, err=is_error)

    try:
        run(Preview(course_dir, bundle_id, target_name, port=port, report=report, language=language), click.echo)
    except ScormpackError as error:
        fail(error)


# ---------------------------------------------------------------- translate


@main.group()
def translate() -> None:
    """Translation catalogues (gettext PO) beside the course, one per language.

    \b
    scormpack translate extract content          # translations/template.pot
    scormpack translate update content           # translations/<lang>.po for [course].translations
    scormpack translate status content --format json
    """


def _load_for_translation(course_dir: Path):
    try:
        return load_course(course_dir)
    except ScormpackError as error:
        fail(error)


def _languages(course, languages: tuple[str, ...]) -> list[str]:
    chosen = list(course.translations) if not languages or "all" in languages else list(dict.fromkeys(languages))
    if not chosen:
        fail(ScormpackError("[course].translations names no language; add e.g. translations = [\"fr\"] or give --language",
                            course.root / "course.toml"))
    return chosen


@translate.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
def extract(course_dir: Path) -> None:
    """Write COURSE_DIR/translations/template.pot: every translatable unit of the course, with its source file:line."""
    from .translation import extract_units, write_template

    course = _load_for_translation(course_dir)
    path = write_template(course)
    click.echo(f"{path}: {count_words(len(extract_units(course)), 'unit')}")


@translate.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("-l", "--language", "languages", multiple=True, help="Language to update (repeatable; default: [course].translations).")
def update(course_dir: Path, languages: tuple[str, ...]) -> None:
    """Bring the catalogues in step with the source: new units untranslated, changed ones fuzzy, gone ones obsolete."""
    from .translation import update_catalogues

    course = _load_for_translation(course_dir)
    try:
        results = update_catalogues(course, _languages(course, languages))
    except ScormpackError as error:
        fail(error)
    for result in results:
        verb = "created" if result.created else "updated"
        click.echo(f"{result.path}: {verb}; {result.new} new, {result.fuzzy} fuzzy (source changed), {result.obsolete} obsolete")


@translate.command(name="status")
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("-l", "--language", "languages", multiple=True, help="Language to report (repeatable; default: [course].translations).")
@click.option("-b", "--bundle", "bundles", multiple=True, help="Judge completeness on these bundles only (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", help="Output format.")
def translation_status(course_dir: Path, languages: tuple[str, ...], bundles: tuple[str, ...], output_format: str) -> None:
    """How complete each language is, in all and per bundle. Exit 0 only if every unit judged is translated and not fuzzy:
    those of the bundles given, else those of each language's edition ([editions] in course.toml; every bundle by default)."""
    from .translation import status

    course = _load_for_translation(course_dir)
    unknown = [bundle for bundle in bundles if bundle not in {b.id for b in course.bundles}]
    if unknown:
        fail(ScormpackError(f"unknown bundle {unknown[0]!r}", course.root / "course.toml"))
    try:
        results = status(course, _languages(course, languages))
    except ScormpackError as error:
        fail(error)
    def judged(result) -> list[str] | None:  # the bundles a language is judged on; None: all of it
        return list(bundles) if bundles else course.editions.get(result.language)

    def is_complete(result) -> bool:
        chosen = judged(result)
        return all(result.bundles[bundle].complete for bundle in chosen) if chosen else result.total.complete

    complete = all(is_complete(result) for result in results)
    if output_format == "json":
        languages = {r.language: {**r.as_json(), "judged_on": judged(r) or "all", "edition_complete": is_complete(r)} for r in results}
        click.echo(json.dumps({"complete": complete, "languages": languages}, indent=2))
    else:
        rows = []
        for result in results:
            for name, counts in [("(all)", result.total), *result.bundles.items()]:
                if bundles and name not in bundles and name != "(all)":
                    continue
                share = f"{100 * counts.translated / counts.units:.0f}%" if counts.units else "-"
                rows.append([result.language, name, str(counts.units), str(counts.translated), str(counts.fuzzy),
                             str(counts.untranslated), share])
        print_table(["language", "bundle", "units", "translated", "fuzzy", "untranslated", "done"], rows)
    sys.exit(0 if complete else 1)


if __name__ == "__main__":
    main()
