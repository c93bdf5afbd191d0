"""Proof-of-presence flags: a doubt about an inspection, raised once per kind, cleared by a supervisor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.inspection import Inspection
from patrol.models.user import User

UNCLEARED_WHERE = text("cleared_at IS NULL")


class PresenceFlag(db.Model):
    """One doubt about one inspection; the unique (inspection, kind) makes raising it again a no-op."""

    __tablename__ = "presence_flags"
    __table_args__ = (
        UniqueConstraint("inspection_id", "kind", name="uq_presence_flags_inspection_kind"),
        # The uncleared flags, newest first (a supervisor's list).
        Index(
            "ix_presence_flags_uncleared",
            "raised_at",
            postgresql_where=UNCLEARED_WHERE,
            sqlite_where=UNCLEARED_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    # too_fast | sticker_sheet | same_photo | photo_time | clock (patrol.inspections.presence)
    kind: Mapped[str] = mapped_column(String(20))
    # What the page says about it: seconds taken and the minimum, the other inspections, minutes off…
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clear_comment: Mapped[str | None] = mapped_column(Text)

    inspection: Mapped[Inspection] = relationship()
    cleared_by: Mapped[User | None] = relationship()

    @property
    def cleared(self) -> bool:
        return self.cleared_at is not None
