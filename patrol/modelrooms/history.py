"""A model room's history: its counts newest first with what each found, and a day's summary.

A count is a submitted Inspection pinned to a register version (register_version_id); what it found of
each line is a CountLine, and a line with none was skipped. Per count the page shows how many lines
were short, damaged or skipped against the lines expected, and which items were short or damaged, so a
supervisor sees in which hour an item went missing and who counted it then. Every read here is a fixed
number of queries over a bounded number of rows: a page of counts, or one local day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import CountLine, Handover, Inspection, LossCase, RegisterLine
from patrol.models.location import Location
from patrol.paging import Keyset, Page, keyset_page

NEWEST_FIRST = Keyset((Inspection.submitted_at, Inspection.id), descending=True)
PAGE_SIZE = 20
# A day has an opening, a dozen hourly counts and a closing: far fewer than this.
DAY_LIMIT = 60
CASES_LIMIT = 50


@dataclass(frozen=True)
class LineSeen:
    """One line of one count that was not complete: short or damaged."""

    zone: str
    name: str
    expected: int
    counted: int
    damaged: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.counted, 0)


@dataclass
class CountRow:
    """One count of the room: when (phone time), who, which checklist, and what it found."""

    inspection: Inspection
    lines: int = 0
    short: int = 0
    damaged: int = 0
    skipped: int = 0
    seen: list[LineSeen] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.lines > 0 and not (self.short or self.damaged or self.skipped)


def _counts():
    return (
        select(Inspection)
        .where(Inspection.status == "submitted", Inspection.register_version_id.is_not(None))
        .options(joinedload(Inspection.inspector), joinedload(Inspection.checklist_version))
    )


def count_page(room: Location, *, number: int = 1, after=None, before=None, size: int = PAGE_SIZE) -> Page[CountRow]:
    """A page of the room's counts, newest first (three queries whatever the page holds)."""
    query = _counts().where(Inspection.location_id == room.id)
    page = keyset_page(query, NEWEST_FIRST, number=number, size=size, after=after, before=before)
    return page.map(CountRow) if not page.rows else _with_findings(page.map(CountRow))


def _with_findings(page: Page[CountRow]) -> Page[CountRow]:
    by_id = {row.inspection.id: row for row in page.rows}
    for inspection_id, lines, short, damaged, skipped in db.session.execute(_tallies(list(by_id))):
        row = by_id[inspection_id]
        row.lines, row.short, row.damaged, row.skipped = lines, short or 0, damaged or 0, skipped or 0
    for inspection_id, seen in _not_complete(list(by_id)).items():
        by_id[inspection_id].seen = seen
    return page


_counted_line = and_(CountLine.inspection_id == Inspection.id, CountLine.asset_id == RegisterLine.asset_id)


def _lines_of_counts(inspection_ids: list[int]):
    """Each count's expected lines (its pinned version), with what it counted of each (None: skipped)."""
    return (
        select(Inspection.id, RegisterLine, CountLine)
        .join(RegisterLine, RegisterLine.version_id == Inspection.register_version_id)
        .outerjoin(CountLine, _counted_line)
        .where(Inspection.id.in_(inspection_ids))
    )


def _tallies(inspection_ids: list[int]):
    one = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    return (
        select(
            Inspection.id,
            func.count(RegisterLine.id),
            one(CountLine.counted < RegisterLine.expected),
            one(CountLine.damaged > 0),
            one(CountLine.id.is_(None)),
        )
        .join(RegisterLine, RegisterLine.version_id == Inspection.register_version_id)
        .outerjoin(CountLine, _counted_line)
        .where(Inspection.id.in_(inspection_ids))
        .group_by(Inspection.id)
    )


def _not_complete(inspection_ids: list[int]) -> dict[int, list[LineSeen]]:
    """The short or damaged lines of these counts, in register order."""
    query = (
        _lines_of_counts(inspection_ids)
        .where(or_(CountLine.counted < RegisterLine.expected, CountLine.damaged > 0))
        .order_by(Inspection.id, RegisterLine.position)
    )
    found: dict[int, list[LineSeen]] = defaultdict(list)
    for inspection_id, line, counted in db.session.execute(query):
        found[inspection_id].append(LineSeen(line.zone, line.name, line.expected, counted.counted, counted.damaged))
    return found


def last_count(room: Location) -> CountRow | None:
    page = count_page(room, size=1)
    return page.rows[0] if page.rows else None


def open_case_count(room: Location) -> int:
    query = select(func.count(LossCase.id)).where(LossCase.location_id == room.id, LossCase.status == "open")
    return db.session.scalar(query) or 0


# A day's summary -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    """A line the day's first and last counts found differently (None: the line was skipped, or not listed)."""

    zone: str
    name: str
    expected: int
    first: tuple[int, int] | None  # (counted, damaged)
    last: tuple[int, int] | None


@dataclass
class DaySummary:
    day: date
    counts: list[CountRow]  # the day's counts, earliest first
    changes: list[LineChange]  # first count against last, the lines that differ
    cases: list[tuple[LossCase, str]]  # the cases open at the day's end, with the item's name
    handovers: list[Handover]

    @property
    def first(self) -> CountRow | None:
        return self.counts[0] if self.counts else None

    @property
    def last(self) -> CountRow | None:
        return self.counts[-1] if len(self.counts) > 1 else None


def day_bounds(room: Location, day: date) -> tuple[datetime, datetime]:
    zone = room.site.zone
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def day_summary(room: Location, day: date) -> DaySummary:
    """The room's local day: its counts, the opening (first) against the closing (last), open cases, handovers."""
    start, end = day_bounds(room, day)
    query = (
        _counts()
        .where(Inspection.location_id == room.id, Inspection.submitted_at >= start, Inspection.submitted_at < end)
        .order_by(Inspection.submitted_at, Inspection.id)
        .limit(DAY_LIMIT)
    )
    counts = [CountRow(inspection) for inspection in db.session.scalars(query)]
    if counts:
        _with_findings(Page(counts))
    summary = DaySummary(day, counts, [], _cases_open_at(room, end), _handovers(room, start, end))
    if summary.last is not None:
        summary.changes = _changes(summary.first.inspection.id, summary.last.inspection.id)
    return summary


def _changes(first_id: int, last_id: int) -> list[LineChange]:
    seen: dict[int, dict] = {}
    query = _lines_of_counts([first_id, last_id]).order_by(RegisterLine.position)
    for inspection_id, line, counted in db.session.execute(query):
        entry = seen.setdefault(line.asset_id, {"line": line, first_id: None, last_id: None})
        entry["line"] = line if inspection_id == last_id else entry["line"]
        entry[inspection_id] = (counted.counted, counted.damaged) if counted is not None else None
    changes = []
    for entry in seen.values():
        line = entry["line"]
        if entry[first_id] != entry[last_id]:
            changes.append(LineChange(line.zone, line.name, line.expected, entry[first_id], entry[last_id]))
    return changes


def _cases_open_at(room: Location, moment: datetime) -> list[tuple[LossCase, str]]:
    """The room's loss cases opened before `moment` and not closed by then, with the item's latest name."""
    newest_line = (
        select(RegisterLine.asset_id, func.max(RegisterLine.id).label("line_id"))
        .join(LossCase, LossCase.asset_id == RegisterLine.asset_id)
        .where(LossCase.location_id == room.id)
        .group_by(RegisterLine.asset_id)
        .subquery()
    )
    query = (
        select(LossCase, RegisterLine.name)
        .join(newest_line, newest_line.c.asset_id == LossCase.asset_id)
        .join(RegisterLine, RegisterLine.id == newest_line.c.line_id)
        .where(
            LossCase.location_id == room.id,
            LossCase.opened_at < moment,
            or_(LossCase.closed_at.is_(None), LossCase.closed_at >= moment),
        )
        .order_by(LossCase.opened_at, LossCase.id)
        .limit(CASES_LIMIT)
    )
    return [(found, name) for found, name in db.session.execute(query)]


def _handovers(room: Location, start: datetime, end: datetime) -> list[Handover]:
    query = (
        select(Handover)
        .where(Handover.location_id == room.id, Handover.handed_at >= start, Handover.handed_at < end)
        .options(joinedload(Handover.from_user), joinedload(Handover.to_user))
        .order_by(Handover.handed_at, Handover.id)
    )
    return list(db.session.scalars(query))
