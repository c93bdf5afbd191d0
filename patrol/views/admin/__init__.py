"""The setup area (/admin): sites, locations, checklists, schedules, people and the audit log.

Each part is its own blueprint in this package; `BLUEPRINTS` lists them for create_app.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from patrol.access import permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@login_required
@permission_required("setup.read")
def index():
    return render_template("admin/index.html")


def blueprints() -> list[Blueprint]:
    from patrol.views.admin import audit, checklists, locations, people, schedules, sites

    return [bp, sites.bp, locations.bp, checklists.bp, schedules.bp, people.bp, audit.bp]
