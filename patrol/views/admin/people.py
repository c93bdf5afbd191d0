"""Setup: people — the list, inviting someone, changing them, resetting a password, deactivating.

A temporary password is shown on the answer to the POST that made it, never stored or redirected
with: reloading or going back cannot show it again.
"""

from __future__ import annotations

from flask import make_response, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from patrol.access import PERMISSIONS, can, visible_sites
from patrol.accounts.pins import reset_pin
from patrol.extensions import db
from patrol.i18n import LANGUAGES
from patrol.i18n import lazy_gettext as _l
from patrol.models import User
from patrol.presenters.inspection_list import recent_by
from patrol.presenters.schedule_return import schedule_return, with_responsible
from patrol.setup.people import (
    PersonFilter,
    deactivate_person,
    invite_person,
    people_page,
    person_form_values,
    reactivate_person,
    reset_password,
    update_person,
)
from patrol.views.admin import Confirm, confirm_page, setup_blueprint
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, render

bp = setup_blueprint("admin_people", __name__, "/admin/people")
PAGE_SIZE = 30


@bp.get("/")
def person_list():
    sites = visible_sites(current_user)
    site_id = arg_int("site")
    wanted = PersonFilter(
        search=request.args.get("q", "").strip()[:60],
        role=request.args.get("role") or None,
        site_id=site_id if site_id in {site.id for site in sites} else None,
    )
    people = people_page(wanted, number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE)
    return render(
        "admin/people/list.html",
        "results",
        people=people,
        total=people.total,
        wanted=wanted,
        sites=sites,
        site_id=wanted.site_id,
    )


def _form(person: User | None, values, errors=None, status: int = 200, recent=None):
    """The person form, whole or (for htmx) just its block; `recent`: their newest rounds, under it."""
    body = render(
        "admin/people/form.html",
        "form",
        person=person,
        values=values,
        errors=errors or {},
        site_choices=_site_choices(values),
        languages=LANGUAGES,
        recent=recent,
        permissions=PERMISSIONS,
    )
    return make_response(body, status)


def _site_choices(values) -> list[tuple[int, str]]:
    """The sites to tick: those in use, and an archived one only while it is still ticked."""
    ticked = set(values.get("sites") or [])
    return [
        (site.id, gettext("%(name)s (archived)", name=site.name) if site.archived else site.name)
        for site in visible_sites(current_user)
        if not site.archived or str(site.id) in ticked
    ]


def _sent():
    """The form as sent, with the ticked sites as a list (the template and the service read both)."""
    return {**request.form.to_dict(), "sites": request.form.getlist("sites")}


@bp.get("/new")
def person_new():
    """The invite form; from a schedule it starts with that schedule's site ticked, and leads back to it."""
    values = person_form_values(None)
    site = request.args.get("site", "")
    if site in {str(s.id) for s in visible_sites(current_user) if not s.archived}:
        values["sites"] = [site]
    values["next"] = schedule_return(request.args.get("next"))
    return _form(None, values)


@bp.post("/new")
def person_create():
    sent = _sent()
    outcome = invite_person(current_user, sent, sent["sites"], visible_sites(current_user))
    if not outcome.ok:
        return _form(None, sent, outcome.errors, outcome.status)
    back = with_responsible(schedule_return(sent.get("next")), outcome.value.user)
    page = render_template("admin/people/password.html", given=outcome.value, new=True, back=back)
    return make_response(page, 201)


@bp.get("/<int:user_id>")
def person_edit(user_id: int):
    person = db.get_or_404(User, user_id)
    return _form(person, person_form_values(person), recent=recent_by(current_user, person))


@bp.post("/<int:user_id>")
def person_update(user_id: int):
    person = db.get_or_404(User, user_id)
    sent = _sent()
    outcome = update_person(current_user, person, sent, sent["sites"], visible_sites(current_user))
    if not outcome.ok:
        return _form(person, sent, outcome.errors, outcome.status)
    if not can(current_user, "setup.manage"):  # they gave up their own administrator role
        return go_to(url_for("home.index"))
    return go_to(url_for(".person_list"), _l("The changes were saved."))


# Resetting a password, deactivating and reactivating: a GET explains and asks; the POST does it.
CHANGES = {"deactivate": deactivate_person, "reactivate": reactivate_person}
CHANGED = {
    "deactivate": _l("The person was deactivated. They can no longer sign in; their records are kept."),
    "reactivate": _l("The person can sign in again."),
}


def _confirm(person: User, action: str, errors=None, status: int = 200):
    """What resetting, deactivating or reactivating does, and the button that does it."""
    name = person.display_name
    if action == "pin":
        ask = {
            "question": _l("Give %(name)s a new handover PIN?", name=name),
            "button": _l("Make a new PIN"),
            "lines": [
                _l(
                    "Their current PIN stops working and a PIN locked by wrong tries is unlocked. You will see "
                    "the new one once, to pass on; they can choose their own on their account page."
                )
            ],
        }
    elif action == "reset":
        ask = {
            "question": _l("Reset the password?"),
            "button": _l("Reset password"),
            "lines": [
                _l(
                    "Their current password stops working. You will see a new temporary one to pass on; "
                    "they must replace it when they next sign in."
                )
            ],
        }
    elif action == "deactivate":
        ask = {
            "question": _l("Deactivate %(name)s?", name=name),
            "button": _l("Deactivate"),
            "danger": True,
            "lines": [_l("They can no longer sign in. Their inspections, photos and tasks stay under their name.")],
        }
    else:
        ask = {
            "question": _l("Reactivate %(name)s?", name=name),
            "button": _l("Reactivate"),
            "lines": [_l("They can sign in again with their password, and see their sites.")],
        }
    targets = {"reset": ".person_reset", "pin": ".person_pin"}
    target = (
        url_for(targets[action], user_id=person.id)
        if action in targets
        else url_for(".person_change_state", user_id=person.id, action=action)
    )
    return confirm_page(
        Confirm(
            title=name,
            eyebrow=f"{name} · {person.username}",
            action=target,
            cancel=url_for(".person_edit", user_id=person.id),
            **ask,
        ),
        errors,
        status,
    )


@bp.get("/<int:user_id>/reset", defaults={"action": "reset"})
@bp.get("/<int:user_id>/pin", defaults={"action": "pin"})
@bp.get("/<int:user_id>/deactivate", defaults={"action": "deactivate"})
@bp.get("/<int:user_id>/reactivate", defaults={"action": "reactivate"})
def person_confirm(user_id: int, action: str):
    return _confirm(db.get_or_404(User, user_id), action)


@bp.post("/<int:user_id>/reset")
def person_reset(user_id: int):
    outcome = reset_password(current_user, db.get_or_404(User, user_id))
    return render_template("admin/people/password.html", given=outcome.value, new=False)


@bp.post("/<int:user_id>/pin")
def person_pin(user_id: int):
    person = db.get_or_404(User, user_id)
    outcome = reset_pin(current_user, person)
    if not outcome.ok:
        return _confirm(person, "pin", outcome.errors, outcome.status)
    return render_template("admin/people/pin.html", person=person, pin=outcome.value)


@bp.post("/<int:user_id>/deactivate", defaults={"action": "deactivate"})
@bp.post("/<int:user_id>/reactivate", defaults={"action": "reactivate"})
def person_change_state(user_id: int, action: str):
    person = db.get_or_404(User, user_id)
    outcome = CHANGES[action](current_user, person)
    if not outcome.ok:
        return _confirm(person, action, outcome.errors, outcome.status)
    return go_to(url_for(".person_list"), CHANGED[action])
