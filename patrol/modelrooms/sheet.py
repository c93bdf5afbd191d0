"""What a count shows: the sheet on the scan page (zone by zone), and what a submitted count found.

The sheet is read in a fixed number of queries whatever the room's size (a room of 150 lines opens as
fast as one of 5): the pinned or current register version, its lines, the room's last submitted count
and this draft's lines, one query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import CountLine, Inspection, Location, RegisterLine, RegisterVersion


@dataclass(frozen=True)
class SheetLine:
    asset_id: int
    name: str
    unit: str
    expected: int
    counted: int | None = None  # this count's, None: not counted yet
    damaged: int = 0
    seq: int | None = None
    last: int | None = None  # the room's last submitted count of this line

    @property
    def last_differs(self) -> bool:
        """Whether the last count found other than the register expects: shown beside the line."""
        return self.last is not None and self.last != self.expected


@dataclass
class Zone:
    name: str
    lines: list[SheetLine] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return sum(1 for line in self.lines if line.counted is not None)


@dataclass
class CountSheet:
    """A room's count sheet; `version` None: the room has no register yet."""

    version: RegisterVersion | None
    blind: bool = False
    zones: list[Zone] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(zone.lines) for zone in self.zones)


def count_sheet(location: Location, draft: Inspection | None) -> CountSheet:
    """The sheet for this room: the version a draft is pinned to, else the register in force."""
    version = None
    if draft is not None and draft.register_version_id is not None:
        version = db.session.get(RegisterVersion, draft.register_version_id)
    if version is None:
        version = current_version(location.id)
    sheet = CountSheet(version, blind=bool(location.blind_count))
    if version is None:
        return sheet
    mine = _counted(draft.id) if draft is not None else {}
    last = {row.asset_id: row.counted for row in _last_count(location.id, draft)}
    zones: dict[str, Zone] = {}
    for line in lines_of(version.id):
        row = mine.get(line.asset_id)
        zone = zones.setdefault(line.zone, Zone(line.zone))
        zone.lines.append(
            SheetLine(
                line.asset_id,
                line.name,
                line.unit,
                line.expected,
                counted=row.counted if row else None,
                damaged=row.damaged if row else 0,
                seq=row.seq if row else None,
                last=last.get(line.asset_id),
            )
        )
    sheet.zones = list(zones.values())
    return sheet


def _counted(inspection_id: int) -> dict[int, CountLine]:
    rows = db.session.scalars(select(CountLine).where(CountLine.inspection_id == inspection_id))
    return {row.asset_id: row for row in rows}


def last_count_of(location_id: int, before: Inspection | None = None):
    """The room's last submitted count (newest by the phone's completion time), as a subquery of its id."""
    query = select(Inspection.id).where(
        Inspection.location_id == location_id,
        Inspection.status == "submitted",
        Inspection.register_version_id.is_not(None),
    )
    if before is not None:
        query = query.where(Inspection.id != before.id)
    return query.order_by(Inspection.submitted_at.desc(), Inspection.id.desc()).limit(1).scalar_subquery()


def _last_count(location_id: int, draft: Inspection | None):
    last = last_count_of(location_id, draft)
    return db.session.execute(select(CountLine.asset_id, CountLine.counted).where(CountLine.inspection_id == last))


@dataclass(frozen=True)
class ShortLine:
    zone: str
    name: str
    unit: str
    expected: int
    counted: int
    damaged: int


@dataclass
class CountSummary:
    """What a count found: lines counted, short (named), damaged (named), skipped, of the pinned register."""

    total: int = 0
    counted: int = 0
    short: list[ShortLine] = field(default_factory=list)
    damaged: list[ShortLine] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.total - self.counted


def count_summary(inspection: Inspection) -> CountSummary | None:
    """A count's findings line by line (two queries); None for an inspection that counted no register."""
    if inspection.register_version_id is None:
        return None
    summary = CountSummary()
    mine = _counted(inspection.id)
    for line in lines_of(inspection.register_version_id):
        summary.total += 1
        row = mine.get(line.asset_id)
        if row is None:
            continue
        summary.counted += 1
        found = ShortLine(line.zone, line.name, line.unit, line.expected, row.counted, row.damaged)
        if row.counted < line.expected:
            summary.short.append(found)
        if row.damaged:
            summary.damaged.append(found)
    return summary


def pinned_line(version_id: int, asset_id: int) -> RegisterLine | None:
    return db.session.scalar(
        select(RegisterLine).where(RegisterLine.version_id == version_id, RegisterLine.asset_id == asset_id)
    )
