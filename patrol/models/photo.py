"""A photo, stored once under the hash of its re-encoded bytes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db


class Photo(db.Model):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    # When the camera took it (from EXIF, before the metadata was stripped), if it said.
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def relative_path(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256}.jpg"

    @property
    def relative_thumb_path(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256}.thumb.jpg"
