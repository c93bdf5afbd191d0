"""The task board: follow-up tasks filtered, sorted and paged (one task's page is in task_page)."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from patrol.access import can, site_ids_for, visible_sites
from patrol.extensions import db
from patrol.models import Location
from patrol.request_guards import MAX_PAGE, arg_int
from patrol.services.tasks import TaskFilter, task_page
from patrol.templating import render

bp = Blueprint("tasks", __name__)
STATES = ("open", "overdue", "closed", "all")
PAGE_SIZE = 30


@bp.get("/tasks")
@login_required
def task_list():
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    site_ids = site_ids_for(current_user)
    site_id = arg_int("site")
    location = _location_on(site_ids)
    if location:  # as its scan page counts them: all of them, on the location's site, whoever raised them
        wanted = TaskFilter(state=state, site_id=location.site_id, location_id=location.id)
    else:
        wanted = TaskFilter(
            state=state,
            site_id=site_id if site_id in site_ids else None,
            mine_for=None if can(current_user, "tasks.view_all") else current_user.id,
        )
    tasks = task_page(
        site_ids,
        wanted,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render(
        "tasks/list.html",
        "results",
        tasks=tasks,
        state=state,
        states=STATES,
        site_id=wanted.site_id,
        location=location,
        sites=visible_sites(current_user),
    )


def _location_on(site_ids: set[int]) -> Location | None:
    """The location asked for with ?location=, if it is on one of these sites; any other is ignored."""
    location_id = arg_int("location")
    location = db.session.get(Location, location_id) if location_id else None
    return location if location is not None and location.site_id in site_ids else None
