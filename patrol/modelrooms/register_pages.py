"""What the register pages show: a room's register zone by zone, and its history with what each change did."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from patrol.extensions import db
from patrol.modelrooms.register import current_version
from patrol.models import Location, RegisterEvent, RegisterLine, RegisterVersion
from patrol.paging import Page, offset_page

HISTORY_PAGE_SIZE = 30
# What an edit may change, in the order the history lists it.
EDITED_FIELDS = ("zone", "name", "unit", "unit_value", "photo_id")


@dataclass
class Zone:
    name: str
    lines: list[RegisterLine] = field(default_factory=list)


@dataclass
class RegisterPage:
    location: Location
    version: RegisterVersion | None
    zones: list[Zone]
    last_event: RegisterEvent | None

    @property
    def line_count(self) -> int:
        return sum(len(zone.lines) for zone in self.zones)

    @property
    def total_value(self) -> Decimal | None:
        values = [line.unit_value * line.expected for zone in self.zones for line in zone.lines if line.unit_value]
        return sum(values, Decimal(0)) if values else None

    @property
    def zone_names(self) -> list[str]:
        return [zone.name for zone in self.zones]


def register_page(location: Location) -> RegisterPage:
    version = current_version(location.id)
    zones: dict[str, Zone] = {}
    if version is not None:
        query = (
            select(RegisterLine)
            .where(RegisterLine.version_id == version.id)
            .options(selectinload(RegisterLine.photo))
            .order_by(RegisterLine.position)
        )
        for line in db.session.scalars(query):
            zones.setdefault(line.zone, Zone(line.zone)).lines.append(line)
    last = db.session.scalar(
        select(RegisterEvent)
        .where(RegisterEvent.location_id == location.id)
        .options(selectinload(RegisterEvent.actor))
        .order_by(RegisterEvent.id.desc())
        .limit(1)
    )
    return RegisterPage(location, version, list(zones.values()), last)


def register_line(location: Location, asset_id: int) -> RegisterLine | None:
    """The line of this item in the register in force, or None if it is not on it."""
    version = current_version(location.id)
    if version is None:
        return None
    return db.session.scalar(
        select(RegisterLine).where(RegisterLine.version_id == version.id, RegisterLine.asset_id == asset_id)
    )


@dataclass
class HistoryEntry:
    event: RegisterEvent
    # The item as the change left it (as it was, for a line retired); None for a whole-register event.
    line: RegisterLine | None
    # (field, before, after) for what the change did to the item's line.
    changes: list[tuple[str, object, object]]
    lines_in_version: int | None = None


def register_history(location: Location, *, number: int, size: int = HISTORY_PAGE_SIZE) -> Page[HistoryEntry]:
    """Every change to the room's register, newest first."""
    query = (
        select(RegisterEvent)
        .where(RegisterEvent.location_id == location.id)
        .options(
            selectinload(RegisterEvent.actor),
            selectinload(RegisterEvent.approved_by),
            selectinload(RegisterEvent.version),
        )
        .order_by(RegisterEvent.id.desc())
    )
    page = offset_page(query, number=number, size=size)
    lines = _lines_around(location, page.rows)
    return page.map(lambda event: _entry(event, lines))


def _lines_around(location: Location, events: list[RegisterEvent]) -> dict[tuple[int, int], RegisterLine]:
    """The line of each event's item in its version and in the version before: (version number, asset id) → line."""
    wanted = {(event.version.number - step, event.asset_id) for event in events if event.asset_id for step in (0, 1)}
    if not wanted:
        return {}
    query = (
        select(RegisterVersion.number, RegisterLine)
        .join(RegisterLine, RegisterLine.version_id == RegisterVersion.id)
        .where(
            RegisterVersion.location_id == location.id,
            tuple_(RegisterVersion.number, RegisterLine.asset_id).in_(wanted),
        )
    )
    return {(number, line.asset_id): line for number, line in db.session.execute(query)}


def _entry(event: RegisterEvent, lines: dict) -> HistoryEntry:
    number = event.version.number
    after, before = lines.get((number, event.asset_id)), lines.get((number - 1, event.asset_id))
    if event.asset_id is None:
        count = db.session.query(RegisterLine).filter_by(version_id=event.version_id).count()
        return HistoryEntry(event, None, [], lines_in_version=count)
    changes: list[tuple[str, object, object]] = []
    if event.quantity_before is not None or event.quantity_after is not None:
        changes.append(("expected", event.quantity_before, event.quantity_after))
    if event.kind == "edited" and before is not None and after is not None:
        changes += [(name, getattr(before, name), getattr(after, name)) for name in EDITED_FIELDS]
        changes = [change for change in changes if change[1] != change[2]]
    return HistoryEntry(event, after or before, changes)
