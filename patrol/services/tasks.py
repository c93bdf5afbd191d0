"""Follow-up tasks (整改): raised from findings, listed, and kept with their timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload, selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, Inspection, Location, Task, TaskEvent
from patrol.models.task import OPEN_STATUSES


def due_hours(severity: str) -> int:
    return current_app.config["PATROL_DUE_HOURS"].get(severity, 24)


def describe_finding(answer: Answer, item: ChecklistItem) -> str:
    """A task title a supervisor can read at a glance: the question, and what was found if not a plain fail."""
    if item.item_type == "count" and answer.value_number is not None:
        return f"{item.prompt}（{answer.value_number:g}/{item.expected}）"
    if item.item_type in {"rating", "number"} and answer.value_number is not None:
        return f"{item.prompt}（{answer.value_number:g}{item.unit}）"
    if item.item_type == "choice" and answer.value_text:
        return f"{item.prompt}（{answer.value_text}）"
    return item.prompt


def raise_tasks_for_findings(inspection: Inspection, location: Location, findings: list[ChecklistItem],
                             *, now: datetime) -> list[Task]:
    """One open task per failed item, due by its severity, each with a 'raised' event.

    Written with bulk statements so that the number of queries does not grow with the
    number of findings. The caller commits.
    """
    if not findings:
        return []
    answers = {answer.item_id: answer for answer in db.session.scalars(
        select(Answer).where(Answer.inspection_id == inspection.id,
                             Answer.item_id.in_([item.id for item in findings])))}
    rows = []
    for item in findings:
        answer = answers[item.id]
        severity = answer.severity or item.default_severity
        rows.append({
            "site_id": location.site_id, "location_id": location.id, "inspection_id": inspection.id,
            "answer_id": answer.id, "title": describe_finding(answer, item)[:200], "detail": answer.note,
            "severity": severity, "status": "open", "raised_by_id": inspection.inspector_id,
            "due_at": now + timedelta(hours=due_hours(severity)), "created_at": now,
        })
    db.session.execute(insert(Task), rows)
    tasks = list(db.session.scalars(select(Task).where(Task.inspection_id == inspection.id).order_by(Task.id)))
    db.session.execute(insert(TaskEvent), [
        {"task_id": task.id, "kind": "created", "actor_id": inspection.inspector_id, "note": task.detail,
         "created_at": now}
        for task in tasks
    ])
    return tasks


@dataclass(frozen=True)
class TaskFilter:
    state: str = "open"  # open | overdue | closed | all
    site_id: int | None = None
    location_id: int | None = None
    mine_for: int | None = None  # only tasks assigned to or raised by this user


def task_query(site_ids: set[int], wanted: TaskFilter, now: datetime | None = None):
    now = now or utcnow()
    query = select(Task).where(Task.site_id.in_(site_ids))
    if wanted.state == "open":
        query = query.where(Task.status.in_(OPEN_STATUSES))
    elif wanted.state == "overdue":
        query = query.where(Task.status.in_(OPEN_STATUSES), Task.due_at < now)
    elif wanted.state == "closed":
        query = query.where(Task.status == "closed")
    if wanted.site_id is not None:
        query = query.where(Task.site_id == wanted.site_id)
    if wanted.location_id is not None:
        query = query.where(Task.location_id == wanted.location_id)
    if wanted.mine_for is not None:
        query = query.where((Task.assignee_id == wanted.mine_for) | (Task.raised_by_id == wanted.mine_for))
    return query


def list_tasks(site_ids: set[int], wanted: TaskFilter, *, limit: int = 50, offset: int = 0) -> list[Task]:
    """Tasks on these sites, soonest due first, with what the list shows loaded up front."""
    query = task_query(site_ids, wanted).options(
        joinedload(Task.location).joinedload(Location.site), joinedload(Task.assignee)
    )
    order = (Task.due_at, Task.id) if wanted.state != "closed" else (Task.closed_at.desc(), Task.id.desc())
    return list(db.session.scalars(query.order_by(*order).limit(limit).offset(offset)))


def count_tasks(site_ids: set[int], wanted: TaskFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(task_query(site_ids, wanted).subquery()))


def open_tasks_at(location: Location) -> list[Task]:
    query = (select(Task).where(Task.location_id == location.id, Task.status.in_(OPEN_STATUSES))
             .order_by(Task.due_at))
    return list(db.session.scalars(query))


def task_with_timeline(task: Task) -> Task:
    """Load the answer, its photos and the events a task page shows, in a fixed few queries."""
    db.session.scalars(
        select(Task).where(Task.id == task.id).options(
            selectinload(Task.events).joinedload(TaskEvent.actor),
            joinedload(Task.answer).selectinload(Answer.photos),
            joinedload(Task.answer).joinedload(Answer.item),
            joinedload(Task.inspection).joinedload(Inspection.inspector),
        )
    ).unique().all()
    return task
