"""Exporting the task board's filter: one row per task, and its timeline — a second sheet of the .xlsx,
or a .csv of its own (kind "task_timeline")."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from patrol.exports.kinds import Table, in_chunks
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Answer, Task, TaskEvent, User
from patrol.presenters.exports import local, named, stem, yes_no
from patrol.presenters.tasks import task_title
from patrol.tasks.board import ORDERS, task_query
from patrol.tasks.filters import TaskFilter
from patrol.tasks.rules import visible_site_ids
from patrol.vocabulary import LOCATION_KINDS, SEVERITIES, TASK_EVENT_KINDS, TASK_STATUSES

SOURCES = {"finding": _l("Inspection finding"), "report": _l("Reported on the spot")}


def _task_header() -> list[str]:
    return [
        gettext("No."),
        gettext("Title"),
        gettext("Status"),
        gettext("Severity"),
        gettext("Site"),
        gettext("Location"),
        gettext("Kind of location"),
        gettext("Source"),
        gettext("Raised by"),
        gettext("Assignee"),
        gettext("Raised at"),
        gettext("First response due"),
        gettext("Acknowledged at"),
        gettext("Due"),
        gettext("Closed at"),
        gettext("Overdue"),
        gettext("Times seen"),
        gettext("Times reopened"),
        gettext("Details"),
    ]


def _task_row(task: Task, now: datetime) -> list:
    site = task.site
    kind = task.location.kind if task.location is not None else None
    return [
        task.id,
        task_title(task),
        str(TASK_STATUSES.get(task.status, "")),
        str(SEVERITIES.get(task.severity, "")),
        site.name,
        task.where,
        str(LOCATION_KINDS.get(kind, "")) if kind else "",
        str(SOURCES.get(task.source, "")),
        named(task.raised_by),
        named(task.assignee),
        local(task.created_at, site),
        local(task.respond_by, site),
        local(task.acknowledged_at, site),
        local(task.due_at, site),
        local(task.closed_at, site),
        yes_no(task.is_overdue(now)),
        task.seen_count,
        task.reopen_count,
        task.detail,
    ]


def _event_header() -> list[str]:
    return [
        gettext("Task no."),
        gettext("Task"),
        gettext("Time"),
        gettext("Step"),
        gettext("By"),
        gettext("Status before"),
        gettext("Status after"),
        gettext("Assigned to"),
        gettext("New value"),
        gettext("Note"),
    ]


def _event_row(task: Task, event: TaskEvent) -> list:
    return [
        task.id,
        task_title(task),
        local(event.created_at, task.site),
        str(TASK_EVENT_KINDS.get(event.kind, "")),
        named(event.actor),
        str(TASK_STATUSES.get(event.from_status, "")) if event.from_status else "",
        str(TASK_STATUSES.get(event.to_status, "")) if event.to_status else "",
        named(event.assignee),
        _event_value(task, event),
        event.note,
    ]


def _event_value(task: Task, event: TaskEvent):
    if not event.value:
        return ""
    if event.kind == "severity_changed":
        return str(SEVERITIES.get(event.value, ""))
    if event.kind == "due_changed":
        try:
            return local(datetime.fromisoformat(event.value), task.site)
        except ValueError:
            return ""
    return ""


def _tasks(params: dict, user: User, now: datetime) -> Iterator[list[Task]]:
    """The filter's tasks in the board's order, a chunk at a time, with what their rows show."""
    wanted = TaskFilter.from_args(params, user)
    query = task_query(visible_site_ids(user), wanted, now).options(
        joinedload(Task.site),
        joinedload(Task.location),
        joinedload(Task.assignee),
        joinedload(Task.raised_by),
        joinedload(Task.answer).joinedload(Answer.item),
    )
    return in_chunks(query, ORDERS[wanted.order])


def task_rows(params: dict, user: User, now: datetime) -> Iterator[list]:
    for chunk in _tasks(params, user, now):
        for task in chunk:
            yield _task_row(task, now)


def event_rows(params: dict, user: User, now: datetime) -> Iterator[list]:
    """Each task's timeline, oldest step first, the tasks in the board's order: one query per chunk of tasks."""
    for chunk in _tasks(params, user, now):
        events = db.session.scalars(
            select(TaskEvent)
            .where(TaskEvent.task_id.in_([task.id for task in chunk]))
            .options(joinedload(TaskEvent.actor), joinedload(TaskEvent.assignee))
            .order_by(TaskEvent.task_id, TaskEvent.id)
        ).all()
        by_task: dict[int, list[TaskEvent]] = {}
        for event in events:
            by_task.setdefault(event.task_id, []).append(event)
        for task in chunk:
            for event in by_task.get(task.id, []):
                yield _event_row(task, event)
        for event in events:
            db.session.expunge(event)


@dataclass(frozen=True)
class TaskExport:
    """The board's filter: tasks (and, in an .xlsx, their timelines on a second sheet)."""

    label = _l("Tasks")
    permission = None  # everyone has the board, each of their own sites
    formats = ("xlsx", "csv")

    def read_params(self, args: Mapping, user: User) -> dict:
        return TaskFilter.from_args(args, user).to_args()

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        return stem(gettext("Tasks"), now)

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        yield Table(gettext("Tasks"), _task_header(), task_rows(params, user, now))
        if fmt == "xlsx":
            yield Table(gettext("Timeline"), _event_header(), event_rows(params, user, now))


@dataclass(frozen=True)
class TimelineExport(TaskExport):
    """The timelines of the board's tasks alone: the .csv beside the tasks' .csv."""

    label = _l("Task timelines")
    formats = ("csv",)

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        return stem(gettext("Task timelines"), now)

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        yield Table(gettext("Timeline"), _event_header(), event_rows(params, user, now))


TASKS = TaskExport()
TIMELINE = TimelineExport()
