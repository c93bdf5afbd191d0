"""A model room's asset register, its counts, its loss cases and its handovers (样板间).

- An Asset is one item on loan to a room, the same item across every version of the register.
- The register is versioned like a checklist: a RegisterVersion is never edited, each change makes the
  next one (its lines copied, one changed) and a RegisterEvent saying what changed, why and who approved.
- A count is an Inspection whose checklist has an "inventory" item: it is pinned to the register version
  its page was built from (Inspection.register_version_id), so an edit made meanwhile applies from the
  next count. A CountLine is what was counted of one line; a line with no CountLine was skipped, and
  the count is not complete for it.
- A LossCase is one missing or damaged item: opened by the first count that finds the line short, its
  interval running from the last count that found it complete; later short counts are LossSightings.
- A Handover passes a room between a steward and night security; it is a custody signature.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db
from patrol.models.inspection import Inspection
from patrol.models.location import Location
from patrol.models.photo import Photo
from patrol.models.task import Task
from patrol.models.user import User

# created | imported | added | edited | arrival | removal | write_off | retired
REGISTER_EVENT_KINDS = ("created", "imported", "added", "edited", "arrival", "removal", "write_off", "retired")
# A change to an expected quantity needs a reason and an approver (物品放行, an arrival, a write-off).
QUANTITY_CHANGES = ("arrival", "removal", "write_off")
CASE_KINDS = ("missing", "damaged")
CASE_OUTCOMES = ("found", "damaged", "written_off")
OPEN_CASE_WHERE = text("status = 'open'")


class Asset(db.Model):
    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship()


class RegisterVersion(db.Model):
    """The register of one room as it stood from `created_at` until the next version."""

    __tablename__ = "register_versions"
    __table_args__ = (UniqueConstraint("location_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    number: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship()
    lines: Mapped[list[RegisterLine]] = relationship(back_populates="version", order_by="RegisterLine.position")


class RegisterLine(db.Model):
    __tablename__ = "register_lines"
    __table_args__ = (UniqueConstraint("version_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("register_versions.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    position: Mapped[int]
    # 大堂 / 客厅 / 主卧 …: the count goes zone by zone.
    zone: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(12), default="")
    expected: Mapped[int]
    # What one of it is worth (元), for the loss record.
    unit_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # How it should be placed (擺放如初).
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))

    version: Mapped[RegisterVersion] = relationship(back_populates="lines")
    asset: Mapped[Asset] = relationship()
    photo: Mapped[Photo | None] = relationship()


class RegisterEvent(db.Model):
    """One change to a room's register, in its history: never edited or deleted."""

    __tablename__ = "register_events"
    __table_args__ = (Index("ix_register_events_location", "location_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    # The version this change made.
    version_id: Mapped[int] = mapped_column(ForeignKey("register_versions.id"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    kind: Mapped[str] = mapped_column(String(12))
    quantity_before: Mapped[int | None]
    quantity_after: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    # Who approved a change of expected quantity (a removal's 物品放行, an arrival, a write-off).
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A write-off that closed a loss case.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("loss_cases.id"))
    # The id the change's form was given when it was shown: the same form sent twice is one change.
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[RegisterVersion] = relationship()
    asset: Mapped[Asset | None] = relationship()
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class CountLine(db.Model):
    """What one count found of one register line; only the lines counted have one."""

    __tablename__ = "count_lines"
    __table_args__ = (
        UniqueConstraint("inspection_id", "asset_id"),
        # A room's history of one item: its counts newest first.
        Index("ix_count_lines_asset", "asset_id", "inspection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    counted: Mapped[int]
    # Of those counted, how many are damaged.
    damaged: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    # The phone's sequence number of the change stored here (as Answer.seq): a late replay never wins.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    # When it was counted, on the phone's clock.
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inspection: Mapped[Inspection] = relationship()
    asset: Mapped[Asset] = relationship()


class LossCase(db.Model):
    """One missing or damaged item of one room, from the first short count until it is reconciled."""

    __tablename__ = "loss_cases"
    __table_args__ = (
        # One open case per item and kind: later short counts are sightings of it.
        Index(
            "uq_loss_cases_open",
            "asset_id",
            "kind",
            unique=True,
            postgresql_where=OPEN_CASE_WHERE,
            sqlite_where=OPEN_CASE_WHERE,
        ),
        Index("ix_loss_cases_location", "location_id", "status", "id"),
        Index("ix_loss_cases_site", "site_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    kind: Mapped[str] = mapped_column(String(10))  # missing | damaged
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(12))  # found | damaged | written_off
    # At the first short count: what the register expected, and how many were missing (or damaged).
    expected: Mapped[int]
    quantity: Mapped[int]
    # The interval: the last count that found the line complete (None: never since it was registered)…
    last_complete_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    # … and the first that found it short.
    first_short_inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    # A later full count proposes "found"; a person confirms it.
    found_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_note: Mapped[str] = mapped_column(Text, default="")
    # The loss/damage record (资产丢失损坏备案表).
    cause: Mapped[str | None] = mapped_column(String(10))  # human | non_human
    management_at_fault: Mapped[bool | None]
    responsible_party: Mapped[str] = mapped_column(String(120), default="")
    compensation: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    record_note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two people closing or recording at once: the second one's form names a version that moved on.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    location: Mapped[Location] = relationship()
    asset: Mapped[Asset] = relationship()
    task: Mapped[Task | None] = relationship()
    last_complete: Mapped[Inspection | None] = relationship(foreign_keys=[last_complete_inspection_id])
    first_short: Mapped[Inspection] = relationship(foreign_keys=[first_short_inspection_id])
    found_by: Mapped[Inspection | None] = relationship(foreign_keys=[found_inspection_id])
    sightings: Mapped[list[LossSighting]] = relationship(back_populates="case", order_by="LossSighting.id")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class LossSighting(db.Model):
    """A count that found the item still short (the first short count is one too)."""

    __tablename__ = "loss_sightings"
    __table_args__ = (UniqueConstraint("case_id", "inspection_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("loss_cases.id"))
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    counted: Mapped[int]
    damaged: Mapped[int] = mapped_column(default=0)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[LossCase] = relationship(back_populates="sightings")
    inspection: Mapped[Inspection] = relationship()


class Handover(db.Model):
    """A room passed from one person to another: to night security at closing, back at opening."""

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_location_at", "location_id", "handed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the phone: a retried confirmation is the same handover.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    kind: Mapped[str] = mapped_column(String(10))  # to_night (closing) | to_day (opening)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # When it happened, on the phone's clock.
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remarks: Mapped[str] = mapped_column(Text, default="")
    # How the receiving person confirmed: their own account, or their PIN on the steward's phone.
    confirmed_by: Mapped[str] = mapped_column(String(8))  # account | pin
    # The opening or closing count it went with.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship()
    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])
