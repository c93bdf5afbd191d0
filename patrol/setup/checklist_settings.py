"""A checklist's settings beside its items: the shortest believable visit, scan to submit.

It is a setting of the checklist, not of a version: a change applies to the next submits, and past
flags stay as raised. A quicker submit is flagged for a supervisor (patrol.inspections.presence),
never refused — a butler with nothing to note may be quick, and the flag says so plainly.
"""

from __future__ import annotations

from patrol.extensions import db
from patrol.models import Checklist, User
from patrol.outcome import Outcome
from patrol.setup.audit import record
from patrol.validation import Checker

MAX_MINUTES = 240


def set_minimum(checklist: Checklist, raw, actor: User | None = None) -> Outcome[Checklist]:
    """The minimum from `min_minutes` and `min_secs` (both blank or 0: none)."""
    check = Checker(raw)
    minutes = check.integer("min_minutes", minimum=0, maximum=MAX_MINUTES, required=False)
    seconds = check.integer("min_secs", minimum=0, maximum=59, required=False)
    if not check.ok:
        return Outcome.fail(check.errors)
    total = (minutes or 0) * 60 + (seconds or 0)
    minimum = total or None
    if minimum != checklist.min_seconds:
        record(actor, "checklist.minimum_changed", checklist, **{"from": checklist.min_seconds, "to": minimum})
    checklist.min_seconds = minimum
    db.session.commit()
    return Outcome(checklist)
