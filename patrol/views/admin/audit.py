"""Setup: the audit log — who changed what in setup, and when. Administrators only."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext
from patrol.i18n import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from patrol.access import permission_required
from patrol.extensions import db
from patrol.models import Site, User
from patrol.request_guards import MAX_PAGE, arg_int
from patrol.services.audit import audit_page
from patrol.services.schedules import weekday_names
from patrol.templating import render
from patrol.vocabulary import AUDIT_ACTIONS

bp = Blueprint("admin_audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50

# The words for the detail keys services store; an unknown key is shown with spaces for underscores.
DETAIL_WORDS = {
    "name": _l("name"), "display_name": _l("name shown"), "username": _l("user name"), "role": _l("role"),
    "site": _l("site"), "sites": _l("sites"), "code": _l("code"), "old_code": _l("old code"),
    "new_code": _l("new code"), "kind": _l("kind"), "location_kind": _l("kind of location"),
    "locations": _l("locations"), "location": _l("location"), "count": _l("count"), "checklist": _l("checklist"),
    "version": _l("version"), "items": _l("items"), "recurrence": _l("repeats"), "every_hours": _l("every (hours)"),
    "start_time": _l("from"), "end_time": _l("until"), "weekdays": _l("days"),
    "window_minutes": _l("minutes to do it in"), "grace_minutes": _l("late for (minutes)"),
    "responsible": _l("responsible"), "responsible_role": _l("responsible role"), "active": _l("active"),
    "building": _l("building"), "floor": _l("floor"), "unit": _l("unit"), "timezone": _l("time zone"),
    "opens_at": _l("opens"), "closes_at": _l("closes"), "permit_number": _l("permit number"),
    "contractor": _l("contractor"),
}


@bp.get("/")
@login_required
@permission_required("setup.manage")
def audit_log():
    action = request.args.get("action", "")
    action = action if action in AUDIT_ACTIONS else ""
    person = arg_int("person")
    page = arg_int("page", 1, maximum=MAX_PAGE)
    # One more than a page tells whether there is a next page without counting the whole log.
    events = audit_page(action=action or None, actor_id=person, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    people = list(db.session.scalars(select(User).order_by(User.display_name, User.id)))
    sites = {site.id: site for site in db.session.scalars(select(Site))}
    return render("admin/audit/log.html", "results", events=events[:PAGE_SIZE], more=len(events) > PAGE_SIZE,
                  action=action, person=person, page=page, people=people, sites=sites, in_words=details_in_words)


def details_in_words(details: dict | None) -> list[str]:
    """An entry's details as short lines: "role: butler → supervisor", "old code ABC234 → new code XYZ789"."""
    rest = dict(details or {})
    lines = []
    if "from" in rest and "to" in rest:
        lines.append(f"{_value('from', rest.pop('from'))} → {_value('to', rest.pop('to'))}")
    for old_key in [key for key in rest if key.startswith("old_") and "new_" + key[4:] in rest]:
        new_key = "new_" + old_key[4:]
        lines.append(f"{_word(old_key)} {_value(old_key, rest.pop(old_key))} → "
                     f"{_word(new_key)} {_value(new_key, rest.pop(new_key))}")
    for key, value in rest.items():
        if isinstance(value, dict) and {"from", "to"} <= set(value):
            lines.append(f"{_word(key)}: {_value(key, value['from'])} → {_value(key, value['to'])}")
        else:
            lines.append(f"{_word(key)}: {_value(key, value)}")
    return lines


def _word(key: str) -> str:
    return str(DETAIL_WORDS.get(key, key.replace("_", " ")))


def _value(key: str, value) -> str:
    """A stored value as it was stored, made readable: lists joined, yes/no, a dash for nothing."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key == "weekdays" and isinstance(value, list) and all(isinstance(day, int) for day in value):
        return weekday_names(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_value("", part) for part in value)
    if isinstance(value, dict):
        return ", ".join(f"{_word(k)}: {_value(k, v)}" for k, v in value.items())
    return str(value)
