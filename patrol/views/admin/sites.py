"""Setup: sites — the list, creating and changing one, archiving and restoring it (administrators only)."""

from __future__ import annotations

from flask import current_app, make_response, request, url_for
from flask_login import current_user

from patrol.extensions import db
from patrol.i18n import LANGUAGES
from patrol.i18n import lazy_gettext as _l
from patrol.models import Site
from patrol.setup.sites import (
    SITE_FILTERS,
    archive_site,
    create_site,
    restore_site,
    site_form_values,
    site_history,
    site_page,
    update_site,
    zone_choices,
)
from patrol.views.admin import Confirm, confirm_page, setup_blueprint
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, render

bp = setup_blueprint("admin_sites", __name__, "/admin/sites")
PAGE_SIZE = 30


@bp.get("/")
def site_list():
    state = request.args.get("state", "active")
    state = state if state in SITE_FILTERS else "active"
    q = request.args.get("q", "").strip()[:60]
    rows = site_page(state=state, search=q, number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE)
    return render(
        "admin/sites/list.html", "results", rows=rows, total=rows.total, state=state, filters=SITE_FILTERS, q=q
    )


def _form(site: Site | None, values, errors=None, status: int = 200):
    """The site form, whole or (for htmx) just its block."""
    history = site_history(site) if site is not None else None
    body = render(
        "admin/sites/form.html",
        "form",
        site=site,
        values=values,
        errors=errors or {},
        zones=zone_choices(values.get("timezone")),
        language_choices=list(LANGUAGES.items()),
        history=history,
    )
    return make_response(body, status)


@bp.get("/new")
def site_new():
    return _form(None, site_form_values(None, _default_language()))


@bp.post("/new")
def site_create():
    outcome = create_site(current_user, request.form)
    if not outcome.ok:
        return _form(None, request.form, outcome.errors, outcome.status)
    return go_to(url_for(".site_list"), _l("The site was created. Next, add its locations."))


@bp.get("/<int:site_id>")
def site_edit(site_id: int):
    site = db.get_or_404(Site, site_id)
    return _form(site, site_form_values(site, _default_language()))


@bp.post("/<int:site_id>")
def site_update(site_id: int):
    site = db.get_or_404(Site, site_id)
    outcome = update_site(current_user, site, request.form)
    if not outcome.ok:
        return _form(site, request.form, outcome.errors, outcome.status)
    return go_to(url_for(".site_list", state="all" if site.archived else None), _l("The site was saved."))


# Archiving and restoring: a GET shows what will happen and asks; the POST does it.
ACTIONS = {"archive": archive_site, "restore": restore_site}
DONE = {"archive": _l("The site was archived. Its records are kept."), "restore": _l("The site is in use again.")}


def _confirm(site: Site, action: str, errors=None, status: int = 200):
    """What archiving or restoring does, and the button that does it."""
    if action == "archive":
        ask = {
            "question": _l("Archive %(name)s?", name=site.name),
            "button": _l("Archive site"),
            "danger": True,
            "lines": [
                _l("Its locations, inspections, photos and tasks are all kept and can still be looked at."),
                _l("Scanning its QR codes will no longer start an inspection. You can restore it later."),
            ],
        }
    else:
        ask = {
            "question": _l("Restore %(name)s?", name=site.name),
            "button": _l("Restore site"),
            "lines": [_l("People given this site can inspect its locations again.")],
        }
    return confirm_page(
        Confirm(
            title=site.name,
            eyebrow=_l("Sites"),
            cancel=url_for(".site_edit", site_id=site.id),
            action=url_for(".site_change_state", site_id=site.id, action=action),
            **ask,
        ),
        errors,
        status,
    )


@bp.get("/<int:site_id>/archive", defaults={"action": "archive"})
@bp.get("/<int:site_id>/restore", defaults={"action": "restore"})
def site_confirm(site_id: int, action: str):
    return _confirm(db.get_or_404(Site, site_id), action)


@bp.post("/<int:site_id>/archive", defaults={"action": "archive"})
@bp.post("/<int:site_id>/restore", defaults={"action": "restore"})
def site_change_state(site_id: int, action: str):
    site = db.get_or_404(Site, site_id)
    outcome = ACTIONS[action](current_user, site)
    if not outcome.ok:
        return _confirm(site, action, outcome.errors, outcome.status)
    state = "archived" if action == "archive" else "active"
    return go_to(url_for(".site_list", state=state), DONE[action])


def _default_language() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]
