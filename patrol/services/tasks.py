"""Follow-up tasks (整改): which ones a list shows, in which order, a page at a time; and one with its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, Inspection, Location, Task, TaskEvent
from patrol.models.task import OPEN_STATUSES
from patrol.paging import Keyset, Page, count_rows, keyset_page

# Written into the SQL rather than bound: only then may the database use the partial indexes
# whose WHERE names these values (SQLite plans before it sees parameters; PostgreSQL's reused
# plans too). See patrol/models/task.py.
CLOSED = bindparam("closed_status", "closed", literal_execute=True)
OPEN = bindparam("open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True)


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
        query = query.where(Task.status.in_(OPEN))
    elif wanted.state == "overdue":
        query = query.where(Task.status.in_(OPEN), Task.due_at < now)
    elif wanted.state == "closed":
        query = query.where(Task.status == CLOSED)
    if wanted.site_id is not None:
        query = query.where(Task.site_id == wanted.site_id)
    if wanted.location_id is not None:
        query = query.where(Task.location_id == wanted.location_id)
    if wanted.mine_for is not None:
        query = query.where((Task.assignee_id == wanted.mine_for) | (Task.raised_by_id == wanted.mine_for))
    return query


# Open tasks soonest due first (overdue ones come first that way); closed ones latest closed first.
DUE_ORDER = Keyset((Task.due_at, Task.id))
CLOSED_ORDER = Keyset((Task.closed_at, Task.id), descending=True)
URGENT_AT_LOCATION = 5
COUNTED_STATES = ("open", "overdue")


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
    """A page of tasks on these sites, by keyset: closed tasks pile up for ever, and page 100 costs what page 1 does.

    Open and overdue ones are counted (the work at hand stays small); closed ones and all are not,
    as counting them would read the whole history on every view.
    """
    total = count_tasks(site_ids, wanted) if wanted.state in COUNTED_STATES else None
    return keyset_page(
        _listed(task_query(site_ids, wanted)),
        _order(wanted),
        number=number,
        size=size,
        after=after,
        before=before,
        total=total,
    )


def list_tasks(site_ids: set[int], wanted: TaskFilter, *, limit: int = 50) -> list[Task]:
    """The first tasks of a list, uncounted (the home page's short lists)."""
    return keyset_page(_listed(task_query(site_ids, wanted)), _order(wanted), number=1, size=limit).rows


def _order(wanted: TaskFilter) -> Keyset:
    return CLOSED_ORDER if wanted.state == "closed" else DUE_ORDER


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
