"""A room's asset register: read the version in force, and start or change it as a new version.

A version is never edited (counts are pinned to the one they were made against): each change copies
the lines into the next version with the change made, and writes a RegisterEvent saying what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Asset, Location, RegisterEvent, RegisterLine, RegisterVersion, User
from patrol.models.model_room import QUANTITY_CHANGES
from patrol.outcome import Refused


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


def event_by_client_id(client_id: str | None) -> RegisterEvent | None:
    """The change already made by the form with this id: the same form sent twice is one change."""
    if not client_id:
        return None
    return db.session.scalar(select(RegisterEvent).where(RegisterEvent.client_id == client_id))


def start_register(
    location: Location, lines: list[LineInput], actor: User, *, kind: str = "created", client_id: str | None = None
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
    db.session.add(
        RegisterEvent(location_id=location.id, version_id=version.id, kind=kind, actor_id=actor.id, client_id=client_id)
    )
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


def change_quantity(
    location: Location,
    asset_id: int,
    expected: int,
    *,
    kind: str,
    reason: str,
    approver: User,
    actor: User,
    case_id: int | None = None,
    client_id: str | None = None,
) -> RegisterVersion:
    """A new version with one line's expected quantity changed: an arrival, an approved removal (物品放行)
    or a write-off, each with its reason and approver. Refused (422) without them. The caller commits."""
    if kind not in QUANTITY_CHANGES:
        raise ValueError(kind)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Say why the quantity changes."))
    if expected < 0:
        raise Refused(_l("A quantity cannot be below zero."))
    current = current_version(location.id)
    line = next((line for line in lines_of(current.id) if line.asset_id == asset_id), None) if current else None
    if line is None:
        raise Refused(_l("That item is not on this room's register."), status=404)
    before = line.expected
    version = next_version(location, actor, changed={asset_id: {"expected": expected}})
    db.session.add(
        RegisterEvent(
            location_id=location.id,
            version_id=version.id,
            asset_id=asset_id,
            kind=kind,
            quantity_before=before,
            quantity_after=expected,
            reason=reason,
            approved_by_id=approver.id,
            actor_id=actor.id,
            case_id=case_id,
            client_id=client_id,
        )
    )
    return version


def next_version(
    location: Location, actor: User, *, changed: dict[int, dict] | None = None, dropped: frozenset[int] = frozenset()
) -> RegisterVersion:
    """The next version of a room's register: the current lines copied, with `changed` fields set per asset
    and the `dropped` assets left out. The caller writes the RegisterEvent that says why."""
    current = current_version(location.id)
    number = current.number + 1 if current else 1
    version = RegisterVersion(location_id=location.id, number=number, created_by_id=actor.id)
    db.session.add(version)
    changed = changed or {}
    for line in lines_of(current.id) if current else []:
        if line.asset_id in dropped:
            continue
        fields = {
            "zone": line.zone,
            "name": line.name,
            "unit": line.unit,
            "expected": line.expected,
            "unit_value": line.unit_value,
            "photo_id": line.photo_id,
        }
        fields |= changed.get(line.asset_id, {})
        db.session.add(RegisterLine(version=version, asset_id=line.asset_id, position=line.position, **fields))
    db.session.flush()
    return version
