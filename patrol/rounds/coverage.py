"""Coverage has one definition: on time ÷ (expected − excused − cancelled).

Over the rounds falling on a range of the sites' local days, as of `now`:
- expected: every round whose outcome is known — done (on time, late, made up), missed, excused
  or cancelled. A pending round past its grace_end is missed (the sweep may not have run yet);
- open: a pending round still within its window or grace — not decided, so in no figure but its own;
- rate: on_time / (expected − excused − cancelled), i.e. on time out of on time, late, made up and
  missed; None when nothing was expected.
Every page, report and export reads its figures from `coverage`, so the same day gives the same
percentages everywhere. It is one SQL query with GROUP BY, whatever the number of rounds.

Dimensions (`by`): site, location, day (the site's local calendar day), schedule, and person — the
person the round was given to; a round given to a role belongs to no one person, and is grouped
under its role (person None, role set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select

from patrol.extensions import db
from patrol.models import ExpectedVisit

DIMENSIONS = {
    "site": (ExpectedVisit.site_id,),
    "location": (ExpectedVisit.location_id,),
    "day": (ExpectedVisit.local_day,),
    "schedule": (ExpectedVisit.schedule_id,),
    "person": (ExpectedVisit.responsible_user_id, ExpectedVisit.responsible_role),
}
OUTCOMES = ("on_time", "late", "made_up", "missed", "excused", "cancelled", "open")


@dataclass(frozen=True)
class Coverage:
    """The counts of one group (`key`: its dimensions' values, in the order asked for)."""

    key: tuple
    on_time: int = 0
    late: int = 0
    made_up: int = 0
    missed: int = 0
    excused: int = 0
    cancelled: int = 0
    open: int = 0

    @property
    def expected(self) -> int:
        return self.on_time + self.late + self.made_up + self.missed + self.excused + self.cancelled

    @property
    def counted(self) -> int:
        """The denominator: expected − excused − cancelled."""
        return self.expected - self.excused - self.cancelled

    @property
    def rate(self) -> float | None:
        """On time as a share (0–1) of what counts; None when nothing counts."""
        return self.on_time / self.counted if self.counted else None


def _counts(now: datetime) -> list:
    """One SUM per outcome: the outcome of a pending round depends on `now`."""
    late_by_now = and_(ExpectedVisit.status == "pending", ExpectedVisit.grace_end <= now)
    still_open = and_(ExpectedVisit.status == "pending", ExpectedVisit.grace_end > now)
    conditions = {
        "missed": or_(ExpectedVisit.status == "missed", late_by_now),
        "open": still_open,
    }
    return [
        func.sum(case((conditions.get(name, ExpectedVisit.status == name), 1), else_=0)).label(name)
        for name in OUTCOMES
    ]


def coverage(
    site_ids: set[int],
    first_day: date,
    last_day: date,
    now: datetime,
    *,
    by: tuple[str, ...] = ("site",),
    location_ids: set[int] | None = None,
    responsible_user_id: int | None = None,
) -> list[Coverage]:
    """The coverage of the rounds on these sites on the local days first_day…last_day, grouped `by`
    these DIMENSIONS (none: one total), ordered by them."""
    columns = [column for name in by for column in DIMENSIONS[name]]
    query = select(*columns, *_counts(now)).where(
        ExpectedVisit.site_id.in_(site_ids), ExpectedVisit.local_day.between(first_day, last_day)
    )
    if location_ids is not None:
        query = query.where(ExpectedVisit.location_id.in_(location_ids))
    if responsible_user_id is not None:
        query = query.where(ExpectedVisit.responsible_user_id == responsible_user_id)
    if columns:
        query = query.group_by(*columns).order_by(*columns)
    found = []
    for row in db.session.execute(query):
        key, counts = tuple(row[: len(columns)]), row[len(columns) :]
        if any(counts):
            found.append(Coverage(key, *(int(count or 0) for count in counts)))
    return found


def total(groups: list[Coverage]) -> Coverage:
    """The groups added up (a report's total line: the same definition, not an average of rates)."""
    return Coverage((), *(sum(getattr(group, name) for group in groups) for name in OUTCOMES))
