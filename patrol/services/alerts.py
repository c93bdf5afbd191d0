"""Who hears about what happens to tasks: in-app notifications and the sites' group robots.

Called inside the transaction that changed the task, so the notifications commit with it; robot
messages are queued as deliveries in the same transaction and sent by a job after the commit.
"""

from __future__ import annotations

from patrol.models import Task, TaskEvent


def after_raise(tasks: list[Task]) -> None:
    """New tasks: a high-severity finding alerts the site's supervisors and robots."""


def after_action(task: Task, event: TaskEvent) -> None:
    """An action on a task: assigned → the assignee; a fix → who re-checks it."""
