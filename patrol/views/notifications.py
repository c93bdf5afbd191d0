"""In-app notifications: the unread count in the header, the list, marking them read.

The header's bell loads its count from `badge` with htmx once the page is shown (and every minute),
so no page pays for the count itself. Late work is found by the worker (patrol.alerts.worker), never
by a request.
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import can
from patrol.alerts.notifications import (
    BADGE_MAX,
    NOTE_LABELS,
    NOTIFICATION_KINDS,
    mark_all_read,
    notification_page,
    open_notification,
    unread_count,
)
from patrol.alerts.settling import settled_words
from patrol.i18n import lazy_gettext as _l
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to

bp = Blueprint("notifications", __name__)
PAGE_SIZE = 30


@bp.get("/notifications")
@login_required
def notification_list():
    rows = notification_page(
        current_user,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render_template(
        "notifications/list.html",
        rows=rows,
        unread=unread_count(current_user),
        kinds=NOTIFICATION_KINDS,
        note_labels=NOTE_LABELS,
        settled_words=settled_words,
    )


@bp.get("/notifications/badge")
def badge():
    """The bell's count (a fragment). Signed out — a session that ended while the page was open — nothing to swap in."""
    if not current_user.is_authenticated:
        return make_response("", 204)
    response = make_response(
        render_template("notifications/_badge.html", unread=unread_count(current_user), most=BADGE_MAX)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def notification_open(notification_id: int):
    notification = open_notification(current_user, notification_id)
    if notification is None:
        return error_response(404, detail=_l("This notification is not yours, or its task is no longer on your sites."))
    if notification.task_id is None:
        # A missed round: its day on the missed-rounds list, to account for it; its location's page for
        # whoever may not review rounds.
        visit = notification.expected_visit
        if can(current_user, "rounds.review"):
            return go_to(url_for("rounds.missed_list", site=visit.site_id, day=visit.local_day.isoformat()))
        return go_to(url_for("locations.location_view", location_id=visit.location_id))
    return go_to(url_for("task_page.task_view", task_id=notification.task_id))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    mark_all_read(current_user)
    return go_to(url_for(".notification_list"), _l("All notifications are marked as read."))
