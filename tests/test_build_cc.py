"""`scormpack build` for IMS Common Cartridge 1.1 and 1.3: the cartridge, its QTI, its web links,
and the rules Moodle's importer depends on (../shared/lms-notes.md)."""
from __future__ import annotations

import hashlib
import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html

from conftest import BUNDLED_COURSE, build
from scormpack.schemas import schema_errors

TARGETS = ["cc11", "cc13"]
CP = {
    "cc11": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "cc13": "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
}
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
WEBLINK = {
    "cc11": "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1",
    "cc13": "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3",
}
NCNAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
STAFF = "first-aid-basics-0.1.0-staff-induction-{target}.imscc"


# ------------------------------------------------------------------ helpers
def build_cc(cli, course: Path, out: Path, target: str, *extra: str):
    return build(cli, course, out, "-t", target, *extra)


class Cartridge:
    """A built cartridge, read without extracting it."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.entries = {name: archive.read(name) for name in archive.namelist()}
        self.manifest = etree.fromstring(self.entries["imsmanifest.xml"])
        self.ns = etree.QName(self.manifest).namespace

    def cp(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    @property
    def resources(self) -> dict[str, etree._Element]:
        return {r.get("identifier"): r for r in self.manifest.iter(self.cp("resource"))}

    def root_item(self) -> etree._Element:
        organizations = self.manifest.findall(f"{self.cp('organizations')}/{self.cp('organization')}")
        assert len(organizations) == 1
        items = organizations[0].findall(self.cp("item"))
        assert len(items) == 1
        return items[0]

    def resource_of(self, item: etree._Element) -> etree._Element:
        return self.resources[item.get("identifierref")]

    def file_of(self, item: etree._Element) -> str:
        return self.resource_of(item).find(self.cp("file")).get("href")

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.entries[name])

    def html(self, name: str) -> html.HtmlElement:
        return html.fromstring(self.entries[name])

    def assessment_of(self, module_id: str) -> etree._Element:
        return self.xml(f"{module_id}/knowledge-check.xml")


def tree(cartridge: Cartridge, item: etree._Element) -> list:
    """(title, resource type or None for a folder, children) of every child item."""
    shape = []
    for child in item.findall(cartridge.cp("item")):
        kind = cartridge.resource_of(child).get("type") if child.get("identifierref") else None
        shape.append((child.findtext(cartridge.cp("title")), kind, tree(cartridge, child)))
    return shape


def qti_item(assessment: etree._Element, question_id: str) -> etree._Element:
    items = [i for i in assessment.iter(f"{QTI}item") if i.get("ident").endswith(f"-{question_id}")]
    assert len(items) == 1, question_id
    return items[0]


def profile(item: etree._Element) -> str:
    fields = {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
        for f in item.iter(f"{QTI}qtimetadatafield")
    }
    return fields["cc_profile"]


def conditions(item: etree._Element) -> list[etree._Element]:
    return item.findall(f"{QTI}resprocessing/{QTI}respcondition")


def feedback_text(item: etree._Element, ident: str) -> str:
    feedback = item.find(f"{QTI}itemfeedback[@ident='{ident}']")
    assert feedback is not None, ident
    return " ".join("".join(feedback.itertext()).split())


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.imscc"))}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def quiz_module(course: Path) -> Path:
    return course / "modules" / "01-first-minutes.md"


def add_questions(course: Path, questions: str) -> None:
    """Append questions to the example course's quiz block."""
    edit(quiz_module(course), "answer: 112\n:::", f"answer: 112\n\n{questions.strip()}\n:::")


def local_references(page: html.HtmlElement) -> list[str]:
    references = [a.get("href") for a in page.iter("a") if a.get("href")]
    references += [e.get("src") for e in page.iter("img", "script") if e.get("src")]
    references += [link.get("href") for link in page.iter("link") if link.get("rel") == "stylesheet"]
    return [r for r in references if not urlsplit(r).scheme and not r.startswith("#")]


def resolve(page_name: str, reference: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_name), unquote(urlsplit(reference).path)))


# --------------------------------------------------------- the bundled course
@pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")
def test_every_bundle_of_the_bundled_course_builds_for_cc11_and_cc13_and_validates(cli, tmp_path, assert_official_ok):
    out = tmp_path / "dist"
    build(cli, BUNDLED_COURSE, out, "-t", "cc11", "-t", "cc13")
    course_bundles = re.findall(r'^\[\[bundles\]\]\s*\nid = "([^"]+)"', (BUNDLED_COURSE / "course.toml").read_text(), re.M)
    packages = sorted(out.glob("*.imscc"))
    assert len(packages) == 2 * len(course_bundles) >= 22
    for package in packages:
        target = package.stem.rsplit("-", 1)[1]
        cartridge = Cartridge(package)
        assert schema_errors(target, cartridge.manifest) == [], package.name
        for name, content in cartridge.entries.items():
            if name.endswith(".xml") and name != "imsmanifest.xml":
                document = etree.fromstring(content)
                kind = "weblink" if etree.QName(document).localname == "webLink" else "qti"
                assert schema_errors(f"{target}-{kind}", document) == [], (package.name, name)
        assert_official_ok(package, "--strict-schemas")


@pytest.mark.skipif(not BUNDLED_COURSE.is_dir(), reason="the bundled course is not in this checkout")
def test_bundled_references_become_web_links(cli, tmp_path):
    build(cli, BUNDLED_COURSE, tmp_path / "dist", "-t", "cc11", "-b", "un-personnel-generic")
    cartridge = Cartridge(next((tmp_path / "dist").glob("*.imscc")))
    folders = {item.findtext(cartridge.cp("title")): item for item in cartridge.root_item().findall(cartridge.cp("item"))}
    links = [
        cartridge.xml(cartridge.file_of(item))
        for item in folders["References"].findall(cartridge.cp("item"))
        if cartridge.resource_of(item).get("type") == "imswl_xmlv1p1"
    ]
    urls = [link.find(f"{{{WEBLINK['cc11']}}}url").get("href") for link in links]
    assert urls == ["http://www.nupi.no", "http://www.trainingforpeace.org"]


# ------------------------------------------------------------ the cartridge
@pytest.mark.parametrize("target", TARGETS)
def test_cartridges_are_imscc_files_that_pass_the_official_schemas(cli, example_course, tmp_path, target, assert_official_ok):
    build_cc(cli, example_course, tmp_path / "dist", target)
    names = sorted(p.name for p in (tmp_path / "dist").glob("*.imscc"))
    assert names == [
        f"first-aid-basics-0.1.0-reference-{target}.imscc",
        f"first-aid-basics-0.1.0-staff-induction-{target}.imscc",
        f"first-aid-basics-0.1.0-wardens-refresher-{target}.imscc",
    ]
    for package in sorted((tmp_path / "dist").glob("*.imscc")):
        assert_official_ok(package, "--strict-schemas")


@pytest.mark.parametrize("target", TARGETS)
def test_cc_namespace_is_declared_within_the_first_500_bytes(cli, example_course, tmp_path, target):
    build_cc(cli, example_course, tmp_path / "dist", target)
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target=target))
    head = cartridge.entries["imsmanifest.xml"][:500].decode("utf-8")
    assert f'<manifest xmlns="{CP[target]}"' in head
    assert cartridge.ns == CP[target]


@pytest.mark.parametrize("target, version", [("cc11", "1.1.0"), ("cc13", "1.3.0")])
def test_metadata_names_the_profile_and_describes_the_bundle(cli, example_course, tmp_path, target, version):
    build_cc(cli, example_course, tmp_path / "dist", target)
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target=target))
    metadata = cartridge.manifest.find(cartridge.cp("metadata"))
    assert metadata.findtext(cartridge.cp("schema")) == "IMS Common Cartridge"
    assert metadata.findtext(cartridge.cp("schemaversion")) == version
    lom = "{http://ltsc.ieee.org/xsd/imscc" + ("v1p1" if target == "cc11" else "v1p3") + "/LOM/manifest}"
    general = metadata.find(f"{lom}lom/{lom}general")
    assert general.findtext(f"{lom}title/{lom}string") == "First Aid Basics: First aid for new staff"
    assert general.find(f"{lom}title/{lom}string").get("language") == "en"
    assert general.findtext(f"{lom}language") == "en"
    assert general.findtext(f"{lom}description/{lom}string").startswith("A short example course")
    assert [k.findtext(f"{lom}string") for k in general.findall(f"{lom}keyword")] == ["first aid", "safety"]


@pytest.mark.parametrize("target", TARGETS)
def test_organization_is_introduction_then_a_folder_per_module_with_pages_and_assessment(cli, example_course, tmp_path, target):
    build_cc(cli, example_course, tmp_path / "dist", target)
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target=target))
    organization = cartridge.manifest.find(f"{cartridge.cp('organizations')}/{cartridge.cp('organization')}")
    assert organization.get("structure") == "rooted-hierarchy"
    root = cartridge.root_item()
    assert root.get("identifierref") is None and root.find(cartridge.cp("title")) is None
    assessment = f"imsqti_xmlv1p2/imscc_xmlv1p{target[-1]}/assessment"
    assert tree(cartridge, root) == [
        ("About this course", "webcontent", []),
        ("The first minutes", None, [
            ("The first minutes", "webcontent", []),
            ("Check for danger", "webcontent", []),
            ("Call for help", "webcontent", []),
            ("Knowledge check: The first minutes", assessment, []),
        ]),
        ("Emergency numbers", None, [
            ("Emergency numbers", "webcontent", []),
            ("The numbers", "webcontent", []),
        ]),
    ]
    pages = [cartridge.file_of(item) for item in root.findall(f"{cartridge.cp('item')}/{cartridge.cp('item')}")]
    assert pages[:4] == [
        "first-minutes/index.html", "first-minutes/page-2.html", "first-minutes/page-3.html", "first-minutes/knowledge-check.xml",
    ]
    assert cartridge.file_of(root.find(cartridge.cp("item"))) == "introduction.html"


@pytest.mark.parametrize("target", TARGETS)
def test_identifiers_are_xml_ids_starting_with_a_letter(cli, example_course, tmp_path, target):
    build_cc(cli, example_course, tmp_path / "dist", target)
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target=target))
    identifiers = [e.get("identifier") for e in cartridge.manifest.iter() if e.get("identifier") is not None]
    assert len(identifiers) == len(set(identifiers)) > 10
    assert all(NCNAME.match(identifier) for identifier in identifiers), identifiers


@pytest.mark.parametrize("target", TARGETS)
def test_every_entry_is_listed_once_and_pages_share_the_shared_folder(cli, example_course, tmp_path, target):
    build_cc(cli, example_course, tmp_path / "dist", target)
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target=target))
    listed = [f.get("href") for f in cartridge.manifest.iter(cartridge.cp("file"))]
    assert sorted(listed) == sorted(set(cartridge.entries) - {"imsmanifest.xml"})
    shared = cartridge.resources["RES-shared"]
    assert shared.get("type") == "webcontent" and shared.get("href") is None
    assert [f.get("href") for f in shared.findall(cartridge.cp("file"))] == [
        "shared/media/images/steps.svg", "shared/scormpack.css", "shared/scormpack.js",
    ]
    for resource in cartridge.resources.values():
        if resource.get("type") == "webcontent" and resource.get("href"):
            dependencies = [d.get("identifierref") for d in resource.findall(cartridge.cp("dependency"))]
            assert "RES-shared" in dependencies, resource.get("identifier")


def test_cc13_resources_use_the_1_3_types_and_no_variant_before_files(cli, example_course, tmp_path):
    edit(example_course / "modules" / "02-emergency-numbers.md", "source:", 'links:\n  - title: "Poison centre"\n    url: "https://example.org/poison"\nsource:')
    build_cc(cli, example_course, tmp_path / "dist", "cc13")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc13"))
    types = {r.get("type") for r in cartridge.resources.values()}
    assert types == {"webcontent", "imsqti_xmlv1p2/imscc_xmlv1p3/assessment", "imswl_xmlv1p3"}
    for resource in cartridge.resources.values():
        names = [etree.QName(child).localname for child in resource]
        assert names == sorted(names, key=["metadata", "file", "dependency", "variant"].index)


# -------------------------------------------------------------------- pages
@pytest.mark.parametrize("target", TARGETS)
def test_no_webcontent_page_has_an_empty_body(cli, example_course, tmp_path, target):
    build_cc(cli, example_course, tmp_path / "dist", target)
    for package in (tmp_path / "dist").glob("*.imscc"):
        cartridge = Cartridge(package)
        pages = [r.get("href") for r in cartridge.resources.values() if r.get("type") == "webcontent" and r.get("href")]
        assert pages
        for name in pages:
            main = cartridge.html(name).get_element_by_id("sp-main")
            content = main.find_class("sp-content") or main.find_class("sp-quiz")
            assert content and " ".join(content[0].text_content().split()), (package.name, name)


def test_no_page_an_item_launches_links_to_another_html_file_of_the_cartridge(cli, example_course, tmp_path):
    """Moodle copies no HTML file into a page's files: such a link is dead there (docs/moodle.md)."""
    build_cc(cli, example_course, tmp_path / "dist", "cc11")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11"))
    launched = [cartridge.file_of(item) for item in cartridge.manifest.iter(cartridge.cp("item")) if item.get("identifierref")]
    pages = [name for name in launched if name.endswith(".html")]
    assert len(pages) == 6  # the introduction and five module pages
    for name in pages:
        targets = [resolve(name, reference) for reference in local_references(cartridge.html(name).body)]
        assert not [target for target in targets if target.endswith(".html")], name
        assert not cartridge.html(name).find_class("sp-nav"), name


def test_lms_pages_leave_out_what_only_makes_sense_standalone(cli, example_course, tmp_path):
    """Moodle shows the body under its own title, course and navigation: no second title, count, skip link or footer."""
    build_cc(cli, example_course, tmp_path / "dist", "cc11")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11"))
    for name in ("introduction.html", "first-minutes/index.html", "first-minutes/page-2.html"):
        page = cartridge.html(name)
        text = " ".join(page.body.text_content().split())
        for chrome in ("sp-skip", "sp-header", "sp-footer", "sp-progress-text", "sp-module-title", "sp-page-title"):
            assert not page.find_class(chrome), (name, chrome)
        assert "First Aid Basics" not in text and "First aid for new staff" not in text and "Page " not in text, name
    first = cartridge.html("first-minutes/index.html")
    assert first.find_class("sp-module-intro")  # time and objectives are content, kept
    last = " ".join(cartridge.html("first-minutes/page-3.html").body.text_content().split())
    assert "Source:" in last  # the source is attribution, kept on the module's last page


def test_unzipped_cartridge_is_read_from_its_contents_page(cli, example_course, tmp_path):
    build_cc(cli, example_course, tmp_path / "dist", "cc11")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11"))
    names = set(cartridge.entries)
    contents = cartridge.html("index.html")
    links = [a.get("href") for a in contents.get_element_by_id("sp-main").iter("a")]
    assert links == [
        "introduction.html",
        "first-minutes/index.html",
        "first-minutes/index.html", "first-minutes/page-2.html", "first-minutes/page-3.html", "first-minutes/quiz.html",
        "emergency-numbers/index.html",
        "emergency-numbers/index.html", "emergency-numbers/page-2.html",
    ]
    # Every HTML file is reached from it, and every relative reference of every page is in the cartridge.
    assert {name for name in names if name.endswith(".html")} == set(links) | {"index.html"}
    for name in names:
        if name.endswith(".html"):
            for reference in local_references(cartridge.html(name)):
                assert resolve(name, reference) in names, (name, reference)
    # The contents page is a resource of the cartridge, launched by no item.
    resource = cartridge.resources["RES-contents"]
    assert resource.get("href") == "index.html"
    assert not [i for i in cartridge.manifest.iter(cartridge.cp("item")) if i.get("identifierref") == "RES-contents"]


def test_pages_carry_no_lms_runtime_and_the_practice_check_is_no_item(cli, example_course, tmp_path):
    build_cc(cli, example_course, tmp_path / "dist", "cc11")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11"))
    for name in ("introduction.html", "index.html", "first-minutes/page-2.html", "first-minutes/quiz.html"):
        page = cartridge.html(name)
        assert page.body.get("data-layout") == "paged"
        assert [s.get("src") for s in page.iter("script") if s.get("src")] == [
            "../shared/scormpack.js" if "/" in name else "shared/scormpack.js"
        ]
    assert "lms_api.js" not in " ".join(cartridge.entries)
    last_page = cartridge.resources["RES-first-minutes-page-3"]
    assert [d.get("identifierref") for d in last_page.findall(cartridge.cp("dependency"))] == ["RES-shared"]
    practice = cartridge.resources["RES-first-minutes-practice"]
    assert practice.get("href") == "first-minutes/quiz.html"
    assert not [i for i in cartridge.manifest.iter(cartridge.cp("item")) if i.get("identifierref") == "RES-first-minutes-practice"]


def test_a_link_to_another_module_keeps_its_text_without_a_link_in_a_cartridge(cli, example_course, tmp_path):
    edit(example_course / "modules" / "02-emergency-numbers.md", "## The numbers", "See [the first minutes](01-first-minutes.md).\n\n## The numbers")
    build(cli, example_course, tmp_path / "dist", "-t", "cc11", "-t", "scorm12", "-b", "staff-induction")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11"))
    page = cartridge.html("emergency-numbers/index.html")
    [anchor] = [a for a in page.iter("a") if a.text_content() == "the first minutes"]
    assert anchor.get("href") is None
    with zipfile.ZipFile(tmp_path / "dist" / STAFF.format(target="cc11").replace("cc11.imscc", "scorm12.zip")) as archive:
        assert b'<a href="../first-minutes/index.html">the first minutes</a>' in archive.read("emergency-numbers/index.html")


def test_introduction_describes_the_bundle_and_names_its_modules(cli, example_course, tmp_path):
    build_cc(cli, example_course, tmp_path / "dist", "cc13")
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc13"))
    main = cartridge.html("introduction.html").get_element_by_id("sp-main")
    text = " ".join(main.text_content().split())
    assert "A short example course" in text
    assert "For: Office staff, induction." in text
    assert "The first minutes (about 15 minutes, with a knowledge check)" in text
    assert "Emergency numbers (about 5 minutes)" in text
    assert "about 20 minutes" in text
    assert not list(main.iter("a"))


# ---------------------------------------------------------------------- QTI
@pytest.fixture
def assessment(cli, example_course, tmp_path):
    """The knowledge check of the example course's first module, as cc11 QTI."""
    build_cc(cli, example_course, tmp_path / "dist", "cc11")
    return Cartridge(tmp_path / "dist" / STAFF.format(target="cc11")).assessment_of("first-minutes")


def test_assessment_is_one_section_of_items_with_the_attempts_allowed(assessment):
    test = assessment.find(f"{QTI}assessment")
    assert test.get("title") == "Knowledge check: The first minutes"
    fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") for f in test.find(f"{QTI}qtimetadata")}
    assert fields["cc_maxattempts"] == "2"
    assert fields["cc_profile"] == "cc.exam.v0p1"
    items = test.findall(f"{QTI}section/{QTI}item")
    assert [profile(item) for item in items] == [
        "cc.multiple_choice.v0p1", "cc.multiple_response.v0p1", "cc.true_false.v0p1", "cc.fib.v0p1",
    ]
    assert all(c.get("continue") == "No" for item in items for c in conditions(item))


def test_single_choice_scores_its_option_with_case_yes_and_keeps_per_option_feedback(assessment):
    item = qti_item(assessment, "first-step")
    labels = item.findall(f"{QTI}presentation/{QTI}response_lid/{QTI}render_choice/{QTI}response_label")
    assert [label.get("ident") for label in labels] == ["a", "b", "c"]
    assert item.find(f"{QTI}presentation/{QTI}response_lid").get("rcardinality") == "Single"
    by_option = {c.find(f"{QTI}conditionvar/{QTI}varequal").text: c for c in conditions(item) if c.find(f"{QTI}conditionvar/{QTI}varequal") is not None}
    assert set(by_option) == {"a", "b", "c"}
    correct = by_option["a"]
    assert correct.find(f"{QTI}conditionvar/{QTI}varequal").get("case") == "Yes"
    assert correct.findtext(f"{QTI}setvar") == "100" and correct.find(f"{QTI}setvar").get("varname") == "SCORE"
    assert [d.get("linkrefid") for d in correct.findall(f"{QTI}displayfeedback")] == ["correct_fb"]
    assert by_option["b"].findtext(f"{QTI}setvar") == "0"
    assert [d.get("linkrefid") for d in by_option["b"].findall(f"{QTI}displayfeedback")] == ["b_fb", "general_incorrect_fb"]
    assert feedback_text(item, "b_fb") == "Not before you know the scene is safe."
    assert feedback_text(item, "c_fb") == "Moving someone can make injuries worse."
    assert feedback_text(item, "correct_fb") == "Right: check for danger first."
    assert feedback_text(item, "general_incorrect_fb") == "Always check for danger first."
    # Option feedback is never hung on <other/>.
    for condition in conditions(item):
        if condition.find(f"{QTI}conditionvar/{QTI}other") is not None:
            assert [d.get("linkrefid") for d in condition.findall(f"{QTI}displayfeedback")] == ["general_incorrect_fb"]


def test_multiple_response_names_each_correct_option_with_case_yes_where_score_is_100(assessment):
    item = qti_item(assessment, "q2")
    assert item.find(f"{QTI}presentation/{QTI}response_lid").get("rcardinality") == "Multiple"
    scoring = [c for c in conditions(item) if c.findtext(f"{QTI}setvar") == "100"]
    assert len(scoring) == 1
    condition = scoring[0].find(f"{QTI}conditionvar/{QTI}and")
    positive = condition.findall(f"{QTI}varequal")
    assert [(v.text, v.get("case")) for v in positive] == [("a", "Yes"), ("b", "Yes")]
    assert [v.text for v in condition.findall(f"{QTI}not/{QTI}varequal")] == ["c"]
    weights = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") for f in item.iter(f"{QTI}qtimetadatafield")}
    assert weights["cc_weighting"] == "2"


def test_true_false_response_idents_are_exactly_true_and_false(assessment):
    item = qti_item(assessment, "q3")
    labels = item.findall(f"{QTI}presentation/{QTI}response_lid/{QTI}render_choice/{QTI}response_label")
    assert [label.get("ident") for label in labels] == ["true", "false"]
    scoring = [c for c in conditions(item) if c.findtext(f"{QTI}setvar") == "100"]
    assert [c.find(f"{QTI}conditionvar/{QTI}varequal").text for c in scoring] == ["false"]
    assert feedback_text(item, "general_incorrect_fb") == "Call as soon as someone does not respond."


def test_fill_in_the_blank_accepts_each_answer_with_its_case_rule(cli, example_course, tmp_path):
    add_questions(example_course, """
? fillin id=acronym case=sensitive
Write the acronym of automated external defibrillator.

answer: AED|A.E.D.
""")
    build_cc(cli, example_course, tmp_path / "dist", "cc13")
    assessment = Cartridge(tmp_path / "dist" / STAFF.format(target="cc13")).assessment_of("first-minutes")
    insensitive = qti_item(assessment, "q4")
    assert profile(insensitive) == "cc.fib.v0p1"
    assert insensitive.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib") is not None
    assert [(v.text, v.get("case")) for c in conditions(insensitive) for v in c.iter(f"{QTI}varequal")] == [("112", "No")]
    sensitive = qti_item(assessment, "acronym")
    scoring = [c for c in conditions(sensitive) if c.findtext(f"{QTI}setvar") == "100"]
    # One scoring condition names every accepted answer: Moodle takes its answers from the first
    # condition that sets SCORE to 100 (a condition per answer kept only the first).
    assert [[(v.text, v.get("case")) for v in c.findall(f"{QTI}conditionvar/{QTI}varequal")] for c in scoring] == [
        [("AED", "Yes"), ("A.E.D.", "Yes")],
    ]
    assert len([c for c in conditions(sensitive) if c.find(f"{QTI}setvar") is not None]) == 1


@pytest.mark.parametrize("target", TARGETS)
def test_matching_and_ordering_are_left_out_with_a_warning_naming_module_and_question(cli, example_course, tmp_path, target):
    add_questions(example_course, """
? matching id=match-signs
Match each sign to its meaning.

- Red cross => First aid
- Green running man => Emergency exit

? ordering id=order-steps
Put the steps in order.

1. Check for danger
2. Check for a response
3. Call for help
""")
    result = build_cc(cli, example_course, tmp_path / "dist", target, "-b", "staff-induction")
    source = quiz_module(example_course)
    lines = source.read_text().split("\n")
    for question, kind in (("match-signs", "matching"), ("order-steps", "ordering")):
        line = next(n for n, text in enumerate(lines, start=1) if f"id={question}" in text)
        expected = (
            f"{source.name}:{line}: warning: module 'first-minutes', question '{question}': {kind} questions have no "
            "Common Cartridge QTI profile"
        )
        assert expected in result.output
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target=target))
    idents = [i.get("ident") for i in cartridge.assessment_of("first-minutes").iter(f"{QTI}item")]
    assert len(idents) == 4 and not [i for i in idents if "match" in i or "order" in i]
    practice = cartridge.entries["first-minutes/quiz.html"].decode()
    assert 'data-question="match-signs"' in practice and 'data-question="order-steps"' in practice


def test_a_quiz_of_only_matching_questions_gets_no_assessment_and_a_warning(cli, example_course, tmp_path):
    module = quiz_module(example_course)
    text = module.read_text()
    start = text.index("::: quiz")
    module.write_text(text[:start] + """::: quiz

? matching id=only-match
Match each sign to its meaning.

- Red cross => First aid
- Green running man => Emergency exit
:::
""")
    result = build_cc(cli, example_course, tmp_path / "dist", "cc11", "-b", "staff-induction")
    assert "module 'first-minutes': no question of its knowledge check fits" in result.output
    cartridge = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11"))
    assert "first-minutes/knowledge-check.xml" not in cartridge.entries
    folder = cartridge.root_item().findall(cartridge.cp("item"))[1]
    assert [cartridge.resource_of(i).get("type") for i in folder.findall(cartridge.cp("item"))] == ["webcontent"] * 3


def test_quiz_images_use_the_file_base_token_and_depend_on_the_shared_folder(cli, example_course, tmp_path, assert_official_ok):
    add_questions(example_course, """
? single id=picture
Which step comes first in this picture? ![Three steps](../images/steps.svg)

- [x] Danger
- [ ] Call
""")
    build_cc(cli, example_course, tmp_path / "dist", "cc11", "-b", "staff-induction")
    package = tmp_path / "dist" / STAFF.format(target="cc11")
    cartridge = Cartridge(package)
    item = qti_item(cartridge.assessment_of("first-minutes"), "picture")
    prompt = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext")
    assert 'src="$IMS-CC-FILEBASE$/../shared/media/images/steps.svg"' in prompt
    resource = cartridge.resources["RES-first-minutes-check"]
    assert [d.get("identifierref") for d in resource.findall(cartridge.cp("dependency"))] == ["RES-shared"]
    assert_official_ok(package, "--strict-schemas")


def test_fractional_weights_are_scaled_to_whole_numbers(cli, example_course, tmp_path):
    edit(quiz_module(example_course), "? multiple weight=2", "? multiple weight=0.5")
    build_cc(cli, example_course, tmp_path / "dist", "cc11", "-b", "staff-induction")
    assessment = Cartridge(tmp_path / "dist" / STAFF.format(target="cc11")).assessment_of("first-minutes")
    weights = [
        f.findtext(f"{QTI}fieldentry")
        for f in assessment.iter(f"{QTI}qtimetadatafield")
        if f.findtext(f"{QTI}fieldlabel") == "cc_weighting"
    ]
    assert weights == ["2", "1", "2", "2"]


# ---------------------------------------------------------------- web links
@pytest.mark.parametrize("target", TARGETS)
def test_front_matter_links_become_web_link_items_after_the_pages(cli, example_course, tmp_path, target, assert_official_ok):
    edit(
        example_course / "modules" / "02-emergency-numbers.md",
        "source:",
        'links:\n  - title: "European emergency number 112"\n    url: "https://example.org/112?lang=en&x=1"\nsource:',
    )
    build_cc(cli, example_course, tmp_path / "dist", target, "-b", "staff-induction")
    package = tmp_path / "dist" / STAFF.format(target=target)
    cartridge = Cartridge(package)
    folder = cartridge.root_item().findall(cartridge.cp("item"))[2]
    assert [(title, kind) for title, kind, _ in tree(cartridge, folder)] == [
        ("Emergency numbers", "webcontent"),
        ("The numbers", "webcontent"),
        ("European emergency number 112", f"imswl_xmlv1p{target[-1]}"),
    ]
    link_item = folder.findall(cartridge.cp("item"))[2]
    assert cartridge.file_of(link_item) == "emergency-numbers/links/link-1.xml"
    link = cartridge.xml("emergency-numbers/links/link-1.xml")
    assert etree.QName(link).namespace == WEBLINK[target]
    assert link.findtext(f"{{{WEBLINK[target]}}}title") == "European emergency number 112"
    assert link.find(f"{{{WEBLINK[target]}}}url").get("href") == "https://example.org/112?lang=en&x=1"
    assert_official_ok(package, "--strict-schemas")


def test_links_are_ignored_by_scorm_packages(cli, example_course, tmp_path):
    edit(example_course / "modules" / "02-emergency-numbers.md", "source:", 'links:\n  - title: "Poison centre"\n    url: "https://example.org/poison"\nsource:')
    build(cli, example_course, tmp_path / "dist", "-t", "scorm12", "-b", "staff-induction")
    with zipfile.ZipFile(next((tmp_path / "dist").glob("*.zip"))) as archive:
        assert not [name for name in archive.namelist() if "links/" in name]


@pytest.mark.parametrize(
    "links, message",
    [
        ('links:\n  - title: "Poison centre"\n    url: "ftp://example.org/poison"', "'ftp://example.org/poison' is not an absolute http or https URL"),
        ('links:\n  - title: "Poison centre"\n    url: "poison.html"', "'poison.html' is not an absolute http or https URL"),
        ('links:\n  - title: ""\n    url: "https://example.org/poison"', "a links entry needs a non-empty title"),
        ('links:\n  - title: "Poison centre"\n    url: "https://example.org/poison"\n    target: "_blank"', "only a title and a url"),
        ('links: "https://example.org/poison"', "links must be a list"),
    ],
)
def test_bad_links_are_reported_with_their_line(cli, example_course, tmp_path, links, message):
    module = example_course / "modules" / "02-emergency-numbers.md"
    edit(module, "source:", f"{links}\nsource:")
    result = cli("build", example_course, "-o", tmp_path / "dist", "-t", "cc11")
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(module.read_text().split("\n"), start=1) if text.startswith("links:"))
    if "url:" in links:
        line += 2
    assert f"{module.name}:{line}: " in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not list((tmp_path / "dist").glob("*.imscc"))


# ---------------------------------------------------------- determinism
def test_rebuild_is_byte_identical(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "a", "-t", "cc11", "-t", "cc13")
    build(cli, example_course, tmp_path / "b", "-t", "cc11", "-t", "cc13")
    first, second = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert len(first) == 6 and first == second


def test_validate_command_accepts_the_cartridges(cli, example_course, tmp_path):
    build(cli, example_course, tmp_path / "dist", "-t", "cc11", "-t", "cc13")
    for package in sorted((tmp_path / "dist").glob("*.imscc")):
        result = cli("validate", package)
        assert result.exit_code == 0, result.output
        assert "INVALID" not in result.output and package.stem.rsplit("-", 1)[1] in result.output


def test_a_module_page_that_renders_empty_is_an_authoring_error(cli, example_course, tmp_path):
    module = example_course / "modules" / "02-emergency-numbers.md"
    edit(module, "## The numbers\n", "## The numbers\n\n::: only audience=wardens\n")
    module.write_text(module.read_text().rstrip("\n") + "\n:::\n")
    result = cli("build", example_course, "-o", tmp_path / "dist", "-t", "cc11", "-b", "staff-induction")
    assert result.exit_code == 1
    line = module.read_text().split("\n").index("## The numbers") + 1
    assert f"{module.name}:{line}: error: page 'The numbers' is empty for bundle 'staff-induction'" in result.output
    assert not list((tmp_path / "dist").glob("*.imscc"))


def test_unzipped_cartridge_reads_in_a_browser_from_its_contents_page(cli, example_course, tmp_path):
    from browser import chromium

    build_cc(cli, example_course, tmp_path / "dist", "cc11", "-b", "staff-induction")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(tmp_path / "dist" / STAFF.format(target="cc11")) as archive:
        archive.extractall(folder)
    with chromium() as context:
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        contents = (folder / "index.html").as_uri()
        tab.goto(contents)
        hrefs = tab.locator("#sp-main a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
        assert hrefs[0] == "introduction.html" and "first-minutes/quiz.html" in hrefs
        for href in dict.fromkeys(hrefs):
            tab.goto(contents)
            tab.locator(f'#sp-main a[href="{href}"]').first.click()
            tab.wait_for_load_state()
            assert tab.url == (folder / href).as_uri()
            assert tab.evaluate("window.scormpack.adapter") == "none"
            assert tab.locator("link[rel=stylesheet]").evaluate("link => link.sheet !== null")
        # The practice check scores itself offline.
        tab.goto((folder / "first-minutes" / "quiz.html").as_uri())
        tab.get_by_label("Check for danger around you").check()
        tab.get_by_label("Traffic").check()
        tab.get_by_label("Exposed electricity").check()
        tab.get_by_label("False").check()
        tab.get_by_label("Your answer").fill("112")
        tab.locator("#sp-quiz-submit").click()
        assert tab.evaluate("window.scormpack.quiz.score") == 100
        assert tab.evaluate("window.scormpack.quiz.passed") is True
        assert errors == []
