"""From a submitted inspection's answers to tasks: one task per open problem.

A finding raises a task, unless the same item already has an open task at that location: then it
is recorded on that task as seen again. A round that finds an item whose fix awaits re-check
re-checks it: passed closes the task, failed sends it back. A problem found again after its task
was closed raises a new task that names the old one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from patrol.alerts import sweep as alerts
from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, Inspection, Location, Task, TaskEvent
from patrol.models.task import OPEN_STATUSES
from patrol.tasks.rules import latest_fixer_id


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
    rechecked: list[tuple[Task, TaskEvent]] = []
    for item in answered:
        answer, task = answers[item.id], open_tasks.get(keys[item.id])
        if task is None:
            if answer.is_finding:
                raised.append(_new_task(inspection, location, item, answer, keys[item.id], now))
        elif answer.is_finding:
            rechecked += _found_again(task, inspection, answer, now)
        elif task.status == "fixed" and latest_fixer_id(task) != inspection.inspector_id:
            rechecked.append((task, _recheck(task, inspection, answer, "recheck_passed", "closed", now)))
    db.session.flush()  # what was found again, before the new ones are written
    for task, event in rechecked:
        alerts.after_action(task, event)  # a round's re-check tells the same people as the task page's
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


def _found_again(task: Task, inspection: Inspection, answer: Answer, now: datetime) -> list[tuple[Task, TaskEvent]]:
    """The item failed again: a fix awaiting re-check failed it (that re-check, returned); else it is still there."""
    task.seen_count += 1
    task.last_seen_at = now
    if task.status == "fixed" and latest_fixer_id(task) != inspection.inspector_id:
        event = _recheck(task, inspection, answer, "recheck_failed", "assigned", now)
        task.reopen_count += 1
        return [(task, event)]
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
    return []


def _recheck(task: Task, inspection: Inspection, answer: Answer, kind: str, to_status: str, now: datetime) -> TaskEvent:
    event = TaskEvent(
        task=task,
        kind=kind,
        actor_id=inspection.inspector_id,
        note=answer.note,
        from_status=task.status,
        to_status=to_status,
        # A fix not accepted goes back to whoever did it: the round's page names them later.
        assignee_id=task.assignee_id if kind == "recheck_failed" else None,
        inspection_id=inspection.id,
        answer_id=answer.id,
        created_at=now,
    )
    db.session.add(event)
    task.status = to_status
    if to_status == "closed":
        task.closed_at = now
    return event


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
