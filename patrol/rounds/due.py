"""Each person's day: the rounds due now and next, and what was missed today, in walking order.

A round is given to a person by name, or to their role on the sites they are given (a round given
by name is that person's alone, whatever their role). `rounds_for` reads a fixed number of queries
and a bounded number of rows however many rounds a day holds; `due_here` tells the scan page which
checklists at a location are due there now for this person; `checkpoints_ahead` tells the phone which
checkpoints to keep for an offline round: those of the rounds open now and due in the next hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from patrol.access import site_ids_for
from patrol.extensions import db
from patrol.models import ExpectedVisit, Location, Schedule, User
from patrol.rounds.counting import LONGEST_ROUND
from patrol.setup.locations import reading_order

# The next rounds are looked for this far ahead: the rest of a working day, so the closing count is
# seen from the morning but a daily round's turn tomorrow is not (the planner writes a day ahead).
NEXT_WITHIN = timedelta(hours=12)
# At most this many visits are read for each part of the page; a longer list says so.
LIMIT = 60
MISSED_LIMIT = 20
# A phone keeps the checkpoints of the rounds due this far ahead: it prepares again on each page it
# opens with the network, so a few hours cover a shift's stretch without signal (a car park, a tower's
# stairs) without fetching the whole day.
PREPARE_AHEAD = timedelta(hours=3)
# A site's day can be this far from UTC's (UTC-12 … UTC+14): bounds the local days looked at.
WIDEST_OFFSET = timedelta(hours=14)


@dataclass
class Round:
    """One round of one schedule (a due time), its visits in the schedule's walking order."""

    schedule: Schedule
    due_at: datetime
    window_end: datetime
    grace_end: datetime
    visits: list[ExpectedVisit] = field(default_factory=list)


@dataclass
class MyRounds:
    now: list[Round]  # open now: due <= now < grace_end
    next: list[Round]  # each schedule's next round after now
    missed: list[ExpectedVisit]  # missed today (on each site's clock), latest first
    cut: bool = False  # a part was longer than its limit; the rest is not shown


def given_to(person: User):
    """The rounds given to this person by name, or to their role (no one named)."""
    return or_(
        ExpectedVisit.responsible_user_id == person.id,
        and_(ExpectedVisit.responsible_user_id.is_(None), ExpectedVisit.responsible_role == person.role),
    )


def _visits(person: User, site_ids: set[int], *where, order, limit: int) -> list[ExpectedVisit]:
    query = (
        select(ExpectedVisit)
        .where(ExpectedVisit.site_id.in_(site_ids), given_to(person), *where)
        .options(
            joinedload(ExpectedVisit.location),
            joinedload(ExpectedVisit.schedule),
            joinedload(ExpectedVisit.site),
        )
        .order_by(*order)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def rounds_for(person: User, now: datetime, *, limit: int = LIMIT) -> MyRounds:
    """This person's rounds open now, their next ones, and today's missed: three queries, bounded rows."""
    site_ids = site_ids_for(person)
    if not site_ids:
        return MyRounds([], [], [])
    by_due = (ExpectedVisit.due_at, ExpectedVisit.id)
    current = _visits(
        person,
        site_ids,
        ExpectedVisit.due_at <= now,
        ExpectedVisit.due_at > now - LONGEST_ROUND,
        ExpectedVisit.grace_end > now,
        ExpectedVisit.status != "cancelled",
        order=by_due,
        limit=limit + 1,
    )
    coming = _visits(
        person,
        site_ids,
        ExpectedVisit.due_at > now,
        ExpectedVisit.due_at <= now + NEXT_WITHIN,
        ExpectedVisit.status == "pending",
        order=by_due,
        limit=limit + 1,
    )
    missed = _missed_today(person, site_ids, now)
    cut = len(current) > limit or len(coming) > limit
    return MyRounds(_rounds(current[:limit]), _first_of_each(_rounds(coming[:limit])), missed, cut)


def _missed_today(person: User, site_ids: set[int], now: datetime) -> list[ExpectedVisit]:
    """The rounds missed today on their site's clock (the query bounds the days; each row is checked)."""
    days = {(now - WIDEST_OFFSET).date(), now.date(), (now + WIDEST_OFFSET).date()}
    rows = _visits(
        person,
        site_ids,
        ExpectedVisit.local_day.in_(days),
        ExpectedVisit.status == "missed",
        ExpectedVisit.grace_end <= now,
        order=(ExpectedVisit.due_at.desc(), ExpectedVisit.id),
        limit=MISSED_LIMIT * 2,
    )
    return [row for row in rows if row.local_day == now.astimezone(row.site.zone).date()][:MISSED_LIMIT]


def walking_order(visit: ExpectedVisit) -> tuple:
    """The order a round's checkpoints are walked in: the schedule's order of its locations, which is
    the site's reading order (building, floor, unit), as setup lists them (patrol.setup.occurrences)."""
    return reading_order(visit.location)


def _rounds(visits: list[ExpectedVisit]) -> list[Round]:
    """Visits grouped by round (schedule, due time), rounds by due time, visits in walking order."""
    grouped: dict[tuple[int, datetime], list[ExpectedVisit]] = defaultdict(list)
    for visit in visits:
        grouped[(visit.schedule_id, visit.due_at)].append(visit)
    rounds = [
        Round(rows[0].schedule, rows[0].due_at, rows[0].window_end, rows[0].grace_end, sorted(rows, key=walking_order))
        for rows in grouped.values()
    ]
    return sorted(rounds, key=lambda round_: (round_.due_at, round_.schedule.name, round_.schedule.id))


def _first_of_each(rounds: list[Round]) -> list[Round]:
    """Each schedule's earliest round of these (the rounds come in due order)."""
    seen: set[int] = set()
    first = []
    for round_ in rounds:
        if round_.schedule.id not in seen:
            seen.add(round_.schedule.id)
            first.append(round_)
    return first


def due_here(person: User, location: Location, now: datetime) -> set[int]:
    """The checklists with a round at this location open now (pending, due <= now < grace_end) for this person."""
    query = select(ExpectedVisit.checklist_id).where(
        ExpectedVisit.location_id == location.id,
        ExpectedVisit.due_at <= now,
        ExpectedVisit.due_at > now - LONGEST_ROUND,
        ExpectedVisit.grace_end > now,
        ExpectedVisit.status == "pending",
        given_to(person),
    )
    return set(db.session.scalars(query))


def checkpoints_ahead(
    person: User, now: datetime, *, ahead: timedelta = PREPARE_AHEAD, limit: int = LIMIT
) -> list[tuple[Location, set[int]]]:
    """The checkpoints of this person's rounds open now or due within `ahead`, each once, in the order
    they will be walked (round by round, each in walking order), with the checklists due there.

    One query, at most `limit` visits read: a round beyond them is left for the next preparation."""
    site_ids = site_ids_for(person)
    if not site_ids:
        return []
    visits = _visits(
        person,
        site_ids,
        ExpectedVisit.due_at <= now + ahead,
        ExpectedVisit.due_at > now - LONGEST_ROUND,
        ExpectedVisit.grace_end > now,
        ExpectedVisit.status == "pending",
        order=(ExpectedVisit.due_at, ExpectedVisit.id),
        limit=limit,
    )
    due: dict[int, tuple[Location, set[int]]] = {}
    for round_ in _rounds(visits):
        for visit in round_.visits:
            if visit.location.active:
                due.setdefault(visit.location_id, (visit.location, set()))[1].add(visit.checklist_id)
    return list(due.values())
