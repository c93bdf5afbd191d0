"""A submitted visit counts once, at the time it was done on the phone, toward the round that holds it.

Which time: when the checklist was opened there (the scan), on the phone's clock as
patrol.inspections.visit_times judged it — that is when the person stood at the checkpoint, however
long the checklist took or however late the outbox sent it. A visit whose clock could not be trusted
(clock_flag "implausible") is counted at the time the server received it, and the round keeps the flag.

Which round: one of the same checklist at the same location (a model room has its opening, hourly
and closing counts due there: a visit with one checklist is not a visit with another), whose
[due, grace_end) holds that time and which nothing has counted for yet:
1. a round it is on time for (the latest, if two schedules overlap), else the oldest it is late for;
2. else a missed round it makes up (补检): after grace_end, before the make-up hours its schedule
   allows end — counted as made up, never as on time;
3. else the visit is *extra* when a round already counted holds its time, or *unscheduled*.
A round already marked missed, or excused, is corrected when a visit done in its window arrives late
(an outbox offline for hours): it is on time or late by the visit's time. Its missed alert was sent
and stays recorded (missed_alerted_at); no one is told again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from patrol.extensions import db
from patrol.inspections.visit_times import CLOCK_IMPLAUSIBLE, visit_of
from patrol.models import ExpectedVisit, Inspection

# A round's window, grace and make-up end at most this long after it falls due (setup's limits:
# 1440 + 720 minutes, 48 h of make-up): the lower bound of the look-up on the index.
LONGEST_ROUND = timedelta(days=4)
COUNTABLE = ("pending", "missed", "excused")
MAKEABLE = ("pending", "missed")


@dataclass(frozen=True)
class Counted:
    """What a visit counted as: on_time | late | made_up (for `visit`), extra (`visit` is the round
    already counted that holds it) or unscheduled (no round of its checklist there then)."""

    outcome: str
    visit: ExpectedVisit | None = None


def visit_time(inspection: Inspection) -> datetime:
    """The moment a visit counts at: its scan on the phone's (checked) clock, or when it reached the
    server if that clock could not be trusted."""
    visit = visit_of(inspection)
    if visit.clock_flag == CLOCK_IMPLAUSIBLE and visit.received is not None:
        return visit.received
    return visit.started


def count_visit(inspection: Inspection, checklist_id: int) -> Counted:
    """Count a submitted inspection toward its round, in the submit's transaction (no commit)."""
    at = visit_time(inspection)
    rounds = list(
        db.session.scalars(
            select(ExpectedVisit)
            .where(
                ExpectedVisit.location_id == inspection.location_id,
                ExpectedVisit.checklist_id == checklist_id,
                ExpectedVisit.due_at <= at,
                ExpectedVisit.due_at > at - LONGEST_ROUND,
                or_(ExpectedVisit.grace_end > at, ExpectedVisit.makeup_end > at),
            )
            .order_by(ExpectedVisit.due_at, ExpectedVisit.id)
            # Two visits submitted at once wait for each other here (PostgreSQL), and one counts.
            .with_for_update()
        )
    )
    chosen, outcome = _choose(rounds, at)
    if chosen is None:
        held = [row for row in rounds if row.grace_end > at and row.status != "cancelled"]
        return Counted("extra", held[0]) if held else Counted("unscheduled")
    if chosen.status == "pending" and outcome == "made_up":
        chosen.missed_at = chosen.grace_end  # it was missed at grace_end, before the sweep saw it
    chosen.status = outcome
    chosen.inspection_id = inspection.id
    chosen.done_at = at
    chosen.clock_flag = inspection.clock_flag
    db.session.flush()
    return Counted(outcome, chosen)


def _choose(rounds: list[ExpectedVisit], at: datetime) -> tuple[ExpectedVisit | None, str]:
    """The round a visit at `at` counts toward, and as what (see the module's order)."""
    free = [row for row in rounds if row.inspection_id is None]
    holding = [row for row in free if row.status in COUNTABLE and row.grace_end > at]
    on_time = [row for row in holding if at < row.window_end]
    if on_time:
        return on_time[-1], "on_time"
    if holding:
        return holding[0], "late"
    made_up = [
        row
        for row in free
        if row.status in MAKEABLE and row.grace_end <= at and row.makeup_end is not None and at < row.makeup_end
    ]
    return (made_up[0], "made_up") if made_up else (None, "")
