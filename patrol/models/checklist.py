"""Checklists, their immutable published versions, items, and where they apply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db


class Checklist(db.Model):
    __tablename__ = "checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The shortest believable visit, scan to submit (a setting, not part of a version): a quicker
    # submit is flagged (patrol.inspections.presence), never refused. None: no minimum.
    min_seconds: Mapped[int | None]

    versions: Mapped[list[ChecklistVersion]] = relationship(
        back_populates="checklist", order_by="ChecklistVersion.number"
    )
    assignments: Mapped[list[ChecklistAssignment]] = relationship(back_populates="checklist")

    def __repr__(self) -> str:
        return f"<Checklist {self.id} {self.name}>"


class ChecklistVersion(db.Model):
    """A published version is never edited: inspections point at it forever."""

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("checklist_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    checklist: Mapped[Checklist] = relationship(back_populates="versions")
    items: Mapped[list[ChecklistItem]] = relationship(back_populates="version", order_by="ChecklistItem.position")


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"), index=True)
    position: Mapped[int]
    prompt: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(default=True)
    help_text: Mapped[str] = mapped_column(Text, default="")
    # rating: a score below the threshold is a finding
    threshold: Mapped[int | None]
    # count: fewer than expected is a finding
    expected: Mapped[int | None]
    # number: outside [min_value, max_value] is a finding
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(20), default="")
    # choice: the options, and which of them are findings
    choices: Mapped[list] = mapped_column(JSON, default=list)
    failing_choices: Mapped[list] = mapped_column(JSON, default=list)
    default_severity: Mapped[str] = mapped_column(String(10), default="medium")
    photo_required_on_fail: Mapped[bool] = mapped_column(default=False)

    version: Mapped[ChecklistVersion] = relationship(back_populates="items")


class ChecklistAssignment(db.Model):
    """Where a checklist applies: one location, or every location of a kind (on one site or all)."""

    __tablename__ = "checklist_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"), index=True)
    location_kind: Mapped[str | None] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))

    checklist: Mapped[Checklist] = relationship(back_populates="assignments")
