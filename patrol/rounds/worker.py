"""The periodic step of rounds, for the job worker's loop: call `run_rounds()` every minute.

Planning first, so a round that fell due since the last run exists before the sweep looks; each
step in a transaction of its own, so a failure marking missed rounds never undoes the planning.
Both steps are idempotent: two workers running them at once write each round once and alert it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patrol.database import utcnow
from patrol.extensions import db
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits


@dataclass(frozen=True)
class RoundsRun:
    planned: int  # expected visits written
    missed: int  # missed rounds alerted


def run_rounds(now: datetime | None = None) -> RoundsRun:
    """Plan the rounds of the next hours, then mark and alert the ones missed; commits each step."""
    now = now or utcnow()
    try:
        planned = plan_visits(now)
        db.session.commit()
        missed = mark_missed(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return RoundsRun(planned=planned, missed=len(missed))
