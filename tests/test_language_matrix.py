"""Language editions in the release pipeline: `build --language` (repeatable, all) in the matrix, shards,
reports, checksums, the cache and the release check; [editions] bounds a partial translation."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from conftest import build, manifest_of
from scormpack.updates import diff_folders
from scormpack.targets import TARGETS

COURSE_ID = "first-aid-basics"
BUNDLES = ["reference", "staff-induction", "wardens-refresher"]


def translate(course: Path, language: str, only=lambda message: True) -> None:
    path = course / "translations" / f"{language}.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if message.id and only(message):
            message.string = f"[{language}] {message.id}"
            message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0)


def staff_induction_only(message) -> bool:
    """The units the staff-induction bundle shows: its modules, the course, and its own bundle, audience and stage."""
    if message.context.startswith("@"):
        return not message.context.startswith(("@bundle/reference", "@bundle/wardens-refresher", "@audience/wardens", "@stage/refresher"))
    return message.context.split("/")[0] in ("first-minutes", "emergency-numbers")


@pytest.fixture
def course(cli, example_course: Path) -> Path:
    """The example course in en, with a complete French edition and an Arabic edition of one bundle
    (staff-induction), whose catalogue translates that bundle's units only."""
    toml = example_course / "course.toml"
    text = toml.read_text().replace('language = "en"\n', 'language = "en"\ntranslations = ["fr", "ar"]\n')
    toml.write_text(text + '\n[editions]\nar = ["staff-induction"]\n')
    assert cli("translate", "update", example_course).exit_code == 0
    translate(example_course, "fr")
    translate(example_course, "ar", only=staff_induction_only)
    for language in ("fr", "ar"):
        source = example_course / "images" / "steps.svg"
        (example_course / "images" / f"steps.{language}.svg").write_text(source.read_text().replace(">Call<", f">Call ({language})<"))
    return example_course


def report(out: Path) -> dict:
    return json.loads((out / "build-report.json").read_text())


def name(bundle: str, language: str, target: str) -> str:
    suffix = ".imscc" if target.startswith("cc") else ".zip"
    return f"{COURSE_ID}-0.1.0-{bundle}-{language}-{target}{suffix}"


def test_language_all_builds_every_edition_over_its_bundles_and_reports_each_package_s_language(cli, course, tmp_path):
    out = tmp_path / "dist"
    result = build(cli, course, out, "--all-targets", "--language", "all", "--strict")
    records = report(out)["packages"]
    made = sorted((r["bundle"], r["target"], r["language"]) for r in records)
    targets = list(TARGETS)  # --all-targets: every registered one
    expected = sorted(
        [(bundle, target, language) for language in ("en", "fr") for bundle in BUNDLES for target in targets]
        + [("staff-induction", target, "ar") for target in targets]
    )
    assert made == expected
    assert report(out)["languages"] == ["en", "fr", "ar"]
    assert report(out)["course"]["language"] == "en"
    assert len(report(out)["matrix"]) == len(expected) and "staff-induction/scorm12/ar" in report(out)["matrix"]
    for record in records:
        assert record["file"] == name(record["bundle"], record["language"], record["target"])
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(expected) and any(line.endswith(name("staff-induction", "ar", "cmi5")) for line in sums)
    # The table names the language of each package.
    header = next(line for line in result.output.splitlines() if line.startswith("bundle"))
    assert header.split()[:3] == ["bundle", "target", "language"]
    # The Arabic catalogue leaves the other bundles' modules untranslated: outside the Arabic edition,
    # they neither warn nor fail --strict.
    assert "untranslated" not in result.output


def test_the_default_build_is_the_source_language_and_its_bytes_do_not_depend_on_the_other_editions(cli, course, tmp_path):
    alone, together = tmp_path / "alone", tmp_path / "together"
    build(cli, course, alone, "--all-targets")
    assert {r["language"] for r in report(alone)["packages"]} == {"en"}
    build(cli, course, together, "--all-targets", "-l", "all")
    english = {r["file"]: r["sha256"] for r in report(together)["packages"] if r["language"] == "en"}
    assert english == {r["file"]: r["sha256"] for r in report(alone)["packages"]}


def test_languages_are_repeatable_and_one_outside_its_edition_is_an_error(cli, course, tmp_path):
    out = tmp_path / "dist"
    build(cli, course, out, "-l", "fr", "-l", "ar", "-b", "staff-induction")
    assert sorted(r["language"] for r in report(out)["packages"]) == ["ar", "fr"]
    result = cli("build", course, "-o", tmp_path / "other", "-l", "ar", "-b", "reference")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--language ar: bundle 'reference' is not in the ar edition ([editions].ar releases staff-induction)" in result.output
    # With all, a language skips the bundles its edition does not release.
    build(cli, course, tmp_path / "all", "-l", "all", "-b", "reference")
    assert sorted(r["language"] for r in report(tmp_path / "all")["packages"]) == ["en", "fr"]


def test_an_incomplete_declared_edition_warns_at_the_catalogue_line_and_fails_strict(cli, course, tmp_path):
    po = course / "translations" / "ar.po"
    with open(po, "rb") as handle:
        catalog = read_po(handle, locale="ar")
    catalog.get("The first minutes", "first-minutes/title").string = ""
    with open(po, "wb") as handle:
        write_po(handle, catalog, width=0)
    line = next(n for n, text in enumerate(po.read_text().splitlines(), start=1) if text == 'msgid "The first minutes"')
    result = build(cli, course, tmp_path / "dist", "-l", "all")
    assert f"translations/ar.po:{line}: warning: ar: untranslated (first-minutes/title)" in result.output
    strict = cli("build", course, "-o", tmp_path / "strict", "-l", "all", "--strict")
    assert strict.exit_code == 1 and not (tmp_path / "strict").exists()


def test_shards_of_every_language_merge_into_the_unsharded_build(cli, course, tmp_path):
    whole = tmp_path / "whole"
    build(cli, course, whole, "-t", "scorm12", "-t", "cc13", "-l", "all")
    shards = []
    for index in (1, 2, 3):
        shard = tmp_path / f"shard{index}"
        build(cli, course, shard, "-t", "scorm12", "-t", "cc13", "-l", "all", "--shard", f"{index}/3")
        shards.append(shard)
    languages = {r["language"] for shard in shards for r in report(shard)["packages"]}
    assert languages == {"en", "fr", "ar"}
    merged = tmp_path / "merged"
    result = cli("merge-reports", *shards, "-o", merged)
    assert result.exit_code == 0, result.output
    assert (merged / "SHA256SUMS").read_text() == (whole / "SHA256SUMS").read_text()
    assert report(merged)["packages"] == report(whole)["packages"]
    # A shard missing is a merge that does not cover the matrix; the message names the language.
    result = cli("merge-reports", shards[0], shards[1], "-o", tmp_path / "partial")
    assert result.exit_code == 1 and "do not cover the matrix" in result.output


def test_the_cache_keeps_each_language_apart(cli, course, tmp_path):
    out = tmp_path / "dist"
    build(cli, course, out, "-l", "all")
    again = build(cli, course, out, "-l", "all")
    assert "0 built" in again.output
    translate(course, "fr", only=lambda message: message.id == "The first minutes")  # unchanged text...
    po = course / "translations" / "fr.po"
    po.write_text(po.read_text().replace('msgstr "[fr] The first minutes"', 'msgstr "Les premières minutes"'))
    result = build(cli, course, out, "-l", "all")
    rebuilt = {r["file"] for r in report(out)["packages"]}
    assert "modules rendered" in result.output
    # Only the French packages of the bundles holding that module are built again.
    line = [text for text in result.output.splitlines() if "built," in text][-1]
    built = int(line.split(" built")[0])
    french_with_module = [r for r in report(out)["packages"] if r["language"] == "fr" and r["bundle"] != "reference"]
    assert built == len(french_with_module), result.output
    with zipfile.ZipFile(out / name("staff-induction", "fr", "scorm12")) as archive:
        assert "Les premières minutes" in archive.read("first-minutes/index.html").decode()
    with zipfile.ZipFile(out / name("staff-induction", "ar", "scorm12")) as archive:
        assert "[ar] The first minutes" in archive.read("first-minutes/index.html").decode()
    assert rebuilt == {r["file"] for r in report(out)["packages"]}


def test_identifiers_are_stable_per_language_across_versions_and_the_release_check_pairs_by_language(cli, course, tmp_path):
    old, new = tmp_path / "v1", tmp_path / "v2"
    build(cli, course, old, "-l", "all")
    toml = course / "course.toml"
    toml.write_text(toml.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    build(cli, course, new, "-l", "all", "--against", old)
    assert report(new)["release"]["verdict"] == "safe"
    labels = {package["label"] for package in report(new)["release"]["packages"]}
    assert {"staff-induction / fr / scorm12", "staff-induction / ar / scorm12", "staff-induction / en / scorm12"} <= labels
    for language in ("en", "fr", "ar"):
        before = manifest_of(old / name("staff-induction", language, "scorm12")).get("identifier")
        after = manifest_of(new / name("staff-induction", language, "scorm12").replace("0.1.0", "0.2.0")).get("identifier")
        # A translation's identifiers carry its language; the source language's stay those of the course,
        # so adding a first translation changes nothing for the learners already on it.
        edition = COURSE_ID if language == "en" else f"{COURSE_ID}-{language}"
        assert before == after and before == f"MANIFEST-{edition}-staff-induction"
    diffs = diff_folders(old, new)
    assert {(d.label.split(" / ")[1]) for d in diffs} == {"en", "fr", "ar"}
    assert all(d.verdict() == "safe" for d in diffs)


def language_tags(package: Path) -> list[tuple[str, str, str]]:
    """(entry, element, language) of every language tag in the package's XML: xml:lang, LOM's
    string/@language, cmi5's langstring/@lang, and LOM's <language> elements."""
    from lxml import etree

    tags = []
    with zipfile.ZipFile(package) as archive:
        for entry in archive.namelist():
            if not entry.endswith(".xml"):
                continue
            root = etree.fromstring(archive.read(entry))
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                name = etree.QName(element).localname
                parent = etree.QName(element.getparent()).localname if element.getparent() is not None else ""
                for attribute in ("{http://www.w3.org/XML/1998/namespace}lang", "language", "lang"):
                    if element.get(attribute):
                        tags.append((entry, f"{parent}/{name}", element.get(attribute)))
                if name == "language" and element.text:
                    tags.append((entry, f"{parent}/{name}", element.text.strip()))
    return tags


@pytest.mark.parametrize("target", ["scorm12", "scorm2004", "cc13", "cmi5"])
def test_a_translated_package_s_metadata_is_in_its_language(cli, course, tmp_path, target):
    out = tmp_path / "dist"
    build(cli, course, out, "-t", target, "-b", "staff-induction", "-l", "fr")
    (package,) = [p for p in out.iterdir() if p.name.startswith(f"{COURSE_ID}-0.1.0-staff-induction-fr-{target}.")]
    tags = language_tags(package)
    assert tags, "the package tags no language"
    # Every string is French, except the keywords: they are not catalogue units and say they are English.
    wrong = [tag for tag in tags if tag[2] != ("en" if tag[1].startswith("keyword/") else "fr")]
    assert wrong == []
    if target != "cmi5":
        assert any(element.endswith("/language") or element == "general/language" for _, element, _ in tags)
    if target.startswith("cc"):
        assert any(entry.endswith(".xml") and entry != "imsmanifest.xml" for entry, _, _ in tags)  # the QTI assessments
    with zipfile.ZipFile(package) as archive:
        manifest = archive.read("cmi5.xml" if target == "cmi5" else "imsmanifest.xml").decode()
    assert "[fr] The first minutes" in manifest and "[fr] First aid for new staff" in manifest


def test_translate_status_judges_each_language_on_its_edition(cli, course):
    """The Arabic catalogue translates the staff-induction bundle only, which is all [editions] releases in Arabic."""
    result = cli("translate", "status", course, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["languages"]["ar"]["judged_on"] == ["staff-induction"] and data["languages"]["ar"]["edition_complete"]
    assert data["languages"]["ar"]["complete"] is False  # the course as a whole is not translated into Arabic
    assert data["languages"]["fr"]["judged_on"] == "all"
    # Asked about a bundle outside the edition, the gate says no.
    assert cli("translate", "status", course, "-l", "ar", "-b", "reference").exit_code == 1


def test_a_release_from_before_language_editions_pairs_with_the_source_language(cli, example_course, tmp_path):
    """A build report without languages (written before editions) is the course's own language."""
    old, new = tmp_path / "old", tmp_path / "new"
    build(cli, example_course, old, "-t", "scorm12")
    data = report(old)
    del data["languages"], data["course"]["language"]
    for record in data["packages"]:
        del record["language"]
    (old / "build-report.json").write_text(json.dumps(data))
    build(cli, example_course, new, "-t", "scorm12")
    diffs = diff_folders(old, new)
    assert len(diffs) == 3 and all(d.verdict() == "safe" for d in diffs)
    assert {d.label for d in diffs} == {f"{bundle} / scorm12" for bundle in BUNDLES}  # one language: not named
    # The release check of a course with translations takes the old packages for its source language.
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text().replace('language = "en"\n', 'language = "en"\ntranslations = ["fr"]\n'))
    assert cli("translate", "update", example_course).exit_code == 0
    translate(example_course, "fr")
    (example_course / "images" / "steps.fr.svg").write_text((example_course / "images" / "steps.svg").read_text())
    build(cli, example_course, tmp_path / "both", "-t", "scorm12", "-l", "all", "--against", old)
    checked = report(tmp_path / "both")["release"]
    assert {p["label"] for p in checked["packages"] if p["verdict"] != "safe"} == set()


def test_each_language_s_cmi5_course_and_aus_have_their_own_iris(cli, course, tmp_path):
    from lxml import etree

    out = tmp_path / "dist"
    build(cli, course, out, "-t", "cmi5", "-b", "staff-induction", "-l", "all")
    iris = {}
    for language in ("en", "fr", "ar"):
        with zipfile.ZipFile(out / name("staff-induction", language, "cmi5")) as archive:
            root = etree.fromstring(archive.read("cmi5.xml"))
        iris[language] = {element.get("id") for element in root.iter() if isinstance(element.tag, str) and element.get("id")}
    assert f"urn:scormpack:{COURSE_ID}:bundle:staff-induction" in iris["en"]
    assert f"urn:scormpack:{COURSE_ID}-fr:bundle:staff-induction" in iris["fr"]
    assert not iris["en"] & iris["fr"] and not iris["fr"] & iris["ar"] and not iris["en"] & iris["ar"]
