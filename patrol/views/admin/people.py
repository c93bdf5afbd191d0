"""Setup: people — the list, inviting someone, changing them, resetting a password, deactivating.

A temporary password is shown on the answer to the POST that made it, never stored or redirected
with: reloading or going back cannot show it again.
"""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import can, permission_required, visible_sites
from patrol.extensions import db
from patrol.i18n import LANGUAGES
from patrol.models import User
from patrol.request_guards import MAX_PAGE, arg_int
from patrol.services.people import (
    PersonFilter,
    count_people,
    deactivate_person,
    invite_person,
    people_page,
    person_form_values,
    reactivate_person,
    reset_password,
    update_person,
)
from patrol.templating import render
from patrol.views.admin import done

bp = Blueprint("admin_people", __name__, url_prefix="/admin/people")
PAGE_SIZE = 30


@bp.get("/")
@login_required
@permission_required("setup.manage")
def person_list():
    sites = visible_sites(current_user)
    site_id = arg_int("site")
    wanted = PersonFilter(search=request.args.get("q", "").strip()[:60], role=request.args.get("role") or None,
                          site_id=site_id if site_id in {site.id for site in sites} else None)
    page = arg_int("page", 1, maximum=MAX_PAGE)
    total = count_people(wanted)
    people = people_page(wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render("admin/people/list.html", "results", people=people, total=total, wanted=wanted, sites=sites,
                  site_id=wanted.site_id, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                  notice=request.args.get("notice"))


def _form(person: User | None, values, errors=None, status: int = 200):
    """The person form, whole or (for htmx) just its block."""
    body = render("admin/people/form.html", "form", person=person, values=values, errors=errors or {},
                  sites=visible_sites(current_user), languages=LANGUAGES)
    return make_response(body, status)


def _sent():
    """The form as sent, with the ticked sites as a list (the template and the service read both)."""
    return {**request.form.to_dict(), "sites": request.form.getlist("sites")}


@bp.get("/new")
@login_required
@permission_required("setup.manage")
def person_new():
    return _form(None, person_form_values(None))


@bp.post("/new")
@login_required
@permission_required("setup.manage")
def person_create():
    sent = _sent()
    outcome = invite_person(current_user, sent, sent["sites"], visible_sites(current_user))
    if not outcome.ok:
        return _form(None, sent, outcome.errors, outcome.status)
    return make_response(render_template("admin/people/password.html", given=outcome.value, new=True), 201)


@bp.get("/<int:user_id>")
@login_required
@permission_required("setup.manage")
def person_edit(user_id: int):
    person = db.get_or_404(User, user_id)
    return _form(person, person_form_values(person))


@bp.post("/<int:user_id>")
@login_required
@permission_required("setup.manage")
def person_update(user_id: int):
    person = db.get_or_404(User, user_id)
    sent = _sent()
    outcome = update_person(current_user, person, sent, sent["sites"], visible_sites(current_user))
    if not outcome.ok:
        return _form(person, sent, outcome.errors, outcome.status)
    if not can(current_user, "setup.manage"):  # they gave up their own administrator role
        return done(url_for("home.index"))
    return done(url_for(".person_list", notice="updated"))


# Resetting a password, deactivating and reactivating: a GET explains and asks; the POST does it.
CHANGES = {"deactivate": deactivate_person, "reactivate": reactivate_person}


@bp.get("/<int:user_id>/reset", defaults={"action": "reset"})
@bp.get("/<int:user_id>/deactivate", defaults={"action": "deactivate"})
@bp.get("/<int:user_id>/reactivate", defaults={"action": "reactivate"})
@login_required
@permission_required("setup.manage")
def person_confirm(user_id: int, action: str):
    person = db.get_or_404(User, user_id)
    return render_template("admin/people/confirm.html", person=person, action=action, errors={})


@bp.post("/<int:user_id>/reset")
@login_required
@permission_required("setup.manage")
def person_reset(user_id: int):
    outcome = reset_password(current_user, db.get_or_404(User, user_id))
    return render_template("admin/people/password.html", given=outcome.value, new=False)


@bp.post("/<int:user_id>/deactivate", defaults={"action": "deactivate"})
@bp.post("/<int:user_id>/reactivate", defaults={"action": "reactivate"})
@login_required
@permission_required("setup.manage")
def person_change_state(user_id: int, action: str):
    person = db.get_or_404(User, user_id)
    outcome = CHANGES[action](current_user, person)
    if not outcome.ok:
        page = render_template("admin/people/confirm.html", person=person, action=action, errors=outcome.errors)
        return make_response(page, outcome.status)
    return done(url_for(".person_list", notice=action + "d"))
