"""A model room's loss cases: the room's list, one case's page and its reconciliation, its loss record.

- /rooms/<id>/cases: the room's cases, open first (rooms.view);
- /cases/<id>: the item, its interval and custodians, sightings, the task, and what the reader may do;
  each way of closing it is a form posting to /cases/<id>/close (a refusal comes back beside it);
- /cases/<id>/record: the loss/damage record's form (cases.record), /cases/<id>/record/print: the
  record on A4, in the site's language whoever prints it (as the rectification notice).
Every object is loaded through access (its site), every action checks its permission in the service.
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from patrol.access import load, permission_required, require_site
from patrol.database import reads_first, utcnow
from patrol.extensions import db
from patrol.i18n import HTML_LANG
from patrol.modelrooms.loss_record import save_record
from patrol.modelrooms.reconcile import CloseInput, close_case
from patrol.models import Location, LossCase
from patrol.outcome import Refused
from patrol.presenters import site_language
from patrol.presenters.cases import case_page, load_case, room_cases
from patrol.validation import whole_number
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, render

bp = Blueprint("cases", __name__)


def _loaded(case_id: int) -> LossCase:
    case = load_case(case_id)
    if case is None:
        abort(404)
    require_site(case.site_id)
    return case


@bp.get("/rooms/<int:location_id>/cases")
@login_required
@permission_required("rooms.view")
def room_case_list(location_id: int):
    room = load(Location, location_id)
    if room.kind != "model_room":
        abort(404)
    page = room_cases(room.id, arg_int("page", 1, maximum=MAX_PAGE))
    return render("rooms/cases.html", room=room, page=page)


@bp.get("/cases/<int:case_id>")
@login_required
@permission_required("rooms.view")
def case_view(case_id: int):
    return render("rooms/case.html", page=case_page(_loaded(case_id), current_user), refused=None, values={})


@bp.get("/tasks/<int:task_id>/case")
@login_required
@permission_required("rooms.view")
def task_case(task_id: int):
    """A loss task's case (the task page links here: it knows the task, not the case)."""
    case = db.session.scalar(select(LossCase).where(LossCase.task_id == task_id))
    if case is None:
        abort(404)
    require_site(case.site_id)
    return redirect(url_for("cases.case_view", case_id=case.id))


@bp.post("/cases/<int:case_id>/close")
@reads_first
@login_required
def case_close(case_id: int):
    case = _loaded(case_id)
    form = request.form
    action = form.get("action", "")
    given = CloseInput(
        outcome="found" if action == "confirm_found" else action,
        version=whole_number(form.get("version", "")),
        client_id=form.get("client_id"),
        note=form.get("note", ""),
        confirm=action == "confirm_found",
    )
    try:
        close_case(case, current_user, given, utcnow())
    except Refused as refused:
        db.session.rollback()
        page = case_page(_loaded(case_id), current_user)
        context = {"refused": {"action": action, "message": refused.message}, "values": {"note": given.note}}
        return make_response(render("rooms/case.html", page=page, **context), refused.status)
    return go_to(url_for("cases.case_view", case_id=case_id), _done(action))


def _done(action: str) -> str:
    return {
        "confirm_found": gettext("Found: the case is closed, and its task with it."),
        "found": gettext("Found: the case is closed, and its task with it."),
        "damaged": gettext("Closed as found damaged: its task stays open for the repair."),
        "written_off": gettext("Written off: the register expects the new quantity from the next count."),
    }.get(action, "")


@bp.get("/cases/<int:case_id>/record")
@login_required
@permission_required("cases.record")
def case_record(case_id: int):
    case = _loaded(case_id)
    values = _stored(case)
    return render("rooms/case_record.html", page=case_page(case, current_user), values=values, errors={})


@bp.post("/cases/<int:case_id>/record")
@reads_first
@login_required
@permission_required("cases.record")
def case_record_save(case_id: int):
    case = _loaded(case_id)
    try:
        outcome = save_record(case, current_user, request.form, utcnow())
    except Refused as refused:
        db.session.rollback()
        fresh = _loaded(case_id)
        context = {"values": _stored(fresh), "errors": {"form": refused.message}}
        page = case_page(fresh, current_user)
        return make_response(render("rooms/case_record.html", page=page, **context), refused.status)
    if not outcome.ok:
        db.session.rollback()
        page = case_page(_loaded(case_id), current_user)
        context = {"values": request.form, "errors": outcome.errors}
        return make_response(render("rooms/case_record.html", page=page, **context), outcome.status)
    return go_to(url_for("cases.case_record", case_id=case_id), gettext("The loss record is saved."))


def _stored(case: LossCase) -> dict:
    fault = {True: "yes", False: "no"}.get(case.management_at_fault, "")
    return {
        "version": case.version,
        "cause": case.cause or "",
        "management_at_fault": fault,
        "responsible_party": case.responsible_party,
        "compensation": "" if case.compensation is None else f"{case.compensation:.2f}",
        "note": case.record_note,
    }


@bp.get("/cases/<int:case_id>/record/print")
@login_required
@permission_required("cases.record")
def case_record_print(case_id: int):
    """The record on A4 in the site's language; the bar above it, which does not print, in the reader's."""
    case = _loaded(case_id)
    page = case_page(case, current_user)
    locale = str(get_locale() or "zh_Hans")
    toolbar = {
        "lang": HTML_LANG.get(locale, locale.replace("_", "-")),
        "back_url": url_for("cases.case_record", case_id=case.id),
        "back": gettext("Back to the record"),
        "print": gettext("Print"),
        "summary": gettext("The loss/damage record: print it on A4 and have it signed."),
    }
    site = case.location.site
    with force_locale(site_language(site)):
        return render_template("rooms/case_record_sheet.html", page=page, site=site, toolbar=toolbar)
