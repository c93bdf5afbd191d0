"""In-app notifications: who gets one, written once per person and alert, read in the list and the bell.

Each alert has a key ("assigned:<event>", "high:<task>", "feedback:<task>", "overdue:<task>",
"recheck:<event>", "recheck_failed:<event>", "closed:<event>", "cancelled:<event>"), or, about a round
that was missed rather than a task, "missed:<expected visit>"; a person's
(user, key) is unique and rows are inserted with ON CONFLICT DO NOTHING, so an alert raised twice
— two sweeps at once, a repeated request — reaches them once.
Only active people who may see the task's (or round's) site are notified, and the list and the count show only
what the reader may still see: the same rule as every task list (access.site_ids_for), for many people at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from patrol.access import site_ids_for
from patrol.alerts.audience import Audience
from patrol.database import insert_ignoring_duplicates, utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Answer, ExpectedVisit, Notification, Task, TaskEvent, User, user_sites
from patrol.paging import Keyset, Page, keyset_page

# What happened, as the list and the bell's page say it.
NOTIFICATION_KINDS = {
    "assigned": _l("Assigned to you"),
    "high_severity": _l("High-severity finding"),
    "feedback_overdue": _l("No first response yet"),
    "overdue": _l("Overdue"),
    "recheck": _l("Fix awaiting your re-check"),
    "recheck_failed": _l("Re-check failed: fix it again"),
    "closed": _l("Task closed"),
    "cancelled": _l("Task cancelled"),
    "missed_visit": _l("Round missed"),
}
# The note of the action a notification tells of, and what the list calls it.
NOTE_LABELS = {"recheck_failed": _l("Still wrong"), "cancelled": _l("Reason")}
BADGE_MAX = 99  # the bell shows "99+" beyond this


@dataclass(frozen=True)
class Alert:
    """One notification to be: for `user_id`, about `task`."""

    user_id: int
    task: Task
    kind: str
    key: str
    event_id: int | None = None  # the action it tells of


@dataclass(frozen=True)
class VisitAlert:
    """One notification to be: for `user_id`, about a round (an expected visit), e.g. that it was missed."""

    user_id: int
    visit: ExpectedVisit
    kind: str
    key: str


def supervisors_of(site_ids: set[int]) -> dict[int, list[int]]:
    """The active supervisors given each of these sites, by site."""
    if not site_ids:
        return {}
    rows = db.session.execute(
        select(user_sites.c.site_id, User.id)
        .join(User, User.id == user_sites.c.user_id)
        .where(user_sites.c.site_id.in_(site_ids), User.role == "supervisor", User.active.is_(True))
    )
    found: dict[int, list[int]] = defaultdict(list)
    for site_id, user_id in rows:
        found[site_id].append(user_id)
    return found


def assigners_of(task: Task) -> set[int]:
    """Who has assigned this task (a supervisor who re-assigned it is one of them too)."""
    return set(
        db.session.scalars(
            select(TaskEvent.actor_id).where(TaskEvent.task_id == task.id, TaskEvent.kind == "assigned").distinct()
        )
    )


def alerts_for(task: Task, event: TaskEvent, audience: Audience) -> list[Alert]:
    """The alerts one action raises for its audience: everyone it names but the person who took it."""
    if audience.only_when_value is not None and event.value != audience.only_when_value:
        return []
    people = _people(task, audience.people) - {event.actor_id}
    per_action = "{event}" in audience.key
    key = audience.key.format(notification=audience.notification, event=event.id, task=task.id)
    return [
        Alert(user_id, task, audience.notification, key, event.id if per_action else None) for user_id in sorted(people)
    ]


def _people(task: Task, named: tuple[str, ...]) -> set[int]:
    found: set[int] = set()
    if "assignee" in named and task.assignee_id:
        found.add(task.assignee_id)
    if "assigners" in named:
        found |= assigners_of(task)
    if "raiser" in named:
        found.add(task.raised_by_id)
    if "supervisors" in named:
        found.update(supervisors_of({task.site_id}).get(task.site_id, []))
    return found


def _who_may_see(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (user, site) pairs whose user is active and sees the site: administrators see every site."""
    if not pairs:
        return set()
    user_ids = {user_id for user_id, _site in pairs}
    roles = dict(
        db.session.execute(select(User.id, User.role).where(User.id.in_(user_ids), User.active.is_(True))).all()
    )
    given = set(
        db.session.execute(
            select(user_sites.c.user_id, user_sites.c.site_id).where(
                user_sites.c.user_id.in_(user_ids), user_sites.c.site_id.in_({site for _user, site in pairs})
            )
        )
    )
    return {pair for pair in pairs if pair[0] in roles and (roles[pair[0]] == "admin" or pair in given)}


def add_notifications(alerts: list[Alert]) -> int:
    """Write these alerts for the people who may see their tasks, each (person, key) once; how many are new."""
    return _add(alerts, lambda alert: (alert.task.site_id, {"task_id": alert.task.id, "event_id": alert.event_id}))


def add_visit_notifications(alerts: list[VisitAlert]) -> int:
    """Write these alerts about rounds for the people who may see their sites, each (person, key) once."""
    return _add(alerts, lambda alert: (alert.visit.site_id, {"expected_visit_id": alert.visit.id}))


def _add(alerts: list, about) -> int:
    """Insert the alerts whose person may see the site `about(alert)` names (with the columns it gives)."""
    placed = [(alert, *about(alert)) for alert in alerts]
    allowed = _who_may_see({(alert.user_id, site_id) for alert, site_id, _columns in placed})
    rows, seen = [], set()
    for alert, site_id, columns in placed:
        if (alert.user_id, site_id) in allowed and (alert.user_id, alert.key) not in seen:
            seen.add((alert.user_id, alert.key))
            empty = {"task_id": None, "expected_visit_id": None, "event_id": None}
            rows.append(
                empty
                | columns
                | {"user_id": alert.user_id, "kind": alert.kind, "key": alert.key, "created_at": utcnow()}
            )
    if not rows:
        return 0
    return insert_ignoring_duplicates(Notification, rows, unique=["user_id", "key"])


# ---------------------------------------------------------------------------------------------
# Reading them


def _mine(user: User):
    """This person's notifications about tasks (or rounds) on sites they may still see."""
    sites = site_ids_for(user)
    return (
        select(Notification)
        .outerjoin(Task, Task.id == Notification.task_id)
        .outerjoin(ExpectedVisit, ExpectedVisit.id == Notification.expected_visit_id)
        .where(Notification.user_id == user.id, or_(Task.site_id.in_(sites), ExpectedVisit.site_id.in_(sites)))
    )


# What the bell counts and the list marks unread: not read, and not settled by someone's action meanwhile.
UNREAD = (Notification.read_at.is_(None), Notification.settled_at.is_(None))


def unread_count(user: User) -> int:
    query = _mine(user).where(*UNREAD).with_only_columns(func.count(Notification.id))
    return db.session.scalar(query) or 0


NEWEST_FIRST = Keyset((Notification.id,), descending=True)


def notification_page(
    user: User, *, number: int = 1, size: int = 30, after: str | None = None, before: str | None = None
) -> Page[Notification]:
    """A page of this person's notifications, newest first, with what each row shows loaded."""
    query = _mine(user).options(
        selectinload(Notification.task).options(
            joinedload(Task.site),
            joinedload(Task.location),
            joinedload(Task.answer).joinedload(Answer.item),
        ),
        selectinload(Notification.expected_visit).options(
            joinedload(ExpectedVisit.site),
            joinedload(ExpectedVisit.location),
            joinedload(ExpectedVisit.schedule),
        ),
        selectinload(Notification.event),
        selectinload(Notification.settled_event).joinedload(TaskEvent.actor),
    )
    return keyset_page(query, NEWEST_FIRST, number=number, size=size, after=after, before=before)


def open_notification(user: User, notification_id: int) -> Notification | None:
    """Mark one of this person's notifications read; None if it is not theirs or its task (or round) is out of sight."""
    notification = db.session.scalar(_mine(user).where(Notification.id == notification_id))
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return result.rowcount or 0
