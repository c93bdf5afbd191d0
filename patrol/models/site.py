"""A site (项目/小区/大厦): the unit of access and of local time."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import String, Time
from sqlalchemy.orm import Mapped, mapped_column

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Office hours, in the site's time zone.
    opens_at: Mapped[time] = mapped_column(Time, default=time(8, 30))
    closes_at: Mapped[time] = mapped_column(Time, default=time(18, 0))
    # A finding must be acknowledged or assigned this soon (seed 000: patrol results fed back within the hour).
    first_response_minutes: Mapped[int] = mapped_column(default=60)
    # What its printed sheets, robot messages and reports are in (zh_Hans, zh_Hant, en); None: the
    # install's default language (BABEL_DEFAULT_LOCALE), as every site spoke before it had its own.
    language: Mapped[str | None] = mapped_column(String(8))
    # An archived site keeps its history but takes no new inspections.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"
