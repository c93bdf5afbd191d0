"""Yesterday at the demo's model room, so its pages are not empty: the morning handover from night security,
the opening count, hourly counts (one skipping a line, then a cushion gone), the closing count and the
evening handover. The cushion's loss case and its task are opened by the counts, as a submit would."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import evaluate
from patrol.modelrooms.cases import settle_count
from patrol.modelrooms.counting import INVENTORY, record_count
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import Answer, ChecklistVersion, CountLine, Handover, Inspection, Location, User
from patrol.setup.checklists import items_of

MISSING = "抱枕"
SKIPPED = "装饰画"
# (local time yesterday, which count, how many cushions were counted; None: that line was skipped)
COUNTS = [
    (time(8, 36), "开馆清点", 6),
    (time(10, 4), "每小时清点", 6),
    (time(11, 6), "每小时清点", 6),
    (time(12, 3), "每小时清点", 5),
    (time(15, 5), "每小时清点", 5),
    (time(19, 2), "闭馆清点", 5),
]


def seed_room_day(room: Location, steward: User, guard: User) -> None:
    """The model room's yesterday, counted by the steward and handed over with the guard. The caller commits."""
    zone = room.site.zone
    yesterday = (utcnow().astimezone(zone) - timedelta(days=1)).date()

    def local(at: time) -> datetime:
        return datetime.combine(yesterday, at, tzinfo=zone)

    _handover(room, guard, steward, "to_day", local(time(8, 25)), "夜间无异常，门窗完好")
    versions = _count_versions(room)
    lines = lines_of(current_version(room.id).id)
    for number, (at, kind, cushions) in enumerate(COUNTS):
        found = {line.asset_id: line.expected for line in lines if not (number == 2 and line.name == SKIPPED)}
        cushion = next(line.asset_id for line in lines if line.name == MISSING)
        found[cushion] = cushions
        _count(room, versions[kind], steward, local(at), found)
    _handover(room, steward, guard, "to_night", local(time(19, 12)), "抱枕仍少一个，已报主管；灯已关，门已锁")


def _count_versions(room: Location) -> dict[str, ChecklistVersion]:
    versions = db.session.scalars(select(ChecklistVersion).where(ChecklistVersion.name.like("样板间A %")))
    return {
        kind: version for version in versions for kind in ("开馆清点", "每小时清点", "闭馆清点") if kind in version.name
    }


def _count(room: Location, version: ChecklistVersion, steward: User, at: datetime, found: dict[int, int]) -> None:
    items = items_of(version.id)
    inspection = Inspection(
        client_id=f"00000000-0000-4000-9000-{int(at.timestamp()):012d}",
        location_id=room.id,
        checklist_version_id=version.id,
        inspector_id=steward.id,
        scanned_at=at - timedelta(minutes=6),
        submitted_at=at,
        received_at=at,
        duration_seconds=360,
        status="submitted",
        register_version_id=current_version(room.id).id,
    )
    db.session.add(inspection)
    db.session.flush()
    for asset_id, counted in found.items():
        db.session.add(CountLine(inspection_id=inspection.id, asset_id=asset_id, counted=counted, counted_at=at))
    for item in items:
        if item.item_type in (INVENTORY, "text"):
            continue
        value = evaluate(item, "pass" if item.item_type == "passfail" else _fine(item))
        db.session.add(
            Answer(
                inspection=inspection,
                item_id=item.id,
                value_text=value.value_text,
                value_number=value.value_number,
                is_finding=value.is_finding,
                answered_at=at,
            )
        )
    db.session.flush()
    record_count(inspection, items, at)
    settle_count(inspection, at)


def _fine(item) -> str:
    """An answer that is no finding, for the items that are not pass/fail."""
    if item.item_type == "choice":
        return next(choice for choice in item.choices if choice not in (item.failing_choices or []))
    return "5" if item.item_type == "rating" else "1"


def _handover(room: Location, giver: User, taker: User, kind: str, at: datetime, remarks: str) -> None:
    db.session.add(
        Handover(
            client_id=f"00000000-0000-4000-a000-{int(at.timestamp()):012d}",
            site_id=room.site_id,
            location_id=room.id,
            kind=kind,
            from_user_id=giver.id,
            to_user_id=taker.id,
            handed_at=at,
            remarks=remarks,
            confirmed_by="pin" if kind == "to_night" else "account",
        )
    )
    db.session.flush()
