"""Whom an action on a task tells: the audience each row of the action table names (patrol.tasks.actions).

Plain data, so the table can name it without the alerts area importing the table back:
notifications.alerts_for turns it into the alerts for one action, sweep.after_action writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Who they are to the task: its assignee (after the action), every supervisor who has assigned it,
# whoever raised it, the supervisors given its site. Never the person who took the action.
PEOPLE = ("assignee", "assigners", "raiser", "supervisors")


@dataclass(frozen=True)
class Audience:
    notification: str  # the kind of notification they get (notifications.NOTIFICATION_KINDS)
    people: tuple[str, ...]  # from PEOPLE
    # Each person hears of it once per key: one per action, or "high:{task}" once per task (raising shares it).
    key: str = "{notification}:{event}"
    robots: str | None = None  # the message the site's group robots post of it, if they hear of it too
    only_when_value: str | None = None  # a change tells only when it changes to this (a severity raised to high)
