"""The setup area (/admin): sites, locations, checklists, schedules, people and the audit log.

Each part is its own blueprint in this package; `BLUEPRINTS` lists them for create_app.
"""
from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template
from flask_login import login_required

from patrol.access import permission_required
from patrol.services.setup_overview import setup_overview
from patrol.templating import is_htmx

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@login_required
@permission_required("setup.read")
def index():
    return render_template("admin/index.html", overview=setup_overview())


def done(url: str):
    """After a successful POST: a 303 to `url`, or for htmx a full navigation there."""
    if is_htmx():
        return make_response("", 204, {"HX-Redirect": url})
    return redirect(url, 303)


def blueprints() -> list[Blueprint]:
    from patrol.views.admin import (
        audit,
        checklists,
        locations,
        people,
        schedules,
        sites,
    )

    return [bp, sites.bp, locations.bp, checklists.bp, schedules.bp, people.bp, audit.bp]
