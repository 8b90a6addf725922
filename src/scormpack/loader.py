"""Reads course.toml and the module Markdown files into the course model."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml

from .course import ALL, Audience, Bundle, Course, Module, QuizSettings, Stage, WebLink
from .errors import ScormpackError
from .markdown_ext.blocks import find_blocks, parse_condition
from .markdown_ext.quiz import extract_quiz

COURSE_FILE = "course.toml"
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
KNOWN_TARGETS = ("scorm12", "scorm2004", "scorm2004-3rd", "cc11", "cc13")
SEQUENCING_PRESETS = ("free", "linear")

# Package folders and resources of that name exist in every package.
RESERVED_MODULE_IDS = {"shared", "package-description", "introduction", "web_resources"}
MODULE_KEYS = {"id", "title", "order", "audiences", "stages", "duration", "objectives", "source", "quiz", "links"}
QUIZ_KEYS = {"pass_mark", "attempts", "required", "shuffle"}


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScormpackError(f"cannot read file: {error.strerror}", path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScormpackError("file is not valid UTF-8", path, line) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def key_line(text: str, key: str, first_line: int = 1, default: int | None = None) -> int:
    """The line where `key` is set in TOML or YAML text, for error messages."""
    pattern = re.compile(rf"^[ \t]*(?:-[ \t]*)?\"?{re.escape(key)}\"?\s*[:=]", re.MULTILINE)
    match = pattern.search(text)
    if not match:
        return default if default is not None else first_line
    return first_line + text.count("\n", 0, match.start())


def load_course(root: Path) -> Course:
    root = Path(root)
    course_file = root / COURSE_FILE
    if not root.is_dir():
        raise ScormpackError("course directory not found", root)
    if not course_file.is_file():
        raise ScormpackError(f"no {COURSE_FILE} in the course directory", root)
    text = read_text(course_file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        line = int(match.group(1)) if match else 0
        raise ScormpackError(f"invalid TOML: {str(error).split(' (at line')[0]}", course_file, line) from None
    return _build_course(root, course_file, text, data)


class _Table:
    """Typed access to one TOML table, with errors pointing at the key's line."""

    def __init__(self, data: Any, path: Path, text: str, where: str, line: int = 1):
        if not isinstance(data, dict):
            raise ScormpackError(f"{where} must be a table", path, line)
        self.data, self.path, self.text, self.where, self.line = data, path, text, where, line

    def line_of(self, key: str) -> int:
        return key_line(self.text, key, default=self.line)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                raise ScormpackError(f"{self.where} is missing '{key}'", self.path, self.line)
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ScormpackError(f"{self.where}.{key} must be {_article(names)}", self.path, self.line_of(key))
        return value

    def identifier(self, key: str) -> str:
        value = self.get(key, str, required=True)
        if not IDENTIFIER.match(value):
            raise ScormpackError(
                f"{self.where}.{key} {value!r} must start with a letter and use only letters, digits, '-' and '_'",
                self.path,
                self.line_of(key),
            )
        return value

    def string_list(self, key: str) -> list[str]:
        value = self.get(key, list, default=[])
        if not all(isinstance(item, str) for item in value):
            raise ScormpackError(f"{self.where}.{key} must be a list of strings", self.path, self.line_of(key))
        return value


def _article(names: str) -> str:
    return ("an " if names[0] in "aeiou" else "a ") + names.replace("str", "string").replace("int", "integer")


def _array_table_lines(text: str, name: str) -> list[int]:
    return [text.count("\n", 0, match.start()) + 1 for match in re.finditer(rf"^[ \t]*\[\[{name}\]\]", text, re.MULTILINE)]


def _build_course(root: Path, path: Path, text: str, data: dict) -> Course:
    top = _Table(data, path, text, "course.toml")
    meta = _Table(top.get("course", dict, required=True), path, text, "[course]", key_line(text, "[course]"))
    version = meta.get("version", str, required=True)
    if not SEMVER.match(version):
        raise ScormpackError(f"[course].version {version!r} is not a semantic version like 1.2.0", path, meta.line_of("version"))
    language = meta.get("language", str, default="en")
    if not LANGUAGE.match(language):
        raise ScormpackError(f"[course].language {language!r} is not a language tag like 'en'", path, meta.line_of("language"))
    sequencing = meta.get("sequencing", str, default="free")
    if sequencing not in SEQUENCING_PRESETS:
        raise ScormpackError(
            f"[course].sequencing must be one of {', '.join(SEQUENCING_PRESETS)}", path, meta.line_of("sequencing")
        )

    audiences = [
        Audience(table.identifier("id"), table.get("title", str, required=True), table.get("description", str, default=""))
        for table in _tables(top, "audiences", path, text)
    ]
    stages = [
        Stage(table.identifier("id"), table.get("title", str, required=True), table.get("description", str, default=""))
        for table in _tables(top, "stages", path, text)
    ]
    _check_unique([a.id for a in audiences] + [s.id for s in stages], "audience or stage id", path, text)

    modules = _load_modules(root, {a.id for a in audiences}, {s.id for s in stages})
    defaults = _Table(top.get("defaults", dict, default={}), path, text, "[defaults]", key_line(text, "[defaults]"))
    targets = defaults.string_list("targets") or ["scorm12"]
    for target in targets:
        if target not in KNOWN_TARGETS:
            raise ScormpackError(
                f"[defaults].targets: unknown target {target!r} (known: {', '.join(KNOWN_TARGETS)})",
                path,
                defaults.line_of("targets"),
            )

    course = Course(
        id=meta.identifier("id"),
        title=meta.get("title", str, required=True),
        description=meta.get("description", str, default=""),
        version=version,
        language=language,
        root=root,
        audiences=audiences,
        stages=stages,
        modules=modules,
        bundles=[],
        default_targets=targets,
        authors=meta.string_list("authors"),
        licence=meta.get("licence", str, default=""),
        keywords=meta.string_list("keywords"),
        sequencing=sequencing,
        global_objectives=meta.get("global_objectives", bool, default=False),
    )
    course.bundles = [_build_bundle(table, course) for table in _tables(top, "bundles", path, text)]
    _check_unique([b.id for b in course.bundles], "bundle id", path, text)
    if not course.bundles:
        raise ScormpackError("course.toml defines no [[bundles]]", path)
    return course


def _tables(top: _Table, name: str, path: Path, text: str) -> list[_Table]:
    items = top.get(name, list, default=[])
    lines = _array_table_lines(text, name)
    tables = []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else top.line_of(name)
        section = text.split("\n")[line - 1 :]
        end = next((i for i, row in enumerate(section[1:], 1) if row.lstrip().startswith("[")), len(section))
        table = _Table(item, path, "\n" * (line - 1) + "\n".join(section[:end]), f"[[{name}]]", line)
        tables.append(table)
    return tables


def _check_unique(ids: list[str], what: str, path: Path, text: str) -> None:
    seen = set()
    for value in ids:
        if value in seen:
            line = [m.start() for m in re.finditer(rf"id\s*=\s*\"{re.escape(value)}\"", text)]
            raise ScormpackError(
                f"duplicate {what} {value!r}", path, text.count("\n", 0, line[-1]) + 1 if line else 0
            )
        seen.add(value)


def _build_bundle(table: _Table, course: Course) -> Bundle:
    bundle_id = table.identifier("id")
    audience = table.get("audience", str)
    stage = table.get("stage", str)
    if audience is not None and audience not in {a.id for a in course.audiences}:
        raise ScormpackError(f"bundle {bundle_id!r}: unknown audience {audience!r}", table.path, table.line_of("audience"))
    if stage is not None and stage not in {s.id for s in course.stages}:
        raise ScormpackError(f"bundle {bundle_id!r}: unknown stage {stage!r}", table.path, table.line_of("stage"))
    if "modules" in table.data:
        modules = []
        for module_id in table.string_list("modules"):
            try:
                modules.append(course.module(module_id))
            except KeyError:
                raise ScormpackError(
                    f"bundle {bundle_id!r}: unknown module {module_id!r}", table.path, table.line_of("modules")
                ) from None
    elif audience is None and stage is None:
        raise ScormpackError(
            f"bundle {bundle_id!r} needs an audience and stage, or a modules list", table.path, table.line
        )
    else:
        modules = [module for module in course.modules if module.is_for(audience, stage)]
    if not modules:
        raise ScormpackError(f"bundle {bundle_id!r} holds no modules", table.path, table.line)
    return Bundle(
        id=bundle_id,
        title=table.get("title", str, default=bundle_id),
        audience=audience,
        stage=stage,
        modules=modules,
        description=table.get("description", str, default=""),
    )


def module_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if path.name != "README.md" and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def _load_modules(root: Path, audience_ids: set[str], stage_ids: set[str]) -> list[Module]:
    modules: list[Module] = []
    seen: dict[str, Path] = {}
    for path in module_files(root):
        module = load_module(path, audience_ids, stage_ids)
        if module.id in seen:
            raise ScormpackError(f"duplicate module id {module.id!r} (also in {seen[module.id]})", path, 2)
        seen[module.id] = path
        modules.append(module)
    if not modules:
        raise ScormpackError("the course has no module files (*.md)", root)
    modules.sort(key=lambda module: (module.order, module.id))
    return modules


def _load_yaml(text: str) -> Any:
    """YAML with libyaml when PyYAML has it (ten times faster on a big course).

    On bad YAML the pure-Python parser runs again, so the error message and
    line do not depend on how PyYAML was installed.
    """
    fast_loader = getattr(yaml, "CSafeLoader", None)
    if fast_loader is not None:
        try:
            return yaml.load(text, Loader=fast_loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_module(path: Path, audience_ids: set[str], stage_ids: set[str]) -> Module:
    text = read_text(path)
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        raise ScormpackError("a module starts with YAML front matter between '---' lines", path, 1)
    try:
        front_text, body = handler.split(text)
    except ValueError:
        raise ScormpackError("front matter is not closed with a '---' line", path, 1) from None
    try:
        meta = _load_yaml(front_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ScormpackError(f"malformed front matter: {problem}", path, mark.line + 1 if mark else 1) from None
    if not isinstance(meta, dict):
        raise ScormpackError("front matter must be a mapping of keys to values", path, 2)
    # The body is the tail of the file's text: count the lines before it.
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    fields = _FrontMatter(meta, path, front_text)

    module_id = fields.identifier("id")
    if module_id in RESERVED_MODULE_IDS:
        raise ScormpackError(
            f"module id {module_id!r} is reserved for the package's own files; choose another", path, fields.line_of("id")
        )
    audiences = fields.ids("audiences", audience_ids, "audience")
    stages = fields.ids("stages", stage_ids, "stage")
    quiz_settings = fields.quiz_settings()
    duration = fields.get("duration", int, default=0)
    if duration < 0:
        raise ScormpackError("duration must be a positive number of minutes", path, fields.line_of("duration"))

    lines = body.split("\n")
    for block in find_blocks(lines, path, body_line):
        opening_line = body_line + block.start
        if block.name == "only":
            condition = parse_condition(block.args, path, opening_line)
            for values, known, what in ((condition.audiences, audience_ids, "audience"), (condition.stages, stage_ids, "stage")):
                for value in values or ():
                    if value not in known:
                        raise ScormpackError(f"unknown {what} {value!r} in '::: only'", path, opening_line)
        elif block.name != "quiz":
            raise ScormpackError(f"unknown block '::: {block.name}' (expected 'only' or 'quiz')", path, opening_line)
    lines, quiz = extract_quiz(lines, path, body_line, quiz_settings or QuizSettings())
    if quiz_settings is not None and quiz is None:
        raise ScormpackError("front matter has quiz settings but the module has no '::: quiz' block", path, fields.line_of("quiz"))

    return Module(
        id=module_id,
        title=fields.get("title", str, required=True),
        order=fields.get("order", (int, float), default=0),
        audiences=audiences,
        stages=stages,
        duration_minutes=duration,
        objectives=fields.string_list("objectives"),
        source_reference=fields.get("source", str, default=""),
        path=path,
        body="\n".join(lines),
        body_line=body_line,
        quiz=quiz,
        links=fields.links(),
    )


class _FrontMatter(_Table):
    def __init__(self, data: dict, path: Path, front_text: str):
        super().__init__(data, path, front_text, "front matter", 1)

    def line_of(self, key: str) -> int:
        return key_line(self.text, key, default=1)

    def ids(self, key: str, known: set[str], what: str) -> list[str]:
        value = self.data.get(key, [ALL])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ScormpackError(f"{key} must be a list of {what} ids", self.path, self.line_of(key))
        for item in value:
            if item != ALL and item not in known:
                raise ScormpackError(f"unknown {what} {item!r}", self.path, self.line_of(key))
        return value

    def links(self) -> list[WebLink]:
        """`links:` entries, each a mapping with a title and an absolute http(s) url."""
        value = self.get("links", list, default=[])
        links = []
        for entry in value:
            line = self.line_of("links")
            url_text = entry.get("url") if isinstance(entry, dict) else None
            if isinstance(url_text, str) and url_text and url_text in self.text:
                line = self.text.count("\n", 0, self.text.index(url_text)) + 1
            if not isinstance(entry, dict) or set(entry) - {"title", "url"}:
                raise ScormpackError("each entry of links must have only a title and a url", self.path, line)
            title, url = entry.get("title"), entry.get("url")
            if not isinstance(title, str) or not title.strip():
                raise ScormpackError("a links entry needs a non-empty title", self.path, line)
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
                raise ScormpackError(f"links: {url!r} is not an absolute http or https URL", self.path, line)
            links.append(WebLink(title.strip(), url))
        return links

    def quiz_settings(self) -> QuizSettings | None:
        if "quiz" not in self.data:
            return None
        table = _Table(self.get("quiz", dict), self.path, self.text, "quiz", self.line_of("quiz"))
        table.line_of = lambda key: key_line(self.text, key, default=self.line_of("quiz"))  # type: ignore[method-assign]
        pass_mark = table.get("pass_mark", (int, float), default=80)
        if not 0 <= pass_mark <= 100:
            raise ScormpackError("quiz.pass_mark must be a percentage from 0 to 100", self.path, table.line_of("pass_mark"))
        attempts = table.get("attempts", int, default=0)
        if attempts < 0:
            raise ScormpackError("quiz.attempts must be 0 (unlimited) or more", self.path, table.line_of("attempts"))
        return QuizSettings(
            pass_mark=float(pass_mark),
            attempts=attempts,
            required=table.get("required", bool, default=True),
            shuffle=table.get("shuffle", bool, default=False),
        )
