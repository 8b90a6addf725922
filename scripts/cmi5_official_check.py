#!/usr/bin/env python3
"""Compares our cmi5 checks with the official course structure schema.

The official control document (v1/CourseStructure.xsd of AICC/CMI-5_Spec_Current)
and ADL's test packages (adlnet/CATAPULT, lts/pkg/src/) are not part of this
project, and tests cannot download them; this script is run by hand on
checkouts of both:

    git clone https://github.com/AICC/CMI-5_Spec_Current /tmp/cmi5-spec
    git clone https://github.com/adlnet/CATAPULT /tmp/catapult
    python3 scripts/cmi5_official_check.py --official-xsd /tmp/cmi5-spec/v1/CourseStructure.xsd \\
        --catapult /tmp/catapult dist/*-cmi5.zip

For every cmi5.xml of CATAPULT's test packages (the valid ones, in folders,
whose AU files are in the folder as they would be in the zip, and the
deliberately broken stand-alone ones) and for every package given, it prints
the official schema's verdict and `scormpack validate`'s, one line each.
Exit status 1 when one of the given packages fails either.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from scormpack.validate import validate_package

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def official_verdict(schema: etree.XMLSchema, data: bytes) -> str:
    try:
        document = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as error:
        return f"not XML ({error})"
    if schema.validate(document):
        return "valid"
    return f"INVALID ({schema.error_log.last_error.message})"


def our_verdict(path: Path) -> str:
    report = validate_package(path)
    if report.valid:
        return "valid" + (f" ({len(report.warnings)} warnings)" if report.warnings else "")
    return "INVALID (" + "; ".join(sorted({f.code for f in report.errors})) + ")"


def folder_as_zip(folder: Path, workspace: Path) -> Path:
    """A CATAPULT test package folder zipped as its build makes it: the sources
    hold the course structure and the AU's script, and the build adds the
    index.html page that loads it (so a package naming another page still
    misses it, as the broken 203-1 does on purpose)."""
    package = workspace / f"{folder.name}.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.html", "<!DOCTYPE html><title>AU</title>")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--official-xsd", type=Path, required=True, help="v1/CourseStructure.xsd of AICC/CMI-5_Spec_Current")
    parser.add_argument("--catapult", type=Path, help="a checkout of adlnet/CATAPULT")
    parser.add_argument("packages", nargs="*", type=Path, help="cmi5 packages (zip) or course structures (xml)")
    arguments = parser.parse_args()
    schema = etree.XMLSchema(etree.parse(str(arguments.official_xsd), PARSER))
    failed = False
    with tempfile.TemporaryDirectory() as workspace:
        if arguments.catapult:
            source = arguments.catapult / "lts" / "pkg" / "src"
            for structure in sorted(source.glob("*/cmi5.xml")):
                package = folder_as_zip(structure.parent, Path(workspace))
                print(f"catapult {structure.parent.name}: official {official_verdict(schema, structure.read_bytes())}; ours {our_verdict(package)}")
            for structure in sorted(source.glob("*.xml")):
                print(f"catapult {structure.name} (no zip): official {official_verdict(schema, structure.read_bytes())}; ours {our_verdict(structure)}")
        for package in arguments.packages:
            if zipfile.is_zipfile(package):
                with zipfile.ZipFile(package) as archive:
                    data = archive.read("cmi5.xml")
            else:
                data = package.read_bytes()
            official, ours = official_verdict(schema, data), our_verdict(package)
            failed |= official != "valid" or not ours.startswith("valid")
            print(f"{package.name}: official {official}; ours {ours}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
