"""The report form (随手拍) through the phone's outbox (static/js/outbox-report.js): its photos first,
each its own operation, then the report that lists them. Every answer is JSON echoing the operation's
id; a report is idempotent on its form's client id, a photo on its operation id (both per person)."""

from __future__ import annotations

from functools import partial

from flask import current_app, request, url_for
from flask_login import current_user

from patrol.access import site_ids_for
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location
from patrol.outcome import Refused
from patrol.tasks.report_photos import attach_report_photo
from patrol.tasks.reports import earlier_report, read_report, report_sites, save_report
from patrol.validation import client_id_or_none
from patrol.views.errors import error_response, json_error
from patrol.views.outbox import ack, missing_op, no_photo, outbox_op, photo_answer, sent_photo
from patrol.views.templating import flash_success

REPORTED = _l("Reported. The supervisors on the site can see it now.")
CHECK = _l("Please check what you entered")


def send_report_op(location: Location | None):
    """The report, sent by the outbox after its photos: the task's acknowledgement, or what to fix (422).

    `location`: the one the form names, loaded through access by the view."""
    op = outbox_op()
    if op is None:
        return missing_op()
    # The ids of the photos the outbox sent ahead, in the form's order.
    waiting = [client_id_or_none(raw) for raw in request.form.get("photo_ops", "").split(",") if raw]
    if None in waiting:
        return missing_op()
    sites = report_sites(current_user, site_ids_for(current_user))
    draft = read_report(request.form, location=location, sites=sites, photo_count=len(waiting))
    if draft.client_id is None:
        return missing_op()
    try:
        earlier = earlier_report(draft.client_id, current_user)
        if earlier is not None:  # the same report again (a lost acknowledgement): the task it raised
            return _report_ack(op, earlier)
        if draft.errors:
            return json_error(422, "invalid", CHECK, errors={name: str(error) for name, error in draft.errors.items()})
        task = save_report(current_user, draft, [], current_app.config["PATROL_PHOTO_DIR"], waiting=waiting)
    except Refused as refused:
        if refused.status == 409:
            return json_error(409, "conflict", refused.message)
        return json_error(refused.status, "invalid", CHECK, errors={"photos": str(refused.message)})
    flash_success(REPORTED)  # shown by the next page: the task's, when the form is still open
    return _report_ack(op, task)


def _report_ack(op: str, task):
    return ack(op, task=task.id, url=url_for("task_page.task_view", task_id=task.id))


def send_report_photo():
    """One photo of a report still to come (the view is outbox_only); the acknowledgement names it and
    where its thumbnail is."""
    report = client_id_or_none(request.form.get("report"))
    if report is None:
        return missing_op()
    sent = sent_photo("photo")
    if sent is None:
        return no_photo()
    sites = report_sites(current_user, site_ids_for(current_user))
    if not sites:
        return error_response(403, detail=_l("You are not on any site yet, so there is nowhere to report to."))
    attach = partial(attach_report_photo, current_user, report, sent.data, sent.limits, sent.op, zone=sites[0].zone)
    return photo_answer(attach, _report_photo_ack)


def _report_photo_ack(given: dict):
    thumb = url_for("photos.photo_file", sha256=given["photo"]["sha256"], variant="thumb")
    return ack(given["op"], photo=given["photo"], received_sha256=given["received_sha256"], thumb_url=thumb)
