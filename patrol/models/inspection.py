"""An inspection: one person's pass over one checklist at one location, and its answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.checklist import ChecklistItem, ChecklistVersion
from patrol.models.location import Location
from patrol.models.photo import Photo
from patrol.models.user import User

answer_photos = Table(
    "answer_photos",
    db.metadata,
    Column("answer_id", ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id"), primary_key=True),
    # Which answers show a photo: the same picture in two inspections is a presence flag.
    Index("ix_answer_photos_photo_id", "photo_id"),
)


class Inspection(db.Model):
    __tablename__ = "inspections"
    # The scan page looks up this person's unfinished draft at this location. The history list
    # (patrol/inspections/listing.py) reads newest first — by completion time, then id — over all
    # sites, at one location, or by one person.
    __table_args__ = (
        Index("ix_inspections_draft_lookup", "inspector_id", "location_id", "status"),
        # One person's scans in a minute: several places scanned at once is a presence flag.
        Index("ix_inspections_inspector_scanned", "inspector_id", "scanned_at"),
        Index("ix_inspections_submitted", "submitted_at", "id"),
        Index("ix_inspections_location_submitted", "location_id", "submitted_at", "id"),
        Index("ix_inspections_inspector_submitted", "inspector_id", "submitted_at", "id"),
        # A site's report reads the rounds done at its locations in a period (patrol.reporting).
        Index("ix_inspections_location_scanned", "location_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Generated on the phone's page and sent with every save and the submit, so that a
    # retried or doubled request lands on the same inspection.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|submitted
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The phone's times (its clock checked against the server's: services/visit_times.py): when the
    # checklist was opened and completed there, however late it reached the server.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None]
    # When the server got the submit (the server's clock).
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How far the phone's clock was behind the server's at its latest request (negative: ahead).
    clock_offset_seconds: Mapped[int | None]
    # None: the phone's clock was believed; else server|corrected|implausible (visit_times.py).
    clock_flag: Mapped[str | None] = mapped_column(String(12))
    # A model-room count: the register version its page was built from (patrol.models.model_room).
    register_version_id: Mapped[int | None] = mapped_column(ForeignKey("register_versions.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    location: Mapped[Location] = relationship()
    checklist_version: Mapped[ChecklistVersion] = relationship()
    inspector: Mapped[User] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="inspection")

    @property
    def site_id(self) -> int:
        return self.location.site_id


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    # pass|fail|na for pass/fail items, the chosen option, or free text
    value_text: Mapped[str | None] = mapped_column(Text)
    # rating, count or reading
    value_number: Mapped[float | None]
    is_finding: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str | None] = mapped_column(String(10))
    # The phone's sequence number of the change stored here: an older change arriving late
    # (an outbox replay, a second tab) never overwrites a newer one.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="answers")
    item: Mapped[ChecklistItem] = relationship()
    photos: Mapped[list[Photo]] = relationship(secondary=answer_photos, order_by=Photo.id)
