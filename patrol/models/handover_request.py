"""A handover a steward has asked night security to confirm on their own phone, until they do.

The Handover itself (patrol.models.model_room) is written only once the guard confirms: a custody
signature is never a request. Until then the request waits on the guard's home; the steward may
withdraw it, or have the guard confirm on the steward's phone with a PIN instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.location import Location
from patrol.models.model_room import Handover
from patrol.models.user import User

WAITING_WHERE = text("status = 'waiting'")


class HandoverRequest(db.Model):
    __tablename__ = "handover_requests"
    __table_args__ = (
        # One handover waits at a room at a time: a second ask replaces nothing, it is refused.
        Index(
            "uq_handover_requests_waiting",
            "location_id",
            unique=True,
            postgresql_where=WAITING_WHERE,
            sqlite_where=WAITING_WHERE,
        ),
        # A guard's home: what waits for them.
        Index("ix_handover_requests_guard", "guard_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the steward's phone; the Handover confirmed from it keeps the same client id.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    kind: Mapped[str] = mapped_column(String(10))  # to_night | to_day, as Handover.kind
    steward_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    guard_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    remarks: Mapped[str] = mapped_column(Text, default="")
    # When the steward asked, on the phone's clock.
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # waiting | confirmed | withdrawn
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship()
    steward: Mapped[User] = relationship(foreign_keys=[steward_id])
    guard: Mapped[User] = relationship(foreign_keys=[guard_id])
    handover: Mapped[Handover | None] = relationship()

    @property
    def from_user(self) -> User:
        return self.steward if self.kind == "to_night" else self.guard

    @property
    def to_user(self) -> User:
        return self.guard if self.kind == "to_night" else self.steward
