"""One signed-in device: what a session or remember-me cookie names, so it can be ended on its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db


class Login(db.Model):
    __tablename__ = "logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random token the cookies carry: a copy of this table signs nobody in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Past this the cookies stop working, however long the browser keeps them.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
