"""Which checklists apply where, and their current published versions."""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from patrol.database import utcnow
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
        .join(latest, and_(latest.c.checklist_id == ChecklistVersion.checklist_id,
                           latest.c.number == ChecklistVersion.number))
        .where(
            ChecklistVersion.checklist_id.in_(
                select(ChecklistAssignment.checklist_id).where(_applies_to(location))
            )
        )
        .order_by(ChecklistVersion.name, ChecklistVersion.id)
    )
    return list(db.session.scalars(query))


def version_applies(version: ChecklistVersion, location: Location) -> bool:
    """Whether this published version's checklist is assigned to this location."""
    if version.published_at is None:
        return False
    query = select(ChecklistAssignment.id).where(
        ChecklistAssignment.checklist_id == version.checklist_id, _applies_to(location)
    )
    return db.session.scalar(query.limit(1)) is not None


def items_of(version_id: int) -> list[ChecklistItem]:
    query = select(ChecklistItem).where(ChecklistItem.version_id == version_id)
    return list(db.session.scalars(query.order_by(ChecklistItem.position)))


def publish_checklist(name: str, items: list[dict], *, checklist: Checklist | None = None,
                      now=None) -> ChecklistVersion:
    """A new published version of a checklist (creating the checklist if none is given).

    Earlier versions are left exactly as they were, so past inspections keep showing
    the questions they answered. The caller commits.
    """
    if checklist is None:
        checklist = Checklist(name=name)
        db.session.add(checklist)
        db.session.flush()
    else:
        checklist.name = name
    number = (db.session.scalar(
        select(db.func.max(ChecklistVersion.number)).where(ChecklistVersion.checklist_id == checklist.id)
    ) or 0) + 1
    version = ChecklistVersion(checklist=checklist, number=number, name=name,
                               published_at=now or utcnow())
    db.session.add(version)
    for position, fields in enumerate(items, start=1):
        db.session.add(ChecklistItem(version=version, position=position, **fields))
    db.session.flush()
    return version


def assign_checklist(checklist: Checklist, *, location_kind: str | None = None,
                     site_id: int | None = None, location_id: int | None = None) -> ChecklistAssignment:
    assignment = ChecklistAssignment(checklist=checklist, location_kind=location_kind,
                                     site_id=site_id, location_id=location_id)
    db.session.add(assignment)
    return assignment
