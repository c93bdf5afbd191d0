"""One task's page: the task, what was found or reported, its whole timeline, and what this person may do.

Loaded in a fixed number of queries however long the timeline grows: the task with what its head
shows, then the events with their people and photos, a query per kind of row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, Photo, Task, TaskEvent, User
from patrol.tasks.rules import allowed_actions, assignable_people


@dataclass
class Entry:
    """One event as the timeline shows it."""

    event: TaskEvent
    photos: list[Photo]  # the event's own, or for a round's finding the answer's
    due_at: datetime | None = None  # a changed due time


@dataclass
class TaskPage:
    task: Task
    entries: list[Entry]
    evidence: list[Photo]  # the finding's photos, or those the report came with
    actions: list[str]
    fixer_id: int | None = None
    latest_fix: Entry | None = None  # the fix awaiting re-check, shown beside the re-check
    people: list[User] = field(default_factory=list)  # whom it may be assigned to
    client_ids: dict[str, str] = field(default_factory=dict)  # one per form: a resend is the same action
    now: datetime = field(default_factory=utcnow)


def load_task(task_id: int) -> Task | None:
    """The task with everything its page shows."""
    event_options = (
        joinedload(TaskEvent.actor),
        joinedload(TaskEvent.assignee),
        selectinload(TaskEvent.photos),
        joinedload(TaskEvent.answer).selectinload(Answer.photos),
    )
    return db.session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .options(
            joinedload(Task.site),
            joinedload(Task.location),
            joinedload(Task.assignee),
            joinedload(Task.raised_by),
            joinedload(Task.inspection),
            joinedload(Task.answer).joinedload(Answer.item),
            joinedload(Task.answer).selectinload(Answer.photos),
            selectinload(Task.events).options(*event_options),
        )
        .execution_options(populate_existing=True)
    )


def fixer_of(task: Task) -> int | None:
    """Who submitted the fix awaiting re-check, from the loaded timeline."""
    fixes = [event for event in task.events if event.kind == "fixed"]
    return fixes[-1].actor_id if fixes else None


def task_page(task: Task, user: User, *, now: datetime | None = None) -> TaskPage:
    """The page of a task already loaded by load_task, for this person."""
    fixer_id = fixer_of(task)
    actions = allowed_actions(task, user, fixer_id=fixer_id)
    entries = [_entry(event) for event in task.events]
    fixes = [entry for entry in entries if entry.event.kind == "fixed"]
    return TaskPage(
        task=task,
        entries=entries,
        latest_fix=fixes[-1] if fixes and task.status == "fixed" else None,
        evidence=_evidence(task),
        actions=actions,
        fixer_id=fixer_id,
        people=assignable_people(task.site_id) if "assign" in actions else [],
        client_ids={action: str(uuid.uuid4()) for action in actions},
        now=now or utcnow(),
    )


def _evidence(task: Task) -> list[Photo]:
    if task.answer is not None:
        return list(task.answer.photos)
    if task.source == "report" and task.events:
        return list(task.events[0].photos)
    return []


def _entry(event: TaskEvent) -> Entry:
    photos = list(event.photos)
    if not photos and event.kind != "created" and event.answer is not None:
        photos = list(event.answer.photos)  # seen again, or re-checked, by a round
    due_at = None
    if event.kind == "due_changed" and event.value:
        try:
            due_at = datetime.fromisoformat(event.value)
        except ValueError:
            due_at = None
    return Entry(event, photos, due_at)
