"""Queuing what the group robots post: one delivery row per robot and alert, in the alert's transaction;
the worker (patrol.alerts.worker) sends it once that commits.

The words are presentation (patrol.presenters.robot_messages); create_app hands them over with
use_wording, so this area never imports a presenter.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app
from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from patrol.alerts.wakeup import wake_workers
from patrol.database import insert_ignoring_duplicates, utcnow
from patrol.extensions import db
from patrol.models import Answer, Delivery, ExpectedVisit, Robot, Task, TaskEvent

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
WORDING = "patrol.robot_wording"


class Message(Protocol):
    title: str
    text: str


class Wording(Protocol):
    """How the messages read: patrol.presenters.robot_messages, handed over by create_app."""

    def task_message(self, task: Task, kind: str, provider: str) -> Message: ...

    def event_message(self, task: Task, event: TaskEvent, kind: str, provider: str) -> Message: ...

    def hello_message(self, robot: Robot) -> Message: ...

    def visit_message(self, visit: ExpectedVisit, kind: str, provider: str) -> Message: ...


def use_wording(app, wording: Wording) -> None:
    app.extensions[WORDING] = wording


def _wording() -> Wording:
    return current_app.extensions[WORDING]


def robots_by_site(site_ids: set[int]) -> dict[int, list[Robot]]:
    found: dict[int, list[Robot]] = {}
    if site_ids:
        for robot in db.session.scalars(
            select(Robot).where(Robot.site_id.in_(site_ids), Robot.active.is_(True)).order_by(Robot.id)
        ):
            found.setdefault(robot.site_id, []).append(robot)
    return found


def _load_for_messages(tasks: list[Task]) -> None:
    """What a message reads of each task, in a few queries whatever their number."""
    db.session.scalars(
        select(Task)
        .where(Task.id.in_([task.id for task in tasks]))
        .options(
            selectinload(Task.site),
            selectinload(Task.location),
            selectinload(Task.raised_by),
            selectinload(Task.assignee),
            selectinload(Task.answer).selectinload(Answer.item),
        )
    ).all()


def _reaches(robot: Robot, task: Task) -> bool:
    """Whether the task's severity reaches the robot's level."""
    return SEVERITY_RANK.get(task.severity, 0) >= SEVERITY_RANK.get(robot.min_severity, 2)


def queue_task_messages(tasks: list[Task], kind: str) -> int:
    """Queue `kind` messages about these tasks to their sites' robots (once per robot and task); how many."""
    robots = robots_by_site({task.site_id for task in tasks})
    wanted = [
        (robot, task, f"{kind}:{task.id}")
        for task in tasks
        for robot in robots.get(task.site_id, [])
        if kind != "new" or _reaches(robot, task)
    ]
    return _queue(wanted, lambda task, provider: _wording().task_message(task, kind, provider))


def queue_event_messages(task: Task, event: TaskEvent, kind: str) -> int:
    """Queue the message about this action to the task's site's robots at its level (once per robot and action)."""
    robots = robots_by_site({task.site_id}).get(task.site_id, [])
    wanted = [(robot, task, f"{kind}:{event.id}") for robot in robots if _reaches(robot, task)]
    return _queue(wanted, lambda task, provider: _wording().event_message(task, event, kind, provider))


def _queue(wanted: list[tuple[Robot, Task, str]], message) -> int:
    """Queue `message(task, provider)` for each (robot, task, key) not queued before; how many."""
    wanted = _new(wanted)
    if not wanted:
        return 0
    _load_for_messages([task for _robot, task, _key in wanted])
    return _insert([_row(robot, key, message(task, robot.provider)) for robot, task, key in wanted])


def queue_visit_messages(visits: list[ExpectedVisit], kind: str) -> int:
    """Queue `kind` messages (missed) about these rounds to their sites' robots, whatever their level:
    once per robot and round; how many."""
    robots = robots_by_site({visit.site_id for visit in visits})
    wanted = [(robot, visit, f"{kind}:{visit.id}") for visit in visits for robot in robots.get(visit.site_id, [])]
    wording = _wording()
    return _insert(
        [_row(robot, key, wording.visit_message(visit, kind, robot.provider)) for robot, visit, key in _new(wanted)]
    )


def _new(wanted: list[tuple]) -> list[tuple]:
    """The (robot, subject, key) not queued before."""
    if not wanted:
        return []
    have = set(
        db.session.execute(
            select(Delivery.robot_id, Delivery.key).where(
                tuple_(Delivery.robot_id, Delivery.key).in_([(robot.id, key) for robot, _subject, key in wanted])
            )
        )
    )
    return [(robot, subject, key) for robot, subject, key in wanted if (robot.id, key) not in have]


def queue_test_message(robot: Robot, key: str) -> None:
    _insert([_row(robot, key, _wording().hello_message(robot))])


def _row(robot: Robot, key: str, message: Message) -> dict:
    now = utcnow()
    return {
        "robot_id": robot.id,
        "key": key,
        "title": message.title,
        "text": message.text,
        "status": "pending",
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": now,
        "created_at": now,
    }


def _insert(rows: list[dict]) -> int:
    if not rows:
        return 0
    count = insert_ignoring_duplicates(Delivery, rows, unique=["robot_id", "key"])
    if count:
        wake_workers()
    return count
