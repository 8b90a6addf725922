"""The offline web edition: a bundle as a static site in a zip, read with no server and no LMS.

For training taken where the connection is poor or absent: the zip is
unpacked (or copied to a USB stick) and `index.html` opened in any browser,
from file://. It holds:

    index.html                  the front page: the bundle, its modules linked,
                                the learner's progress in each (web.js)
    print/index.html            the handout: the whole bundle on one page to print
    <module>/index.html         each module as for a SCO: its pages one at a
                                time, its knowledge check scored in the page
    shared/                     scormpack.js and .css, web.js and .css, media

Nothing is fetched: the pages load plain scripts and styles by relative
paths (file:// refuses fetch and ES modules). Progress is kept by web.js in
the browser's localStorage, namespaced by course, bundle, language and
version. There is no manifest: the front page is the package's first entry,
and validation checks that every page's local links and files are in it
(validate/web.py), which is also how `scormpack validate` knows a web edition.
"""
from __future__ import annotations

from ..errors import ScormpackError
from ..render import CONTENTS_FILE, PRINT_FILE, RenderedBundle
from .base import PackagePlan, Target

WEB_STANDARD = "web"


class WebTarget(Target):
    name = "web"
    description = "offline web edition (a static site: no server, no LMS)"
    manifest_name = CONTENTS_FILE  # no manifest: the front page comes first
    has_manifest = False
    schema_set = ""  # nothing to check against a schema: validate/web.py checks the links
    standard = WEB_STANDARD
    layout = "web"
    runtime = None

    def plan(self, rendered: RenderedBundle) -> PackagePlan:
        assert rendered.contents is not None and rendered.handout is not None, "the web layout has both"
        entries: dict = {CONTENTS_FILE: rendered.contents, PRINT_FILE: rendered.handout}
        for module in rendered.modules:
            if PRINT_FILE in module.contents:
                raise ScormpackError(
                    f"module id {module.module.id!r} names the web edition's handout folder: rename the module",
                    module.module.path, module.module.id_line,
                )
            entries.update(module.contents)
        entries.update(rendered.shared_files)
        return PackagePlan(
            manifest=None,
            entries=entries,
            schema_set=self.schema_set,
            warnings=list(rendered.warnings),
            manifest_name=self.manifest_name,
        )
