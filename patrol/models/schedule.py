"""Patrol schedules (巡检计划): which locations, which checklist, how often, and who is responsible."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.checklist import Checklist
from patrol.models.location import Location
from patrol.models.site import Site
from patrol.models.user import User

schedule_locations = Table(
    "schedule_locations",
    db.metadata,
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
)

RECURRENCES = ("hourly", "daily", "weekly")


class Schedule(db.Model):
    """A recurrence of visits: every N hours between two times, daily at a time, or weekly on days.

    Each occurrence opens at its start time, should be done within `window_minutes`, and
    counts as late (not missed) until `grace_minutes` after that. An hourly schedule whose end
    time is earlier than its start runs through the night (22:00 to 06:00 the next morning).
    Its history is kept as versions (patrol.models.rounds.ScheduleVersion), one per change.
    """

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"))
    # Either every location of this kind on the site, or the hand-picked `locations`.
    location_kind: Mapped[str | None] = mapped_column(String(20))
    recurrence: Mapped[str] = mapped_column(String(10))
    every_hours: Mapped[int | None]
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)  # 0 = Monday … 6 = Sunday
    window_minutes: Mapped[int] = mapped_column(default=60)
    grace_minutes: Mapped[int] = mapped_column(default=15)
    # A missed round may be made up (补检) within this many hours after its grace; 0: it may not.
    makeup_hours: Mapped[int] = mapped_column(default=0)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_role: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
    checklist: Mapped[Checklist] = relationship()
    locations: Mapped[list[Location]] = relationship(secondary=schedule_locations, order_by=Location.id)
    responsible_user: Mapped[User | None] = relationship()
