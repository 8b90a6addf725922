"""The target registry: one table of targets that every command reads."""
from __future__ import annotations

import zipfile

import pytest

from conftest import build
from scormpack import preview, render, schemas, wrap
from scormpack.errors import ScormpackError
from scormpack.loader import load_course
from scormpack.pipeline import run_pipeline
from scormpack.targets import TARGETS, get_target, manifest_schema_sets, target_names
from scormpack.targets.scorm12 import Scorm12Target
from scormpack.validate.standard import MANIFEST_SCHEMA_SETS


class CopyOfScorm12(Scorm12Target):
    """A target added the way a new one is: its class and one row in the table."""

    name = "scorm12-copy"
    description = "SCORM 1.2, under another name"


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_target_declares_what_the_commands_read(name):
    target = TARGETS[name]
    assert target.name == name
    assert target.description
    assert target.manifest_name
    assert target.suffix.startswith(".")
    # A format with no manifest (the web edition) is led by a page and has no schema to satisfy.
    assert target.schema_set in schemas.SCHEMA_SETS if target.has_manifest else (target.schema_set == "" and target.manifest_name.endswith(".html"))
    assert target.layout in render.LAYOUTS
    assert target.standard


@pytest.mark.parametrize("name", list(TARGETS))
def test_a_package_starts_with_the_manifest_its_target_declares(cli, example_course, tmp_path, name):
    build(cli, example_course, tmp_path / "out", "-t", name)
    course = load_course(example_course)
    package = tmp_path / "out" / TARGETS[name].package_name(course, course.bundles[0])
    with zipfile.ZipFile(package) as archive:
        assert archive.namelist()[0] == TARGETS[name].manifest_name


def test_the_commands_offer_the_registered_targets():
    assert wrap.WRAP_TARGETS == tuple(name for name, target in TARGETS.items() if target.wraps_folders)
    assert preview.PREVIEWABLE == tuple(name for name, target in TARGETS.items() if target.runtime in preview.PLAYER_RUNTIMES)
    assert MANIFEST_SCHEMA_SETS == manifest_schema_sets()
    assert set(target_names()) == set(TARGETS)


def test_an_unknown_target_is_an_error_naming_the_registered_ones():
    with pytest.raises(ScormpackError) as raised:
        get_target("scorm3000")
    assert all(name in str(raised.value) for name in TARGETS)


def test_a_target_added_to_the_table_is_built_and_accepted_in_course_toml(example_course, tmp_path, monkeypatch):
    monkeypatch.setitem(TARGETS, CopyOfScorm12.name, CopyOfScorm12())
    toml = example_course / "course.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'targets = ["scorm12"]' in text
    toml.write_text(text.replace('targets = ["scorm12"]', 'targets = ["scorm12-copy"]'), encoding="utf-8")
    result = run_pipeline(example_course, [], [], tmp_path / "out", jobs=1)
    assert [record.target for record in result.packages] == ["scorm12-copy"] * len(result.packages)
    assert all(record.file.endswith("-scorm12-copy.zip") for record in result.packages)
    assert all((tmp_path / "out" / record.file).is_file() for record in result.packages)
