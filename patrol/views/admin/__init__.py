"""The setup area (/admin): sites, locations, checklists, schedules, people and the audit log.

Each part is its own blueprint in this package, made by `setup_blueprint` so that one check guards
every view; `blueprints()` lists them for create_app. Also here: what every part does after a
change (`done`) and the one page that asks before one (`confirm_page`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, make_response, render_template

from patrol.access import readable, require_setup_access
from patrol.setup.overview import setup_overview


def setup_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A part of setup: administrators only, except the views marked @readable (see access.py)."""
    part = Blueprint(name, import_name, url_prefix=url_prefix)
    part.before_request(require_setup_access)
    return part


bp = setup_blueprint("admin", __name__, "/admin")


@bp.get("/")
@readable
def index():
    return render_template("admin/index.html", overview=setup_overview())


@dataclass
class Confirm:
    """What a page asks before a change that is hard to take back: archive, deactivate, re-issue a code."""

    title: str  # the page's <title>: what is being changed
    eyebrow: str
    question: str
    button: str
    action: str  # where the answer is posted
    cancel: str  # where "Cancel" goes back to
    lines: list = field(default_factory=list)  # what will happen
    note: str | None = None  # a quieter last word
    danger: bool = False  # the button is red


def confirm_page(confirm: Confirm, errors=None, status: int = 200):
    """The one confirm page; sent again with the refusal when the change was refused."""
    page = render_template("admin/_confirm.html", confirm=confirm, errors=errors or {})
    return make_response(page, status)


def blueprints() -> list[Blueprint]:
    from patrol.views.admin import (
        audit,
        checklists,
        deductions,
        locations,
        people,
        robots,
        schedules,
        sites,
    )

    return [bp, sites.bp, locations.bp, checklists.bp, schedules.bp, people.bp, audit.bp, robots.bp, deductions.bp]
