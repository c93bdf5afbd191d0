"""One task: its page with the timeline, and the actions taken on it (on the tasks blueprint)."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from patrol.access import load
from patrol.models import Task
from patrol.services.tasks import task_with_timeline
from patrol.views.tasks import bp


@bp.get("/tasks/<int:task_id>")
@login_required
def task_view(task_id: int):
    task = task_with_timeline(load(Task, task_id))
    return render_template("tasks/view.html", task=task)
