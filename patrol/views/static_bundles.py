"""Our page scripts, served as one file per page: fewer requests on a weak signal.

A bundle is a list of files under static/, joined in order (each minified, as every script is) and
served through the same pipeline as a single file (patrol.views.static_files): a hashed name that changes
with any part's bytes, compressed once, immutable for a year. A template names the bundle as if it
were a file: `url_for('static', filename='bundles/page.js')`.

The parts stay files of their own: edits land in the bundle by themselves, and the outbox still
fetches a part on demand (outbox.js `need`) on pages whose bundle does not carry it, e.g. a scan page
reached by a boosted link, which keeps the bundle of the page the phone opened first.
"""

from __future__ import annotations

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
