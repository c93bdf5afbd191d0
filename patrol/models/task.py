"""A follow-up task (整改): raised from a finding or reported on the spot, and its append-only timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.inspection import Answer, Inspection
from patrol.models.location import Location
from patrol.models.photo import Photo
from patrol.models.site import Site
from patrol.models.user import User

# open (待分派) → assigned (已分派) → in_progress (整改中) → fixed (待复查) → closed (已关闭);
# a failed re-check sends it back to assigned; cancelled (已取消) ends it with a reason.
OPEN_STATUSES = ("open", "assigned", "in_progress", "fixed")
ENDED_STATUSES = ("closed", "cancelled")
STATUSES = OPEN_STATUSES + ENDED_STATUSES
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
# - One open task per problem: a finding at a location looks up the open task of the same item.
# - My tasks: the open tasks assigned to one person, soonest due first.
# - The board's newest/oldest raised orders over the whole history.
CLOSED_WHERE = text("status = 'closed'")
OPEN_WHERE = text("status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")")

task_event_photos = Table(
    "task_event_photos",
    db.metadata,
    Column("event_id", ForeignKey("task_events.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id"), primary_key=True, index=True),
)


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
        Index("ix_tasks_problem", "location_id", "problem_key", "id"),
        # The board pages the whole history (closed, all) by when tasks were raised, newest or oldest first.
        Index("ix_tasks_created", "created_at", "id"),
        # A site's report reads the tasks raised at the site in a period (patrol.reporting).
        Index("ix_tasks_site_created", "site_id", "created_at"),
        Index(
            "ix_tasks_open_by_assignee",
            "assignee_id",
            "due_at",
            "id",
            postgresql_where=OPEN_WHERE,
            sqlite_where=OPEN_WHERE,
        ),
        # Staff scores (patrol.scores): a site's month of first responses due, and of tasks closed.
        Index("ix_tasks_site_respond_by", "site_id", "respond_by"),
        Index(
            "ix_tasks_closed_by_site", "site_id", "closed_at", postgresql_where=CLOSED_WHERE, sqlite_where=CLOSED_WHERE
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    # A report (随手拍) made from the home page may name a place instead of a registered location.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    place: Mapped[str] = mapped_column(String(120), default="")
    # finding (raised from an inspection's answer) | report (随手拍)
    source: Mapped[str] = mapped_column(String(10), default="finding")
    category: Mapped[str | None] = mapped_column(String(20))
    # Raising tasks on submit and an inspection's page look them up by inspection.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"), unique=True)
    # The same problem found again at the same location: the checklist and the item's wording.
    problem_key: Mapped[str | None] = mapped_column(String(255))
    # What the finding was, in the words of the first person who raised it (lists show a title
    # built from the item and its answer in the reader's language; see presenters.tasks).
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # First response (seed 000: results fed back within the hour): acknowledged or assigned by then.
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_count: Mapped[int] = mapped_column(default=1)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # A problem found again after its task was closed: the new task names the old one.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two supervisors acting at once: the second one's form names a version that has moved on.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    site: Mapped[Site] = relationship()
    location: Mapped[Location | None] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    answer: Mapped[Answer | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    follows: Mapped[Task | None] = relationship(remote_side=[id])
    events: Mapped[list[TaskEvent]] = relationship(back_populates="task", order_by="TaskEvent.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def where(self) -> str:
        return self.location.name if self.location is not None else self.place

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or utcnow())

    def is_due_soon(self, now: datetime | None = None, hours: int = 4) -> bool:
        now = now or utcnow()
        return self.is_open and now <= self.due_at < now + timedelta(hours=hours)

    def is_feedback_overdue(self, now: datetime | None = None) -> bool:
        """Not acknowledged nor assigned by the time the site's first response was due."""
        return (
            self.status == "open"
            and self.acknowledged_at is None
            and self.respond_by is not None
            and self.respond_by < (now or utcnow())
        )


class TaskEvent(db.Model):
    """One step on a task's timeline: written once, never changed (see the guard below)."""

    __tablename__ = "task_events"
    # A round's result page reads the events it wrote, in order: the index serves the filter and the order.
    # Staff scores read a month of one kind of event (failed re-checks).
    __table_args__ = (
        Index("ix_task_events_inspection_id", "inspection_id", "id"),
        Index("ix_task_events_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    # assigned: to whom; due/severity changes: the new value as text
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    value: Mapped[str | None] = mapped_column(String(40))
    # seen again / re-checked by a round: the inspection and the answer (a round's page reads them back)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    # A phone may send the same action twice: its id makes the repeat "already have it".
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="events")
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    inspection: Mapped[Inspection | None] = relationship()
    answer: Mapped[Answer | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(secondary=task_event_photos, order_by=Photo.id)


@event.listens_for(TaskEvent, "before_update")
@event.listens_for(TaskEvent, "before_delete")
def _timeline_is_append_only(_mapper, _connection, target: TaskEvent) -> None:
    raise ValueError(f"task event {target.id} is part of a timeline and cannot be changed")


# The database refuses it too: an UPDATE or DELETE that never passes the ORM's unit of work (a bulk
# statement, SQL typed by hand) meets a trigger. No column of an event is ever written after its insert
# (a notification that settles keeps its own columns), so the triggers refuse every row and column.
# Migration 0016 creates them on a migrated database, create_all from here (after_create below). SQLite
# drops a table's triggers with it: a migration that rebuilds task_events in batch mode creates them again.
TIMELINE_GUARD = {
    "sqlite": (
        "CREATE TRIGGER task_events_no_update BEFORE UPDATE ON task_events"
        " BEGIN SELECT RAISE(ABORT, 'task_events is append-only, an event cannot be changed'); END",
        "CREATE TRIGGER task_events_no_delete BEFORE DELETE ON task_events"
        " BEGIN SELECT RAISE(ABORT, 'task_events is append-only, an event cannot be deleted'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION task_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RAISE EXCEPTION USING MESSAGE = 'task_events is append-only, ' || TG_OP || ' refused'; END $$",
        "CREATE TRIGGER task_events_append_only BEFORE UPDATE OR DELETE ON task_events"
        " FOR EACH ROW EXECUTE FUNCTION task_events_append_only()",
    ),
}
TIMELINE_UNGUARD = {
    "sqlite": ("DROP TRIGGER IF EXISTS task_events_no_update", "DROP TRIGGER IF EXISTS task_events_no_delete"),
    "postgresql": (
        "DROP TRIGGER IF EXISTS task_events_append_only ON task_events",
        "DROP FUNCTION IF EXISTS task_events_append_only()",
    ),
}


def guard_timeline(connection) -> None:
    for statement in TIMELINE_GUARD.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


def unguard_timeline(connection) -> None:
    """Only for emptying every table at once (the tests, between two of them): no one's history is kept there."""
    for statement in TIMELINE_UNGUARD.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


@event.listens_for(TaskEvent.__table__, "after_create")
def _guard_created_timeline(_table, connection, **_kw) -> None:
    guard_timeline(connection)
