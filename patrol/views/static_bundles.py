"""The static files that are not one file of static/: our page scripts joined per page, and the files we
take from installed packages. Both are served by the one pipeline (patrol.views.static_files) as if they
were files under static/: a template names them like any other, e.g.
`url_for('static', filename='bundles/page.js')` or `url_for('static', filename='vendor/htmx.min.js')`.

A bundle is a list of files under static/, joined in order (each minified, as every script of ours
is): one request on a weak signal instead of four. The parts stay files of their own: edits land in
the bundle by themselves, and the outbox still fetches a part on demand (outbox.js `need`) on pages
whose bundle does not carry it, e.g. a scan page reached by a boosted link, which keeps the bundle of
the page the phone opened first.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# The scripts every page runs, in the order they must run (the outbox before what uses it).
PAGE_SCRIPTS = ("js/app.js", "js/photo-shrink.js", "js/outbox.js", "js/pwa.js")

BUNDLES: dict[str, tuple[str, ...]] = {
    "bundles/page.js": PAGE_SCRIPTS,
    # A sticker's scan page, the one a phone opens cold most often: the checklist's parts too.
    # outbox-acked.js is fetched when a checklist starts (outbox-scan.js), not carried: 1.3 KB the first
    # load of a scan page with signal does not need before it shows.
    "bundles/scan.js": (*PAGE_SCRIPTS, "js/outbox-item.js", "js/outbox-scan.js"),
}
# Between two parts: a part that ends without a semicolon must not run on into the next.
SEPARATOR = b"\n;\n"


def _package_folder(package: str) -> Path:
    return Path(next(iter(importlib.util.find_spec(package).submodule_search_locations)))


# Third-party files as their package installed them (a dependency in pyproject.toml, never a copy in
# the repo), under the name pages use.
VENDOR: dict[str, Path] = {
    "vendor/htmx.min.js": _package_folder("js_lib_htmx") / "static" / "htmx" / "htmx.min.js",
}
