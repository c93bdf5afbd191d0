"""The numbers on a person's home page, each with the link to the list it counts.

A counter is a TaskFilter: its number is counted with that filter on the sites the person sees
(task_rules.visible_site_ids, as every task list), and its link is that same filter as the board's
arguments. So a counter's number is the number of rows its link opens — for every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from patrol.access import can
from patrol.i18n import lazy_gettext as _l
from patrol.models import User
from patrol.tasks.board import count_tasks
from patrol.tasks.filters import TaskFilter, mine
from patrol.tasks.rules import visible_site_ids
from patrol.vocabulary import TASK_FILTERS, TASK_STATUSES


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    wanted: TaskFilter
    count: int
    alarm: bool  # a number above zero here needs someone's attention now

    @property
    def url(self) -> str:
        return url_for("tasks.task_list", **self.wanted.to_args())


def counter_filters(user: User) -> list[tuple[str, str, TaskFilter, bool]]:
    """What this person's home counts: their own work; a supervisor first the state of everyone's."""
    shown = []
    if can(user, "tasks.supervise"):
        shown += [
            ("overdue", TASK_FILTERS["overdue"], TaskFilter("overdue", me=user.id), True),
            ("feedback_overdue", _l("Feedback overdue"), TaskFilter("feedback_overdue", me=user.id), True),
            ("fixed", TASK_STATUSES["fixed"], TaskFilter("fixed", me=user.id), False),
            ("open", _l("All open"), TaskFilter("open", me=user.id), False),
        ]
    return shown + [
        ("mine", _l("My tasks"), mine(user), False),
        ("mine_overdue", _l("My overdue"), mine(user, "overdue"), True),
    ]


def home_counters(user: User) -> list[Counter]:
    site_ids = visible_site_ids(user)
    return [
        Counter(key, label, wanted, count_tasks(site_ids, wanted), alarm)
        for key, label, wanted, alarm in counter_filters(user)
    ]
