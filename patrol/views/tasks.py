"""The task board: follow-up tasks filtered, sorted and paged, and several assigned at once
(one task's page is in task_page)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, make_response, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from patrol.access import can, permission_required, visible_sites
from patrol.board_vocabulary import ASSIGNEE_CHOICES, BOARD_SORTS, BOARD_STATES
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location, User
from patrol.outcome import Refused
from patrol.tasks.actions import WORKING_STATUSES
from patrol.tasks.board import task_page, tasks_named
from patrol.tasks.filters import TaskFilter, people_on, sorts_for
from patrol.tasks.rules import assignable_people, visible_site_ids
from patrol.tasks.workflow import assign_many
from patrol.validation import whole_number, whole_numbers
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, is_htmx, render
from patrol.vocabulary import LOCATION_KINDS, SEVERITIES

bp = Blueprint("tasks", __name__)
PAGE_SIZE = 30
MAX_ASSIGNED_AT_ONCE = 100  # a page is 30; more than this was not ticked on one of ours


@bp.get("/tasks")
@login_required
def task_list():
    wanted = TaskFilter.from_args(request.args, current_user)
    tasks = task_page(
        visible_site_ids(current_user),
        wanted,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    response = make_response(render("tasks/list.html", "results", tasks=tasks, **_board(wanted)))
    if is_htmx():  # the address bar shows the filters as a link would, not every empty field of the form
        response.headers["HX-Push-Url"] = url_for("tasks.task_list", **wanted.to_args())
    return response


def _board(wanted: TaskFilter) -> dict:
    """What the board shows around its rows: the filters' choices and, for a supervisor, whom to assign to."""
    sites = visible_sites(current_user)
    people = people_on({site.id for site in sites})
    managing = can(current_user, "tasks.supervise")
    # Several tasks go to one person of one site: the site asked for, or the reader's only one.
    assign_site = wanted.site_id or (sites[0].id if len(sites) == 1 else None)
    return {
        "wanted": wanted,
        "args": wanted.to_args(),
        "sites": sites,
        "site_id": wanted.site_id,
        "location": db.session.get(Location, wanted.location_id) if wanted.location_id else None,
        "people": people,
        "active": _active_filters(wanted, sites, people),
        "states": BOARD_STATES,
        "sorts": {code: BOARD_SORTS[code] for code in sorts_for(wanted.state)},
        "assignee_choices": ASSIGNEE_CHOICES,
        "managing": managing,
        "assign_site": assign_site,
        "assignable": assignable_people(assign_site) if managing and assign_site else [],
        "bulk_states": WORKING_STATUSES,
        "bulk_client_id": str(uuid.uuid4()),  # the same ticked tasks sent twice are assigned once
    }


def _active_filters(wanted: TaskFilter, sites, people) -> list[str]:
    """The filters in force besides the state, in words: shown above the rows even when the filters are folded."""
    shown = []
    if wanted.site_id and len(sites) > 1:
        shown += [site.name for site in sites if site.id == wanted.site_id]
    if wanted.kind:
        shown.append(str(LOCATION_KINDS[wanted.kind]))
    if wanted.assignee in ASSIGNEE_CHOICES:
        shown.append(str(ASSIGNEE_CHOICES[wanted.assignee]))
    elif wanted.assignee:
        shown += [person.display_name for person in people if person.id == wanted.assignee_id]
    if wanted.severity:
        shown.append(str(SEVERITIES[wanted.severity]))
    if wanted.raised_from or wanted.raised_to:
        shown.append(_raised_words(wanted))
    return shown


def _raised_words(wanted: TaskFilter) -> str:
    if wanted.raised_from and wanted.raised_to:
        return gettext("Raised %(start)s to %(end)s", start=wanted.raised_from, end=wanted.raised_to)
    if wanted.raised_from:
        return gettext("Raised from %(start)s", start=wanted.raised_from)
    return gettext("Raised until %(end)s", end=wanted.raised_to)


@bp.post("/tasks/assign")
@login_required
@permission_required("tasks.supervise")
def assign_tasks():
    """Assign the ticked tasks to one person: all of them, or none with the reason why."""
    raw = request.form.getlist("task")
    ids = whole_numbers(raw)
    if not raw:
        return error_response(422, detail=_l("Tick the tasks to assign first."))
    if len(ids) != len(raw) or len(ids) > MAX_ASSIGNED_AT_ONCE:
        abort(400)
    tasks = tasks_named(ids)
    if len(tasks) != len(set(ids)):
        abort(404)  # one of them does not exist: nothing is assigned, nothing silently left out
    if any(task.site_id not in visible_site_ids(current_user) for task in tasks):
        abort(403)
    # Not "assignee": the form also carries the board's filters (to go back to), and that is one of them.
    assignee_id = whole_number(request.form.get("assign_to"))
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee is None:
        return error_response(422, detail=_l("Choose who should fix them."))
    try:
        assign_many(tasks, current_user, assignee, client_id=request.form.get("client_id"))
    except Refused as refused:
        return error_response(refused.status, detail=refused.message)
    back = url_for("tasks.task_list", **TaskFilter.from_args(request.form, current_user).to_args())
    message = ngettext(
        "%(num)d task assigned to %(name)s.",
        "%(num)d tasks assigned to %(name)s.",
        len(tasks),
        name=assignee.display_name,
    )
    return go_to(back, message)
