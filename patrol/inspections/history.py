"""Submitted inspections: their findings counted, and one inspection with everything its page shows
(the history list is listing.py)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from patrol.extensions import db
from patrol.models import Answer, Inspection


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
