"""Setup: sites — the list, creating and changing one, archiving and restoring it (administrators only)."""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import permission_required
from patrol.extensions import db
from patrol.models import Site
from patrol.request_guards import MAX_PAGE, arg_int
from patrol.services.sites import (
    SITE_FILTERS,
    archive_site,
    count_sites,
    create_site,
    restore_site,
    site_form_values,
    site_history,
    site_rows,
    update_site,
    zone_choices,
)
from patrol.templating import render
from patrol.views.admin import done  # noqa: E402  (the package defines it before importing us)

bp = Blueprint("admin_sites", __name__, url_prefix="/admin/sites")
PAGE_SIZE = 30


@bp.get("/")
@login_required
@permission_required("setup.manage")
def site_list():
    state = request.args.get("state", "active")
    state = state if state in SITE_FILTERS else "active"
    q = request.args.get("q", "").strip()[:60]
    page = arg_int("page", 1, maximum=MAX_PAGE)
    total = count_sites(state=state, search=q)
    rows = site_rows(state=state, search=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render("admin/sites/list.html", "results", rows=rows, total=total, state=state, filters=SITE_FILTERS,
                  q=q, page=page, pages=max(1, -(-total // PAGE_SIZE)), notice=request.args.get("notice"))


def _form(site: Site | None, values, errors=None, status: int = 200):
    """The site form, whole or (for htmx) just its block."""
    history = site_history(site) if site is not None else None
    body = render("admin/sites/form.html", "form", site=site, values=values, errors=errors or {},
                  zones=zone_choices(values.get("timezone")), history=history)
    return make_response(body, status)


@bp.get("/new")
@login_required
@permission_required("setup.manage")
def site_new():
    return _form(None, site_form_values(None))


@bp.post("/new")
@login_required
@permission_required("setup.manage")
def site_create():
    outcome = create_site(current_user, request.form)
    if not outcome.ok:
        return _form(None, request.form, outcome.errors, outcome.status)
    return done(url_for(".site_list", notice="created"))


@bp.get("/<int:site_id>")
@login_required
@permission_required("setup.manage")
def site_edit(site_id: int):
    site = db.get_or_404(Site, site_id)
    return _form(site, site_form_values(site))


@bp.post("/<int:site_id>")
@login_required
@permission_required("setup.manage")
def site_update(site_id: int):
    site = db.get_or_404(Site, site_id)
    outcome = update_site(current_user, site, request.form)
    if not outcome.ok:
        return _form(site, request.form, outcome.errors, outcome.status)
    return done(url_for(".site_list", notice="updated", state="all" if site.archived else None))


# Archiving and restoring: a GET shows what will happen and asks; the POST does it.
ACTIONS = {"archive": archive_site, "restore": restore_site}


@bp.get("/<int:site_id>/archive", defaults={"action": "archive"})
@bp.get("/<int:site_id>/restore", defaults={"action": "restore"})
@login_required
@permission_required("setup.manage")
def site_confirm(site_id: int, action: str):
    site = db.get_or_404(Site, site_id)
    return render_template("admin/sites/confirm.html", site=site, action=action, errors={})


@bp.post("/<int:site_id>/archive", defaults={"action": "archive"})
@bp.post("/<int:site_id>/restore", defaults={"action": "restore"})
@login_required
@permission_required("setup.manage")
def site_change_state(site_id: int, action: str):
    site = db.get_or_404(Site, site_id)
    outcome = ACTIONS[action](current_user, site)
    if not outcome.ok:
        page = render_template("admin/sites/confirm.html", site=site, action=action, errors=outcome.errors)
        return make_response(page, outcome.status)
    state = "archived" if action == "archive" else "active"
    return done(url_for(".site_list", notice=action + "d", state=state))
