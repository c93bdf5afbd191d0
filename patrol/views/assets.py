"""htmx's JavaScript, served from its installed package rather than copied into the repo."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Blueprint, send_from_directory

bp = Blueprint("assets", __name__)

_spec = importlib.util.find_spec("js_lib_htmx")
HTMX_DIR = Path(next(iter(_spec.submodule_search_locations))) / "static" / "htmx"


@bp.get("/assets/htmx.min.js")
def htmx_js():
    return send_from_directory(HTMX_DIR, "htmx.min.js", mimetype="text/javascript", max_age=7 * 24 * 3600)
