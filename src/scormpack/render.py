"""Renders a bundle's modules into HTML pages (jinja2) and the files they need."""
from __future__ import annotations

import functools
import hashlib
import html
import importlib
import io
import json
import os
import pickle
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markdown import Markdown
from markupsafe import Markup

from .captions import Cue
from .course import Bundle, Course, Module, Question, Quiz, QuizSettings
from .errors import ScormpackError
from .markdown_ext.blocks import CODE_FENCE
from .markdown_ext.checks import check_anchors, check_module_anchors, rendered_ids, rendered_module_links
from .markdown_ext.conditional import filter_passages
from .markdown_ext.links import LinkContext, LinkExtension
from .messages import Messages, messages_for
from .package import Deflated, is_deflated

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATE_DIR = PACKAGE_DIR / "templates"
RUNTIME_FILES = ("scormpack.js", "scormpack.css")
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "attr_list", "def_list", "abbr"]
PAGE_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*#*\s*$")

# One file per module holding every page (a SCO must Initialize and Terminate once),
# one file per page (plain web content, as Common Cartridge imports it), or the
# offline web edition's: a file per module as for a SCO, with links to the
# contents page and the modules beside it, progress kept in the browser.
LAYOUTS = ("sco", "paged", "web")
# What the web edition adds to the runtime: its local store of progress, its navigation and print styles.
WEB_FILES = ("web.js", "web.css")
# The layout of what the runtime saves in cmi.suspend_data (static/scormpack.js, suspendData). Raise it
# when that layout changes: the runtime then starts cleanly on state of the old layout, and
# `scormpack diff` judges the update a reset.
SAVED_STATE_FORMAT = 1


@dataclass
class RenderedPage:
    index: int
    title: str
    html: Markup
    source_line: int

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def anchor(self) -> str:
        return f"page-{self.number}"


@dataclass
class RenderedOption:
    id: str
    html: Markup
    feedback_html: Markup | str


@dataclass
class RenderedQuestion:
    question: Question
    number: int
    prompt_html: Markup
    options: list[RenderedOption]
    left: list[tuple[str, Markup]]
    right: list[tuple[str, Markup]]
    items: list[tuple[str, Markup]]
    feedback_correct_html: Markup | str
    feedback_wrong_html: Markup | str
    prompt_text: str  # the prompt as plain text (titles, descriptions)

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def weight(self) -> float:
        return self.question.weight


@dataclass
class RenderedQuiz:
    quiz: Quiz
    questions: list[RenderedQuestion]

    @property
    def settings(self) -> QuizSettings:
        return self.quiz.settings


@dataclass
class RenderedModule:
    module: Module
    pages: list[RenderedPage]
    quiz: RenderedQuiz | None
    files: dict[str, bytes]  # package path -> content, in page order
    launch: str  # package path of the first page
    media: dict[str, Path]  # package path -> source file of the media it uses
    # Found in the pages once, when rendered, and cached with them: the links between modules are
    # checked on every build (check_module_anchors), and scanning every page each time would cost
    # a rebuild after a one-module edit more than rendering that module.
    element_ids: frozenset[str] = field(init=False)  # the ids the module's pages have
    module_links: tuple[tuple[str, str], ...] = field(init=False)  # (module id, anchor) of its links to other modules
    # The sha256 of each file, cached with them: validation keys its saved-state estimates on the
    # launch pages' digests, and hashing a thousand cached pages on every rebuild is wasted.
    digests: dict[str, str] = field(init=False)

    # The files and folders rendering read besides the module's source whose change changes the
    # pages (captions, a .srt converted, the folders companions are found in, an image resized):
    # the module cache renders it again when one of them changes.
    inputs: tuple[Path, ...] = ()
    # Media packaged re-encoded, not as their source file (build --resize-images): package path -> bytes.
    resized: dict[str, bytes] = field(default_factory=dict)
    # The cues of its players' caption tracks, by <track src>, in the web layout only: its pages carry
    # them, since a page opened from file:// may not load the track's file (see captions.py).
    captions: dict[str, tuple[Cue, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.element_ids = frozenset(rendered_ids(self.files))
        self.module_links = tuple(rendered_module_links(self.files))
        self.digests = {name: hashlib.sha256(content).hexdigest() for name, content in self.files.items()}

    # Pickled (the build cache), the pages and the quiz are kept apart, unpickled only when asked for:
    # most of a module's objects are theirs, and the packages that hold modules as single pages (the
    # "sco" layout) never ask for them, so a rebuild unpickles a fraction of each cached module.
    # The ids are kept as one string, split when asked for (the anchor checks ask for the modules
    # linked to only), and the media's source paths as strings made paths again through one table
    # (most modules use the same few images): unpickling a thousand modules' ids and paths one object
    # at a time was half the cost of reading them back.
    #
    # The files are kept as the zip will hold them (package.Deflated: deflated, with their CRC and size):
    # a rebuild adds an unchanged module's pages to the package without inflating or deflating them,
    # and reads a quarter of the bytes back from the cache. `files` inflates them when asked for.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if _DEFERRED not in state:  # else pages and quiz are still the bytes they were unpickled from
            deferred = {"pages": state.pop("pages"), "quiz": state.pop("quiz")}
            state[_DEFERRED] = dumps_referring_to_model(deferred, self.module)
        if _IDS not in state:
            state[_IDS] = "\n".join(sorted(state.pop("element_ids")))
        if _PACKED not in state:
            state[_PACKED] = {name: Deflated.of(content) if is_deflated(name) else content for name, content in state.pop("files").items()}
        else:
            state.pop("files", None)
        state["media"] = {name: str(source) for name, source in self.media.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        state["media"] = {name: _media_path(source) for name, source in state["media"].items()}
        self.__dict__.update(state)

    def __getattr__(self, name: str):  # only for attributes not set: the deferred ones
        state = self.__dict__
        if name in ("pages", "quiz") and _DEFERRED in state:
            state.update(loads_referring_to_model(state.pop(_DEFERRED), self.module))
            return state[name]
        if name == "files" and _PACKED in state:
            state[name] = {path: content.read() if isinstance(content, Deflated) else content for path, content in state[_PACKED].items()}
            return state[name]
        if name == "element_ids" and _IDS in state:
            ids = state.pop(_IDS)
            state[name] = frozenset(ids.split("\n")) if ids else frozenset()
            return state[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def folder(self) -> str:
        return self.module.id

    @property
    def contents(self) -> dict[str, bytes | Deflated]:
        """The files as a package's entries: as rendered, or (a cached module's, not inflated) deflated."""
        state = self.__dict__
        return state["files"] if "files" in state else state[_PACKED]


_DEFERRED = "_deferred"  # a RenderedModule's pickled pages and quiz
_IDS = "_ids"  # a RenderedModule's element ids, one per line
_PACKED = "_packed_files"  # a RenderedModule's files as the zip holds them (package.Deflated)


@functools.lru_cache(maxsize=4096)
def _media_path(source: str) -> Path:
    return Path(source)


def _model_objects(module: Module) -> dict[str, object]:
    """The objects of the course model a rendered module refers to, by name (see dumps_referring_to_model)."""
    objects: dict[str, object] = {"module": module}
    if module.quiz is not None:
        objects["quiz"] = module.quiz
        objects.update((f"question-{index}", question) for index, question in enumerate(module.quiz.questions))
    return objects


def dumps_referring_to_model(value: object, module: Module) -> bytes:
    """value pickled with references to `module` and its quiz and questions instead of copies of them."""
    names = {id(model): name for name, model in _model_objects(module).items()}
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = lambda found: names.get(id(found))  # type: ignore[method-assign]
    pickler.dump(value)
    return buffer.getvalue()


def loads_referring_to_model(data: bytes, module: Module) -> object:
    """What dumps_referring_to_model pickled, its references made to `module` (equal to the one it was pickled with)."""
    unpickler = pickle.Unpickler(io.BytesIO(data))
    unpickler.persistent_load = _model_objects(module).__getitem__  # type: ignore[method-assign]
    return unpickler.load()


@dataclass
class RenderedBundle:
    """Everything a target needs: targets write manifests and never render Markdown or HTML."""

    course: Course
    bundle: Bundle
    layout: str
    modules: list[RenderedModule]
    shared_files: dict[str, Path | bytes]  # package path -> source file (runtime and media), or an image re-encoded
    warnings: list[ScormpackError] = field(default_factory=list)
    introduction: bytes | None = None  # INTRODUCTION_FILE, in the paged layout
    contents: bytes | None = None  # CONTENTS_FILE, in the paged and web layouts
    handout: bytes | None = None  # PRINT_FILE, the whole bundle on one page to print (web layout)
    messages: Messages = field(default_factory=lambda: messages_for("en"))  # the course language's words


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENVIRONMENT = _environment()


class _CompiledTemplates(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # keeping the compiled template is only a saving
            pass


def keep_compiled_templates(folder: Path | None) -> None:
    """Keep the templates compiled in folder (jinja2 checks each against its source), so a process that
    renders one module does not compile every template again: that costs more than the rendering.
    None: compile them in each process."""
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = None
    _ENVIRONMENT.bytecode_cache = _CompiledTemplates(str(folder)) if folder is not None else None


def page_filename(layout: str, index: int, page_count: int) -> str:
    """The file of page `index`; index == page_count is the quiz page in the paged layout."""
    if layout == "sco" or index == 0:
        return "index.html"
    if index == page_count:
        return "quiz.html"
    return f"page-{index + 1}.html"


class RenderCache(Protocol):
    """Where render_bundle finds modules rendered before (see pipeline.ModuleCache)."""

    def lookup(self, module: Module) -> tuple[RenderedModule, list[ScormpackError]] | None: ...

    def store(self, module: Module, rendered: RenderedModule, warnings: list[ScormpackError]) -> None: ...


def _module_linker(bundle: Bundle) -> Callable[[Path, str], str | None]:
    """Where a link to a module file goes: that module's page when the bundle holds it, else nowhere (None)."""
    # Paths are compared resolved (links through symbolic links count); resolving every module's path
    # costs a one-module rebuild of a big course more than rendering, so the same absolute path is
    # looked for first (which resolves alike), and every path resolved only when that fails.
    by_path = {os.path.abspath(module.path): module for module in bundle.modules}
    by_resolved: dict[Path, Module] | None = None

    def module_href(target: Path, fragment: str) -> str | None:
        nonlocal by_resolved
        module = by_path.get(os.path.abspath(target))
        if module is None:
            if by_resolved is None:
                by_resolved = {module.path.resolve(): module for module in bundle.modules}
            module = by_resolved.get(target.resolve())
        if module is None:
            return None
        return f"../{module.id}/index.html" + (f"#{fragment}" if fragment else "")

    return module_href


def render_modules(
    course: Course, bundle: Bundle, modules: list[Module], layouts: list[str]
) -> list[dict[str, tuple[RenderedModule, list[ScormpackError]]]]:
    """Some of a bundle's modules in one or more layouts, each with its warnings.

    The Markdown of each module is converted once for all the layouts, and a
    big bundle can be rendered in parts (links still follow the whole bundle).
    """
    unknown = [layout for layout in layouts if layout not in LAYOUTS]
    if unknown:
        raise ValueError(f"unknown layout {unknown[0]!r}")
    module_href = _module_linker(bundle)
    results = []
    for module in modules:
        converted = _convert_module(course, bundle, module, module_href)
        unlinked = converted
        if "paged" in layouts and converted.module_links:
            unlinked = _convert_module(course, bundle, module, module_href, False)
        results.append(
            {
                layout: (
                    _lay_out_module(course, bundle, module, layout, unlinked if layout == "paged" else converted),
                    list(converted.warnings),
                )
                for layout in layouts
            }
        )
    return results


def render_bundle(course: Course, bundle: Bundle, layout: str, cache: RenderCache | None = None) -> RenderedBundle:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    module_href = _module_linker(bundle)
    warnings: list[ScormpackError] = []
    modules = []
    for module in bundle.modules:
        cached = cache.lookup(module) if cache is not None else None
        if cached is None:
            module_warnings: list[ScormpackError] = []
            rendered = _render_module(course, bundle, module, layout, module_href, module_warnings)
            if cache is not None:
                cache.store(module, rendered, module_warnings)
        else:
            rendered, module_warnings = cached
        warnings.extend(module_warnings)
        modules.append(rendered)
    warnings.extend(check_module_anchors(modules))
    runtime_files = RUNTIME_FILES + (WEB_FILES if layout == "web" else ())
    shared: dict[str, Path | bytes] = {f"shared/{name}": STATIC_DIR / name for name in runtime_files}
    for rendered in modules:
        shared.update(rendered.media)
    for rendered in modules:
        shared.update(rendered.resized)
    result = RenderedBundle(
        course, bundle, layout, modules, dict(sorted(shared.items())), warnings,
        messages=messages_for(course.language, course.message_overrides),
    )
    if layout == "paged":
        result.introduction = render_introduction(result)
        result.contents = render_contents(result)
    if layout == "web":
        result.contents = render_web_contents(result)
        result.handout = render_handout(result)
    return result


def split_pages(lines: list[str], first_line: int, module_title: str) -> list[tuple[str, int, list[str]]]:
    """(title, file line, body lines) per page: text before the first `##` heading, then one per heading."""
    pages: list[tuple[str, int, list[str]]] = [(module_title, first_line, [])]
    in_code = False
    for offset, line in enumerate(lines):
        if CODE_FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else PAGE_HEADING.match(line)
        if heading:
            pages.append((_plain(heading.group("title")), first_line + offset, []))
        else:
            pages[-1][2].append(line)
    if not any(line.strip() for line in pages[0][2]):
        pages.pop(0)
    return pages


def _plain(markdown_inline: str) -> str:
    return re.sub(r"[*_`]", "", markdown_inline).strip()


# Setting up a Markdown instance costs more than converting a page with it, so
# one instance is kept for plain text and one for the module being rendered,
# and reset before each use.
_plain_markdown: Markdown | None = None
_linked_markdown: tuple[LinkContext, Markdown] | None = None


def _extensions() -> list:
    """MARKDOWN_EXTENSIONS made from their modules, as Python-Markdown makes an extension named by its
    module. Named by their short names, Python-Markdown would look each one up among the entry points of
    every installed distribution first, each time: on a rebuild of one module that costs more than
    converting it. Pygments is kept out while fenced_code loads its code highlighter, which scormpack
    never enables: loading Pygments' lexers costs a rebuild more than rendering the module."""
    blocked = "pygments" not in sys.modules
    if blocked:
        sys.modules["pygments"] = None  # type: ignore[assignment]  # `import pygments` fails: codehilite goes without
    try:
        return [importlib.import_module(f"markdown.extensions.{name}").makeExtension() for name in MARKDOWN_EXTENSIONS]
    finally:
        if blocked and sys.modules.get("pygments", 0) is None:
            del sys.modules["pygments"]


def _markdown(context: LinkContext | None = None) -> Markdown:
    """A converter ready for a new document: with the link checker of `context`, or plain."""
    global _plain_markdown, _linked_markdown
    if context is None:
        if _plain_markdown is None:
            _plain_markdown = Markdown(extensions=_extensions(), output_format="html")
        return _plain_markdown.reset()
    if _linked_markdown is None or _linked_markdown[0] is not context:
        extensions: list = [*_extensions(), LinkExtension(context)]
        _linked_markdown = (context, Markdown(extensions=extensions, output_format="html"))
    return _linked_markdown[1].reset()


@dataclass
class ConvertedModule:
    """A module's Markdown converted for one bundle: what each layout's files are made from."""

    pages: list[RenderedPage]
    quiz: RenderedQuiz | None
    media: dict[str, Path]
    warnings: list[ScormpackError]
    module_links: int  # links to other modules of the bundle
    generated: dict[str, bytes] = field(default_factory=dict)  # module files made while converting (WebVTT from .srt)
    inputs: tuple[Path, ...] = ()  # see RenderedModule.inputs
    resized: dict[str, bytes] = field(default_factory=dict)  # see RenderedModule.resized
    captions: dict[str, tuple[Cue, ...]] = field(default_factory=dict)  # see RenderedModule.captions


def _render_module(course, bundle, module: Module, layout: str, module_href, warnings) -> RenderedModule:
    converted = _convert_module(course, bundle, module, module_href, layout != "paged")
    warnings.extend(converted.warnings)
    return _lay_out_module(course, bundle, module, layout, converted)


def _convert_module(course, bundle, module: Module, module_href, link_modules: bool = True) -> ConvertedModule:
    """The module's pages and quiz as HTML; `link_modules` False keeps only the text of links to other modules."""
    source_lines = module.body.split("\n")
    kept = filter_passages(source_lines, module.path, module.body_line, bundle.audience, bundle.stage)
    messages = messages_for(course.language, course.message_overrides)
    context = LinkContext(
        course_root=course.root,
        module_path=module.path,
        source_lines=source_lines,
        first_line=module.body_line,
        shared_prefix="../shared/",
        module_href=module_href,
        link_modules=link_modules,
        allowed_remote=tuple(course.allow_remote),
        language=course.language,
        module_id=module.id,
        transcript_label=messages("media.transcript"),
        resize_images=course.resize_images,
    )
    pages = []
    page_sources = split_pages(kept, module.body_line, module.title)
    context.name_pages([title for title, _, _ in page_sources])
    for index, (title, line, body) in enumerate(page_sources):
        html_text = _markdown(context).convert("\n".join(body))
        if not html_text.strip():
            raise ScormpackError(f"page {title!r} is empty for bundle {bundle.id!r}", module.path, line)
        pages.append(RenderedPage(index, title, Markup(html_text), line))
    if not pages:
        raise ScormpackError(f"module {module.id!r} has no content for bundle {bundle.id!r}", module.path, module.body_line)
    quiz = _render_quiz(module.quiz, context) if module.quiz else None
    context.raise_errors()
    check_anchors(context, len(pages), quiz is not None)
    # Media packaged as they are need no new render when they change (the package is rebuilt from
    # them); what rendering itself read does (context.inputs).
    inputs = tuple(sorted(context.inputs, key=str))
    return ConvertedModule(
        pages, quiz, dict(context.media), list(context.warnings), context.module_links, dict(context.generated), inputs,
        dict(context.resized), dict(context.captions),
    )


def _lay_out_module(course, bundle, module: Module, layout: str, converted: ConvertedModule) -> RenderedModule:
    pages, quiz = converted.pages, converted.quiz
    common = {
        "t": messages_for(course.language, course.message_overrides),
        "course": course,
        "bundle": bundle,
        "module": module,
        "pages": pages,
        "shared": "../shared/",
        "layout": layout,
        "sco_json": _script_json(
            {
                "courseId": course.id,
                "bundleId": bundle.id,
                "moduleId": module.id,
                "title": module.title,
                "pageCount": len(pages),
                "hasQuiz": quiz is not None,
                "stateFormat": SAVED_STATE_FORMAT,
            }
        ),
        "quiz_json": _script_json(quiz_data(module.quiz)) if module.quiz else "",
    }
    files: dict[str, bytes] = {}
    if layout == "sco":
        files[f"{module.id}/index.html"] = _render("sco.html", common, quiz=quiz)
    elif layout == "web":
        files[f"{module.id}/index.html"] = _render(
            "web_module.html", common, quiz=quiz, store_json=_script_json(web_store(course, bundle, module)), web_page=True,
            captions_json=captions_json(converted.captions), **_neighbours(bundle, module),
        )
    else:
        # Pages that stand alone: the LMS (or, unzipped, the contents page) links them.
        page_count = len(pages)
        last = page_count if quiz else page_count - 1
        for index in range(last + 1):
            files[f"{module.id}/{page_filename(layout, index, page_count)}"] = _render(
                "page.html",
                common,
                page=pages[index] if index < page_count else None,
                quiz=quiz if index == page_count else None,
            )
    files.update(converted.generated)
    return RenderedModule(
        module, pages, quiz, files, f"{module.id}/index.html", dict(converted.media), converted.inputs, dict(converted.resized),
        captions=dict(converted.captions) if layout == "web" else {},
    )


def captions_json(captions: dict[str, tuple[Cue, ...]]) -> Markup | str:
    """The cues of a page's caption tracks, by <track src>, as the page carries them for web.js ("" for none)."""
    if not captions:
        return ""
    return _script_json({src: [cue.as_data() for cue in cues] for src, cues in captions.items()})


def web_store(course: Course, bundle: Bundle, module: Module | None = None) -> dict:
    """Where the web edition keeps a learner's progress in the browser (localStorage), and what it needs to.

    Keys are namespaced by course, bundle, language and version, so two
    courses (or two versions of one) opened from the same disk never read each
    other's progress: a new version starts clean, as a new LMS attempt would.
    """
    data: dict = {
        "prefix": f"scormpack:{course.id}:{bundle.id}:{course.language}:{course.version}:",
        "modules": [entry.id for entry in bundle.modules],
    }
    if module is not None:
        data["module"] = module.id
    return data


def _neighbours(bundle: Bundle, module: Module) -> dict:
    """The modules before and after this one in the bundle (the web edition links them)."""
    index = [entry.id for entry in bundle.modules].index(module.id)
    return {
        "previous_module": bundle.modules[index - 1] if index > 0 else None,
        "next_module": bundle.modules[index + 1] if index + 1 < len(bundle.modules) else None,
    }


def _render(template: str, common: dict, **extra) -> bytes:
    return _ENVIRONMENT.get_template(template).render(**common, **extra).encode("utf-8")


def _script_json(data: dict) -> Markup:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# Most quiz options, feedback and prompts are one line of text using none of
# Markdown's syntax: such text converts to itself in a paragraph. Skipping the
# parser for it saves a fifth of a big course's build (tests pin the equality).
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_{}\[\]<>&#+|~=\n\t\r]|^[\s>-]|\s$|^\d+[.)]|  ")


def is_plain_text(markdown_text: str) -> bool:
    """Whether the text holds no Markdown syntax at all (so it converts to itself)."""
    return bool(markdown_text) and not _MARKDOWN_SYNTAX.search(markdown_text)


def _paragraphs(markdown_text: str, context: LinkContext | None) -> str:
    """Markdown converted to HTML blocks."""
    if is_plain_text(markdown_text):
        return f"<p>{markdown_text}</p>"
    return _markdown(context).convert(markdown_text)


def _fragment(markdown_text: str, context: LinkContext) -> Markup:
    """Markdown for a short piece (an option, a feedback): a lone paragraph is unwrapped."""
    if not markdown_text:
        return Markup("")
    text = _paragraphs(markdown_text, context).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text)


def display_order(question: Question, items: list[str]) -> list[int]:
    """A scrambled but deterministic order of item indexes, never the original one when avoidable."""
    order = list(range(len(items)))
    generator = random.Random(f"{question.id}:{len(items)}")
    for _ in range(8):
        generator.shuffle(order)
        if order != sorted(order):
            break
    return order


def _render_quiz(quiz: Quiz, context: LinkContext) -> RenderedQuiz:
    rendered = []
    for number, question in enumerate(quiz.questions, start=1):
        right_order = display_order(question, [pair.right for pair in question.pairs])
        item_order = display_order(question, question.sequence)
        rendered.append(
            RenderedQuestion(
                question=question,
                number=number,
                prompt_html=Markup(_paragraphs(question.prompt, context)),
                options=[
                    RenderedOption(option.id, _fragment(option.text, context), _fragment(option.feedback, context))
                    for option in question.options
                ],
                left=[(str(i + 1), _fragment(pair.left, context)) for i, pair in enumerate(question.pairs)],
                right=[(_letter(i), _fragment(question.pairs[i].right, context)) for i in right_order],
                items=[(_letter(i), _fragment(question.sequence[i], context)) for i in item_order],
                feedback_correct_html=_fragment(question.feedback_correct, context),
                feedback_wrong_html=_fragment(question.feedback_wrong, context),
                prompt_text=plain_text(question.prompt, limit=None),
            )
        )
    return RenderedQuiz(quiz, rendered)


def _letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index]


def plain_text(markdown_text: str, limit: int | None = 250) -> str:
    """Markdown reduced to plain text, for interaction descriptions and metadata (shortened to `limit`)."""
    text = re.sub(r"<[^>]+>", "", _paragraphs(markdown_text, None))
    return shorten(" ".join(html.unescape(text).split()), limit)


def shorten(text: str, limit: int | None) -> str:
    """The text cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quiz_data(quiz: Quiz) -> dict:
    """What the runtime needs to score a quiz and report it (see templates/sco.html)."""
    questions = []
    for question in quiz.questions:
        entry: dict = {
            "id": question.id,
            "type": question.kind,
            "weight": question.weight,
            "description": plain_text(question.prompt),
        }
        if question.kind in ("single", "multiple"):
            entry["options"] = [option.id for option in question.options]
            entry["correct"] = [option.id for option in question.correct_options]
        elif question.kind == "truefalse":
            entry["answer"] = question.answer_bool
        elif question.kind == "fillin":
            entry["accepted"] = question.accepted
            entry["caseSensitive"] = question.case_sensitive
        elif question.kind == "matching":
            right_order = display_order(question, [pair.right for pair in question.pairs])
            entry["left"] = [str(i + 1) for i in range(len(question.pairs))]
            entry["right"] = [_letter(i) for i in right_order]
            entry["pairs"] = [[str(i + 1), _letter(i)] for i in range(len(question.pairs))]
        elif question.kind == "ordering":
            entry["items"] = [_letter(i) for i in display_order(question, question.sequence)]
            entry["order"] = [_letter(i) for i in range(len(question.sequence))]
        questions.append(entry)
    settings = quiz.settings
    return {
        "passMark": settings.pass_mark,
        "attempts": settings.attempts,
        "required": settings.required,
        "shuffle": settings.shuffle,
        "questions": questions,
    }


# At the package root, beside the module folders (paged layout; the web edition has the last two).
INTRODUCTION_FILE = "introduction.html"
CONTENTS_FILE = "index.html"
# In a folder of its own, one level down like the modules: the pages' HTML it holds
# links the shared files and other modules as "../shared/...", "../<module>/...".
PRINT_FILE = "print/index.html"


def _module_entries(rendered: RenderedBundle) -> list[dict]:
    """Each module's title, time, knowledge check and files (pages, then the practice check), in order."""
    entries = []
    for module in rendered.modules:
        titles = [page.title for page in module.pages]
        if module.quiz is not None:  # the paged layout's last file is the practice check
            titles.append(rendered.messages("contents.practice"))
        entries.append(
            {
                "title": module.module.title,
                "href": module.launch,
                "minutes": module.module.duration_minutes,
                "has_quiz": module.quiz is not None,
                "pages": [{"title": title, "href": path} for title, path in zip(titles, module.contents)],
            }
        )
    return entries


def _bundle_page(
    rendered: RenderedBundle, template: str, title: str, layout: str | None = None, shared: str = "shared/", **extra
) -> bytes:
    """A page about the whole bundle; `layout` is what its body tells the runtime ("paged": a page of links, no SCO),
    `shared` the way from it to the shared folder."""
    course = rendered.course
    entries = _module_entries(rendered)
    common = {
        "t": rendered.messages,
        "course": course,
        "bundle": rendered.bundle,
        "module": {"title": title, "source_reference": ""},
        "shared": shared,
        "layout": layout or rendered.layout,
    }
    return _render(template, common, entries=entries, total_minutes=sum(entry["minutes"] for entry in entries), **extra)


def render_introduction(rendered: RenderedBundle) -> bytes:
    """The bundle's introduction page (paged layout): the course, its audience and its modules, named.

    Common Cartridge puts it first, so that LMSs which turn the first item into
    a general section keep module 1 in a section of its own. It links no other
    page: in an LMS that link would be dead (see web_content.html).
    """
    course, bundle = rendered.course, rendered.bundle
    audiences = {audience.id: audience for audience in course.audiences}
    stages = {stage.id: stage for stage in course.stages}
    description = bundle.description or course.description
    return _bundle_page(
        rendered,
        "introduction.html",
        rendered.messages("introduction.title"),
        description_html=Markup(_markdown().convert(description)) if description else "",
        audience=audiences.get(bundle.audience or ""),
        stage=stages.get(bundle.stage or ""),
        linked=False,
    )


def render_contents(rendered: RenderedBundle) -> bytes:
    """The unzipped cartridge's contents page: the introduction and every page of every module, linked."""
    return _bundle_page(
        rendered, "contents.html", rendered.bundle.title or rendered.course.title,
        introduction_href=INTRODUCTION_FILE, linked=True,
    )


def _bundle_facts(rendered: RenderedBundle) -> dict:
    """What the introduction and the web edition's front page say about the bundle."""
    course, bundle = rendered.course, rendered.bundle
    audiences = {audience.id: audience for audience in course.audiences}
    stages = {stage.id: stage for stage in course.stages}
    description = bundle.description or course.description
    return {
        "description_html": Markup(_markdown().convert(description)) if description else "",
        "audience": audiences.get(bundle.audience or ""),
        "stage": stages.get(bundle.stage or ""),
    }


def render_web_contents(rendered: RenderedBundle) -> bytes:
    """The web edition's front door (index.html): the bundle, its modules linked with the learner's progress."""
    course, bundle = rendered.course, rendered.bundle
    return _bundle_page(
        rendered, "web_contents.html", bundle.title or course.title, layout="paged", web_page=True,
        linked=True, print_href=PRINT_FILE, store_json=_script_json(web_store(course, bundle)),
        **_bundle_facts(rendered),
    )


def render_handout(rendered: RenderedBundle) -> bytes:
    """The whole bundle on one page for printing (PRINT_FILE): every module's pages in order, its knowledge
    check as questions to answer on paper, and, when the course asks for it, their answers."""
    course = rendered.course
    modules = [
        {
            "module": module.module,
            "pages": module.pages,
            "quiz": module.quiz,
            "answers": {question.id: handout_answer(question, rendered.messages) for question in module.quiz.questions}
            if module.quiz is not None and course.print_answers else {},
        }
        for module in rendered.modules
    ]
    captions = {src: cues for module in rendered.modules for src, cues in module.captions.items()}
    return _bundle_page(
        rendered, "web_print.html", rendered.bundle.title or course.title, layout="paged", shared="../shared/", web_page=True,
        handout_modules=modules, contents_href=f"../{CONTENTS_FILE}", captions_json=captions_json(captions),
        **_bundle_facts(rendered),
    )


def handout_answer(question: RenderedQuestion, messages: Messages) -> Markup:
    """The answer to one question as the handout prints it (only with print_answers)."""
    source = question.question
    separator = messages("introduction.list_separator")
    if question.kind in ("single", "multiple"):
        chosen = [option.html for option in question.options if option.id in {o.id for o in source.correct_options}]
        return Markup(separator).join(chosen)
    if question.kind == "truefalse":
        return Markup(messages("quiz.true") if source.answer_bool else messages("quiz.false"))
    if question.kind == "fillin":
        return Markup(separator).join(source.accepted)
    if question.kind == "matching":
        right = dict(question.right)  # letter -> text; left item i matches letter i
        return Markup(separator).join(Markup("{} → {}").format(left, right[_letter(index)]) for index, (_, left) in enumerate(question.left))
    if question.kind == "ordering":
        by_letter = dict(question.items)
        return Markup(separator).join(by_letter[_letter(index)] for index in range(len(question.items)))
    return Markup("")
