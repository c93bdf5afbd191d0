"""Which checklists apply where, and their current published versions (patrol.setup.checklist_editor makes them)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from patrol.extensions import db
from patrol.models import Checklist, ChecklistAssignment, ChecklistItem, ChecklistVersion, Location


def _applies_to(location: Location):
    return or_(
        ChecklistAssignment.location_id == location.id,
        and_(
            ChecklistAssignment.location_id.is_(None),
            ChecklistAssignment.location_kind == location.kind,
            or_(ChecklistAssignment.site_id.is_(None), ChecklistAssignment.site_id == location.site_id),
        ),
    )


def current_versions_for(location: Location) -> list[ChecklistVersion]:
    """The latest published version of every checklist that applies here, by name (one query)."""
    latest = (
        select(ChecklistVersion.checklist_id, db.func.max(ChecklistVersion.number).label("number"))
        .where(ChecklistVersion.published_at.is_not(None))
        .group_by(ChecklistVersion.checklist_id)
        .subquery()
    )
    query = (
        select(ChecklistVersion)
        .join(
            latest,
            and_(latest.c.checklist_id == ChecklistVersion.checklist_id, latest.c.number == ChecklistVersion.number),
        )
        .where(ChecklistVersion.checklist_id.in_(select(ChecklistAssignment.checklist_id).where(_applies_to(location))))
        .order_by(ChecklistVersion.name, ChecklistVersion.id)
    )
    return list(db.session.scalars(query))


def version_at(location: Location, version_id: int) -> ChecklistVersion | None:
    """The published version with this id, if its checklist is assigned to this location."""
    version = db.session.get(ChecklistVersion, version_id)
    if version is None or version.published_at is None:
        return None
    query = select(ChecklistAssignment.id).where(
        ChecklistAssignment.checklist_id == version.checklist_id, _applies_to(location)
    )
    return version if db.session.scalar(query.limit(1)) is not None else None


def item_on(version: ChecklistVersion, item_id: int) -> ChecklistItem | None:
    """The item with this id, if it is one of this version's questions."""
    item = db.session.get(ChecklistItem, item_id)
    return item if item is not None and item.version_id == version.id else None


def items_of(version_id: int) -> list[ChecklistItem]:
    query = select(ChecklistItem).where(ChecklistItem.version_id == version_id)
    return list(db.session.scalars(query.order_by(ChecklistItem.position)))


def assign_checklist(
    checklist: Checklist,
    *,
    location_kind: str | None = None,
    site_id: int | None = None,
    location_id: int | None = None,
) -> ChecklistAssignment:
    assignment = ChecklistAssignment(
        checklist=checklist, location_kind=location_kind, site_id=site_id, location_id=location_id
    )
    db.session.add(assignment)
    return assignment
