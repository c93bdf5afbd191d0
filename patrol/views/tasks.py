"""Follow-up tasks: the list (filtered by state and site) and one task with its timeline."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from patrol.access import can, load, site_ids_for, visible_sites
from patrol.models import Task
from patrol.request_guards import MAX_PAGE, arg_int
from patrol.services.tasks import TaskFilter, count_tasks, list_tasks, task_with_timeline
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
    page = arg_int("page", 1, maximum=MAX_PAGE)
    wanted = TaskFilter(state=state, site_id=site_id if site_id in site_ids else None,
                        mine_for=None if can(current_user, "tasks.view_all") else current_user.id)
    tasks = list_tasks(site_ids, wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    total = count_tasks(site_ids, wanted)
    return render("tasks/list.html", "results", tasks=tasks, total=total, state=state, states=STATES,
                  site_id=wanted.site_id, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                  sites=visible_sites(current_user))


@bp.get("/tasks/<int:task_id>")
@login_required
def task_view(task_id: int):
    task = task_with_timeline(load(Task, task_id))
    return render_template("tasks/view.html", task=task)
