"""`scormpack lint`: every problem in a course's sources we can find, each with its file and line.

The loader stops at the first hard error, which is right for a build and
tiresome for an author. The linter goes on: it checks course.toml table by
table and each module file on its own, using the loader's own checks where
it can (so the messages are the same), and adds what the loader does not
check (unknown keys, modules no bundle holds, images without alt text,
headings that skip levels, raw HTML, links a bundle cannot keep). Last, it
loads the course the way the build does, so an error it did not predict
still shows up.

`lint_course(course_dir)` is the entry point the build calls (with --strict).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import frontmatter
import yaml
from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

from . import loader
from .course import ALL, Module, QuizSettings
from .errors import ScormpackError
from .markdown_ext.blocks import CODE_FENCE, find_blocks, parse_condition
from .markdown_ext.conditional import filter_passages
from .markdown_ext.quiz import extract_quiz
from .render import MARKDOWN_EXTENSIONS, split_pages

# What course.toml may hold (the loader reads these; the module keys live in loader.py).
TOP_KEYS = {"course", "defaults", "audiences", "stages", "bundles"}
COURSE_KEYS = {
    "id", "title", "description", "version", "language", "authors", "licence", "keywords", "sequencing",
    "global_objectives",
}
DEFAULTS_KEYS = {"targets"}
AUDIENCE_KEYS = {"id", "title", "description"}
STAGE_KEYS = {"id", "title", "description"}
BUNDLE_KEYS = {"id", "title", "description", "audience", "stage", "modules"}

# Raw HTML is copied into the pages as written: scormpack neither sanitises nor
# checks it. Inline text markup Markdown has no syntax for is fine; anything
# else gets a warning.
INLINE_HTML = {
    "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "strong", "sub", "sup", "time", "u", "var", "wbr",
}
INLINE_HTML_ATTRIBUTES = {"title", "lang", "dir", "datetime", "cite"}
ACTIVE_HTML = {"script", "iframe", "object", "embed", "form", "input", "button", "style", "link", "meta", "base", "frame"}
HTML_TAG = re.compile(r"<\s*([A-Za-z][\w-]*)([^<>]*)>")
HTML_ATTRIBUTE = re.compile(r"([^\s=/]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?")
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    severity: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {"path": str(self.path), "line": self.line, "severity": self.severity, "message": self.message}


def lint_course(course_dir: Path) -> list[Finding]:
    """Every finding for the course in course_dir, sorted by file and line."""
    linter = _Linter(Path(course_dir))
    linter.run()
    return linter.sorted_findings()


def fails(findings: list[Finding], strict: bool = False) -> bool:
    return any(f.severity == "error" or (strict and f.severity == "warning") for f in findings)


# ------------------------------------------------------------------ internals


@dataclass
class _BundleSpec:
    id: str
    line: int
    audience: str | None
    stage: str | None
    modules: list[str] | None  # an explicit list, or None for audience/stage selection


@dataclass
class _Reference:
    """A link or image found in a module, checked once every module is known."""

    kind: str  # "a" or "img"
    target: str
    line: int
    alt: str | None = None


@dataclass
class _ModuleInfo:
    path: Path
    id: str | None
    id_line: int
    module: Module | None  # as the loader reads it, when it can
    audiences: list[str] | None = None  # from the front matter, when they are a list of strings
    stages: list[str] | None = None
    unknown_ids: bool = False  # the front matter names an audience or stage the course lacks
    element_ids: set[str] = field(default_factory=set)
    page_count: int = 1
    references: list[_Reference] = field(default_factory=list)


class _Linter:
    def __init__(self, root: Path):
        self.root = root
        self.course_file = root / loader.COURSE_FILE
        self.findings: list[Finding] = []
        self.reported: set[Finding] = set()
        self.reported_messages: set[tuple[str, str]] = set()
        self.audience_ids: set[str] | None = None
        self.stage_ids: set[str] | None = None
        self.bundles: list[_BundleSpec] = []
        self.modules: list[_ModuleInfo] = []
        # One converter for every module (building one is the slow part), reset per document.
        self.collector = _Collector()
        self.markdown = Markdown(extensions=[*MARKDOWN_EXTENSIONS, _CollectorExtension(self.collector)], output_format="html")

    # -------------------------------------------------------------- plumbing

    def add(self, severity: str, message: str, path: Path, line: int | None) -> None:
        finding = Finding(path, max(int(line or 1), 1), severity, message)
        if finding in self.reported:
            return
        self.reported.add(finding)
        self.reported_messages.add((str(path), message))
        self.findings.append(finding)

    def error(self, message: str, path: Path, line: int | None = 1) -> None:
        self.add("error", message, path, line)

    def warning(self, message: str, path: Path, line: int | None = 1) -> None:
        self.add("warning", message, path, line)

    def from_exception(self, error: ScormpackError, default_path: Path) -> None:
        self.error(error.message, Path(error.path) if error.path is not None else default_path, error.line)

    def from_loader(self, error: ScormpackError, default_path: Path) -> None:
        """The loader's verdict, unless a check above already reported the same problem in that file."""
        path = Path(error.path) if error.path is not None else default_path
        if (str(path), error.message) not in self.reported_messages:
            self.from_exception(error, default_path)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (str(f.path), f.line, f.severity, f.message))

    # ------------------------------------------------------------------ run

    def run(self) -> None:
        if not self.root.is_dir():
            self.error("course directory not found", self.root)
            return
        if not self.course_file.is_file():
            self.error(f"no {loader.COURSE_FILE} in the course directory", self.root)
        else:
            self.lint_course_file()
        files = loader.module_files(self.root)
        if not files:
            self.error("the course has no module files (*.md)", self.root)
        for path in files:
            self.modules.append(self.lint_module(path))
        self.lint_module_ids()
        if self.audience_ids is not None:
            self.lint_bundles()
        self.lint_references()
        self.load_like_the_build()

    # ----------------------------------------------------------- course.toml

    def lint_course_file(self) -> None:
        path = self.course_file
        try:
            text = loader.read_text(path)
            data = tomllib.loads(text)
        except ScormpackError as error:
            self.from_exception(error, path)
            return
        except tomllib.TOMLDecodeError as error:
            match = re.search(r"at line (\d+)", str(error))
            self.error(f"invalid TOML: {str(error).split(' (at line')[0]}", path, int(match.group(1)) if match else 1)
            return
        top = loader._Table(data, path, text, "course.toml")
        self.unknown_keys(data, TOP_KEYS, "course.toml", path, text, 1)
        meta = self.checked(lambda: top.get("course", dict, required=True), path)
        if meta is not None:
            table = loader._Table(meta, path, text, "[course]", loader.key_line(text, "[course]"))
            self.unknown_keys(meta, COURSE_KEYS, "[course]", path, text, table.line)
            self.checked(lambda: table.identifier("id"), path)
            self.checked(lambda: table.get("title", str, required=True), path)
            self.checked(lambda: table.get("version", str, required=True), path)
            for key in ("description", "language", "licence", "sequencing"):
                self.checked(lambda key=key: table.get(key, str), path)
            for key in ("authors", "keywords"):
                self.checked(lambda key=key: table.string_list(key), path)
            self.checked(lambda: table.get("global_objectives", bool), path)
        defaults = self.table(top, "defaults", dict, path, text)
        if defaults is not None:
            table = loader._Table(defaults, path, text, "[defaults]", loader.key_line(text, "[defaults]"))
            self.unknown_keys(defaults, DEFAULTS_KEYS, "[defaults]", path, text, table.line)
            targets = self.checked(lambda: table.string_list("targets"), path) or []
            for target in targets:
                if target not in loader.KNOWN_TARGETS:
                    self.error(
                        f"[defaults].targets: unknown target {target!r} (known: {', '.join(loader.KNOWN_TARGETS)})",
                        path,
                        table.line_of("targets"),
                    )
        audiences = self.id_tables(top, "audiences", AUDIENCE_KEYS, path, text)
        stages = self.id_tables(top, "stages", STAGE_KEYS, path, text)
        seen: dict[str, int] = {}
        for identifier, line in audiences + stages:
            if identifier in seen:
                self.error(f"duplicate audience or stage id {identifier!r} (first on line {seen[identifier]})", path, line)
            else:
                seen[identifier] = line
        self.audience_ids = {identifier for identifier, _ in audiences}
        self.stage_ids = {identifier for identifier, _ in stages}
        self.read_bundles(top, path, text)

    def checked(self, check, path: Path):
        try:
            return check()
        except ScormpackError as error:
            self.from_exception(error, path)
            return None

    def table(self, top: loader._Table, name: str, kind: type, path: Path, text: str):
        if name not in top.data:
            return None
        return self.checked(lambda: top.get(name, kind), path)

    def unknown_keys(self, data: dict, known: set[str], where: str, path: Path, text: str, line: int) -> None:
        for key in data:
            if key not in known:
                self.warning(
                    f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))}); it is ignored",
                    path,
                    loader.key_line(text, key, default=line),
                )

    def array_tables(self, top: loader._Table, name: str, path: Path, text: str) -> list[loader._Table]:
        """Each [[name]] entry as a table of its own, so one bad entry does not hide the others."""
        items = self.checked(lambda: top.get(name, list, default=[]), path) or []
        lines = loader._array_table_lines(text, name)
        tables = []
        for index, item in enumerate(items):
            line = lines[index] if index < len(lines) else top.line_of(name)
            table = self.checked(
                lambda item=item, line=line: loader._Table(item, path, _table_text(text, line), f"[[{name}]]", line), path
            )
            if table is not None:
                tables.append(table)
        return tables

    def id_tables(self, top: loader._Table, name: str, known: set[str], path: Path, text: str) -> list[tuple[str, int]]:
        found = []
        for table in self.array_tables(top, name, path, text):
            self.unknown_keys(table.data, known, f"[[{name}]]", path, table.text, table.line)
            identifier = self.checked(lambda table=table: table.identifier("id"), path)
            self.checked(lambda table=table: table.get("title", str, required=True), path)
            self.checked(lambda table=table: table.get("description", str), path)
            if identifier:
                found.append((identifier, table.line))
        return found

    def read_bundles(self, top: loader._Table, path: Path, text: str) -> None:
        if "bundles" not in top.data:
            self.error("course.toml defines no [[bundles]]", path, 1)
            return
        seen: dict[str, int] = {}
        for table in self.array_tables(top, "bundles", path, text):
            self.unknown_keys(table.data, BUNDLE_KEYS, "[[bundles]]", path, table.text, table.line)
            identifier = self.checked(lambda table=table: table.identifier("id"), path)
            self.checked(lambda table=table: table.get("title", str), path)
            self.checked(lambda table=table: table.get("description", str), path)
            audience = self.checked(lambda table=table: table.get("audience", str), path)
            stage = self.checked(lambda table=table: table.get("stage", str), path)
            modules = None
            if "modules" in table.data:
                modules = self.checked(lambda table=table: table.string_list("modules"), path) or []
            name = identifier or f"on line {table.line}"
            if identifier in seen:
                self.error(f"duplicate bundle id {identifier!r} (first on line {seen[identifier]})", path, table.line)
            elif identifier:
                seen[identifier] = table.line
            if audience is not None and audience not in self.audience_ids:
                self.error(f"bundle {name!r}: unknown audience {audience!r}", path, table.line_of("audience"))
            if stage is not None and stage not in self.stage_ids:
                self.error(f"bundle {name!r}: unknown stage {stage!r}", path, table.line_of("stage"))
            if modules is None and audience is None and stage is None:
                self.error(f"bundle {name!r} needs an audience and stage, or a modules list", path, table.line)
                continue
            if identifier:
                self.bundles.append(_BundleSpec(identifier, table.line, audience, stage, modules))

    # -------------------------------------------------------------- modules

    def lint_module(self, path: Path) -> _ModuleInfo:
        info = _ModuleInfo(path, None, 1, None)
        try:
            text = loader.read_text(path)
        except ScormpackError as error:
            self.from_exception(error, path)
            return info
        handler = frontmatter.YAMLHandler()
        front_text, body, meta = "", text, None
        if not handler.detect(text):
            self.error("a module starts with YAML front matter between '---' lines", path, 1)
        else:
            try:
                front_text, body = handler.split(text)
            except ValueError:
                self.error("front matter is not closed with a '---' line", path, 1)
                front_text, body = "", ""
            try:
                meta = loader._load_yaml(front_text) if front_text else None
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                problem = getattr(error, "problem", None) or "invalid YAML"
                self.error(f"malformed front matter: {problem}", path, mark.line + 1 if mark else 1)
            else:
                if front_text and not isinstance(meta, dict):
                    self.error("front matter must be a mapping of keys to values", path, 2)
                    meta = None
        body_line = text.count("\n", 0, len(text) - len(body)) + 1
        if isinstance(meta, dict):
            self.lint_front_matter(info, meta, front_text)
        lines = body.split("\n")
        blocks = self.lint_blocks(path, lines, body_line)
        self.lint_headings(path, lines, body_line, blocks)
        self.scan_markdown(info, lines, body_line, blocks)
        if self.audience_ids is not None and isinstance(meta, dict):
            try:
                info.module = loader.load_module(path, self.audience_ids, self.stage_ids)
            except ScormpackError as error:
                self.from_loader(error, path)
        return info

    def lint_front_matter(self, info: _ModuleInfo, meta: dict, front_text: str) -> None:
        path = info.path
        fields = loader._FrontMatter(meta, path, front_text)
        for key in meta:
            if key not in loader.MODULE_KEYS:
                self.warning(
                    f"front matter: unknown key {key!r} (known: {', '.join(sorted(loader.MODULE_KEYS))}); it is ignored",
                    path,
                    fields.line_of(str(key)),
                )
        quiz = meta.get("quiz")
        if isinstance(quiz, dict):
            for key in quiz:
                if key not in loader.QUIZ_KEYS:
                    self.warning(
                        f"front matter: unknown quiz setting {key!r} (known: {', '.join(sorted(loader.QUIZ_KEYS))}); it is ignored",
                        path,
                        loader.key_line(front_text, str(key), default=fields.line_of("quiz")),
                    )
        info.id = self.checked(lambda: fields.identifier("id"), path)
        info.id_line = fields.line_of("id")
        self.checked(lambda: fields.get("title", str, required=True), path)
        self.checked(lambda: fields.get("order", (int, float)), path)
        duration = self.checked(lambda: fields.get("duration", int), path)
        if isinstance(duration, int) and duration < 0:
            self.error("duration must be a positive number of minutes", path, fields.line_of("duration"))
        self.checked(lambda: fields.string_list("objectives"), path)
        self.checked(lambda: fields.get("source", str), path)
        self.checked(fields.quiz_settings, path)
        for key, known, what in (("audiences", self.audience_ids, "audience"), ("stages", self.stage_ids, "stage")):
            value = meta.get(key, [ALL])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                self.error(f"{key} must be a list of {what} ids", path, fields.line_of(key))
                continue
            setattr(info, key, value)
            for item in value:
                if known is not None and item != ALL and item not in known:
                    self.error(f"unknown {what} {item!r}", path, fields.line_of(key))
                    info.unknown_ids = True

    def lint_blocks(self, path: Path, lines: list[str], body_line: int) -> list:
        try:
            blocks = find_blocks(lines, path, body_line)
        except ScormpackError as error:
            self.from_exception(error, path)
            return []
        quiz_blocks = 0
        for block in blocks:
            opening = body_line + block.start
            if block.name == "only":
                condition = self.checked(lambda block=block, opening=opening: parse_condition(block.args, path, opening), path)
                if condition is None:
                    continue
                for values, known, what in ((condition.audiences, self.audience_ids, "audience"), (condition.stages, self.stage_ids, "stage")):
                    for value in values or ():
                        if known is not None and value not in known:
                            self.error(f"unknown {what} {value!r} in '::: only'", path, opening)
            elif block.name == "quiz":
                quiz_blocks += 1
            else:
                self.error(f"unknown block '::: {block.name}' (expected 'only' or 'quiz')", path, opening)
        if quiz_blocks:
            self.checked(lambda: extract_quiz(lines, path, body_line, QuizSettings()), path)
        return blocks

    def lint_headings(self, path: Path, lines: list[str], body_line: int, blocks: list) -> None:
        """Pages are level 2 (`##`), under the module title (level 1): each heading goes at most one level deeper."""
        skipped = {index for block in blocks if block.name == "quiz" for index in range(block.start, block.end + 1)}
        previous = 2
        in_code = False
        for index, line in enumerate(lines):
            if CODE_FENCE.match(line):
                in_code = not in_code
                continue
            if in_code or index in skipped:
                continue
            level = None
            atx = ATX_HEADING.match(line)
            setext = SETEXT_UNDERLINE.match(line)
            if atx:
                level = len(atx.group(1))
            elif setext and index > 0 and _paragraph_line(lines[index - 1]):
                level = 1 if setext.group(1).startswith("=") else 2
                if level == 2:
                    self.warning(
                        "a heading underlined with '---' does not start a page: write '## Title' instead",
                        path,
                        body_line + index - 1,
                    )
                    previous = 2
                    continue
            if level is None:
                continue
            line_no = body_line + index - (1 if setext and not atx else 0)
            if level == 1:
                self.warning(
                    "a level-1 heading inside a module: the module title is the page's only level-1 heading "
                    "(start a page with '##', a section with '###')",
                    path,
                    line_no,
                )
                previous = 2
            elif level == 2:
                previous = 2
            else:
                if level > previous + 1:
                    self.warning(
                        f"heading level {level} follows level {previous}: it skips a level "
                        f"(use {'#' * (previous + 1)}; the page title is level 2)",
                        path,
                        line_no,
                    )
                previous = level

    def scan_markdown(self, info: _ModuleInfo, lines: list[str], body_line: int, blocks: list) -> None:
        """Render the whole body (every passage kept) to collect links, images, element ids and raw HTML."""
        text_lines = list(lines)
        for block in blocks:
            text_lines[block.start] = ""
            text_lines[block.end] = ""
        # Fenced code is shown as written: no links, images or raw HTML in it (and Python-Markdown
        # stashes it like raw HTML, which would look like raw HTML to the check below).
        in_code = False
        for index, line in enumerate(lines):
            fence = bool(CODE_FENCE.match(line))
            if fence or in_code:
                text_lines[index] = ""
            if fence:
                in_code = not in_code
        collector, md = self.collector, self.markdown
        collector.reset()
        md.reset().convert("\n".join(text_lines))
        locate = _Locator(lines, body_line)
        quiz_start = next((block.start for block in blocks if block.name == "quiz"), None)
        page_lines = lines if quiz_start is None else lines[:quiz_start]
        info.page_count = max(len(split_pages(page_lines, body_line, "")), 1)
        info.element_ids = set(collector.ids)
        for tag, attributes in collector.elements:
            if tag == "img":
                source = attributes.get("src", "")
                info.references.append(_Reference("img", source, locate(source), attributes.get("alt", "")))
            elif tag == "a" and attributes.get("href"):
                href = attributes["href"]
                info.references.append(_Reference("a", href, locate(href)))
        for raw in md.htmlStash.rawHtmlBlocks:
            if not isinstance(raw, str) or raw.lstrip().startswith("<!--"):
                continue
            for match in HTML_TAG.finditer(raw):
                self.lint_raw_html(info.path, match, locate(match.group(0)))

    def lint_raw_html(self, path: Path, match: re.Match, line: int) -> None:
        tag = match.group(1).lower()
        attributes = {name.lower() for name in HTML_ATTRIBUTE.findall(match.group(2).rstrip("/"))}
        if tag in INLINE_HTML and attributes <= INLINE_HTML_ATTRIBUTES:
            return
        detail = f"<{tag}>" if tag not in INLINE_HTML else f"<{tag}> with {', '.join(sorted(attributes - INLINE_HTML_ATTRIBUTES))}"
        active = f"; <{tag}> is active content that runs inside the LMS" if tag in ACTIVE_HTML else ""
        self.warning(
            f"raw HTML {detail} is copied into the page unchecked (scormpack does not sanitise raw HTML){active}: "
            "write it in Markdown, or keep raw HTML to inline text markup such as <cite>, <abbr>, <sub>, <sup>, <kbd>",
            path,
            line,
        )

    # ----------------------------------------------------- across the course

    def lint_module_ids(self) -> None:
        seen: dict[str, _ModuleInfo] = {}
        for info in self.modules:
            if info.id is None:
                continue
            if info.id in seen:
                self.error(f"duplicate module id {info.id!r} (also in {seen[info.id].path})", info.path, info.id_line)
            else:
                seen[info.id] = info

    def bundle_members(self) -> dict[str, list[_ModuleInfo]]:
        """The modules each bundle holds, as far as the front matter tells (modules that fail to load included)."""
        known = [info for info in self.modules if info.id and info.audiences is not None and info.stages is not None]
        by_id = {info.id: info for info in known}
        members: dict[str, list[_ModuleInfo]] = {}
        for bundle in self.bundles:
            if bundle.modules is not None:
                members[bundle.id] = [by_id[module_id] for module_id in bundle.modules if module_id in by_id]
            else:
                members[bundle.id] = [info for info in known if _is_for(info, bundle.audience, bundle.stage)]
        return members

    def lint_bundles(self) -> None:
        path = self.course_file
        known = {info.id for info in self.modules if info.id}
        membership_known = all(info.id and info.audiences is not None and info.stages is not None for info in self.modules)
        for bundle in self.bundles:
            for module_id in bundle.modules or []:
                if module_id not in known:
                    self.error(f"bundle {bundle.id!r}: unknown module {module_id!r}", path, _line_of_value(path, module_id, bundle.line))
        members = self.bundle_members()
        for bundle in self.bundles:
            if not members[bundle.id] and membership_known:
                self.error(f"bundle {bundle.id!r} holds no modules", path, bundle.line)
            for info in members[bundle.id]:
                if info.module is not None:
                    self.lint_bundle_pages(bundle, info)
        included = {info.path for infos in members.values() for info in infos}
        for info in self.modules:
            if info.id and info.audiences is not None and info.stages is not None and not info.unknown_ids and info.path not in included and self.bundles:
                self.warning(f"module {info.id!r} is in no bundle, so no package holds it", info.path, info.id_line)

    def lint_bundle_pages(self, bundle: _BundleSpec, info: _ModuleInfo) -> None:
        """The pages a bundle shows, after its passages are chosen: none may be empty (the build refuses them)."""
        module = info.module
        try:
            kept = filter_passages(module.body.split("\n"), module.path, module.body_line, bundle.audience, bundle.stage)
        except ScormpackError as error:
            self.from_exception(error, module.path)
            return
        pages = split_pages(kept, module.body_line, module.title)
        for title, line, body in pages:
            if not any(row.strip() for row in body):
                self.error(f"page {title!r} is empty for bundle {bundle.id!r}", module.path, line)
        if not pages:
            self.error(f"module {module.id!r} has no content for bundle {bundle.id!r}", module.path, module.body_line)

    def lint_references(self) -> None:
        root = self.root.resolve()
        by_path = {info.path.resolve(): info for info in self.modules}
        members = self.bundle_members() if self.audience_ids is not None else {}
        bundles_of: dict[Path, list[str]] = {}
        for bundle_id, infos in members.items():
            for info in infos:
                bundles_of.setdefault(info.path.resolve(), []).append(bundle_id)
        for info in self.modules:
            for reference in info.references:
                self.lint_reference(info, reference, root, by_path, bundles_of)

    def lint_reference(self, info: _ModuleInfo, reference: _Reference, root: Path, by_path: dict, bundles_of: dict) -> None:
        path, target = info.path, reference.target
        if reference.kind == "img" and not (reference.alt or "").strip():
            self.warning(
                f"image {target!r} has no alt text: describe it for screen readers, as ![what it shows]({target})",
                path,
                reference.line,
            )
        try:
            parts = urlsplit(target)
        except ValueError:
            self.error(f"{target!r} is not a valid link target", path, reference.line)
            return
        if parts.scheme or parts.netloc:
            return
        if not parts.path:
            if parts.fragment and not _anchor_exists(info, parts.fragment):
                self.warning(f"link to {target!r}: no such anchor in this module", path, reference.line)
            return
        if parts.path.startswith("/"):
            self.error(f"absolute path {target!r}: reference files relative to the module", path, reference.line)
            return
        resolved = (path.parent / unquote(parts.path)).resolve()
        if resolved != root and root not in resolved.parents:
            self.error(f"{target!r} points outside the course directory", path, reference.line)
            return
        if not resolved.is_file():
            self.error(f"{target!r}: no such file", path, reference.line)
            return
        if reference.kind != "a" or resolved.suffix != ".md":
            return
        linked = by_path.get(resolved)
        if linked is None:
            self.warning(
                f"link to {target!r}: that file is not a module, so every package drops the link (its text stays)",
                path,
                reference.line,
            )
            return
        if parts.fragment and not _anchor_exists(linked, parts.fragment):
            self.warning(f"link to {target!r}: module {linked.id!r} has no such anchor", path, reference.line)
        showing = [b for b in bundles_of.get(path.resolve(), []) if self.bundle_shows_line(b, info, reference.line)]
        missing = [b for b in showing if b not in bundles_of.get(resolved, [])]
        if missing:
            self.warning(
                f"link to {target!r}: module {linked.id!r} is not in bundle(s) {', '.join(missing)}, "
                "where the link text is kept without a link",
                path,
                reference.line,
            )

    def bundle_shows_line(self, bundle_id: str, info: _ModuleInfo, line: int) -> bool:
        """False when the line sits in a `::: only` passage that this bundle drops."""
        module = info.module
        bundle = next((b for b in self.bundles if b.id == bundle_id), None)
        if module is None or bundle is None:
            return True
        lines = module.body.split("\n")
        try:
            blocks = find_blocks(lines, module.path, module.body_line)
            for block in blocks:
                if block.name == "only" and module.body_line + block.start < line < module.body_line + block.end:
                    condition = parse_condition(block.args, module.path, module.body_line + block.start)
                    return condition.keeps(bundle.audience, bundle.stage)
        except ScormpackError:
            return True
        return True

    def load_like_the_build(self) -> None:
        """The loader's verdict: an error it raises that the checks above missed is reported too."""
        if self.audience_ids is None:
            return
        try:
            loader.load_course(self.root)
        except ScormpackError as error:
            self.from_loader(error, self.course_file)


def _table_text(text: str, line: int) -> str:
    """The text of the [[table]] starting on `line`, padded so line numbers stay the file's."""
    section = text.split("\n")[line - 1 :]
    end = next((i for i, row in enumerate(section[1:], 1) if row.lstrip().startswith("[")), len(section))
    return "\n" * (line - 1) + "\n".join(section[:end])


def _line_of_value(path: Path, value: str, default: int) -> int:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return default
    for number, row in enumerate(lines[default - 1 :], start=default):
        if f'"{value}"' in row or f"'{value}'" in row:
            return number
    return default


def _is_for(info: _ModuleInfo, audience: str | None, stage: str | None) -> bool:
    """The loader's rule (course.Module.is_for) on the front matter's lists."""
    audience_ok = audience is None or ALL in info.audiences or audience in info.audiences
    stage_ok = stage is None or ALL in info.stages or stage in info.stages
    return audience_ok and stage_ok


def _paragraph_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not re.match(r"^(#|>|[-*+]\s|\d+[.)]\s|\||:::|```|~~~)", stripped)


def _anchor_exists(info: _ModuleInfo, fragment: str) -> bool:
    pages = {f"page-{n}" for n in range(1, info.page_count + 1)} | {f"page-{n}-title" for n in range(1, info.page_count + 1)}
    return fragment in info.element_ids or fragment in pages or fragment in ("page-quiz", "page-quiz-title")


class _Locator:
    """The source line of each reference, in document order (the second use of a target finds its second line)."""

    def __init__(self, lines: list[str], first_line: int):
        self.lines = lines
        self.first_line = first_line
        self.next_start: dict[str, int] = {}

    def __call__(self, needle: str) -> int:
        start = self.next_start.get(needle, 0)
        for index in range(start, len(self.lines)):
            if needle and needle in self.lines[index]:
                self.next_start[needle] = index + 1
                return self.first_line + index
        for index, line in enumerate(self.lines):
            if needle and needle in line:
                return self.first_line + index
        return self.first_line


class _Collector:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: list[str] = []


class _CollectorTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, collector: _Collector):
        super().__init__(md)
        self.collector = collector

    def run(self, root) -> None:
        for element in root.iter():
            if element.get("id"):
                self.collector.ids.append(element.get("id"))
            if element.tag in ("img", "a"):
                self.collector.elements.append((element.tag, dict(element.attrib)))


class _CollectorExtension(Extension):
    def __init__(self, collector: _Collector):
        super().__init__()
        self.collector = collector

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_CollectorTreeprocessor(md, self.collector), "scormpack_lint", 5)
