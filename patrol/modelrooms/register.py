"""A room's asset register: read the version in force, and start or change it as a new version.

A version is never edited (counts are pinned to the one they were made against): each change copies
the lines into the next version with the change made, and writes a RegisterEvent saying what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Asset, Location, RegisterEvent, RegisterLine, RegisterVersion, User


@dataclass(frozen=True)
class LineInput:
    zone: str
    name: str
    expected: int
    unit: str = ""
    unit_value: Decimal | None = None
    photo_id: int | None = None


def current_version(location_id: int) -> RegisterVersion | None:
    """The register version in force at this room: the newest one; None when it has no register."""
    return db.session.scalar(
        select(RegisterVersion)
        .where(RegisterVersion.location_id == location_id)
        .order_by(RegisterVersion.number.desc())
        .limit(1)
    )


def lines_of(version_id: int) -> list[RegisterLine]:
    """The lines of a version, in counting order (zone by zone, as the register lists them)."""
    return list(
        db.session.scalars(
            select(RegisterLine).where(RegisterLine.version_id == version_id).order_by(RegisterLine.position)
        )
    )


def start_register(
    location: Location, lines: list[LineInput], actor: User, *, kind: str = "created"
) -> RegisterVersion:
    """A room's first register (kind "created", or "imported" from a sheet). The caller commits."""
    version = RegisterVersion(location_id=location.id, number=1, created_by_id=actor.id)
    db.session.add(version)
    for position, given in enumerate(lines, start=1):
        asset = Asset(location_id=location.id)
        db.session.add(asset)
        db.session.flush()
        db.session.add(_line(version, asset.id, position, given))
    db.session.flush()
    db.session.add(RegisterEvent(location_id=location.id, version_id=version.id, kind=kind, actor_id=actor.id))
    return version


def _line(version: RegisterVersion, asset_id: int, position: int, given: LineInput) -> RegisterLine:
    return RegisterLine(
        version=version,
        asset_id=asset_id,
        position=position,
        zone=given.zone,
        name=given.name,
        unit=given.unit,
        expected=given.expected,
        unit_value=given.unit_value,
        photo_id=given.photo_id,
    )
