"""Report a problem anywhere (随手拍): photos, a note, a severity — and it is a task like any other."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required, site_ids_for
from patrol.database import reads_first
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location
from patrol.outcome import Refused
from patrol.photos.processing import PhotosBusy
from patrol.tasks.photos import process_uploads, read_uploads
from patrol.tasks.reports import (
    ReportDraft,
    earlier_report,
    just_scanned,
    read_report,
    recent_locations,
    report_rules,
    report_sites,
    save_report,
)
from patrol.validation import whole_number
from patrol.views.errors import error_response
from patrol.views.outbox import outbox_only
from patrol.views.report_ops import REPORTED, send_report_op, send_report_photo
from patrol.views.request_guards import arg_int
from patrol.views.templating import go_to
from patrol.views.uploads import busy_response, decode_slots, decode_wait, photo_limits

bp = Blueprint("reports", __name__)
PHOTO_FIELD = "photos"


@bp.get("/report")
@login_required
@permission_required("inspect")
def report_form():
    """The form. With JavaScript the outbox sends it (report_send); without, it posts whole (report_post)."""
    location = _location_named(arg_int("location"))
    # From home: where the person scanned a moment ago is proposed (and said to be so).
    proposed = None if location else just_scanned(current_user, site_ids_for(current_user))
    if proposed:
        location = proposed.location
    draft = ReportDraft(client_id=str(uuid.uuid4()), location=location, site=location.site if location else None)
    return _form(draft, proposed=proposed)


@bp.post("/report")
@reads_first
@outbox_only
@permission_required("inspect")
def report_send():
    """The report from the outbox, answered in JSON (views/report_ops.py)."""
    return send_report_op(_location_named(whole_number(request.form.get("location"))))


@bp.post("/report/form")
@reads_first
@login_required
@permission_required("inspect")
def report_post():
    """From a phone without JavaScript: the form whole with its photos (progressive enhancement),
    answered with pages."""
    return _send()


@bp.post("/report/photos")
@reads_first
@outbox_only
@permission_required("inspect")
def report_photo():
    """A photo of a report still on the phone, sent ahead of it by the outbox."""
    return send_report_photo()


def _send():
    location = _location_named(whole_number(request.form.get("location")))
    limits = photo_limits()
    uploads = read_uploads(request.files, PHOTO_FIELD, limits.max_bytes)
    sites = report_sites(current_user, site_ids_for(current_user))
    draft = read_report(request.form, location=location, sites=sites, photo_count=len(uploads))
    if draft.client_id is None:
        abort(400)
    try:
        earlier = earlier_report(draft.client_id, current_user)
        if earlier is not None:  # the same form again: the task it raised, never a second one
            return go_to(url_for("task_page.task_view", task_id=earlier.id), REPORTED)
        if draft.errors:
            if uploads and "photos" not in draft.errors:
                draft.errors["photos"] = _l("Photos are not kept when something else needs fixing: add them again.")
            return _form(draft, 422)
        processed = process_uploads(
            uploads, zone=draft.site.zone, limits=limits, slots=decode_slots(), wait=decode_wait()
        )
    except PhotosBusy:
        return busy_response()
    except Refused as refused:
        if refused.status == 409:
            return error_response(409, detail=refused.message)
        draft.errors["photos"] = refused.message
        return _form(draft, refused.status)
    task = save_report(current_user, draft, processed, current_app.config["PATROL_PHOTO_DIR"])
    return go_to(url_for("task_page.task_view", task_id=task.id), REPORTED)


def _location_named(location_id: int | None) -> Location | None:
    """The location a link or the form names: 404 if there is none, 403 if it is on someone else's site."""
    return load(Location, location_id) if location_id is not None else None


def _form(draft: ReportDraft, status: int = 200, proposed=None):
    site_ids = site_ids_for(current_user)
    sites = report_sites(current_user, site_ids)
    if not sites:
        return error_response(403, detail=_l("You are not on any site yet, so there is nowhere to report to."))
    recent = recent_locations(current_user, site_ids)
    # The location the report came from stays first and picked; the person's recent ones follow.
    chips = ([draft.location] if draft.location else []) + [
        location for location in recent if draft.location is None or location.id != draft.location.id
    ]
    values = draft.values()
    if not values["site"] and chips:
        values["site"] = str(chips[0].site_id)
    html = render_template(
        "reports/form.html",
        draft=draft,
        values=values,
        errors=draft.errors,
        chips=chips,
        sites=sites,
        several_sites=len({site.id for site in sites}) > 1,
        proposed=proposed,
        rules=report_rules(),
    )
    return html, status
