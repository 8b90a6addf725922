"""The command line: thin wrappers that call the verbs and print their results."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from . import __version__
from .build import build as build_packages
from .errors import ScormpackError
from .loader import load_course
from .targets import TARGETS
from .validate import validate_package

SCAFFOLD_DIR = Path(__file__).parent / "scaffold"


def fail(error: ScormpackError) -> None:
    click.echo(f"error: {error}" if error.path is None else str(error), err=True)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scormpack")
def main() -> None:
    """Compile Markdown training modules into SCORM and Common Cartridge packages."""


@main.command()
@click.argument("course_dir", default="content", type=click.Path(path_type=Path))
@click.option("-t", "--target", "targets", multiple=True, help=f"Target to build (repeatable): {', '.join(TARGETS)}, or all.")
@click.option("-b", "--bundle", "bundles", multiple=True, help="Bundle id to build (repeatable; default: every bundle).")
@click.option("-o", "--out", "out_dir", default="dist", type=click.Path(path_type=Path), help="Output directory.")
def build(course_dir: Path, targets: tuple[str, ...], bundles: tuple[str, ...], out_dir: Path) -> None:
    """Build one package per bundle and target from COURSE_DIR (default: content)."""
    try:
        built = build_packages(course_dir, list(targets), list(bundles), out_dir)
    except ScormpackError as error:
        fail(error)
    rows = []
    for package in built:
        for warning in package.warnings:
            click.echo(f"warning: {warning}", err=True)
        rows.append(
            [
                package.bundle.id,
                package.target.name,
                str(len(package.bundle.modules)),
                human_size(package.size),
                "valid" + (f" ({len(package.warnings)} warnings)" if package.warnings else ""),
                str(package.path),
            ]
        )
    print_table(["bundle", "target", "modules", "size", "validation", "package"], rows)


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
def validate(packages: tuple[Path, ...]) -> None:
    """Validate package files; exit 0 when all are valid, 1 otherwise."""
    all_valid = True
    for path in packages:
        if not path.is_file():
            raise click.UsageError(f"no such file: {path}")
        report = validate_package(path)
        for finding in report.findings:
            click.echo(f"{path}: {finding}")
        verdict = "valid" if report.valid else "INVALID"
        click.echo(f"{path}: {verdict} {report.standard} ({len(report.errors)} errors, {len(report.warnings)} warnings)")
        all_valid = all_valid and report.valid
    sys.exit(0 if all_valid else 1)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Scaffold a new, buildable course in DIRECTORY."""
    if directory.exists() and any(directory.iterdir()):
        fail(ScormpackError("directory is not empty; choose a new one", directory))
    shutil.copytree(SCAFFOLD_DIR, directory, dirs_exist_ok=True)
    click.echo(f"Created a course in {directory}. Build it with: scormpack build {directory}")


if __name__ == "__main__":
    main()
