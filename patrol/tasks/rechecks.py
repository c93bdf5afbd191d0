"""Fixes awaiting re-check at a location, offered to whoever scans it and may re-check them.

A butler on a round is the one standing in front of the fix: the scan page offers them the re-check
of every task there awaiting it, except the ones they fixed themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from patrol.access import can
from patrol.extensions import db
from patrol.models import Answer, Location, Task, TaskEvent, User
from patrol.tasks.actions import RECHECK
from patrol.tasks.board import OPEN

MOST_OFFERED = 10


@dataclass
class RecheckOffer:
    task: Task
    fix: TaskEvent  # the fix awaiting re-check: who, when, its note and photos
    client_id: str  # the offer's form sent twice is one re-check


def rechecks_at(location: Location, user: User, *, limit: int = MOST_OFFERED) -> list[RecheckOffer]:
    """The tasks at this location awaiting re-check that this person may re-check, soonest due first."""
    if not can(user, RECHECK):
        return []
    tasks = list(
        db.session.scalars(
            select(Task)
            # The open states, literally, as well: only then may the open-task index at a location serve it.
            .where(
                Task.location_id == location.id,
                Task.site_id == location.site_id,
                Task.status.in_(OPEN),
                Task.status == "fixed",
            )
            .options(joinedload(Task.answer).joinedload(Answer.item))
            .order_by(Task.due_at, Task.id)
            .limit(limit)
        )
    )
    if not tasks:
        return []
    fixes = db.session.scalars(
        select(TaskEvent)
        .where(TaskEvent.task_id.in_([task.id for task in tasks]), TaskEvent.kind == "fixed")
        .options(joinedload(TaskEvent.actor), selectinload(TaskEvent.photos))
        .order_by(TaskEvent.id)
    )
    latest = {fix.task_id: fix for fix in fixes}  # the last one of each task wins
    return [
        RecheckOffer(task, latest[task.id], str(uuid.uuid4()))
        for task in tasks
        if task.id in latest and latest[task.id].actor_id != user.id
    ]
