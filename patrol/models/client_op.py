"""What a phone's outbox has already delivered: an operation's id, and the answer it was given.

A phone that lost the answer to a request (a dropped connection, a timeout) sends the same
operation again under the same id; the server looks it up here and answers as it did the first
time, doing nothing twice. Photos are kept here; answers carry their own `seq` and submits their
inspection's `client_id`, which make a repeat harmless without a row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db


class ClientOp(db.Model):
    __tablename__ = "client_ops"

    # Whose operation: ids are scoped to the person who made them, so an id learnt by someone else
    # neither replays the owner's acknowledgement nor blocks the owner's own operation.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # The UUID the phone gave the operation when it was made, not when it was sent.
    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # photo
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    # SHA-256 of the bytes that arrived: the same id with other content is a conflict, not a repeat.
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    # The JSON acknowledgement given the first time, given again to every repeat.
    ack: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
