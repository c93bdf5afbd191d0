"""Submitted inspections: today's list, and one inspection with everything its page shows."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, Inspection, Location


def start_of_day(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    local = (now or utcnow()).astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)


def inspections_since(
    site_ids: set[int], since: datetime, *, inspector_id: int | None = None, limit: int = 50
) -> list[Inspection]:
    query = (
        select(Inspection)
        .join(Location, Inspection.location_id == Location.id)
        .where(Location.site_id.in_(site_ids), Inspection.status == "submitted", Inspection.submitted_at >= since)
        .options(
            joinedload(Inspection.location).joinedload(Location.site),
            joinedload(Inspection.inspector),
            joinedload(Inspection.checklist_version),
        )
        .order_by(Inspection.submitted_at.desc())
        .limit(limit)
    )
    if inspector_id is not None:
        query = query.where(Inspection.inspector_id == inspector_id)
    return list(db.session.scalars(query))


def finding_counts(inspection_ids: list[int]) -> dict[int, int]:
    if not inspection_ids:
        return {}
    query = (
        select(Answer.inspection_id, func.count())
        .where(Answer.inspection_id.in_(inspection_ids), Answer.is_finding.is_(True))
        .group_by(Answer.inspection_id)
    )
    return dict(db.session.execute(query).all())


def answers_by_item(inspection: Inspection) -> dict[int, Answer]:
    """The inspection's answers by item id, with their photos, in two queries."""
    query = select(Answer).where(Answer.inspection_id == inspection.id).options(selectinload(Answer.photos))
    return {answer.item_id: answer for answer in db.session.scalars(query)}
