"""The home page: what this person should do or look at next."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import can, site_ids_for
from patrol.i18n import lazy_gettext as _l
from patrol.services.history import finding_counts, inspections_since, start_of_day
from patrol.services.locations import location_by_short_code, locations_on
from patrol.services.tasks import TaskFilter, count_tasks, list_tasks
from patrol.templating import zone_of
from patrol.views.errors import error_response

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    site_ids = site_ids_for(current_user)
    supervising = can(current_user, "tasks.view_all")
    today = inspections_since(site_ids, start_of_day(zone_of()), inspector_id=None if supervising else current_user.id)
    context = {
        "today": today,
        "findings": finding_counts([i.id for i in today]),
        "overdue_count": count_tasks(site_ids, TaskFilter("overdue")),
        "open_count": count_tasks(site_ids, TaskFilter("open")),
    }
    if supervising:
        context["overdue"] = list_tasks(site_ids, TaskFilter("overdue"), limit=10)
        context["open_tasks"] = list_tasks(site_ids, TaskFilter("open"), limit=10)
    else:
        context["locations"] = locations_on(site_ids, limit=200)
    return render_template("home/index.html", supervising=supervising, **context)


@bp.post("/go")
@login_required
def go_to_code():
    """Typing the short code printed under a sticker's QR code, when the camera cannot read it."""
    location = location_by_short_code(request.form.get("code", ""))
    if location is None or location.site_id not in site_ids_for(current_user):
        return error_response(
            404, _l("No location has that code"), _l("Check the six characters under the QR code and try again.")
        )
    return redirect(url_for("scan.scan", token=location.qr_token), 303)
