"""The saved-state budget: whether a scormpack SCO's cmi.suspend_data can outgrow what its standard guarantees."""
from __future__ import annotations

import json
from collections.abc import MutableMapping

from lxml import etree

from .archive import PackageReadError
from .manifest import PackageView
from .report import STANDARD_NAMES, Report, where_of
from .standard import scorm_type

SUSPEND_DATA_LIMITS = {"scorm12": 4096, "scorm2004": 64000}

def estimate_suspend_data(sco: dict, quiz: dict | None) -> int:
    """The longest cmi.suspend_data our runtime (static/scormpack.js, suspendData) can write for one SCO.

    It saves the page, the pages visited, the attempts used and the last
    answers to every question: the worst case is every page visited and the
    longest answer to each question.
    """
    pages = int(sco.get("pageCount", 1)) + (1 if quiz else 0)
    data: dict = {"f": int(sco.get("stateFormat", 1)), "p": max(pages - 1, 0), "v": list(range(pages))}
    if quiz:
        attempts = int(quiz.get("attempts") or 0) or 9999  # unlimited: a realistic ceiling on the counter
        data["q"] = {"n": attempts, "r": {q.get("id", ""): _longest_answer(q) for q in quiz.get("questions", [])}}
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


FILL_IN_MAX_CHARS = 250  # the text input's maxlength in templates/quiz.html


def _longest_answer(question: dict) -> list:
    kind = question.get("type")
    if kind == "single":
        return [max(question.get("options") or [""], key=len)]
    if kind == "multiple":
        return list(question.get("options") or [])
    if kind == "truefalse":
        return [False]
    if kind == "fillin":
        # Every character may need escaping in JSON (a quote or a backslash): two characters each.
        return ["x" * (2 * FILL_IN_MAX_CHARS)]
    if kind == "matching":
        longest = max(question.get("right") or [""], key=len)
        return [[left, longest] for left in question.get("left") or []]
    if kind == "ordering":
        return list(question.get("items") or [])
    return []


def page_json(page: etree._Element, element_id: str) -> dict | None:
    """The JSON object a scormpack page carries in <script id=element_id>, or None."""
    for script in page.iter("script"):
        if script.get("id") == element_id:
            try:
                value = json.loads(script.text or "")
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def check_suspend_data(report: Report, view: PackageView, estimates: MutableMapping[str, int | None] | None = None) -> None:
    """Warn when a scormpack SCO's saved state can pass what the standard guarantees to store.

    `estimates` remembers each launch page's estimate by the page's sha256
    (None: not a scormpack SCO), so a rebuild parses only the pages that changed.
    """
    limit = SUSPEND_DATA_LIMITS.get(view.standard)
    if limit is None:
        return
    for resource in view.root.iter(view.cp("resource")):
        size = _estimate(view, resource, estimates) if scorm_type(resource) == "sco" else None
        if size is not None and size > limit:
            report.warning(
                where_of(resource),
                f"the SCO's saved state (cmi.suspend_data) can reach {size:,} characters, over the {limit:,} that "
                f"{STANDARD_NAMES[view.standard]} guarantees: the runtime then drops the longest saved answers, "
                "which learners lose on resume (fewer or shorter questions per module keep them)",
                "suspend-data",
            )


def _estimate(view: PackageView, resource: etree._Element, estimates: MutableMapping[str, int | None] | None) -> int | None:
    """The longest saved state of the SCO a resource launches; None when it is not a scormpack SCO."""
    if estimates is None:
        return _estimate_page(view.launch_page(resource))
    href = resource.get("href")
    path = view.resource_path(resource, href) if href else None
    if not path or path not in view.files or not path.lower().endswith((".html", ".htm")):
        return None  # launch_page reads no other page
    try:
        key = view.sha256(path)
    except PackageReadError:
        return None
    size = estimates[key] if key in estimates else _estimate_page(view.launch_page(resource))
    estimates[key] = size  # recorded again on a hit: a caller may keep only the estimates a build used
    return size


def _estimate_page(launched: tuple[str, etree._Element | None] | None) -> int | None:
    if launched is None or launched[1] is None:
        return None
    page = launched[1]
    sco = page_json(page, "sp-sco")
    if sco is None:
        return None  # not a scormpack SCO: its saved state cannot be estimated
    return estimate_suspend_data(sco, page_json(page, "sp-quiz"))
