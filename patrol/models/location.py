"""A checkpoint (点位) with the QR code stuck there."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.site import Site

# Letters and digits a person can read off a worn sticker without confusing them.
SHORT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_qr_token() -> str:
    return secrets.token_urlsafe(12)


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(6))


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    building: Mapped[str] = mapped_column(String(60), default="")
    floor: Mapped[str] = mapped_column(String(20), default="")
    unit: Mapped[str] = mapped_column(String(30), default="")
    qr_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_qr_token)
    short_code: Mapped[str] = mapped_column(String(8), unique=True, default=new_short_code)
    qr_issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    # In use since (created, or reactivated): rounds due before then did not expect it.
    active_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Renovation units: the permit and the works it allows.
    permit_number: Mapped[str] = mapped_column(String(60), default="")
    contractor: Mapped[str] = mapped_column(String(120), default="")
    works_start: Mapped[date | None]
    works_planned_end: Mapped[date | None]
    # Vacant units: when the unit was handed over (物品电线与交付一致 is checked against it).
    handover_date: Mapped[date | None]
    # Model rooms: count without seeing the expected quantities (blind count), set on the register page.
    blind_count: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()

    @property
    def place(self) -> str:
        """Building · floor · unit, whichever are known."""
        return " · ".join(part for part in (self.building, self.floor, self.unit) if part)

    def __repr__(self) -> str:
        return f"<Location {self.id} {self.name}>"
