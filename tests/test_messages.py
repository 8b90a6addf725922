"""The words a learner sees come from the course language's message table; direction is data."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scormpack import messages as messages_module
from scormpack.loader import load_course
from scormpack.messages import messages_for
from scormpack.render import STATIC_DIR, TEMPLATE_DIR, render_bundle
from scormpack.targets import get_target

from conftest import SCAFFOLD

SOURCE = Path(messages_module.__file__).parents[1]
TARGETS_DIR = SOURCE / "targets"


def _used_ids() -> set[str]:
    """Every message id named in templates (t("...")), Python (messages("...")) and the runtime (message("..."))."""
    ids: set[str] = set()
    for path in TEMPLATE_DIR.glob("*.html"):
        ids |= set(re.findall(r'\bt(?:\.html)?\("([\w.]+)"', path.read_text()))
    for path in [*SOURCE.glob("*.py"), *TARGETS_DIR.glob("*.py")]:
        ids |= set(re.findall(r'\bmessages\("([\w.]+)"', path.read_text()))
    for script in (STATIC_DIR / "scormpack.js", STATIC_DIR / "web.js"):
        # message("id", ...) and message(test ? "id" : "other id", ...)
        for call in re.findall(r'\bmessage\(([^;]*?)(?:,\s*\{|\))', script.read_text()):
            ids |= {f"runtime.{name}" for name in re.findall(r'(?:^|[?:])\s*"(\w+)"', call)}
    return ids


def test_every_message_the_code_names_is_in_the_english_table():
    table = messages_for("en").table
    used = _used_ids()
    assert len(used) > 40
    assert sorted(used - table.keys()) == []


def test_every_message_in_the_english_table_is_used():
    assert sorted(messages_for("en").table.keys() - _used_ids()) == []


def test_plural_forms_follow_the_language_and_fill_the_count():
    english = messages_for("en")
    assert english("module.minutes", 1) == "1 minute"
    assert english("module.minutes", 5) == "5 minutes"
    with pytest.raises(ValueError):
        english("module.minutes")


def test_writing_direction_comes_from_the_language_tag():
    assert messages_for("en").direction == "ltr"
    assert messages_for("fr-CA").direction == "ltr"
    assert messages_for("ar").direction == "rtl"
    assert messages_for("he").direction == "rtl"


@pytest.mark.parametrize("script_name", ["scormpack.js", "web.js"])
def test_the_runtime_gets_its_messages_from_the_page_not_from_its_own_code(script_name):
    script = (STATIC_DIR / script_name).read_text()
    runtime = {key: text for key, text in messages_for("en").table.items() if key.startswith("runtime.")}
    assert runtime
    for text in runtime.values():
        for form in text.values() if isinstance(text, dict) else [text]:
            literal = form.split("{")[0].strip()
            assert f'"{literal}' not in script, f"{literal!r} is hard-coded in {script_name}"


@pytest.mark.parametrize("sheet", ["scormpack.css", "web.css"])
def test_css_lays_out_lines_with_logical_properties_only(sheet):
    css = (STATIC_DIR / sheet).read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    physical = re.findall(r"(?<![\w-])((?:margin|padding|border)-(?:left|right)[\w-]*|left|right|float)\s*:", css)
    assert physical == []
    assert not re.search(r"text-align:\s*(left|right)", css)


def test_no_target_renders_markdown_or_html():
    for path in TARGETS_DIR.glob("*.py"):
        source = path.read_text()
        for name in ("markdown", "jinja2", "render_introduction", "plain_text", "_markdown", "get_template"):
            assert not re.search(rf"\b{name}\b", source), f"{path.name} uses {name}"


@pytest.fixture
def course_in(tmp_path, monkeypatch):
    """The scaffold course in a given language, with message tables read from a copy of the folder."""
    tables = tmp_path / "messages"
    tables.mkdir()
    shutil.copy(messages_module.MESSAGE_DIR / "en.toml", tables / "en.toml")
    monkeypatch.setattr(messages_module, "MESSAGE_DIR", tables)
    messages_for.cache_clear()

    def make(language: str, table: str | None = None):
        if table is not None:
            (tables / f"{language.split('-')[0]}.toml").write_text(table, encoding="utf-8")
        course = tmp_path / f"course-{language}"
        shutil.copytree(SCAFFOLD, course)
        toml = course / "course.toml"
        toml.write_text(re.sub(r'(?m)^language = "en"$', f'language = "{language}"', toml.read_text()))
        return load_course(course)

    yield make
    messages_for.cache_clear()


def test_a_right_to_left_language_is_set_on_every_page(course_in):
    course = course_in("ar")
    for layout in ("sco", "paged"):
        rendered = render_bundle(course, course.bundles[0], layout)
        pages = [page for module in rendered.modules for page in module.files.values()]
        if rendered.introduction is not None:
            pages.append(rendered.introduction)
        assert pages
        for page in pages:
            assert b'<html lang="ar" dir="rtl"' in page


def test_a_language_table_translates_pages_runtime_and_cartridge(course_in):
    table = (
        '[page]\nprevious = "Page précédente"\nnext = "Page suivante"\n'
        '[quiz]\nassessment_title = "Test : {module}"\n'
        '[introduction]\ntitle = "À propos du cours"\n'
        '[runtime]\ncorrect = "Juste."\n'
    )
    course = course_in("fr", table)
    bundle = course.bundles[0]
    sco = render_bundle(course, bundle, "sco")
    page = next(iter(sco.modules[0].files.values())).decode()
    assert "Page suivante" in page and "Next page" not in page
    assert '"correct":"Juste."' in page  # the runtime's words, in the page
    assert "Skip to content" in page  # a message the table leaves out falls back to English
    assert 'dir="ltr"' in page

    paged = render_bundle(course, bundle, "paged")
    plan = get_target("cc11").plan(paged)
    titles = [title.text or "" for title in plan.manifest.iter("{*}title")]
    assert "À propos du cours" in titles
    assert any(title.startswith("Test : ") for title in titles)


def test_a_right_to_left_page_lays_out_from_the_right_in_a_browser(course_in, tmp_path):
    from browser import chromium

    course = course_in("ar")
    rendered = render_bundle(course, course.bundles[0], "sco")
    site = tmp_path / "site"
    for path, content in rendered.modules[0].files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    (site / "shared").mkdir()
    shutil.copy(STATIC_DIR / "scormpack.css", site / "shared" / "scormpack.css")
    shutil.copy(STATIC_DIR / "scormpack.js", site / "shared" / "scormpack.js")
    with chromium() as context:
        tab = context.new_page()
        tab.goto((site / rendered.modules[0].launch).as_uri())
        border = tab.locator(".sp-module-intro").evaluate(
            "node => [getComputedStyle(node).borderRightWidth, getComputedStyle(node).borderLeftWidth]"
        )
        assert border == ["4px", "0px"]  # the accent bar sits where an Arabic line starts
        assert tab.evaluate("document.documentElement.dir") == "rtl"
