"""A model room with its register, a steward, a night guard with a PIN, and counts written directly.

Counts are Inspections pinned to the register version (register_version_id) with the CountLine rows a
count sheet would have written; a line left out of `found` was skipped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import ChecklistVersion, CountLine, Inspection, Location, Site, User
from patrol.passwords import hash_password
from patrol.setup.catalogue import passfail

GUARD_PIN = "2580"
LINES = [("客厅", "抱枕", 6), ("客厅", "茶几", 1), ("主卧", "台灯", 2)]


@dataclass
class RoomScene:
    site: Site
    room: Location
    steward: User
    guard: User
    boss: User
    checklists: dict[str, ChecklistVersion]


def room_scene(make, *, locale: str = "en") -> RoomScene:
    site = make.site("样板间小区")
    room = make.location(site, kind="model_room", name="样板间A")
    steward = make.user("steward", sites=[site], username="lina", locale=locale)
    guard = make.user("guard", sites=[site], username="wang", locale=locale)
    guard.display_name = "王强"
    steward.display_name = "李娜"
    guard.pin_hash = hash_password(GUARD_PIN)
    boss = make.user("supervisor", sites=[site], username="zhou", locale=locale)
    make.register(room, LINES, boss)
    checklists = {
        name: make.checklist([passfail("门窗关严")], name=name, kind=None, location=room)
        for name in ("开馆清点", "每小时清点", "闭馆清点")
    }
    db.session.commit()
    return RoomScene(site, room, steward, guard, boss, checklists)


def count(scene: RoomScene, checklist: str, at: datetime, who: User, found: dict[str, tuple[int, int]]) -> Inspection:
    """A submitted count at `at` (UTC, the phone's time) by `who`: per item name, (counted, damaged)."""
    version = current_version(scene.room.id)
    inspection = Inspection(
        client_id=str(uuid.uuid4()),
        status="submitted",
        location_id=scene.room.id,
        checklist_version_id=scene.checklists[checklist].id,
        inspector_id=who.id,
        scanned_at=at,
        submitted_at=at,
        received_at=at,
        register_version_id=version.id,
    )
    db.session.add(inspection)
    db.session.flush()
    for line in lines_of(version.id):
        if line.name in found:
            counted, damaged = found[line.name]
            db.session.add(
                CountLine(inspection_id=inspection.id, asset_id=line.asset_id, counted=counted, damaged=damaged)
            )
    db.session.commit()
    return inspection


def all_present() -> dict[str, tuple[int, int]]:
    return {name: (expected, 0) for _, name, expected in LINES}


def shanghai(hour: int, minute: int = 0, day: int = 7) -> datetime:
    """A time on the site's clock (Asia/Shanghai) on 2026-12-`day`, in UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
