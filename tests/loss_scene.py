"""A model room with a register, its people, and counts made directly (as the count sheet would leave them):
a submitted Inspection pinned to a register version, its CountLine rows, then settle_count as submit calls it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.cases import settle_count
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import Asset, CountLine, Handover, Inspection, Location, User
from patrol.setup.catalogue import passfail

DAY = datetime(2025, 3, 3, tzinfo=UTC)  # 08:00 UTC is 16:00 in Shanghai; the tests name UTC hours


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


@dataclass
class Room:
    room: Location
    boss: User  # the site's supervisor
    stewards: list[User]
    guard: User
    checklist_version_id: int

    def asset(self, name: str) -> int:
        line = next(line for line in lines_of(current_version(self.room.id).id) if line.name == name)
        return line.asset_id

    def count(
        self,
        when: datetime,
        found: dict[str, int | tuple[int, int]],
        *,
        by: User | None = None,
        received: datetime | None = None,
        version_id: int | None = None,
    ) -> Inspection:
        """A count submitted on the phone at `when` (received by the server at `received`): per item name, what
        was counted, or (counted, damaged); items not named were skipped. Settled as submit settles it."""
        version_id = version_id or current_version(self.room.id).id
        inspection = Inspection(
            client_id=str(uuid.uuid4()),
            status="submitted",
            location_id=self.room.id,
            checklist_version_id=self.checklist_version_id,
            inspector_id=(by or self.stewards[0]).id,
            scanned_at=when,
            submitted_at=when,
            received_at=received or when,
            register_version_id=version_id,
        )
        db.session.add(inspection)
        db.session.flush()
        by_name = {line.name: line.asset_id for line in lines_of(version_id)}
        for name, value in found.items():
            counted, damaged = value if isinstance(value, tuple) else (value, 0)
            db.session.add(
                CountLine(
                    inspection_id=inspection.id,
                    asset_id=by_name[name],
                    counted=counted,
                    damaged=damaged,
                    counted_at=when,
                )
            )
        db.session.flush()
        settle_count(inspection, received or when)
        db.session.commit()
        return inspection

    def handover(self, when: datetime, giver: User, taker: User, kind: str = "to_night") -> Handover:
        handover = Handover(
            client_id=str(uuid.uuid4()),
            site_id=self.room.site_id,
            location_id=self.room.id,
            kind=kind,
            from_user_id=giver.id,
            to_user_id=taker.id,
            handed_at=when,
            confirmed_by="pin",
        )
        db.session.add(handover)
        db.session.commit()
        return handover


LINES = [("客厅", "抱枕", 6), ("客厅", "茶几", 1), ("主卧", "台灯", 2)]


def model_room(make, *, language: str | None = None) -> Room:
    site = make.site()
    site.language = language
    boss = make.user("supervisor", sites=[site])
    stewards = [make.user("steward", sites=[site]) for _ in range(3)]
    for number, steward in enumerate(stewards, start=1):
        steward.display_name = f"管家{number}"
    guard = make.user("guard", sites=[site])
    guard.display_name = "保安老王"
    room = make.location(site, kind="model_room", name="样板间A")
    version = make.checklist([passfail("物品齐全")], name="样板间 每小时清点", location=room)
    make.register(room, LINES, boss)
    for asset in db.session.scalars(select(Asset).where(Asset.location_id == room.id)):
        asset.created_at = DAY - timedelta(days=1)  # registered the day before the counts
    db.session.commit()
    return Room(room, boss, stewards, guard, version.id)
