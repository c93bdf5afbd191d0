"""The periodic step of rounds, for the worker's loop (patrol.alerts.worker): `run_rounds(now)` each pass.

Marking missed rounds runs every pass, so a round is missed (and alerted) within one pass of its
grace_end. Planning reads a day of rounds (a tenth of a second at a thousand locations), and the
worker may pass every second while messages are due: a process plans at most once a minute — rounds
are written a day ahead, and what a change brings is planned by the change itself. A clock set back
plans again. Planning comes first, in a transaction of its own, so a failure marking missed rounds
never undoes it. Both steps are idempotent: workers running them at once write and alert each
round once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from patrol.database import utcnow
from patrol.extensions import db
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits

PLAN_EVERY = timedelta(minutes=1)
PLANNED_AT = "patrol.rounds.planned_at"


@dataclass(frozen=True)
class RoundsRun:
    planned: int  # expected visits written
    missed: int  # missed rounds alerted


def run_rounds(now: datetime | None = None) -> RoundsRun:
    """Plan the rounds of the next day (at most once a minute), then mark and alert the missed ones;
    commits each step."""
    now = now or utcnow()
    try:
        planned = _plan_if_due(now)
        missed = mark_missed(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return RoundsRun(planned=planned, missed=len(missed))


def _plan_if_due(now: datetime) -> int:
    last = current_app.extensions.get(PLANNED_AT)
    if last is not None and timedelta(0) <= now - last < PLAN_EVERY:
        return 0
    planned = plan_visits(now)
    db.session.commit()
    current_app.extensions[PLANNED_AT] = now
    return planned
