"""When an item went missing and who held the room then: a case's interval and its custodians.

Everything is placed by the phone's time (Inspection.submitted_at, Handover.handed_at), never by when
the server heard of it: a count that reaches the server late from a phone's outbox still falls where
it was made. A line is complete at a count when it was counted at full quantity of the register
version that count was pinned to, none of it damaged; a line the count skipped is not complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import Asset, CountLine, Handover, Inspection, LossCase, RegisterLine, User

# A case never complete since its item was registered may span weeks: its custodians are listed, not paged.
MAX_SIGNATURES = 300


def _complete_counts(location_id: int, asset_id: int) -> Select:
    """The submitted counts of this room that found this item complete at full quantity."""
    return (
        select(Inspection)
        .join(CountLine, CountLine.inspection_id == Inspection.id)
        .join(
            RegisterLine,
            and_(
                RegisterLine.version_id == Inspection.register_version_id,
                RegisterLine.asset_id == CountLine.asset_id,
            ),
        )
        .where(
            Inspection.location_id == location_id,
            Inspection.status == "submitted",
            CountLine.asset_id == asset_id,
            CountLine.counted >= RegisterLine.expected,
            CountLine.damaged == 0,
        )
    )


def last_complete_before(location_id: int, asset_id: int, at: datetime) -> Inspection | None:
    """The latest count before `at` (phone time) that found the item complete; None if none ever did."""
    query = _complete_counts(location_id, asset_id).where(Inspection.submitted_at < at)
    return db.session.scalar(query.order_by(Inspection.submitted_at.desc(), Inspection.id.desc()).limit(1))


def first_complete_after(location_id: int, asset_id: int, at: datetime) -> Inspection | None:
    """The earliest count after `at` (phone time) that found the item complete again (it may have come in first)."""
    query = _complete_counts(location_id, asset_id).where(Inspection.submitted_at > at)
    return db.session.scalar(query.order_by(Inspection.submitted_at, Inspection.id).limit(1))


def interval_start(case: LossCase) -> datetime:
    """Where the case's interval starts: its last complete count, or when the item was registered."""
    if case.last_complete is not None:
        return case.last_complete.submitted_at
    return db.session.get(Asset, case.asset_id).created_at


@dataclass(frozen=True)
class Signature:
    at: datetime
    kind: str  # count | handed_over | took_over
    inspection: Inspection | None = None
    handover: Handover | None = None


@dataclass
class Custodian:
    """One person who held the room in the interval, and what they signed there, in time order."""

    user: User
    signatures: list[Signature] = field(default_factory=list)


def custodians(case: LossCase) -> list[Custodian]:
    """The people who signed the room's counts and handovers from the last complete count to the first
    short one (both included), each once, in the order they first signed."""
    start, end = interval_start(case), case.first_short.submitted_at
    signatures: list[tuple[User, Signature]] = []
    for count in _counts_between(case.location_id, start, end):
        signatures.append((count.inspector, Signature(count.submitted_at, "count", inspection=count)))
    for handover in _handovers_between(case.location_id, start, end):
        signatures.append((handover.from_user, Signature(handover.handed_at, "handed_over", handover=handover)))
        signatures.append((handover.to_user, Signature(handover.handed_at, "took_over", handover=handover)))
    people: dict[int, Custodian] = {}
    for user, signature in sorted(signatures, key=lambda pair: pair[1].at):
        people.setdefault(user.id, Custodian(user)).signatures.append(signature)
    return list(people.values())


def _counts_between(location_id: int, start: datetime, end: datetime) -> list[Inspection]:
    return list(
        db.session.scalars(
            select(Inspection)
            .options(joinedload(Inspection.inspector), joinedload(Inspection.checklist_version))
            .where(
                Inspection.location_id == location_id,
                Inspection.status == "submitted",
                Inspection.register_version_id.is_not(None),
                Inspection.submitted_at >= start,
                Inspection.submitted_at <= end,
            )
            .order_by(Inspection.submitted_at, Inspection.id)
            .limit(MAX_SIGNATURES)
        )
    )


def _handovers_between(location_id: int, start: datetime, end: datetime) -> list[Handover]:
    return list(
        db.session.scalars(
            select(Handover)
            .options(joinedload(Handover.from_user), joinedload(Handover.to_user))
            .where(Handover.location_id == location_id, Handover.handed_at >= start, Handover.handed_at <= end)
            .order_by(Handover.handed_at, Handover.id)
            .limit(MAX_SIGNATURES)
        )
    )
