"""In-app notifications, and the group robots (WeCom, DingTalk) a site's alerts are posted to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.rounds import ExpectedVisit
from patrol.models.site import Site
from patrol.models.task import Task, TaskEvent


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The same alert reaches a person once: e.g. "overdue:<task>", "assigned:<event>".
        UniqueConstraint("user_id", "key"),
        # The unread count and the list, newest first.
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # What it is about: a task, or (missed_visit) a round that was missed.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    expected_visit_id: Mapped[int | None] = mapped_column(ForeignKey("expected_visits.id"), index=True)
    # assigned | high_severity | feedback_overdue | overdue | recheck | recheck_failed | closed | cancelled
    # | missed_visit
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(60))
    # The action it tells of (its note is the reason shown), when an action raised it.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("task_events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A notification that asks for an action is settled once someone takes it (services/settling.py):
    # when, and by which action (who did what).
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_event_id: Mapped[int | None] = mapped_column(ForeignKey("task_events.id"))

    task: Mapped[Task | None] = relationship()
    expected_visit: Mapped[ExpectedVisit | None] = relationship()
    event: Mapped[TaskEvent | None] = relationship(foreign_keys=[event_id])
    settled_event: Mapped[TaskEvent | None] = relationship(foreign_keys=[settled_event_id])


class Robot(db.Model):
    """A group chat robot (群机器人) a site's alerts are posted to."""

    __tablename__ = "robots"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    provider: Mapped[str] = mapped_column(String(10))  # wecom | dingtalk
    name: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(500))
    # DingTalk's 加签 secret (SEC…); WeCom robots have none.
    secret: Mapped[str] = mapped_column(String(200), default="")
    # Findings below this severity are not posted (alerts about overdue work always are).
    min_severity: Mapped[str] = mapped_column(String(10), default="high")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()


class Delivery(db.Model):
    """One message to one robot: pending until sent, retried with back-off, failed after the last try."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("robot_id", "key"),
        Index("ix_deliveries_due", "status", "next_attempt_at", "id"),
        Index("ix_deliveries_robot_sent", "robot_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    robot_id: Mapped[int] = mapped_column(ForeignKey("robots.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the latest attempt left, answered or not (the robot's 20 a minute count every attempt).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    robot: Mapped[Robot] = relationship()
