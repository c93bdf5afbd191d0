"""A day of rounds to test against: a site on Shanghai time, ten rooms, an hourly schedule, and a clock
the test sets (every service is given `now`; nothing here reads the real clock).

The day is 2026-03-02 on the site's clock; `at(10, 5)` is 10:05 that day, as an aware UTC time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import ChecklistVersion, ExpectedVisit, Inspection, Location, Schedule, Site, User
from patrol.rounds.counting import Counted, count_visit
from patrol.setup.schedules import save_schedule

DAY = date(2026, 3, 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_client_ids = itertools.count(1)


def at(hour: int, minute: int = 0, *, day: date = DAY, zone: ZoneInfo = SHANGHAI, second: int = 0) -> datetime:
    """The UTC instant of hour:minute on the site's clock on `day` (hour 24 is the next midnight)."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=hour, minutes=minute, seconds=second)
    return local.astimezone(UTC)


# The night before the day: the schedules and rooms of the scene exist from then.
EVE = at(-6)


@dataclass
class Scene:
    site: Site
    rooms: list[Location]
    version: ChecklistVersion
    admin: User
    butler: User
    supervisor: User

    def schedule(self, now: datetime = EVE, **fields) -> Schedule:
        """A schedule saved by the administrator at `now` (the form's fields; hourly 08:00–20:00 by default)."""
        outcome = save_schedule(schedule_form(self, **fields), actor=self.admin, site_ids={self.site.id}, now=now)
        assert outcome.ok, outcome.errors
        return outcome.value

    def visit(self, room: Location, scanned: datetime, *, version=None, person=None, **fields) -> Inspection:
        """A submitted inspection at `room`, scanned at `scanned` (the phone's checked time)."""
        inspection = Inspection(
            client_id=f"00000000-0000-4000-8000-{next(_client_ids):012d}",
            location_id=room.id,
            checklist_version_id=(version or self.version).id,
            inspector_id=(person or self.butler).id,
            scanned_at=scanned,
            submitted_at=fields.pop("submitted_at", scanned + timedelta(minutes=4)),
            received_at=fields.pop("received_at", scanned + timedelta(minutes=4)),
            status="submitted",
            **fields,
        )
        db.session.add(inspection)
        db.session.flush()
        return inspection

    def count(self, room: Location, scanned: datetime, **fields) -> Counted:
        """A visit at `room` at `scanned`, counted as the submit counts it."""
        version = fields.get("version") or self.version
        counted = count_visit(self.visit(room, scanned, **fields), version.checklist_id)
        db.session.commit()
        return counted


def schedule_form(scene: Scene, **fields) -> dict:
    form = {
        "site": str(scene.site.id),
        "name": "每小时巡楼",
        "checklist": str(scene.version.checklist_id),
        "scope": "kind",
        "location_kind": "floor",
        "recurrence": "hourly",
        "every_hours": "1",
        "start_time": "08:00",
        "end_time": "20:00",
        "window_minutes": "30",
        "grace_minutes": "15",
        "makeup_hours": "0",
        "responsible_by": "role",
        "responsible_role": "butler",
    }
    form.update({key: str(value) if isinstance(value, int) else value for key, value in fields.items()})
    return form


def build(make, *, rooms: int = 10, zone: str = "Asia/Shanghai", name: str = "星河湾") -> Scene:
    """A site with `rooms` floors in use since the eve, a floor checklist, and its people."""
    site = make.site(name)
    site.timezone = zone
    db.session.commit()
    floors = [
        make.location(site, "floor", name=f"1栋 {number}F", active_since=EVE - timedelta(days=1))
        for number in range(1, rooms + 1)
    ]
    version = make.checklist()
    return Scene(
        site=site,
        rooms=floors,
        version=version,
        admin=make.user("admin", username=f"admin{site.id}"),
        butler=make.user("butler", [site], username=f"butler{site.id}"),
        supervisor=make.user("supervisor", [site], username=f"supervisor{site.id}"),
    )


def visits(**where) -> list[ExpectedVisit]:
    """The expected visits matching these column values, by due time and location."""
    query = select(ExpectedVisit).filter_by(**where).order_by(ExpectedVisit.due_at, ExpectedVisit.location_id)
    return list(db.session.scalars(query))


def how_many(**where) -> int:
    return db.session.scalar(select(func.count()).select_from(ExpectedVisit).filter_by(**where))


def local_hours(rows: list[ExpectedVisit], zone: ZoneInfo = SHANGHAI) -> list[str]:
    """The distinct due times of these rows on the site's clock, in order."""
    return sorted({row.due_at.astimezone(zone).strftime("%H:%M") for row in rows}, key=lambda hhmm: hhmm)
