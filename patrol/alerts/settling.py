"""Which action settles which notification: one that asks for an action is done once anyone takes it.

"A fix awaits your re-check" is no longer for the supervisor to do once the butler on the next round
has re-checked it. Such a notification is settled by the action — whoever took it — and then shows
as done (by whom) and leaves the unread count. A notification that only tells (a task closed or
cancelled) asks for nothing and is never settled: it stays unread until it is read.

SETTLED_BY is the one table: for each kind of notification, the timeline events that settle it,
with the words the list shows for it then.
"""

from __future__ import annotations

from sqlalchemy import update

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import LazyText
from patrol.i18n import lazy_gettext as _l
from patrol.models import Notification, Task, TaskEvent

# What the list says then; %(name)s is who took the action (filled in when shown, see settled_words).
CANCELLED = _l("Cancelled by %(name)s")
FIX_SUBMITTED = _l("Fix submitted by %(name)s")
CLOSED = _l("Re-checked and closed by %(name)s")
REASSIGNED = _l("Re-assigned by %(name)s")
ACKNOWLEDGED = _l("Acknowledged by %(name)s")
ASSIGNED = _l("Assigned by %(name)s")
RECHECKED = _l("Re-checked by %(name)s")
CASE_CLOSED = _l("Closed with its loss case by %(name)s")

# Given a task to fix (or a fix rejected, to fix again): done once a fix is in, or it is no longer theirs.
TO_FIX = {
    "fixed": FIX_SUBMITTED,
    "recheck_passed": CLOSED,
    "cancelled": CANCELLED,
    "assigned": REASSIGNED,
    "case_closed": CASE_CLOSED,
}
# A finding nobody has taken on yet: done once a supervisor acknowledges or assigns it.
TO_TAKE_ON = {"acknowledged": ACKNOWLEDGED, "assigned": ASSIGNED, "cancelled": CANCELLED, "case_closed": CASE_CLOSED}

# notification kind → {event kind that settles it: what the list says then}
SETTLED_BY: dict[str, dict[str, LazyText]] = {
    "assigned": TO_FIX,
    "recheck_failed": TO_FIX,
    # A fix awaiting re-check: done once anyone has re-checked it, passed or failed.
    "recheck": {
        "recheck_passed": RECHECKED,
        "recheck_failed": RECHECKED,
        "cancelled": CANCELLED,
        "case_closed": CASE_CLOSED,
    },
    "high_severity": TO_TAKE_ON,
    "feedback_overdue": TO_TAKE_ON,
    # Late work: done once the task is closed or cancelled.
    "overdue": {"recheck_passed": CLOSED, "cancelled": CANCELLED, "case_closed": CASE_CLOSED},
    # "closed" and "cancelled" only tell: nothing settles them.
}


def kinds_settled_by(event_kind: str) -> list[str]:
    return sorted(kind for kind, events in SETTLED_BY.items() if event_kind in events)


def settle(task: Task, event: TaskEvent) -> int:
    """Settle the task's notifications this action answers (everyone's: whoever took it); how many.

    Called before the action's own notifications are written, so it never settles those.
    """
    kinds = kinds_settled_by(event.kind)
    if not kinds:
        return 0
    result = db.session.execute(
        update(Notification)
        .where(Notification.task_id == task.id, Notification.settled_at.is_(None), Notification.kind.in_(kinds))
        .values(settled_at=event.created_at or utcnow(), settled_event_id=event.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def settled_words(notification: Notification) -> str | None:
    """What the list says of a settled notification ("Re-checked by 王主管"), None if it is not settled.

    Plain text, which the page escapes: the name is put into the translated words as gettext would.
    """
    event = notification.settled_event
    if notification.settled_at is None or event is None:
        return None
    words = SETTLED_BY.get(notification.kind, {}).get(event.kind)
    return str(words) % {"name": event.actor.display_name} if words is not None else None
