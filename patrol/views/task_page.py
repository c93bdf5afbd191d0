"""One task: its page with the timeline, and the actions taken on it.

Every action is one form posting to /tasks/<id>/act: read into an ActionInput, handed to
task_workflow. A refused action shows the task again, as it is now, with the reason beside its
form (for htmx just the task, not the whole page) and the status that fits: 403 not yours to do,
409 the task moved on, 422 fix what you entered.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, make_response, request, url_for
from flask_login import current_user, login_required

from patrol.access import require_site
from patrol.database import reads_first
from patrol.extensions import db
from patrol.models import Task, User
from patrol.outcome import Refused
from patrol.photos.processing import PhotosBusy
from patrol.tasks.actions import ACTIONS
from patrol.tasks.photos import read_uploads
from patrol.tasks.timeline import load_task, task_page
from patrol.tasks.workflow import ActionInput, act_with_uploads
from patrol.validation import whole_number
from patrol.views.templating import go_to, is_htmx, render, render_block
from patrol.views.uploads import busy_response, decode_slots, decode_wait, photo_limits

bp = Blueprint("task_page", __name__)


def _loaded(task_id: int) -> Task:
    task = load_task(task_id)
    if task is None:
        abort(404)
    require_site(task.site_id)
    return task


@bp.get("/tasks/<int:task_id>")
@login_required
def task_view(task_id: int):
    page = task_page(_loaded(task_id), current_user)
    return render("tasks/view.html", page=page, task=page.task, refused=None, values={})


@bp.post("/tasks/<int:task_id>/act")
@reads_first
@login_required
def task_act(task_id: int):
    task = _loaded(task_id)
    given = action_input(request.form, task)
    limits = photo_limits()
    try:
        uploads = read_uploads(request.files, "photos", limits.max_bytes)
        act_with_uploads(task, current_user, given, uploads, limits=limits, slots=decode_slots(), wait=decode_wait())
    except PhotosBusy:
        return busy_response()
    except Refused as refused:
        db.session.rollback()
        return _refused(task_id, given.action, refused)
    return go_to(_next_page(task), ACTIONS[given.action].done)


def action_input(form, task: Task) -> ActionInput:
    """What an action's form sent; a value that is missing or malformed is None, and the action says what it needs."""
    assignee_id = whole_number(form.get("assignee", ""))
    return ActionInput(
        action=form.get("action", "").strip(),
        version=whole_number(form.get("version", "")),
        client_id=form.get("client_id"),
        note=form.get("note", ""),
        assignee=db.session.get(User, assignee_id) if assignee_id else None,
        due_at=local_to_utc(form.get("due_at", ""), task.site.zone),
        severity=form.get("severity") or None,
    )


def local_to_utc(raw: str, zone) -> datetime | None:
    """A datetime-local value (2025-03-01T18:00), read in the site's zone, as UTC; None if it is not one."""
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if local.tzinfo is not None or not 2000 <= local.year <= 2100:
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _refused(task_id: int, action: str, refused: Refused):
    """The page again, now as it is, with the reason beside the form that was sent and what it held."""
    page = task_page(_loaded(task_id), current_user)
    context = {"page": page, "task": page.task, "refused": {"action": action, "message": refused.message}}
    context["values"] = {"note": request.form.get("note", ""), "assignee": request.form.get("assignee", "")}
    if is_htmx() and request.form.get("return_to") != "scan":
        return make_response(render_block("tasks/view.html", "task", **context), refused.status)
    return make_response(render("tasks/view.html", **context), refused.status)


def _next_page(task: Task) -> str:
    """Back to the task, or to the location's scan page when the re-check was offered there."""
    if request.form.get("return_to") == "scan" and task.location is not None:
        return url_for("scan.scan", token=task.location.qr_token)
    return url_for("task_page.task_view", task_id=task.id)
