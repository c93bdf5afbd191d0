"""An export: a spreadsheet of what someone was looking at, built by the worker and downloaded by them alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.user import User

# queued → running (claimed by a worker) → ready (the file is there) | failed (with a plain message);
# ready → expired once its file is removed, KEEP (7 days) after it was made.
EXPORT_STATUSES = ("queued", "running", "ready", "failed", "expired")
EXPORT_FORMATS = ("xlsx", "csv")


class Export(db.Model):
    __tablename__ = "exports"
    __table_args__ = (
        # The same request sent twice (a double tap, a retry) is one export.
        UniqueConstraint("user_id", "client_id"),
        # "My exports", newest first.
        Index("ix_exports_user", "user_id", "id"),
        # The worker's queue: waiting ones oldest first, and running ones whose lease ran out; and the
        # ready ones whose files are old (a week's worth at most: older ones are expired).
        Index("ix_exports_status", "status", "claimed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))  # a key of the kinds' registry (patrol.presenters.exports)
    format: Mapped[str] = mapped_column(String(4))
    # The list's filter as its link carries it (e.g. {"state": "all", "site": "3"}), read again at build time.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(16))  # the requester's language when they asked
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    row_count: Mapped[int | None]
    file_name: Mapped[str] = mapped_column(String(160), default="")  # what the download is called
    stored_name: Mapped[str] = mapped_column(String(80), default="")  # the private file under the export folder
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker's lease: a running export whose claim is older than its lease is taken again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def done(self) -> bool:
        return self.status in ("ready", "failed", "expired")
