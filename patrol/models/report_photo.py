"""A photo a phone's outbox sent for a report (随手拍) that has not arrived yet.

The outbox sends each photo alone, before the report that lists it: the photo waits here, keyed
by the operation id the phone gave it and scoped to the person, under the report's own client id.
The report claims the photos it lists, in the transaction that raises its task; photos it does
not list go then, and those of a report that never comes are removed by `sweep-photos`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.photo import Photo


class ReportPhoto(db.Model):
    __tablename__ = "report_photos"
    __table_args__ = (Index("ix_report_photos_report", "user_id", "report_client_id"),)

    # Whose upload, and the id their phone gave it: a repeat finds the first one (idempotent), and an
    # id learnt by someone else neither replays nor blocks the owner's.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The client id of the report form the photo was taken on.
    report_client_id: Mapped[str] = mapped_column(String(36))
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), index=True)
    # SHA-256 of the bytes that arrived: the same id with other bytes is a conflict, not a repeat.
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    photo: Mapped[Photo] = relationship()
