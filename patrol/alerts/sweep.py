"""Who hears about what happens to tasks: in-app notifications and the sites' group robots.

Called inside the transaction that changed the task, so the notifications commit with it; robot
messages are queued as deliveries in the same transaction and sent by the worker once it commits.
Time-based alerts (first response overdue, task overdue) come from `sweep_alerts`, which the worker
(patrol.alerts.worker) runs on every pass, with or without traffic.

Every alert has a key, so however often it is raised, each person and each robot hears it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, tuple_

from patrol.alerts.messages import queue_event_messages, queue_task_messages
from patrol.alerts.notifications import Alert, add_notifications, assigners_of, supervisors_of
from patrol.alerts.settling import settle
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Notification, Task, TaskEvent
from patrol.models.task import OPEN_WHERE

# A task that went overdue longer ago than this when a sweep first sees it (the app was off for
# days) is not announced any more: it is on the board already.
LOOKBACK = timedelta(days=3)
BATCH = 200
MAX_BATCHES = 20  # per kind and sweep: the worker's next pass goes on (at once: Swept.cut_short)


def after_raise(tasks: list[Task]) -> None:
    """New tasks: a high-severity finding alerts the site's supervisors; robots hear of those at their level."""
    if not tasks:
        return
    high = [task for task in tasks if task.severity == "high"]
    supervisors = supervisors_of({task.site_id for task in high})
    add_notifications(
        [
            Alert(user_id, task, "high_severity", f"high:{task.id}")
            for task in high
            for user_id in supervisors.get(task.site_id, [])
            if user_id != task.raised_by_id
        ]
    )
    queue_task_messages(tasks, "new")


# An action that tells people: the notification it writes (also its key's prefix) and who hears it
# (never the person who took it). A round's re-check (task_raising) tells the same people.
TOLD_OF = {
    # The supervisors who assigned it and whoever raised it re-check a fix.
    "fixed": ("recheck", ("assigners", "raiser")),
    # The fixer must fix it again; who assigned it sees that the fix did not hold.
    "recheck_failed": ("recheck_failed", ("assignee", "assigners")),
    "recheck_passed": ("closed", ("raiser", "assignee", "assigners")),
    "cancelled": ("cancelled", ("raiser", "assignee")),
}
# The same actions, posted to the site's robots whose level the task's severity reaches.
ROBOT_EVENTS = {"recheck_failed": "recheck_failed", "recheck_passed": "closed", "cancelled": "cancelled"}


def _people(task: Task, roles: tuple[str, ...]) -> set[int]:
    found: set[int] = set()
    if "assigners" in roles:
        found |= assigners_of(task)
    if "raiser" in roles:
        found.add(task.raised_by_id)
    if "assignee" in roles and task.assignee_id:
        found.add(task.assignee_id)
    return found


def after_action(task: Task, event: TaskEvent) -> None:
    """An action on a task: settle the notifications it answers, then tell who must know (TOLD_OF)."""
    settle(task, event)
    if event.kind == "assigned" and event.assignee_id and event.assignee_id != event.actor_id:
        add_notifications([Alert(event.assignee_id, task, "assigned", f"assigned:{event.id}", event.id)])
    elif event.kind in TOLD_OF:
        kind, roles = TOLD_OF[event.kind]
        people = _people(task, roles) - {event.actor_id}
        add_notifications([Alert(user_id, task, kind, f"{kind}:{event.id}", event.id) for user_id in sorted(people)])
    elif event.kind == "severity_changed" and event.value == "high":
        supervisors = supervisors_of({task.site_id}).get(task.site_id, [])
        add_notifications(
            [
                Alert(user_id, task, "high_severity", f"high:{task.id}")
                for user_id in supervisors
                if user_id != event.actor_id
            ]
        )
    if event.kind in ROBOT_EVENTS:
        queue_event_messages(task, event, ROBOT_EVENTS[event.kind])


# ---------------------------------------------------------------------------------------------
# Time-based alerts


@dataclass
class Swept:
    feedback: int = 0  # tasks whose first response is overdue, seen for the first time
    overdue: int = 0

    @property
    def cut_short(self) -> bool:
        """A kind reached the most one sweep takes: more may be waiting for the next."""
        return max(self.feedback, self.overdue) >= BATCH * MAX_BATCHES


def _feedback_due(now: datetime):
    """Open tasks nobody acknowledged or assigned by their first-response time (ix_tasks_status)."""
    announced = exists().where(Notification.task_id == Task.id, Notification.kind == "feedback_overdue")
    return select(Task).where(
        Task.status == "open",
        Task.acknowledged_at.is_(None),
        Task.respond_by < now,
        Task.respond_by >= now - LOOKBACK,
        ~announced,
    ), (Task.respond_by, Task.id)


def _overdue(now: datetime):
    """Open tasks past their due time (the partial index ix_tasks_open_due, whose condition is written out)."""
    announced = exists().where(Notification.task_id == Task.id, Notification.kind == "overdue")
    return select(Task).where(OPEN_WHERE, Task.due_at < now, Task.due_at >= now - LOOKBACK, ~announced), (
        Task.due_at,
        Task.id,
    )


def _alert_batch(tasks: list[Task], kind: str) -> None:
    supervisors = supervisors_of({task.site_id for task in tasks})
    notification_kind, prefix = ("feedback_overdue", "feedback") if kind == "feedback" else ("overdue", "overdue")
    alerts = []
    for task in tasks:
        people = set(supervisors.get(task.site_id, []))
        if kind == "overdue" and task.assignee_id:
            people.add(task.assignee_id)
        alerts += [Alert(user_id, task, notification_kind, f"{prefix}:{task.id}") for user_id in sorted(people)]
    add_notifications(alerts)
    queue_task_messages(tasks, prefix)


def _sweep_kind(kind: str, now: datetime) -> int:
    query, order = (_feedback_due if kind == "feedback" else _overdue)(now)
    seen, last = 0, None
    for _batch in range(MAX_BATCHES):
        page = query if last is None else query.where(tuple_(*order) > tuple_(*last))
        tasks = list(db.session.scalars(page.order_by(*order).limit(BATCH)))
        if tasks:
            _alert_batch(tasks, kind)
        db.session.commit()  # one batch at a time: a long sweep holds no lock for long
        seen += len(tasks)
        if len(tasks) < BATCH:
            break
        last = (getattr(tasks[-1], order[0].key), tasks[-1].id)
    return seen


def sweep_alerts(now: datetime | None = None) -> Swept:
    """Notify and queue robot messages for tasks that became feedback-overdue or overdue; each once."""
    now = now or utcnow()
    return Swept(feedback=_sweep_kind("feedback", now), overdue=_sweep_kind("overdue", now))
