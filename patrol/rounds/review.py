"""The supervisor's look back at missed rounds: the list to account for them, and one day's grid.

- `missed_rounds`: the missed rounds of some sites (missed, made up, excused), newest first,
  keyset-paged — one site or one local day, or the last RECENT_DAYS days; one query per page.
- `day_grid`: one site's day as locations × time slots (the rounds' due times on the site's clock),
  every cell in the state coverage gives it (patrol.rounds.coverage decides pending rounds by `now`
  the same way), so the grid's counts are the day's coverage figure; a cell whose inspection has an
  uncleared presence flag is marked. One query, whatever the day holds; more than LOCATIONS_PER_PAGE
  locations are paged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import ExpectedVisit, Location, PresenceFlag
from patrol.paging import Keyset, Page, keyset_page, page_of_list

RECENT_DAYS = 7
ACCOUNTED = ("missed", "made_up", "excused")  # a round that was missed, whatever became of it since
NEWEST_FIRST = Keyset((ExpectedVisit.due_at, ExpectedVisit.id), descending=True)
LOCATIONS_PER_PAGE = 50
# A cell's states, in the order the legend and the counts show them.
CELL_STATES = ("on_time", "late", "made_up", "missed", "excused", "cancelled", "open", "not_due")


def missed_query(site_ids: set[int], *, site_id: int | None, day: date | None, today: date) -> Select:
    """The missed rounds on these sites: on `day`, or from RECENT_DAYS ago up to `today`."""
    query = (
        select(ExpectedVisit)
        .where(ExpectedVisit.site_id.in_(site_ids), ExpectedVisit.status.in_(ACCOUNTED))
        .options(
            joinedload(ExpectedVisit.site),
            joinedload(ExpectedVisit.location),
            joinedload(ExpectedVisit.schedule),
            joinedload(ExpectedVisit.responsible_user),
            joinedload(ExpectedVisit.noted_by),
        )
    )
    if site_id is not None:
        query = query.where(ExpectedVisit.site_id == site_id)
    if day is not None:
        return query.where(ExpectedVisit.local_day == day)
    return query.where(ExpectedVisit.local_day.between(today - timedelta(days=RECENT_DAYS - 1), today))


def missed_rounds(query: Select, *, number: int, size: int, after: str | None, before: str | None) -> Page:
    return keyset_page(query, NEWEST_FIRST, number=number, size=size, after=after, before=before)


def cell_state(visit: ExpectedVisit, now: datetime) -> str:
    """What a round is now: its status, or for a pending one not due / open / missed (past its grace)."""
    if visit.status != "pending":
        return visit.status
    if now >= visit.grace_end:
        return "missed"
    return "open" if now >= visit.due_at else "not_due"


@dataclass
class Cell:
    visit_id: int
    state: str
    schedule: str
    # The inspection that counted for it, and whether it has a presence flag nobody cleared yet.
    inspection_id: int | None = None
    flagged: bool = False


@dataclass
class GridRow:
    location_id: int
    name: str
    cells: dict[str, list[Cell]] = field(default_factory=dict)  # by slot


@dataclass
class DayGrid:
    slots: list[str]  # "08:00", on the site's clock, in order
    rows: Page  # of GridRow
    counts: Counter  # of CELL_STATES over the whole day, every page, and "flagged" cells


def day_grid(site, day: date, now: datetime, *, page: int = 1) -> DayGrid:
    """The rounds of `site` on its local `day`, as locations (by name) × slots; page `page` of the locations."""
    flagged = (
        select(PresenceFlag.id)
        .where(PresenceFlag.inspection_id == ExpectedVisit.inspection_id, PresenceFlag.cleared_at.is_(None))
        .exists()
    )
    found = db.session.execute(
        select(ExpectedVisit, Location.name, flagged)
        .join(Location, Location.id == ExpectedVisit.location_id)
        .where(ExpectedVisit.site_id == site.id, ExpectedVisit.local_day == day)
        .options(joinedload(ExpectedVisit.schedule))
        .order_by(Location.name, Location.id, ExpectedVisit.due_at, ExpectedVisit.id)
    ).all()
    rows: dict[int, GridRow] = {}
    counts: Counter = Counter()
    slots: set[str] = set()
    for visit, name, has_flag in found:
        slot = visit.due_at.astimezone(site.zone).strftime("%H:%M")
        state = cell_state(visit, now)
        counts[state] += 1
        counts["flagged"] += bool(has_flag)
        slots.add(slot)
        row = rows.setdefault(visit.location_id, GridRow(visit.location_id, name))
        cell = Cell(visit.id, state, visit.schedule.name, visit.inspection_id, bool(has_flag))
        row.cells.setdefault(slot, []).append(cell)
    return DayGrid(sorted(slots), page_of_list(list(rows.values()), number=page, size=LOCATIONS_PER_PAGE), counts)
