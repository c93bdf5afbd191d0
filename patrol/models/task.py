"""A follow-up task (整改) raised from a finding, and the timeline of what happened to it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.inspection import Answer, Inspection
from patrol.models.location import Location
from patrol.models.user import User

OPEN_STATUSES = ("open", "assigned", "fixed")


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    location: Mapped[Location] = relationship()
    inspection: Mapped[Inspection] = relationship()
    answer: Mapped[Answer] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    events: Mapped[list[TaskEvent]] = relationship(
        back_populates="task", order_by="TaskEvent.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or utcnow())


class TaskEvent(db.Model):
    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()
