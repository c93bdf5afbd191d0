"""A follow-up task (整改) raised from a finding, and the timeline of what happened to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.inspection import Answer, Inspection
from patrol.models.location import Location
from patrol.models.user import User

OPEN_STATUSES = ("open", "assigned", "fixed")
# The task lists read their pages from partial indexes, in the order they page by, and write
# these conditions into their SQL literally: a partial index is used only when the query says so.
# - Closed tasks, latest closed first. The status leads, constant as it is: SQLite has no
#   statistics unless ANALYZE runs, and then takes an index matching an equality over one that
#   only saves a sort (it would use ix_tasks_status and sort every closed task).
# - Open tasks, soonest due first. Without it PostgreSQL walks ix_tasks_due_at from two years
#   back, through every closed task, to find the open ones (they are all recent).
# - Open tasks of one site, soonest due first: SQLite would otherwise read every task of the
#   site. The status trails so that SQLite counts them from the index alone.
# - Open tasks at one location (the scan page and the list it links to), soonest due first. The
#   site is in it because those lists name it too, and SQLite would otherwise take ix_tasks_site_id
#   and read every task of the site.
CLOSED_WHERE = text("status = 'closed'")
OPEN_WHERE = text("status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")")


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_closed", "status", "closed_at", "id", postgresql_where=CLOSED_WHERE, sqlite_where=CLOSED_WHERE),
        Index("ix_tasks_open_due", "due_at", "id", postgresql_where=OPEN_WHERE, sqlite_where=OPEN_WHERE),
        Index(
            "ix_tasks_open_by_site",
            "site_id",
            "due_at",
            "id",
            "status",
            postgresql_where=OPEN_WHERE,
            sqlite_where=OPEN_WHERE,
        ),
        Index(
            "ix_tasks_open_at_location",
            "location_id",
            "site_id",
            "due_at",
            "id",
            postgresql_where=OPEN_WHERE,
            sqlite_where=OPEN_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    # Raising tasks on submit and an inspection's page look them up by inspection.
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
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
    events: Mapped[list[TaskEvent]] = relationship(back_populates="task", order_by="TaskEvent.id")

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
