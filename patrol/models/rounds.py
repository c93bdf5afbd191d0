"""Rounds that are kept: a schedule's versions, and the visits they expect (one row per round and location).

A schedule's timing, scope and responsibility are copied into a new ScheduleVersion whenever they
change, so a past round is always judged by the version then in force. Each (version, round,
location) is one ExpectedVisit, written ahead by the planner (patrol.rounds.planning) and settled by
the visit that counts for it, by the missed-visit sweep, or by a supervisor's disposition.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.checklist import Checklist
from patrol.models.inspection import Inspection
from patrol.models.location import Location
from patrol.models.schedule import Schedule
from patrol.models.site import Site
from patrol.models.user import User

# pending: not done yet (and not past its grace); on_time / late: a visit counted for it;
# missed: nothing counted by grace_end (final, unless a visit done in time arrives late from an outbox);
# made_up: missed, then made up (补检) within the schedule's make-up hours — never on time;
# excused: missed, and a supervisor took it out of the count; cancelled: no longer expected
# (the schedule changed or stopped, the location or site left use) before it fell due.
VISIT_STATUSES = ("pending", "on_time", "late", "missed", "made_up", "excused", "cancelled")
# Written literally into the queries that use them: a partial index is used only when the query says so.
PENDING_WHERE = text("status = 'pending'")
UNALERTED_WHERE = text("status = 'missed' AND missed_alerted_at IS NULL")


class ScheduleVersion(db.Model):
    """What a schedule asked for from `effective_from` until its next version: it governs the rounds
    due after `effective_from`, up to and including the next version's."""

    __tablename__ = "schedule_versions"
    __table_args__ = (UniqueConstraint("schedule_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    # A stopped schedule's version expects nothing.
    active: Mapped[bool] = mapped_column(default=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"))
    # Every location of this kind on the site, or the hand-picked ones (ids, in the schedule's order).
    location_kind: Mapped[str | None] = mapped_column(String(20))
    location_ids: Mapped[list] = mapped_column(JSON, default=list)
    recurrence: Mapped[str] = mapped_column(String(10))
    every_hours: Mapped[int | None]
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    window_minutes: Mapped[int]
    grace_minutes: Mapped[int]
    # A missed round may be made up (补检) within this many hours of its grace end; 0: it may not.
    makeup_hours: Mapped[int] = mapped_column(default=0)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_role: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schedule: Mapped[Schedule] = relationship()


class ExpectedVisit(db.Model):
    """One round at one location: due at `due_at`, on time until `window_end`, late until `grace_end`."""

    __tablename__ = "expected_visits"
    __table_args__ = (
        # The planner inserts each (version, location, round) once, however often it runs.
        UniqueConstraint("schedule_version_id", "location_id", "due_at", name="uq_expected_visits_slot"),
        # Coverage per site and day, grouped by status from the index alone.
        Index("ix_expected_visits_site_day", "site_id", "local_day", "status"),
        # A site's rounds by time: what is due now and next, a day's grid, the planner's look at what it wrote.
        Index("ix_expected_visits_site_due", "site_id", "due_at"),
        # Counting a visit: the rounds of this checklist at this location around its time.
        Index("ix_expected_visits_location_due", "location_id", "checklist_id", "due_at"),
        Index("ix_expected_visits_schedule_due", "schedule_id", "due_at"),
        Index("ix_expected_visits_responsible_day", "responsible_user_id", "local_day"),
        # The missed-visit sweep: pending rounds past their grace, and missed ones not yet alerted.
        Index("ix_expected_visits_pending", "grace_end", postgresql_where=PENDING_WHERE, sqlite_where=PENDING_WHERE),
        Index("ix_expected_visits_unalerted", "id", postgresql_where=UNALERTED_WHERE, sqlite_where=UNALERTED_WHERE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    schedule_version_id: Mapped[int] = mapped_column(ForeignKey("schedule_versions.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"))
    # The site's calendar day the round falls on (its local time when it was planned).
    local_day: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    grace_end: Mapped[datetime] = mapped_column(UTCDateTime)
    # Until when a missed round may be made up; None when its schedule allows no make-up.
    makeup_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_role: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # The visit that counted (on time, late or made up), when it was done on the phone, and its clock's doubt.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), unique=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_flag: Mapped[str | None] = mapped_column(String(12))
    # Marked missed at grace_end; the one alert about it claimed then (a visit may still correct it later).
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # schedule_changed | schedule_stopped | location_deactivated | location_changed | site_archived | site_changed
    cancel_reason: Mapped[str | None] = mapped_column(String(24))
    # A missed round's explanation (or why it was excused, or a note on its make-up): who wrote it, when.
    note: Mapped[str] = mapped_column(Text, default="")
    noted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    noted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
    schedule: Mapped[Schedule] = relationship()
    version: Mapped[ScheduleVersion] = relationship()
    location: Mapped[Location] = relationship()
    checklist: Mapped[Checklist] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    noted_by: Mapped[User | None] = relationship(foreign_keys=[noted_by_id])

    def __repr__(self) -> str:
        return f"<ExpectedVisit {self.id} {self.status} @{self.location_id} {self.due_at:%Y-%m-%d %H:%M}>"
