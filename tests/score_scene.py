"""A month of lapses to score: a site (Shanghai unless told), its people, and builders for each kind of
lapse written straight into the tables, at the times a test names on the site's clock.

The month is March 2026; `local(day, hour, minute)` is that moment on the site's clock, in UTC.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from patrol.extensions import db
from patrol.models import ExpectedVisit, ScheduleVersion, Site, Task, TaskEvent, User
from patrol.scores.month import Month
from tests.rounds_scene import Scene, build

MARCH = Month(date(2026, 3, 1))
_serial = itertools.count(1)


@dataclass
class ScoreScene:
    scene: Scene
    zone: ZoneInfo
    version_id: int
    schedule_id: int
    people: list[User] = field(default_factory=list)

    @property
    def site(self) -> Site:
        return self.scene.site

    def local(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        moment = datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(hours=hour, minutes=minute)
        return moment.astimezone(UTC)

    def round(
        self, status: str, day: date, *, to: User | None = None, hour: int = 10, minute: int = 0, by: User | None = None
    ) -> ExpectedVisit:
        """A round at `day` hour:minute, given to `to` (None: to the butlers' role), in `status`; a late or
        made-up one done by `by` 40 minutes after it fell due."""
        serial = next(_serial)  # rounds in the same minute are at different seconds: each its own slot
        due = self.local(day, hour, minute) + timedelta(seconds=serial % 60)
        room = self.scene.rooms[serial % len(self.scene.rooms)]
        visit = ExpectedVisit(
            site_id=self.site.id,
            schedule_id=self.schedule_id,
            schedule_version_id=self.version_id,
            location_id=room.id,
            checklist_id=self.scene.version.checklist_id,
            local_day=day,
            due_at=due,
            window_end=due + timedelta(minutes=30),
            grace_end=due + timedelta(minutes=45),
            responsible_user_id=to.id if to else None,
            responsible_role=None if to else "butler",
            status=status,
        )
        if status in ("late", "made_up"):
            done = due + timedelta(minutes=40 if status == "late" else 120)
            inspection = self.scene.visit(room, done, person=by or to or self.scene.butler)
            visit.inspection_id, visit.done_at = inspection.id, done
        db.session.add(visit)
        db.session.commit()
        return visit

    def task(self, assignee: User | None, **fields) -> Task:
        now = fields.pop("created_at", self.local(date(2026, 3, 2), 9))
        task = Task(
            site_id=self.site.id,
            location_id=self.scene.rooms[0].id,
            title=fields.pop("title", f"消防通道堵塞 {next(_serial)}"),
            severity="medium",
            status=fields.pop("status", "assigned" if assignee else "open"),
            assignee_id=assignee.id if assignee else None,
            raised_by_id=self.scene.supervisor.id,
            due_at=fields.pop("due_at", now + timedelta(hours=24)),
            respond_by=fields.pop("respond_by", now + timedelta(hours=1)),
            acknowledged_at=fields.pop("acknowledged_at", now + timedelta(minutes=10) if assignee else None),
            created_at=now,
            **fields,
        )
        db.session.add(task)
        db.session.commit()
        return task

    def recheck_failed(self, task: Task, at: datetime, *, to: User | None = None) -> TaskEvent:
        event = TaskEvent(
            task_id=task.id,
            kind="recheck_failed",
            actor_id=self.scene.supervisor.id,
            from_status="fixed",
            to_status="assigned",
            assignee_id=to.id if to else None,
            created_at=at,
        )
        db.session.add(event)
        db.session.commit()
        return event


def month_scene(make, zone: str = "Asia/Shanghai", name: str = "星河湾") -> ScoreScene:
    """A site with three floors, an hourly schedule (its planned rounds removed: tests write their own)."""
    scene = build(make, rooms=3, zone=zone, name=name)
    schedule = scene.schedule()
    db.session.execute(delete(ExpectedVisit))
    db.session.commit()
    version_id = db.session.scalar(select(ScheduleVersion.id).where(ScheduleVersion.schedule_id == schedule.id))
    return ScoreScene(scene, ZoneInfo(zone), version_id, schedule.id, [scene.butler, scene.supervisor])
