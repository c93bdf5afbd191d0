"""From a submitted inspection's answers to tasks: one task per open problem.

A finding raises a task, unless the same item already has an open task at that location: then it
is recorded on that task as seen again. A round that finds an item whose fix awaits re-check
re-checks it: passed closes the task, failed sends it back. That re-check is the task page's, taken
through workflow.act as the round's inspector (their role, the task's version as it is now, the
same events and alerts). When the inspector may not re-check it — they made the fix themselves, or
their role does not re-check — the round leaves the fix awaiting someone who may: an item passed
changes nothing, an item failed is recorded as seen again. A problem found again after its task
was closed raises a new task that names the old one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from patrol.alerts import sweep as alerts
from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, Inspection, Location, Task, TaskEvent, User
from patrol.models.task import OPEN_STATUSES
from patrol.outcome import Refused
from patrol.tasks.workflow import ActionInput, act


def due_hours(severity: str) -> int:
    return current_app.config["PATROL_DUE_HOURS"].get(severity, 24)


def problem_key(checklist_id: int, item: ChecklistItem) -> str:
    """The same question of the same checklist, whichever version asked it."""
    return f"{checklist_id}:{item.prompt}"[:255]


def settle_answers(
    inspection: Inspection, location: Location, items: list[ChecklistItem], *, checklist_id: int, now: datetime
) -> list[Task]:
    """Raise, update or close tasks from a submitted inspection; the tasks it raised. The caller commits."""
    answers = {
        answer.item_id: answer
        for answer in db.session.scalars(select(Answer).where(Answer.inspection_id == inspection.id))
    }
    answered = [item for item in items if item.id in answers]
    keys = {item.id: problem_key(checklist_id, item) for item in answered}
    open_tasks = {
        task.problem_key: task
        for task in db.session.scalars(
            select(Task).where(
                Task.location_id == location.id,
                Task.problem_key.in_(set(keys.values())),
                Task.status.in_(OPEN_STATUSES),
            )
        )
    }
    raised: list[dict] = []
    for item in answered:
        answer, task = answers[item.id], open_tasks.get(keys[item.id])
        if task is None:
            if answer.is_finding:
                raised.append(_new_task(inspection, location, item, answer, keys[item.id], now))
        elif answer.is_finding:
            _found_again(task, inspection, answer, now)
        elif task.status == "fixed":
            _recheck(task, inspection, answer, "recheck_pass", now)
    db.session.flush()  # what was found again, before the new ones are written
    if not raised:
        return []
    _link_to_closed(raised, location)
    # Bulk statements: the number of queries does not grow with the number of findings.
    db.session.execute(insert(Task), raised)
    tasks = list(db.session.scalars(select(Task).where(Task.inspection_id == inspection.id).order_by(Task.id)))
    db.session.execute(
        insert(TaskEvent),
        [
            {
                "task_id": task.id,
                "kind": "created",
                "actor_id": inspection.inspector_id,
                "note": task.detail,
                "to_status": "open",
                "inspection_id": inspection.id,
                "answer_id": task.answer_id,
                "created_at": now,
            }
            for task in tasks
        ],
    )
    alerts.after_raise(tasks)
    return tasks


def _new_task(
    inspection: Inspection, location: Location, item: ChecklistItem, answer: Answer, key: str, now: datetime
) -> dict:
    """The row of a new task (inserted in bulk with the others)."""
    severity = answer.severity or item.default_severity
    return {
        "site_id": location.site_id,
        "location_id": location.id,
        "source": "finding",
        "inspection_id": inspection.id,
        "answer_id": answer.id,
        "problem_key": key,
        "title": item.prompt[:200],
        "detail": answer.note,
        "severity": severity,
        "status": "open",
        "raised_by_id": inspection.inspector_id,
        "due_at": now + timedelta(hours=due_hours(severity)),
        "respond_by": now + timedelta(minutes=location.site.first_response_minutes),
        "last_seen_at": now,
        "created_at": now,
        "version": 1,
    }


def _found_again(task: Task, inspection: Inspection, answer: Answer, now: datetime) -> None:
    """The item failed again: it fails the fix awaiting re-check or (none, or not theirs to re-check) is still there."""
    rechecked = task.status == "fixed" and _recheck(task, inspection, answer, "recheck_fail", now)
    task.seen_count += 1
    task.last_seen_at = now
    if rechecked:
        return
    db.session.add(
        TaskEvent(
            task=task,
            kind="seen_again",
            actor_id=inspection.inspector_id,
            note=answer.note,
            from_status=task.status,
            to_status=task.status,
            inspection_id=inspection.id,
            answer_id=answer.id,
            created_at=now,
        )
    )


def _recheck(task: Task, inspection: Inspection, answer: Answer, action: str, now: datetime) -> bool:
    """The round's inspector re-checks the fix, as on the task page; False if they may not (nothing written)."""
    inspector = db.session.get(User, inspection.inspector_id)
    db.session.flush()  # the task's version as it is now, with anything this round changed on it
    given = ActionInput(action, task.version, note=answer.note, answer=answer)
    try:
        act(task, inspector, given, now=now, commit=False)  # inside the submit's transaction
    except Refused:
        return False
    return True


def _link_to_closed(raised: list[dict], location: Location) -> None:
    """A new task for a problem that had a task before names the latest one."""
    keys = {row["problem_key"] for row in raised}
    if not keys:
        return
    latest = dict(
        db.session.execute(
            select(Task.problem_key, func.max(Task.id))
            .where(Task.location_id == location.id, Task.problem_key.in_(keys))
            .group_by(Task.problem_key)
        ).all()
    )
    for row in raised:
        row["follows_id"] = latest.get(row["problem_key"])
