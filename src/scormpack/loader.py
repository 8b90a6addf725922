"""Reads course.toml and the module Markdown files into the course model.

One reading pass: every problem in every file is collected as a Finding
(errors.Findings) rather than stopping at the first, so `build` and `lint`
name all of them at once. `read_course` returns what it read and what it
found; `load_course` raises one ScormpackError carrying every error.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml

from .course_tree import path_order, walk
from .course import ALL, COURSE_FILE, Audience, Bundle, Course, Module, QuizSettings, Stage, WebLink
from .errors import ACCEPTABLE, Finding, Findings, ScormpackError, did_you_mean
from .markdown_ext.blocks import find_blocks, parse_condition
from .markdown_ext.quiz import extract_quiz
from .targets import TARGETS
from .messages import check_table as check_message_table
from .messages import flatten as flatten_messages
from .reading_cache import ReadingCache

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
SEQUENCING_PRESETS = ("free", "linear")

# Package folders and resources of that name exist in every package.
RESERVED_MODULE_IDS = {"shared", "package-description", "introduction", "web_resources"}

# The one list of what the sources may hold: any other key is an error (a typo
# such as `audience:` for `audiences:` must not silently widen who sees a module).
COURSE_TOML_KEYS = {
    "course.toml": {"course", "defaults", "audiences", "stages", "bundles", "accept", "messages", "editions"},
    "[course]": {
        "id", "title", "description", "version", "language", "authors", "licence", "keywords", "sequencing",
        "global_objectives", "translations", "allow_remote", "print_answers", "resize_images",
    },
    "[defaults]": {"targets"},
    "[[audiences]]": {"id", "title", "description"},
    "[[stages]]": {"id", "title", "description"},
    "[[bundles]]": {"id", "title", "description", "audience", "stage", "modules"},
}
MODULE_KEYS = {"id", "title", "order", "audiences", "stages", "duration", "objectives", "source", "quiz", "links"}
QUIZ_KEYS = {"pass_mark", "attempts", "required", "shuffle"}

# Longest file name most file systems hold (ext4, APFS, NTFS: 255 bytes); package names are built from ids.
MAX_NAME_BYTES = 255
MAX_ID_LENGTH = 100

NOT_A_MODULE_RULE = (
    "every .md file in the course directory is a module, except README.md and files whose name or folder "
    "starts with '_' or '.'"
)


@dataclass
class CourseReading:
    """What one reading pass made of a course directory: the course (None when it has errors) and every finding."""

    course: Course | None
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]


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


def load_course(root: Path, reuse: ReadingCache | None = None) -> Course:
    """The course in root; raises one ScormpackError naming every error found.

    reuse: earlier readings of the module files, taken for the files unchanged since (reading_cache.py).
    """
    reading = read_course(root, reuse)
    if reading.course is None:
        raise ScormpackError.of(sorted(reading.errors, key=Finding.sort_key))
    reading.course.findings = reading.findings
    return reading.course


def read_course(root: Path, reuse: ReadingCache | None = None) -> CourseReading:
    """Read every file of the course in root, collecting every problem found."""
    root = Path(root)
    findings = Findings()
    course = _read_course(root, findings, reuse)
    if findings.errors:
        course = None
    return CourseReading(course, sorted(findings.items, key=Finding.sort_key))


def _read_course(root: Path, findings: Findings, reuse: ReadingCache | None = None) -> Course | None:
    course_file = root / COURSE_FILE
    if not root.is_dir():
        findings.error("course directory not found", root)
        return None
    if not course_file.is_file():
        findings.error(f"no {COURSE_FILE} in the course directory", root)
        return None
    try:
        text = read_text(course_file)
    except ScormpackError as error:
        findings.record(error)
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        findings.error(f"invalid TOML: {str(error).split(' (at line')[0]}", course_file, line)
        data = None
    except RecursionError:
        findings.error("invalid TOML: nested too deeply", course_file)
        data = None
    if data is None:
        # The modules are still read, so their own problems are reported in the same run.
        _read_modules(root, None, None, findings)
        return None
    return _build_course(root, course_file, text, data, findings, reuse)


class _Table:
    """Typed access to one TOML table (or front matter), recording problems at the key's line."""

    def __init__(self, data: dict, path: Path, text: str, where: str, line: int, findings: Findings):
        self.data, self.path, self.text, self.where, self.line = data, path, text, where, line
        self.findings = findings

    @classmethod
    def of(cls, data: Any, path: Path, text: str, where: str, line: int, findings: Findings) -> _Table | None:
        if not isinstance(data, dict):
            findings.error(f"{where} must be a table", path, line)
            return None
        return cls(data, path, text, where, line, findings)

    def line_of(self, key: str) -> int:
        return key_line(self.text, key, default=self.line)

    def error(self, message: str, key: str | None = None) -> None:
        self.findings.error(message, self.path, self.line_of(key) if key else self.line)

    def qualified(self, key: str) -> str:
        # Front matter keys are named alone ("duration must be ..."); TOML ones with their table.
        return f"{self.where}.{key}" if self.where else key

    def check_keys(self, known: set[str]) -> None:
        for key in self.data:
            if key not in known:
                self.error(f"{self.where}: unknown key {key!r}{did_you_mean(str(key), known)}", str(key))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        """The value, or `default` (None when required) after recording why it cannot be used."""
        if key not in self.data:
            if required:
                self.error(f"{self.where} is missing '{key}'" if self.where else f"the front matter has no '{key}'")
                return None
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)) or (
            isinstance(kind, tuple) and bool not in kind and isinstance(value, bool)
        ):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.error(f"{self.qualified(key)} must be {_article(names)}", key)
            return None if required else default
        return value

    def identifier(self, key: str) -> str | None:
        value = self.get(key, str, required=True)
        if value is None:
            return None
        if not IDENTIFIER.match(value):
            self.error(f"{self.qualified(key)} {value!r} must start with a letter and use only letters, digits, '-' and '_'", key)
            return None
        if len(value) > MAX_ID_LENGTH:
            self.error(
                f"{self.qualified(key)} is {len(value)} characters long: at most {MAX_ID_LENGTH} "
                f"(package and file names are made from ids, and file systems hold names of {MAX_NAME_BYTES} bytes)",
                key,
            )
            return None
        return value

    def string_list(self, key: str) -> list[str]:
        value = self.get(key, list, default=[])
        if value is None or not all(isinstance(item, str) for item in value):
            if value is not None:
                self.error(f"{self.qualified(key)} must be a list of strings", key)
            return []
        return value


def _translations(meta: _Table, language: str | None) -> list[str]:
    """[course].translations: the languages the course is translated into (its `language` is the source)."""
    tags = meta.string_list("translations")
    for tag in tags:
        if not LANGUAGE.match(tag):
            meta.error(f"[course].translations: {tag!r} is not a language tag like 'fr'", "translations")
        elif tag == language:
            meta.error(f"[course].translations: {tag!r} is the course's own language", "translations")
    if len(set(tags)) != len(tags):
        meta.error("[course].translations names a language twice", "translations")
    return list(dict.fromkeys(tags))


def _editions(top: _Table, course: Course, path: Path, text: str, findings: Findings) -> dict[str, list[str]]:
    """[editions]: language = [bundle ids], the bundles a translation is released for (a language not
    named covers every bundle); `build --language all` builds these, and --strict asks them complete."""
    data = top.get("editions", dict, default={})
    if not data:
        return {}
    table = _Table(data, path, text, "[editions]", key_line(text, "[editions]"), findings)
    known = {bundle.id for bundle in course.bundles}
    editions = {}
    for language in data:
        if language not in course.translations:
            table.error(f"[editions].{language}: not one of [course].translations ({', '.join(course.translations) or 'none'})", language)
            continue
        bundle_ids = table.string_list(language)
        unknown = [bundle_id for bundle_id in bundle_ids if bundle_id not in known]
        if unknown:
            table.error(f"[editions].{language}: unknown bundle {unknown[0]!r}{known_ids(unknown[0], sorted(known), 'bundle')}", language)
        elif not bundle_ids:
            table.error(f"[editions].{language} names no bundle: leave the language out of [editions] to release every bundle", language)
        else:
            editions[language] = list(dict.fromkeys(bundle_ids))
    return editions


def _allow_remote(meta: _Table) -> list[str]:
    """[course].allow_remote: URL prefixes pages may load from, each naming a host (a bare scheme would allow everything)."""
    prefixes = meta.string_list("allow_remote")
    for prefix in prefixes:
        if not re.match(r"^(https?:)?//[^/\s]+\S*$", prefix):
            meta.error(
                f"[course].allow_remote: {prefix!r} must be an address prefix naming its host, like 'https://media.example.org/'",
                "allow_remote",
            )
    return prefixes


def _message_overrides(top: _Table, path: Path, text: str) -> dict[str, dict]:
    """[messages.<language>]: the course's own interface text, checked like the tool's message tables."""
    overrides = {}
    for language, table in (top.get("messages", dict, default={}) or {}).items():
        header = re.search(rf"^[ \t]*\[+[ \t]*messages\.\"?{re.escape(language)}\b", text, re.MULTILINE)
        offset = header.start() if header else 0
        line = text.count("\n", 0, offset) + 1 if header else top.line_of("messages")
        if not LANGUAGE.match(language) or not isinstance(table, dict):
            top.findings.error(f"[messages] {language!r} must be a table named by a language tag, like [messages.fr]", path, line)
            continue
        flat = flatten_messages(table)
        problems = check_message_table(flat, language)
        for message_id, problem in problems:
            key = re.search(rf"^[ \t]*(?:[\w.]*\.)?\"?{re.escape(message_id.rsplit('.', 1)[-1])}\"?[ \t]*=", text[offset:], re.MULTILINE)
            where = text.count("\n", 0, offset + key.start()) + 1 if key else line
            top.findings.error(f"[messages.{language}] {problem}", path, where)
        if not problems:
            overrides[language] = flat
    return overrides


def _article(names: str) -> str:
    names = names.replace("str", "string").replace("int", "integer").replace("dict", "table").replace("bool", "true or false")
    if names.startswith("true or false"):
        return names
    return ("an " if names[0] in "aeiou" else "a ") + names


def _array_table_lines(text: str, name: str) -> list[int]:
    return [text.count("\n", 0, match.start()) + 1 for match in re.finditer(rf"^[ \t]*\[\[{name}\]\]", text, re.MULTILINE)]


def known_ids(value: str, known: set[str] | list[str], what: str) -> str:
    """The unknown-id message tail: a close match, else the known ids (a few of them when there are many)."""
    known = sorted(known)
    hint = did_you_mean(value, known)
    if hint.startswith(";"):
        return hint
    if not known:
        return f"; the course defines no {what}s"
    shown = ", ".join(known[:12]) + (f", and {len(known) - 12} more" if len(known) > 12 else "")
    return f" (known {what}s: {shown})"


def _build_course(
    root: Path, path: Path, text: str, data: dict, findings: Findings, reuse: ReadingCache | None = None
) -> Course | None:
    keys = COURSE_TOML_KEYS
    top = _Table(data, path, text, "course.toml", 1, findings)
    top.check_keys(keys["course.toml"])
    meta_data = top.get("course", dict, required=True)
    meta = _Table.of(meta_data, path, text, "[course]", key_line(text, "[course]"), findings) if meta_data is not None else None
    version = language = sequencing = None
    if meta is not None:
        meta.check_keys(keys["[course]"])
        version = meta.get("version", str, required=True)
        if version is not None and not SEMVER.match(version):
            meta.error(f"[course].version {version!r} is not a semantic version like 1.2.0", "version")
        language = meta.get("language", str, default="en")
        if language is not None and not LANGUAGE.match(language):
            meta.error(f"[course].language {language!r} is not a language tag like 'en'", "language")
        sequencing = meta.get("sequencing", str, default="free")
        if sequencing is not None and sequencing not in SEQUENCING_PRESETS:
            meta.error(f"[course].sequencing must be one of {', '.join(SEQUENCING_PRESETS)}", "sequencing")

    audiences = [
        Audience(table.identifier("id"), table.get("title", str, required=True), table.get("description", str, default=""))
        for table in _tables(top, "audiences", path, text, findings)
    ]
    stages = [
        Stage(table.identifier("id"), table.get("title", str, required=True), table.get("description", str, default=""))
        for table in _tables(top, "stages", path, text, findings)
    ]
    _check_unique([a.id for a in audiences] + [s.id for s in stages], "audience or stage id", path, text, findings)
    audience_ids = {a.id for a in audiences if a.id}
    stage_ids = {s.id for s in stages if s.id}

    if reuse is not None:
        reuse.begin(root, text, audience_ids, stage_ids)
    modules, unreadable, file_count = _read_modules(root, audience_ids, stage_ids, findings, reuse)
    modules_complete = len(modules) == file_count
    defaults_data = top.get("defaults", dict, default={})
    targets = ["scorm12"]
    if defaults_data is not None:
        defaults = _Table(defaults_data, path, text, "[defaults]", key_line(text, "[defaults]"), findings)
        defaults.check_keys(keys["[defaults]"])
        targets = defaults.string_list("targets") or ["scorm12"]
        for target in targets:
            if target not in TARGETS:
                defaults.error(
                    f"[defaults].targets: unknown target {target!r}{known_ids(target, list(TARGETS), 'target')}", "targets"
                )

    accepted = _accepted(top, path, text, findings)
    if meta is None:
        return None
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
        accepted=accepted,
        message_overrides=_message_overrides(top, path, text),
        translations=_translations(meta, language),
        allow_remote=_allow_remote(meta),
        print_answers=meta.get("print_answers", bool, default=False),
        resize_images=meta.get("resize_images", bool, default=False),
    )
    if course.id and course.version:
        _check_package_name_length(course, path, meta)
    bundle_tables = _tables(top, "bundles", path, text, findings)
    bundles = [_build_bundle(table, course, modules_complete, unreadable) for table in bundle_tables]
    course.bundles = [bundle for bundle in bundles if bundle is not None]
    _check_unique([table.data.get("id") for table in bundle_tables], "bundle id", path, text, findings)
    course.editions = _editions(top, course, path, text, findings)
    if "bundles" not in data:
        findings.error("course.toml defines no [[bundles]]", path)
    if modules_complete and len(course.bundles) == len(bundle_tables):
        _warn_unbundled(course, findings)
    return course


def _accepted(top: _Table, path: Path, text: str, findings: Findings) -> dict[str, str]:
    """[accept]: warning code = "why the difference is intended"; those warnings become notes."""
    data = top.get("accept", dict, default={})
    if not data:
        return {}
    table = _Table(data, path, text, "[accept]", key_line(text, "[accept]"), findings)
    accepted = {}
    for code, reason in data.items():
        if code not in ACCEPTABLE:
            table.error(f"[accept]: no warning {code!r} to accept{did_you_mean(code, ACCEPTABLE)}", code)
        elif not isinstance(reason, str) or not reason.strip():
            table.error(f"[accept].{code} must say why the difference is intended, as a string", code)
        else:
            accepted[code] = reason.strip()
    return accepted


def _check_package_name_length(course: Course, path: Path, meta: _Table) -> None:
    """Package files are named ID-VERSION-BUNDLE-TARGET.zip: the course id and version must leave room for the rest."""
    used = len(f"{course.id}-{course.version}".encode("utf-8"))
    if used > MAX_NAME_BYTES - MAX_ID_LENGTH - 40:
        meta.error(
            f"[course].id and version make package file names too long for the file system "
            f"({used} bytes before the bundle and target; names hold at most {MAX_NAME_BYTES}): choose a shorter id",
            "id",
        )


def _tables(top: _Table, name: str, path: Path, text: str, findings: Findings) -> list[_Table]:
    """Each [[name]] entry as a table of its own, checked for unknown keys, so one bad entry does not hide the others."""
    items = top.get(name, list, default=[]) or []
    lines = _array_table_lines(text, name)
    tables = []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else top.line_of(name)
        section = text.split("\n")[line - 1 :]
        end = next((i for i, row in enumerate(section[1:], 1) if row.lstrip().startswith("[")), len(section))
        table = _Table.of(item, path, "\n" * (line - 1) + "\n".join(section[:end]), f"[[{name}]]", line, findings)
        if table is not None:
            table.check_keys(COURSE_TOML_KEYS[f"[[{name}]]"])
            tables.append(table)
    return tables


def _check_unique(ids: list[str | None], what: str, path: Path, text: str, findings: Findings) -> None:
    seen = set()
    for value in ids:
        if not isinstance(value, str):
            continue
        if value in seen:
            lines = [m.start() for m in re.finditer(rf"id\s*=\s*\"{re.escape(value)}\"", text)]
            findings.error(f"duplicate {what} {value!r}", path, text.count("\n", 0, lines[-1]) + 1 if lines else None)
        seen.add(value)


def _build_bundle(table: _Table, course: Course, modules_complete: bool, unreadable: set[str]) -> Bundle | None:
    bundle_id = table.identifier("id")
    name = bundle_id or f"on line {table.line}"
    audience = table.get("audience", str)
    stage = table.get("stage", str)
    broken = bundle_id is None
    audience_ids = [a.id for a in course.audiences if a.id]
    stage_ids = [s.id for s in course.stages if s.id]
    if audience is not None and audience not in audience_ids:
        table.error(f"bundle {name!r}: unknown audience {audience!r}{known_ids(audience, audience_ids, 'audience')}", "audience")
        broken = True
    if stage is not None and stage not in stage_ids:
        table.error(f"bundle {name!r}: unknown stage {stage!r}{known_ids(stage, stage_ids, 'stage')}", "stage")
        broken = True
    readable = [module for module in course.modules if module is not None]
    if "modules" in table.data:
        modules = []
        module_ids = [module.id for module in readable]
        for module_id in table.string_list("modules"):
            try:
                modules.append(course.module(module_id))
            except KeyError:
                broken = True
                if module_id in unreadable:
                    continue  # its file's own errors are reported
                line = _line_of_value(table.text, module_id, table.line_of("modules"))
                table.findings.error(
                    f"bundle {name!r}: unknown module {module_id!r}{known_ids(module_id, module_ids, 'module')}", table.path, line
                )
                broken = True
    elif audience is None and stage is None:
        table.error(f"bundle {name!r} needs an audience and stage, or a modules list")
        return None
    else:
        modules = [module for module in readable if module.is_for(audience, stage)]
    if broken:
        return None
    if not modules and modules_complete:
        table.error(f"bundle {bundle_id!r} holds no modules")
        return None
    return Bundle(
        id=bundle_id,
        title=table.get("title", str, default=bundle_id) or bundle_id,
        audience=audience,
        stage=stage,
        modules=modules,
        description=table.get("description", str, default="") or "",
    )


def _line_of_value(text: str, value: str, default: int) -> int:
    lines = text.split("\n")
    for number, row in enumerate(lines[default - 1 :], start=default):
        if f'"{value}"' in row or f"'{value}'" in row:
            return number
    return default


def _warn_unbundled(course: Course, findings: Findings) -> None:
    """A module no bundle holds reaches nobody: probably a forgotten audience or stage."""
    if not course.bundles:
        return
    held = {module.id for bundle in course.bundles for module in bundle.modules}
    for module in course.modules:
        if module.id not in held:
            findings.warning(f"module {module.id!r} is in no bundle, so no package holds it", module.path, module.id_line)


def module_files(root: Path) -> list[Path]:
    """The module files under root, in the order of their paths: the documented rule (NOT_A_MODULE_RULE),
    every .md file but README.md, none in a folder (or named) starting with '.' or '_'."""
    found = [relative for relative, entry in walk(str(root), _not_in_modules) if entry.name.endswith(".md") and entry.name != "README.md"]
    return [root / relative for relative in sorted(found, key=path_order)]


def _not_in_modules(name: str) -> bool:
    return name.startswith((".", "_"))


def _read_modules(
    root: Path, audience_ids: set[str] | None, stage_ids: set[str] | None, findings: Findings, reuse: ReadingCache | None = None
) -> tuple[list[Module], set[str], int]:
    """Every module file, read on its own (one with errors is left out), the ids of those left out, and
    how many module files there are.

    With `reuse`, a file unchanged since an earlier reading is taken from it (its findings too);
    one whose module id an earlier file of this reading has is read again, so the duplicate is reported.
    """
    modules: list[Module] = []
    seen: dict[str, Path] = {}
    files = module_files(root)
    for path in files:
        earlier = reuse.lookup(path) if reuse is not None else None
        if earlier is not None and earlier[0].id not in seen:
            module, module_findings = earlier
            findings.extend(module_findings)
            seen[module.id] = path
            modules.append(module)
            continue
        before = reuse.stat(path) if reuse is not None else None
        found = len(findings.items)
        module = read_module(path, audience_ids, stage_ids, findings, seen)
        if reuse is not None:
            reuse.store(path, before, module, findings.items[found:])
        if module is not None:
            modules.append(module)
    if not files:
        findings.error("the course has no module files (*.md)", root)
    modules.sort(key=lambda module: (module.order, module.id))
    # The ids of files that failed to read: a bundle naming one is not also told the module is unknown.
    unreadable = set(seen) - {module.id for module in modules}
    return modules, unreadable, len(files)


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


def yaml_problem(error: yaml.YAMLError, front_text: str) -> tuple[str, int]:
    """A YAML parser's complaint in words an author can act on, and its line."""
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    problem = getattr(error, "problem", None) or "invalid YAML"
    source_line = front_text.split("\n")[line - 1] if 0 < line <= front_text.count("\n") + 1 else ""
    if "\t" in problem or "'\\t'" in problem or (mark and "\t" in source_line[: mark.column + 1]):
        return "malformed front matter: indent with spaces, not tabs", line
    if "mapping values are not allowed" in problem:
        return (
            "malformed front matter: a value holds ': ' (a colon and a space); put the value in quotes, "
            "as in title: \"Part 2: the field\"",
            line,
        )
    if "found character '@'" in problem or "found character '`'" in problem:
        return f"malformed front matter: {problem}; put the value in quotes", line
    return f"malformed front matter: {problem}", line


# Python-Markdown has no depth limit of its own: a list nested 2,000 levels deep or
# 50,000 nested brackets take it minutes and gigabytes. No page needs a tenth of these.
MAX_NESTING = 32
MAX_INDENT = 4 * MAX_NESTING
BRACKET = re.compile(r"[\[\]]")


def _nesting_is_bounded(lines: list[str], path: Path, body_line: int, findings: Findings) -> bool:
    """False (with an error at the line) when the body nests lists, quotes or brackets deeper than MAX_NESTING."""
    in_code = False
    brackets = 0
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        if not line.strip():
            brackets = 0  # a blank line ends the paragraph, and any link in it
            continue
        stripped = line.lstrip(" \t>")
        lead = line[: len(line) - len(stripped)]
        indent = len(lead.expandtabs(4)) if "\t" in lead else len(lead)
        quotes = lead.count(">")
        problem = None
        if indent > MAX_INDENT:
            problem = f"indented {indent} columns: lists nest at most {MAX_NESTING} levels deep"
        elif quotes > MAX_NESTING:
            problem = f"{quotes} nested '>' quotes: quotes nest at most {MAX_NESTING} deep"
        else:
            for bracket in BRACKET.findall(line) if "[" in line or "]" in line else ():
                brackets = brackets + 1 if bracket == "[" else max(brackets - 1, 0)
                if brackets > MAX_NESTING:
                    problem = f"more than {MAX_NESTING} nested '[' brackets: links and images nest at most {MAX_NESTING} deep"
                    break
        if problem:
            findings.error(f"nested too deeply ({problem}); the page cannot be rendered", path, body_line + index)
            return False
    return True


def load_module(path: Path, audience_ids: set[str], stage_ids: set[str]) -> Module:
    """One module file, alone; raises one ScormpackError naming every error in it."""
    findings = Findings()
    module = read_module(path, audience_ids, stage_ids, findings)
    findings.raise_errors()
    assert module is not None
    return module


def read_module(
    path: Path,
    audience_ids: set[str] | None,
    stage_ids: set[str] | None,
    findings: Findings,
    seen_ids: dict[str, Path] | None = None,
) -> Module | None:
    """One module file; None when it has errors (recorded in findings).

    seen_ids: the ids of the module files read before (id -> file), to report a duplicate once, where it is.

    audience_ids and stage_ids are None when course.toml could not be read:
    the file's own problems are still found.
    """
    errors_before = len(findings.errors)
    try:
        text = read_text(path)
    except ScormpackError as error:
        findings.record(error)
        return None
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        findings.error(f"a module starts with YAML front matter between '---' lines ({NOT_A_MODULE_RULE})", path, 1)
        return None
    try:
        front_text, body = handler.split(text)
    except ValueError:
        findings.error("front matter is not closed with a '---' line", path, 1)
        return None
    try:
        meta = _load_yaml(front_text)
    except yaml.YAMLError as error:
        message, line = yaml_problem(error, front_text)
        findings.error(message, path, line)
        meta = None
    except RecursionError:
        findings.error("malformed front matter: nested too deeply", path, 2)
        meta = None
    if meta is not None and not isinstance(meta, dict):
        findings.error("front matter must be a mapping of keys to values, one 'key: value' per line", path, 2)
        meta = None
    # The body is the tail of the file's text: count the lines before it.
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    fields = _FrontMatter(meta or {}, path, front_text, findings)
    if meta is not None:
        fields.check_keys(MODULE_KEYS)
        module_id = fields.identifier("id")
        if module_id in RESERVED_MODULE_IDS:
            fields.error(f"module id {module_id!r} is reserved for the package's own files; choose another", "id")
        elif module_id is not None and seen_ids is not None:
            if module_id in seen_ids:
                fields.error(f"duplicate module id {module_id!r} (also in {seen_ids[module_id]})", "id")
            else:
                seen_ids[module_id] = path
        audiences = fields.ids("audiences", audience_ids, "audience")
        stages = fields.ids("stages", stage_ids, "stage")
        quiz_settings = fields.quiz_settings()
        duration = fields.get("duration", int, default=0)
        if duration is not None and duration < 0:
            fields.error("duration must be a positive number of minutes", "duration")
        title = fields.get("title", str, required=True)
        order = fields.get("order", (int, float), default=0)
        objectives = fields.string_list("objectives")
        source = fields.get("source", str, default="")
        links = fields.links()
    else:
        quiz_settings = None

    lines = body.split("\n")
    if not _nesting_is_bounded(lines, path, body_line, findings):
        return None
    quiz = None
    try:
        for block in find_blocks(lines, path, body_line):
            opening_line = body_line + block.start
            if block.name == "only":
                condition = parse_condition(block.args, path, opening_line)
                for values, known, what in ((condition.audiences, audience_ids, "audience"), (condition.stages, stage_ids, "stage")):
                    for value in values or ():
                        if known is not None and value not in known:
                            findings.error(f"unknown {what} {value!r} in '::: only'{known_ids(value, known, what)}", path, opening_line)
            elif block.name != "quiz":
                findings.error(f"unknown block '::: {block.name}' (expected 'only' or 'quiz')", path, opening_line)
        lines, quiz = extract_quiz(lines, path, body_line, quiz_settings or QuizSettings())
    except ScormpackError as error:
        findings.record(error)
    if meta is None or len(findings.errors) > errors_before:
        return None
    if quiz_settings is not None and quiz is None:
        fields.error("front matter has quiz settings but the module has no '::: quiz' block", "quiz")
        return None

    return Module(
        id=module_id,
        title=title,
        order=order,
        audiences=audiences,
        stages=stages,
        duration_minutes=duration,
        objectives=objectives,
        source_reference=source,
        path=path,
        body="\n".join(lines),
        body_line=body_line,
        quiz=quiz,
        links=links,
        id_line=fields.line_of("id"),
    )


class _FrontMatter(_Table):
    def __init__(self, data: dict, path: Path, front_text: str, findings: Findings):
        # Front matter text starts on the file's second line (after '---').
        # front_text starts with the newline after the opening '---': its line numbers are the file's.
        super().__init__(data, path, front_text, "", 1, findings)

    def line_of(self, key: str) -> int:
        return key_line(self.text, key, default=1)

    def check_keys(self, known: set[str]) -> None:
        for key in self.data:
            if key not in known:
                self.error(f"unknown key {key!r} in the front matter{did_you_mean(str(key), known)}", str(key))

    def ids(self, key: str, known: set[str] | None, what: str) -> list[str]:
        if key not in self.data:
            if known is not None and len(known) > 1:
                self.error(
                    f"the front matter names no {key}: list the {what}s this module is for, "
                    f"or write '{key}: all' for every {what} ({', '.join(sorted(known))})"
                )
            return [ALL]
        value = self.data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            self.error(f"{key} must be a list of {what} ids, or all", key)
            return [ALL]
        for item in value:
            if known is not None and item != ALL and item not in known:
                self.error(f"unknown {what} {item!r}{known_ids(item, known, what)}", key)
        return value

    def links(self) -> list[WebLink]:
        """`links:` entries, each a mapping with a title and an absolute http(s) url."""
        value = self.get("links", list, default=[]) or []
        links = []
        for entry in value:
            line = self.line_of("links")
            url_text = entry.get("url") if isinstance(entry, dict) else None
            if isinstance(url_text, str) and url_text and url_text in self.text:
                line = self.text.count("\n", 0, self.text.index(url_text)) + 1
            if not isinstance(entry, dict) or set(entry) - {"title", "url"}:
                self.findings.error("each entry of links must have only a title and a url", self.path, line)
                continue
            title, url = entry.get("title"), entry.get("url")
            if not isinstance(title, str) or not title.strip():
                self.findings.error("a links entry needs a non-empty title", self.path, line)
                continue
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
                self.findings.error(f"links: {url!r} is not an absolute http or https URL", self.path, line)
                continue
            links.append(WebLink(title.strip(), url))
        return links

    def quiz_settings(self) -> QuizSettings | None:
        if "quiz" not in self.data:
            return None
        data = self.data["quiz"]
        if not isinstance(data, dict):
            self.error(
                "quiz must be a table of settings, one per line below it, like\n  quiz:\n    pass_mark: 80\n"
                "(leave it out for the defaults; the questions go in a '::: quiz' block)",
                "quiz",
            )
            return QuizSettings()
        quiz_line = self.line_of("quiz")
        table = _Table(data, self.path, self.text, "quiz", quiz_line, self.findings)
        table.line_of = lambda key: key_line(self.text, key, default=quiz_line)  # type: ignore[method-assign]
        for key in data:
            if key not in QUIZ_KEYS:
                table.error(f"unknown quiz setting {key!r}{did_you_mean(str(key), QUIZ_KEYS)}", str(key))
        pass_mark = table.get("pass_mark", (int, float), default=80)
        if pass_mark is not None and not 0 <= pass_mark <= 100:
            table.error("quiz.pass_mark must be a percentage from 0 to 100", "pass_mark")
        attempts = table.get("attempts", int, default=0)
        if attempts is not None and attempts < 0:
            table.error("quiz.attempts must be 0 (unlimited) or more", "attempts")
        return QuizSettings(
            pass_mark=float(pass_mark or 0),
            attempts=attempts or 0,
            required=table.get("required", bool, default=True),
            shuffle=table.get("shuffle", bool, default=False),
        )
