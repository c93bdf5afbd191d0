"""htmx's JavaScript, served from its installed package rather than copied into the repo.

Like our own static files it has a content-hashed URL (/assets/htmx.<hash>.min.js, kept a year as
immutable) that url_for('assets.htmx_js') gives; the plain /assets/htmx.min.js still answers for
pages an older version left in a cache.
"""

from __future__ import annotations

from flask import Blueprint

from patrol.views.static_files import HTMX_FILE, Asset, asset_response

bp = Blueprint("assets", __name__)

# The package's file does not change while the app runs: hashed once, when this module loads.
HTMX = Asset.of(HTMX_FILE)


# A literal path, not a <digest> variable: url_for builds it first, and no other hash matches it.
@bp.get(f"/assets/htmx.{HTMX.digest}.min.js", defaults={"current": True})
@bp.get("/assets/htmx.min.js", defaults={"current": False})
def htmx_js(current: bool):
    return asset_response(HTMX, current)


@bp.url_defaults
def _current_htmx(endpoint, values):
    if endpoint == "assets.htmx_js":
        values.setdefault("current", True)
