"""`scormpack lint`: every problem of a course's sources, each with the right file and line,
all of them in one run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import BUNDLED_COURSE
from scormpack.errors import ScormpackError
from scormpack.lint import Finding, lint_course
from scormpack.loader import load_course


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """The line of path holding needle (the first after the line holding `after`, when given)."""
    lines = path.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def first_module(course: Path) -> Path:
    return course / "modules" / "01-first-minutes.md"


def second_module(course: Path) -> Path:
    return course / "modules" / "02-emergency-numbers.md"


def found(findings: list[Finding], severity: str, path: Path, line: int, message: str) -> bool:
    return any(f.severity == severity and f.path == path and f.line == line and message in f.message for f in findings)


def assert_found(course: Path, severity: str, path: Path, line: int, message: str) -> list[Finding]:
    findings = lint_course(course)
    assert found(findings, severity, path, line, message), "\n".join(map(str, findings))
    return findings


def test_the_example_course_is_clean(example_course):
    assert lint_course(example_course) == []


def test_the_bundled_course_lints_clean_so_strict_builds_pass():
    # Each translation's diagrams included (images/<name>.<lang>.svg for the bundles of its edition).
    assert lint_course(BUNDLED_COURSE) == []


# --------------------------------------------------------------- front matter


def test_unknown_front_matter_key_is_an_error(example_course):
    edit(first_module(example_course), "duration: 15", "duration: 15\ncolour: red")
    path = first_module(example_course)
    assert_found(example_course, "error", path, line_of(path, "colour:"), "unknown key 'colour' in the front matter (known: audiences,")


def test_a_typo_in_audiences_is_an_error_with_a_suggestion_not_a_leak(cli, example_course, tmp_path):
    """`audience:` (singular) once made a wardens-only module count as every audience's."""
    path = first_module(example_course)
    edit(path, "audiences: [all]", "audience: [wardens]")
    message = "unknown key 'audience' in the front matter; did you mean 'audiences'?"
    assert_found(example_course, "error", path, line_of(path, "audience:"), message)
    result = cli("build", example_course, "-o", tmp_path / "dist")
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'audience:')}: error: {message}" in result.output
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("key, what", [("audiences", "audience"), ("stages", "stage")])
def test_a_module_naming_no_audiences_or_stages_is_an_error_saying_how_to_write_everyone(example_course, key, what):
    path = first_module(example_course)
    text = path.read_text()
    path.write_text("\n".join(line for line in text.split("\n") if not line.startswith(f"{key}:")))
    assert_found(example_course, "error", path, 1, f"the front matter names no {key}: list the {what}s this module is for, or write '{key}: all'")


def test_a_course_of_one_audience_needs_no_audiences_line(example_course):
    toml = example_course / "course.toml"
    edit(toml, '[[audiences]]\nid = "wardens"\ntitle = "Floor wardens"\ndescription = "Staff who lead the response on their floor."\n', "")
    edit(toml, 'audience = "wardens"', 'audience = "staff"')
    edit(first_module(example_course), "::: only audience=wardens", "::: only audience=staff")
    for module in (first_module(example_course), second_module(example_course)):
        edit(module, "audiences: [all]\n", "")
    assert lint_course(example_course) == []


def test_unknown_quiz_setting_is_an_error_with_a_suggestion(example_course):
    edit(first_module(example_course), "  shuffle: false", "  shuffle: false\n  atempts: 10")
    path = first_module(example_course)
    assert_found(example_course, "error", path, line_of(path, "atempts:"), "unknown quiz setting 'atempts'; did you mean 'attempts'?")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("duration: 15", "\tduration: 15", "indent with spaces, not tabs"),
        ("title: The first minutes", "title: Part 1: the first minutes", "put the value in quotes"),
        ("quiz:\n  pass_mark: 75\n  attempts: 2\n  required: true\n  shuffle: false", "quiz: true", "quiz must be a table of settings"),
    ],
)
def test_yaml_mistakes_in_words_an_author_can_act_on(example_course, old, new, message):
    path = first_module(example_course)
    edit(path, old, new)
    findings = lint_course(example_course)
    assert [f.line for f in findings if message in f.message] == [line_of(path, new.split("\n")[0].strip())], "\n".join(map(str, findings))


def test_wrong_front_matter_types_are_errors(example_course):
    path = first_module(example_course)
    edit(path, "duration: 15", "duration: fifteen")
    edit(path, "order: 1", "order: first")
    findings = assert_found(example_course, "error", path, line_of(path, "duration:"), "duration must be an integer")
    assert found(findings, "error", path, line_of(path, "order:"), "order must be an integer or float")


def test_every_unknown_audience_and_stage_is_reported(example_course):
    path = first_module(example_course)
    edit(path, "audiences: [all]", "audiences: [managers, guests]")
    edit(path, "stages: [induction, refresher]", "stages: [induction, onboarding]")
    findings = assert_found(example_course, "error", path, line_of(path, "audiences:"), "unknown audience 'managers'")
    assert found(findings, "error", path, line_of(path, "audiences:"), "unknown audience 'guests'")
    assert found(findings, "error", path, line_of(path, "stages:"), "unknown stage 'onboarding'")


def test_unknown_audience_in_a_passage(example_course):
    path = first_module(example_course)
    edit(path, "::: only audience=wardens", "::: only audience=guards")
    assert_found(example_course, "error", path, line_of(path, "::: only"), "unknown audience 'guards' in '::: only'")


# ---------------------------------------------------------------- course.toml


def test_course_toml_unknown_keys_and_wrong_types(example_course):
    toml = example_course / "course.toml"
    edit(toml, 'sequencing = "free"', 'sequencing = "free"\ncolour = "blue"\nlicense = "MIT"')
    edit(toml, 'title = "Office staff"', "title = 3")
    findings = assert_found(example_course, "error", toml, line_of(toml, "colour ="), "[course]: unknown key 'colour' (known: allow_remote, authors,")
    assert found(findings, "error", toml, line_of(toml, "license ="), "[course]: unknown key 'license'; did you mean 'licence'?")
    assert found(findings, "error", toml, line_of(toml, "title = 3"), "[[audiences]].title must be a string")


def test_unknown_audience_and_module_in_bundles(example_course):
    toml = example_course / "course.toml"
    edit(toml, 'audience = "staff"', 'audience = "visitors"')
    edit(toml, 'modules = ["emergency-numbers"]', 'modules = ["emergency-numbers", "ghost"]')
    findings = assert_found(
        example_course, "error", toml, line_of(toml, 'audience = "visitors"'), "bundle 'staff-induction': unknown audience 'visitors' (known audiences: staff, wardens)"
    )
    assert found(findings, "error", toml, line_of(toml, '"ghost"'), "bundle 'reference': unknown module 'ghost' (known modules: emergency-numbers, first-minutes)")


def test_duplicate_ids(example_course):
    toml = example_course / "course.toml"
    copy = example_course / "modules" / "03-copy.md"
    copy.write_text(first_module(example_course).read_text())
    edit(toml, 'id = "reference"', 'id = "staff-induction"')
    edit(toml, 'id = "refresher"', 'id = "wardens"')
    findings = assert_found(example_course, "error", copy, line_of(copy, "id:"), "duplicate module id 'first-minutes'")
    assert found(findings, "error", toml, line_of(toml, 'id = "staff-induction"', after='title = "Refresher for floor wardens"'), "duplicate bundle id 'staff-induction'")
    assert found(findings, "error", toml, line_of(toml, 'id = "wardens"', after='title = "Induction"'), "duplicate audience or stage id 'wardens'")
    assert len([f for f in findings if "duplicate" in f.message]) == 3, "each duplicate once"


def test_empty_bundle(example_course):
    toml = example_course / "course.toml"
    toml.write_text(toml.read_text() + '\n[[stages]]\nid = "exit"\ntitle = "Exit"\n\n[[bundles]]\nid = "leavers"\ntitle = "Leavers"\nstage = "exit"\n')
    second = second_module(example_course)
    edit(second, "stages: [all]", "stages: [induction, refresher]")
    assert_found(example_course, "error", toml, line_of(toml, "[[bundles]]", after='id = "exit"'), "bundle 'leavers' holds no modules")


def test_module_that_no_bundle_includes(example_course):
    orphan = example_course / "modules" / "03-orphan.md"
    orphan.write_text("---\nid: orphan\ntitle: Orphan\nstages: [refresher]\naudiences: [staff]\n---\n\nText.\n")
    assert_found(example_course, "warning", orphan, 2, "module 'orphan' is in no bundle")


def test_empty_page_for_a_bundle(example_course):
    path = first_module(example_course)
    edit(path, "## Call for help\n", "## Wardens only\n\n::: only audience=wardens\nClear the floor.\n:::\n\n## Call for help\n")
    assert_found(example_course, "error", path, line_of(path, "## Wardens only"), "page 'Wardens only' is empty for bundle 'staff-induction'")


# -------------------------------------------------------------- links, images


def test_link_to_a_missing_module_file(example_course):
    path = first_module(example_course)
    edit(path, "(02-emergency-numbers.md)", "(03-gone.md)")
    assert_found(example_course, "error", path, line_of(path, "03-gone.md"), "'03-gone.md': no such file")


def test_link_to_a_module_some_bundles_lack(example_course):
    path = second_module(example_course)
    edit(path, "\n## ", "\nSee [the first minutes](01-first-minutes.md).\n\n## ")
    assert_found(
        example_course,
        "warning",
        path,
        line_of(path, "01-first-minutes.md"),
        "link to '01-first-minutes.md': that module is not in this bundle; the link text is kept without a link",
    )


def test_link_inside_a_passage_only_counts_for_the_bundles_that_keep_it(example_course):
    path = second_module(example_course)
    edit(path, "\n## ", "\n::: only stage=induction\nSee [the first minutes](01-first-minutes.md).\n:::\n\n## ")
    findings = lint_course(example_course)
    assert not [f for f in findings if "01-first-minutes.md" in f.message], "\n".join(map(str, findings))


def test_link_to_a_missing_anchor(example_course):
    path = first_module(example_course)
    edit(path, "You cannot help anyone if you are hurt too.", "You cannot help anyone if you are hurt too. See [calling](#nowhere).")
    assert_found(example_course, "warning", path, line_of(path, "#nowhere"), "link to '#nowhere': no heading or element of this module has that id")


def test_headings_have_ids_from_their_text_or_set_with_braces(example_course, tmp_path):
    """`[see](#call-for-help)` goes to the page titled 'Call for help'; `{#id}` sets a section's id."""
    path = first_module(example_course)
    edit(
        path,
        "You cannot help anyone if you are hurt too.",
        "You cannot help anyone if you are hurt too. See [calling](#call-for-help), [gas](#gas-leaks), [fire](#fire).\n\n"
        "### Gas leaks\n\nLeave.\n\n### In a fire {#fire}\n\nGo.",
    )
    assert lint_course(example_course) == []
    from scormpack.loader import load_course
    from scormpack.render import render_bundle

    course = load_course(example_course)
    rendered = render_bundle(course, course.bundle("staff-induction"), "sco")
    html = next(m for m in rendered.modules if m.module.id == "first-minutes").files["first-minutes/index.html"].decode()
    assert '<h3 id="gas-leaks">Gas leaks</h3>' in html
    assert '<h3 id="fire">In a fire</h3>' in html
    page = next(p for p in next(m for m in rendered.modules if m.module.id == "first-minutes").pages if p.title == "Call for help")
    assert f'href="#{page.anchor}"' in html


def test_link_that_is_no_uri(example_course):
    path = first_module(example_course)
    edit(path, "(02-emergency-numbers.md)", "(http://[broken)")
    assert_found(example_course, "error", path, line_of(path, "[broken"), "'http://[broken' is not a valid link target")


def test_link_leaving_the_course(example_course, tmp_path):
    (tmp_path / "secret.txt").write_text("outside")
    path = first_module(example_course)
    edit(path, "(02-emergency-numbers.md)", "(../../secret.txt)")
    assert_found(example_course, "error", path, line_of(path, "secret.txt"), "'../../secret.txt' points outside the course directory")


def test_missing_image_and_image_without_alt_text(example_course):
    path = first_module(example_course)
    edit(path, "![Three steps: danger, response, call](../images/steps.svg)", "![](../images/steps.svg)\n\n![A map](../images/map.png)")
    findings = assert_found(example_course, "error", path, line_of(path, "map.png"), "'../images/map.png': no such file")
    assert found(findings, "warning", path, line_of(path, "steps.svg"), "image '../images/steps.svg' has no alt text")


def test_the_same_image_twice_is_reported_on_each_line(example_course):
    path = first_module(example_course)
    edit(path, "\n## Call for help", "\n![](../images/steps.svg)\n\n## Call for help")
    edit(path, "![Three steps: danger, response, call](../images/steps.svg)", "![](../images/steps.svg)")
    findings = lint_course(example_course)
    lines = [f.line for f in findings if "no alt text" in f.message]
    text = path.read_text().split("\n")
    assert lines == [n for n, line in enumerate(text, start=1) if "![](../images/steps.svg)" in line]


# ------------------------------------------------------------ headings, HTML, quiz


def test_headings_that_skip_levels(example_course):
    path = first_module(example_course)
    edit(path, "You cannot help anyone if you are hurt too.", "You cannot help anyone if you are hurt too.\n\n#### Traffic\n\n### Fire\n\n#### Gas")
    findings = assert_found(example_course, "warning", path, line_of(path, "#### Traffic"), "heading level 4 follows level 2")
    assert [f for f in findings if "heading level" in f.message and f.line == line_of(path, "#### Gas")] == []


def test_a_level_one_heading_and_an_underlined_heading(example_course):
    path = first_module(example_course)
    edit(path, "You cannot help anyone if you are hurt too.", "You cannot help anyone if you are hurt too.\n\n# Danger\n\nTraffic\n-------\n")
    findings = assert_found(example_course, "warning", path, line_of(path, "# Danger"), "a level-1 heading inside a module")
    assert found(findings, "warning", path, line_of(path, "Traffic"), "does not start a page")


def test_headings_in_code_blocks_are_not_headings(example_course):
    path = first_module(example_course)
    edit(path, "You cannot help anyone if you are hurt too.", "You cannot help anyone if you are hurt too.\n\n```\n#### not a heading\n```")
    assert lint_course(example_course) == []


def test_raw_html(example_course):
    path = first_module(example_course)
    edit(
        path,
        "You cannot help anyone if you are hurt too.",
        'You cannot help anyone if you are <cite>hurt</cite> too.\n\n<div class="box">Boxed</div>\n\nPress <kbd onclick="x()">Go</kbd>.\n\n<script>track()</script>',
    )
    findings = assert_found(example_course, "warning", path, line_of(path, "<div"), "raw HTML <div> is copied into the page unchecked")
    assert found(findings, "warning", path, line_of(path, "<kbd"), "raw HTML <kbd> with onclick")
    assert found(findings, "warning", path, line_of(path, "<script>"), "<script> is active content that runs inside the LMS")
    assert not [f for f in findings if "<cite>" in f.message.split(" is copied")[0]]


def test_quiz_errors(example_course):
    path = first_module(example_course)
    edit(path, "- [x] Check for danger around you", "- [ ] Check for danger around you")
    assert_found(example_course, "error", path, line_of(path, "? single"), "single question 'first-step' has no correct option")


# ----------------------------------------------------------- one run, every file


def test_problems_in_every_file_are_all_reported_in_one_run(example_course):
    toml, first, second = example_course / "course.toml", first_module(example_course), second_module(example_course)
    edit(toml, 'title = "Office staff"', "title = 3")
    edit(first, "audiences: [all]", "audiences: [managers]")
    edit(first, "- [x] Check for danger around you", "- [ ] Check for danger around you")
    edit(second, "stages: [all]", "stages: [all]\nlevel: 2")
    edit(second, "Keep these numbers near every phone.", "Keep these numbers near every phone. ![](../images/missing.svg)")
    findings = lint_course(example_course)
    assert {(f.path, f.severity) for f in findings} == {(toml, "error"), (first, "error"), (second, "error")}
    assert len([f for f in findings if f.path == first]) == 2
    # What only rendering finds (a missing image) shows once the sources read cleanly, as in the build.
    edit(toml, "title = 3", 'title = "Office staff"')
    edit(first, "audiences: [managers]", "audiences: [all]")
    edit(second, "stages: [all]\nlevel: 2", "stages: [all]")
    findings = lint_course(example_course)
    assert {(f.path, f.severity) for f in findings} == {(first, "error")}
    edit(first, "- [ ] Check for danger around you", "- [x] Check for danger around you")
    findings = lint_course(example_course)
    assert {(f.path, f.severity) for f in findings} == {(second, "error"), (second, "warning")}


@pytest.mark.parametrize(
    "file, old, new",
    [
        ("module", "audiences: [all]", "audience: [all]"),
        ("module", "stages: [induction, refresher]", "stages: [induction, refresher"),
        ("module", "audiences: [all]", "audiences: [managers]"),
        ("module", "? truefalse", "? essay"),
        ("module", "answer: false", "answer: maybe"),
        ("module", "::: only audience=wardens", "::: only wardens"),
        ("toml", 'version = "0.1.0"', 'version = "one"'),
        ("toml", 'title = "First Aid Basics"', 'title = "First Aid Basics'),
        ("toml", 'audience = "staff"', 'audience = "visitors"'),
    ],
)
def test_whatever_the_loader_refuses_lint_reports_as_an_error(example_course, file, old, new):
    path = first_module(example_course) if file == "module" else example_course / "course.toml"
    edit(path, old, new)
    with pytest.raises(ScormpackError) as refused:
        load_course(example_course)
    findings = lint_course(example_course)
    assert refused.value.findings
    assert set(refused.value.findings) <= set(findings), f"{refused.value}\n" + "\n".join(map(str, findings))


# --------------------------------------------------------------------- the CLI


def test_cli_prints_path_line_severity_message(cli, example_course):
    path = first_module(example_course)
    edit(path, "![Three steps: danger, response, call]", "![]")
    result = cli("lint", example_course)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{path}:{line_of(path, '![]')}: warning: " + lint_course(example_course)[0].message]
    assert result.stderr.strip().endswith(": no errors, 1 warning")
    assert cli("lint", "--strict", example_course).exit_code == 1


def test_cli_errors_fail_and_json_lists_findings(cli, example_course):
    edit(first_module(example_course), "audiences: [all]", "audiences: [managers]")
    result = cli("lint", "--format", "json", example_course)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert [(f["path"], f["severity"]) for f in data["findings"]] == [(str(first_module(example_course)), "error")]


def test_cli_on_a_missing_course_directory(cli, tmp_path):
    result = cli("lint", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "course directory not found" in result.stdout


# ------------------------------------------------------- build and lint agree


def build_findings(cli, course: Path, out: Path) -> set[str]:
    """The `path:line: severity: message` lines a build prints (packages named in brackets left out)."""
    result = cli("build", course, "-o", out, "--all-targets")
    lines = set()
    for line in result.output.splitlines():
        if ": error: " in line or ": warning: " in line:
            lines.add(line.split(" [")[0] if line.endswith("]") else line)
    return lines


@pytest.mark.parametrize(
    "change",
    [
        ("module", "audiences: [all]", "audience: [all]\nstages: [all]\ncolour: red"),
        ("module", "../images/steps.svg", "../images/missing.svg"),
        ("module", "![Three steps: danger, response, call]", "![]"),
        ("module", "You cannot help anyone if you are hurt too.", "You cannot help anyone. See [x](#nowhere).\n\n<div>boxed</div>\n\n#### Deep"),
        ("toml", 'sequencing = "free"', 'sequencing = "free"\nlicense = "MIT"'),
    ],
)
def test_build_and_lint_report_the_same_findings(cli, example_course, tmp_path, change):
    file, old, new = change
    path = first_module(example_course) if file == "module" else example_course / "course.toml"
    edit(path, old, new)
    linted = {str(f) for f in lint_course(example_course) if f.severity != "note"}
    built = build_findings(cli, example_course, tmp_path / "dist")
    # The build names files relative to the course directory once it runs; lint as given.
    normalise = lambda line: line.replace(f"{example_course}/", "")  # noqa: E731
    assert {normalise(line) for line in built} == {normalise(line) for line in linted}
    assert linted


@pytest.mark.parametrize(
    "nesting, message",
    [
        ("\n".join("  " * depth + "- item" for depth in range(2000)), "lists nest at most 32 levels deep"),
        ("[" * 50000 + "x" + "]" * 50000, "nested '[' brackets"),
    ],
)
def test_pathological_nesting_is_a_bounded_clear_error_in_build_and_lint(cli, example_course, tmp_path, nesting, message):
    path = second_module(example_course)
    path.write_text(path.read_text() + "\n" + nesting + "\n")
    findings = lint_course(example_course)
    assert [(f.severity, f.path) for f in findings] == [("error", path)] and message in findings[0].message
    result = cli("build", example_course, "-o", tmp_path / "dist")
    assert result.exit_code == 1 and str(findings[0]) in result.output


def test_a_markdown_file_that_is_not_a_module_is_refused_with_the_rule(example_course):
    notes = example_course / "NOTES.md"
    notes.write_text("Ideas for the next edition.\n")
    assert_found(example_course, "error", notes, 1, "except README.md and files whose name or folder starts with '_' or '.'")
    notes.rename(example_course / "_NOTES.md")
    (example_course / "_drafts").mkdir()
    (example_course / "_drafts" / "idea.md").write_text("Not yet.\n")
    assert lint_course(example_course) == []


def test_a_file_there_with_other_letter_case_is_named(example_course):
    path = first_module(example_course)
    edit(path, "../images/steps.svg", "../images/Steps.svg")
    assert_found(example_course, "error", path, line_of(path, "Steps.svg"), "a file 'steps.svg' exists with other letter case")


def test_unknown_ids_list_the_known_ones(example_course):
    path = first_module(example_course)
    edit(path, "stages: [induction, refresher]", "stages: [inductoin, refresher]")
    assert_found(example_course, "error", path, line_of(path, "stages:"), "unknown stage 'inductoin'; did you mean 'induction'?")


def test_a_link_to_another_modules_anchor_is_checked_against_its_ids(cli, example_course, tmp_path):
    path = first_module(example_course)
    edit(path, "(02-emergency-numbers.md)", "(02-emergency-numbers.md#nowhere)")
    message = "link to module 'emergency-numbers' at '#nowhere': no element of that module has that id"
    assert_found(example_course, "warning", path, line_of(path, "#nowhere"), message)
    result = cli("build", example_course, "-o", tmp_path / "dist")
    assert message in result.output
    edit(path, "(02-emergency-numbers.md#nowhere)", "(02-emergency-numbers.md#page-2)")
    assert lint_course(example_course) == []
