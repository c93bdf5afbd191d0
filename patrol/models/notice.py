"""What a supervisor chose for a task's rectification notice (整改通知单): whom it is addressed to, and
the requirement it prints. A task without a row prints the defaults (services/notices.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db

# owner (业主/住户) | contractor (施工单位): vocabulary.NOTICE_ADDRESSEES
ADDRESSEES = ("owner", "contractor")


class TaskNotice(db.Model):
    __tablename__ = "task_notices"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    addressee: Mapped[str] = mapped_column(String(12))
    requirement: Mapped[str] = mapped_column(Text, default="")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
