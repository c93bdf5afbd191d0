"""Setup: the audit log — who changed what in setup, and when. Administrators only."""

from __future__ import annotations

from flask import request

from patrol.setup.audit import audit_page, people_and_sites
from patrol.views.admin import setup_blueprint
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import render
from patrol.vocabulary import AUDIT_ACTIONS

bp = setup_blueprint("admin_audit", __name__, "/admin/audit")
PAGE_SIZE = 50


@bp.get("/")
def audit_log():
    action = request.args.get("action", "")
    action = action if action in AUDIT_ACTIONS else ""
    person = arg_int("person")
    events = audit_page(
        action=action or None,
        actor_id=person,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    people, sites = people_and_sites()
    return render(
        "admin/audit/log.html", "results", events=events, action=action, person=person, people=people, sites=sites
    )
