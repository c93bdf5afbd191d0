"""The five kinds of lapse in a site's month, each one SQL SELECT of the same four columns:

    kind       which lapse ("missed_visit", …, patrol.models.deduction.LAPSE_KINDS)
    person_id  to whom it counts (NULL: to nobody by name)
    at         when it happened (UTC): the round's due time, when the late visit was done, when the
               first response was due, when the task was closed, when the re-check failed
    ref_id     the expected visit (for rounds) or the task (for tasks) behind it

`lapses(site, month, now, who)` is their UNION ALL; the table groups it, a person's list pages it.

Rounds belong to the month of their local day (ExpectedVisit.local_day); tasks by their time in
the month's UTC bounds on the site's clock. What counts:
- missed_visit: a round still missed — not excused, cancelled or made up (an explained one counts);
- late_visit: a round done late or made up (补检), to the person whose visit counted for it;
- late_response: a first response due in the month and given after it; or not given, and due
  before `now` — the rule of "feedback overdue" on the task board and in the alerts sweep
  (patrol.tasks.board, patrol.alerts.sweep). A task cancelled without being acknowledged was
  answered when it was cancelled;
- closed_late: a task closed (re-check passed) in the month after its due time;
- recheck_failed: a re-check not passed in the month, to the assignee the fix went back to (as
  the event names them, else the task's assignee).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, and_, cast, func, literal, or_, select, union_all

from patrol.models import ExpectedVisit, Inspection, Site, Task, TaskEvent
from patrol.models.deduction import LAPSE_KINDS
from patrol.models.task import CLOSED_WHERE
from patrol.scores.month import Month

EVERYONE = object()  # `who`: no filter on the person


def _row(kind: str, person, at, ref):
    return (
        literal(kind, String(20)).label("kind"),
        cast(person, Integer).label("person_id"),
        at.label("at"),
        ref.label("ref_id"),
    )


def _for(person_column, who):
    if who is EVERYONE:
        return []
    return [person_column.is_(None)] if who is None else [person_column == who]


def _rounds(site: Site, month: Month):
    return [ExpectedVisit.site_id == site.id, ExpectedVisit.local_day.between(month.first, month.last)]


def missed_visits(site: Site, month: Month, who=EVERYONE):
    person = ExpectedVisit.responsible_user_id
    return select(*_row("missed_visit", person, ExpectedVisit.due_at, ExpectedVisit.id)).where(
        *_rounds(site, month), ExpectedVisit.status == "missed", *_for(person, who)
    )


def late_visits(site: Site, month: Month, who=EVERYONE):
    person = Inspection.inspector_id
    done = func.coalesce(ExpectedVisit.done_at, ExpectedVisit.due_at)
    return (
        select(*_row("late_visit", person, done, ExpectedVisit.id))
        .join(Inspection, Inspection.id == ExpectedVisit.inspection_id)
        .where(*_rounds(site, month), ExpectedVisit.status.in_(("late", "made_up")), *_for(person, who))
    )


def late_responses(site: Site, month: Month, now: datetime, who=EVERYONE):
    start, end = month.bounds(site.zone)
    unanswered = Task.acknowledged_at.is_(None)
    late = or_(
        Task.acknowledged_at > Task.respond_by,
        and_(unanswered, Task.status != "cancelled", Task.respond_by < now),
        and_(unanswered, Task.status == "cancelled", Task.closed_at > Task.respond_by),
    )
    return select(*_row("late_response", Task.assignee_id, Task.respond_by, Task.id)).where(
        Task.site_id == site.id, Task.respond_by >= start, Task.respond_by < end, late, *_for(Task.assignee_id, who)
    )


def closed_late(site: Site, month: Month, who=EVERYONE):
    start, end = month.bounds(site.zone)
    # CLOSED_WHERE as written in the partial index ix_tasks_closed_by_site, so that it is used.
    return select(*_row("closed_late", Task.assignee_id, Task.closed_at, Task.id)).where(
        CLOSED_WHERE,
        Task.site_id == site.id,
        Task.closed_at >= start,
        Task.closed_at < end,
        Task.closed_at > Task.due_at,
        *_for(Task.assignee_id, who),
    )


def failed_rechecks(site: Site, month: Month, who=EVERYONE):
    start, end = month.bounds(site.zone)
    person = func.coalesce(TaskEvent.assignee_id, Task.assignee_id)
    return (
        select(*_row("recheck_failed", person, TaskEvent.created_at, Task.id))
        .join(Task, Task.id == TaskEvent.task_id)
        .where(
            TaskEvent.kind == "recheck_failed",
            TaskEvent.created_at >= start,
            TaskEvent.created_at < end,
            Task.site_id == site.id,
            *_for(person, who),
        )
    )


def lapses(site: Site, month: Month, now: datetime, who=EVERYONE, kinds=LAPSE_KINDS):
    """The lapses of `kinds` in the month at `site` (of `who`: a person's id, None for nobody by name), as
    one UNION ALL subquery; None when no kind is asked for (every kind turned off)."""
    parts = {
        "missed_visit": lambda: missed_visits(site, month, who),
        "late_visit": lambda: late_visits(site, month, who),
        "late_response": lambda: late_responses(site, month, now, who),
        "closed_late": lambda: closed_late(site, month, who),
        "recheck_failed": lambda: failed_rechecks(site, month, who),
    }
    chosen = [parts[kind]() for kind in LAPSE_KINDS if kind in kinds]
    return union_all(*chosen).subquery("lapses") if chosen else None
