"""Follow-up tasks (整改): which ones a list shows, in which order, a page at a time; and one with its timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, Inspection, Location, Task, TaskEvent
from patrol.models.task import OPEN_STATUSES, STATUSES
from patrol.paging import Keyset, Page, count_rows, keyset_page
from patrol.tasks.filters import ENDED_STATES, SINGLE_STATUS, TaskFilter

__all__ = ["TaskFilter", "count_tasks", "list_tasks", "task_page", "task_query", "urgent_tasks_at"]

# Written into the SQL rather than bound: only then may the database use the partial indexes
# whose WHERE names these values (SQLite plans before it sees parameters; PostgreSQL's reused
# plans too). See patrol/models/task.py.
STATUS = {status: bindparam(f"status_{status}", status, literal_execute=True) for status in STATUSES}
CLOSED = STATUS["closed"]
OPEN = bindparam("open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True)

# Open tasks soonest due first (overdue ones come first that way); newest or oldest raised first;
# ended ones latest closed first. Every order ends with the id, so a page continues after its last row.
ORDERS = {
    "due": Keyset((Task.due_at, Task.id)),
    "newest": Keyset((Task.created_at, Task.id), descending=True),
    "oldest": Keyset((Task.created_at, Task.id)),
    "closed": Keyset((Task.closed_at, Task.id), descending=True),
}
DUE_ORDER = ORDERS["due"]
URGENT_AT_LOCATION = 5
# The work at hand stays small and is counted; ended tasks pile up for ever, and counting them (or
# all of them) would read the whole history on every view.
UNCOUNTED_STATES = ENDED_STATES + ("all",)


def task_query(site_ids: set[int], wanted: TaskFilter, now: datetime | None = None):
    """The tasks on these sites (the reader's: task_rules.visible_site_ids) that the filter asks for."""
    now = now or utcnow()
    query = select(Task).where(Task.site_id.in_(site_ids), *_state_terms(wanted.state, now))
    if wanted.site_id is not None:
        query = query.where(Task.site_id == wanted.site_id)
    if wanted.location_id is not None:
        query = query.where(Task.location_id == wanted.location_id)
    if wanted.kind is not None:
        query = query.where(Task.location_id.in_(select(Location.id).where(Location.kind == wanted.kind)))
    if wanted.assignee == "none":
        query = query.where(Task.assignee_id.is_(None))
    elif wanted.assignee is not None:
        query = query.where(Task.assignee_id == wanted.assignee_id)
    if wanted.severity is not None:
        query = query.where(Task.severity == wanted.severity)
    after, before = wanted.raised_between()
    if after is not None:
        query = query.where(Task.created_at >= after)
    if before is not None:
        query = query.where(Task.created_at < before)
    return query


def _state_terms(state: str, now: datetime) -> list:
    if state == "all":
        return []
    if state in ENDED_STATES:
        return [Task.status == STATUS[state]]
    # Every open state names all of them too: that is the condition the open indexes are built on.
    terms = [Task.status.in_(OPEN)]
    if state == "overdue":
        terms.append(Task.due_at < now)
    elif state == "feedback_overdue":
        terms += [Task.status == STATUS["open"], Task.acknowledged_at.is_(None), Task.respond_by < now]
    elif state in SINGLE_STATUS:
        terms.append(Task.status == STATUS[SINGLE_STATUS[state]])
    return terms


def _listed(query):
    """What a task row shows, loaded with the rows."""
    return query.options(
        joinedload(Task.site),
        joinedload(Task.location),
        joinedload(Task.assignee),
        joinedload(Task.answer).joinedload(Answer.item),
    )


def task_page(
    site_ids: set[int],
    wanted: TaskFilter,
    *,
    number: int = 1,
    size: int = 30,
    after: str | None = None,
    before: str | None = None,
) -> Page[Task]:
    """A page of tasks on these sites, by keyset: ended tasks pile up for ever, and page 100 costs what page 1 does.

    Open ones are counted; ended ones and all are not (UNCOUNTED_STATES).
    """
    total = None if wanted.state in UNCOUNTED_STATES else count_tasks(site_ids, wanted)
    return keyset_page(
        _listed(task_query(site_ids, wanted)),
        ORDERS[wanted.order],
        number=number,
        size=size,
        after=after,
        before=before,
        total=total,
    )


def list_tasks(site_ids: set[int], wanted: TaskFilter, *, limit: int = 50) -> list[Task]:
    """The first tasks of a list, uncounted (the home page's short lists)."""
    return keyset_page(_listed(task_query(site_ids, wanted)), ORDERS[wanted.order], number=1, size=limit).rows


def count_tasks(site_ids: set[int], wanted: TaskFilter) -> int:
    return count_rows(task_query(site_ids, wanted))


def urgent_tasks_at(location: Location, size: int = URGENT_AT_LOCATION) -> Page[Task]:
    """The most urgent open tasks at a location (overdue first, then soonest due), and how many are open there.

    The same filter as the task list opened for this location (see views.tasks), so the count the
    scan page shows is the number of rows its link opens.
    """
    wanted = TaskFilter(state="open", site_id=location.site_id, location_id=location.id)
    query = task_query({location.site_id}, wanted)
    shown = query.options(joinedload(Task.answer).joinedload(Answer.item))
    return keyset_page(shown, DUE_ORDER, number=1, size=size, total=count_rows(query))


def task_with_timeline(task: Task) -> Task:
    """Load the answer, its photos and the events a task page shows, in a fixed few queries."""
    db.session.scalars(
        select(Task)
        .where(Task.id == task.id)
        .options(
            selectinload(Task.events).joinedload(TaskEvent.actor),
            joinedload(Task.answer).selectinload(Answer.photos),
            joinedload(Task.answer).joinedload(Answer.item),
            joinedload(Task.inspection).joinedload(Inspection.inspector),
        )
    ).unique().all()
    return task


def tasks_named(ids: list[int]) -> list[Task]:
    """The tasks with these ids wherever they are (the caller checks the sites), in id order."""
    if not ids:
        return []
    return list(db.session.scalars(select(Task).where(Task.id.in_(set(ids))).order_by(Task.id)))
