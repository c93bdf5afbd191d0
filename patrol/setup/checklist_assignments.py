"""Where checklists apply, and how the setup pages list them: assignments, rows, version history.

An assignment is a location kind (on all sites or on one) or one location; a person is only
shown the assignments on the sites they may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Checklist, ChecklistAssignment, ChecklistItem, ChecklistVersion, Location, Site, User
from patrol.outcome import Outcome
from patrol.paging import Page, offset_page
from patrol.setup.audit import record
from patrol.setup.checklists import assign_checklist
from patrol.setup.locations import reading_order
from patrol.setup.search import contains
from patrol.validation import Checker, whole_numbers
from patrol.vocabulary import LOCATION_KINDS

PICK_LIMIT = 200


@dataclass(frozen=True)
class Placement:
    """One assignment with what its label needs."""

    id: int
    kind: str | None
    site: Site | None
    location: Location | None


@dataclass
class ChecklistRow:
    checklist: Checklist
    published: ChecklistVersion | None = None
    has_draft: bool = False
    placements: list[Placement] = field(default_factory=list)


def placements_of(checklist_ids: list[int], site_ids: set[int]) -> dict[int, list[Placement]]:
    """The assignments of these checklists that these sites' people may see, by checklist id."""
    query = (
        select(ChecklistAssignment, Site, Location)
        .outerjoin(Location, ChecklistAssignment.location_id == Location.id)
        .outerjoin(Site, Site.id == func.coalesce(Location.site_id, ChecklistAssignment.site_id))
        .where(ChecklistAssignment.checklist_id.in_(checklist_ids))
        .order_by(
            ChecklistAssignment.location_id.is_not(None),
            ChecklistAssignment.location_kind,
            Site.name,
            Location.name,
            ChecklistAssignment.id,
        )
    )
    found: dict[int, list[Placement]] = {}
    for assignment, site, location in db.session.execute(query):
        if site is not None and site.id not in site_ids:
            continue
        found.setdefault(assignment.checklist_id, []).append(
            Placement(assignment.id, assignment.location_kind, site, location)
        )
    return found


def checklist_rows(search: str, site_ids: set[int], *, number: int = 1, size: int = 30) -> Page[ChecklistRow]:
    """A page of checklists by name, with their latest published version, draft and assignments."""
    query = select(Checklist)
    if search:
        query = query.where(Checklist.name.icontains(search, autoescape=True))
    page = offset_page(query.order_by(Checklist.name, Checklist.id), number=number, size=size)
    rows = {checklist.id: ChecklistRow(checklist) for checklist in page}
    versions = (
        select(ChecklistVersion).where(ChecklistVersion.checklist_id.in_(list(rows))).order_by(ChecklistVersion.number)
    )
    for version in db.session.scalars(versions):
        row = rows[version.checklist_id]
        if version.published_at is None:
            row.has_draft = True
        else:
            row.published = version
    for checklist_id, placements in placements_of(list(rows), site_ids).items():
        rows[checklist_id].placements = placements
    return page.map(lambda checklist: rows[checklist.id])


def version_history(checklist: Checklist) -> list[tuple[ChecklistVersion, int]]:
    """The published versions, newest first, with how many items each has."""
    query = (
        select(ChecklistVersion, func.count(ChecklistItem.id))
        .outerjoin(ChecklistItem, ChecklistItem.version_id == ChecklistVersion.id)
        .where(ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.published_at.is_not(None))
        .group_by(ChecklistVersion.id)
        .order_by(ChecklistVersion.number.desc())
    )
    return [(version, count) for version, count in db.session.execute(query)]


def published_version(checklist: Checklist, number: int) -> ChecklistVersion | None:
    query = select(ChecklistVersion).where(
        ChecklistVersion.checklist_id == checklist.id,
        ChecklistVersion.number == number,
        ChecklistVersion.published_at.is_not(None),
    )
    return db.session.scalar(query)


def pickable_locations(checklist: Checklist, site_id: int, search: str = "") -> list[tuple[Location, bool]]:
    """The active locations of one site matching the search, each with whether it is already assigned."""
    query = select(Location).where(Location.site_id == site_id, Location.active.is_(True))
    if search:
        columns = (Location.name, Location.building, Location.unit)
        query = query.where(
            or_(*(contains(column, search) for column in columns), Location.short_code == search.upper())
        )
    found = db.session.scalars(query.order_by(Location.building, Location.floor, Location.name).limit(PICK_LIMIT))
    locations = sorted(found, key=reading_order)
    assigned = set(
        db.session.scalars(
            select(ChecklistAssignment.location_id).where(
                ChecklistAssignment.checklist_id == checklist.id,
                ChecklistAssignment.location_id.in_([location.id for location in locations]),
            )
        )
    )
    return [(location, location.id in assigned) for location in locations]


def assign_to_kind(actor: User, checklist: Checklist, raw, site_ids: set[int]) -> Outcome[ChecklistAssignment]:
    """Apply the checklist to every location of a kind, on all sites or on one of `site_ids`."""
    check = Checker(raw)
    kind = check.choice("location_kind", LOCATION_KINDS)
    site_id = check.integer("site", required=False)
    if site_id is not None and site_id not in site_ids:
        check.fail("site", _l("Choose one of the options."))
    if check.ok and db.session.scalar(
        select(ChecklistAssignment.id).where(
            ChecklistAssignment.checklist_id == checklist.id,
            ChecklistAssignment.location_kind == kind,
            ChecklistAssignment.location_id.is_(None),
            ChecklistAssignment.site_id.is_(None) if site_id is None else ChecklistAssignment.site_id == site_id,
        )
    ):
        check.fail("location_kind", _l("It already applies there."))
    if not check.ok:
        return Outcome.fail(check.errors)
    assignment = assign_checklist(checklist, location_kind=kind, site_id=site_id)
    record(actor, "checklist.assigned", checklist, site_id=site_id, kind=kind, all_sites=site_id is None)
    db.session.commit()
    return Outcome(assignment)


def assign_to_locations(
    actor: User, checklist: Checklist, raw_ids: list[str], site_ids: set[int]
) -> Outcome[list[ChecklistAssignment]]:
    """Apply the checklist to each chosen location (those it already applies to are left as they are)."""
    ids = set(whole_numbers(raw_ids))
    locations = list(db.session.scalars(select(Location).where(Location.id.in_(ids), Location.site_id.in_(site_ids))))
    if not locations:
        return Outcome.fail({"location": _l("Choose at least one location.")})
    already = set(
        db.session.scalars(
            select(ChecklistAssignment.location_id).where(
                ChecklistAssignment.checklist_id == checklist.id, ChecklistAssignment.location_id.in_(ids)
            )
        )
    )
    added = []
    for location in locations:
        if location.id not in already:
            added.append(assign_checklist(checklist, location_id=location.id))
            record(
                actor,
                "checklist.assigned",
                checklist,
                site_id=location.site_id,
                location_id=location.id,
                location=location.name,
            )
    db.session.commit()
    return Outcome(added)


def unassign(actor: User, checklist: Checklist, assignment_id: int, site_ids: set[int]) -> Outcome[Checklist]:
    assignment = db.session.get(ChecklistAssignment, assignment_id)
    if assignment is None or assignment.checklist_id != checklist.id:
        return Outcome.fail({"form": _l("This assignment no longer exists.")}, 404)
    location = db.session.get(Location, assignment.location_id) if assignment.location_id else None
    site_id = location.site_id if location else assignment.site_id
    if site_id is not None and site_id not in site_ids:
        return Outcome.fail({"form": _l("This assignment no longer exists.")}, 404)
    record(
        actor,
        "checklist.unassigned",
        checklist,
        site_id=site_id,
        kind=assignment.location_kind,
        location_id=assignment.location_id,
        location=location.name if location else None,
    )
    db.session.delete(assignment)
    db.session.commit()
    return Outcome(checklist)
