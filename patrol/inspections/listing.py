"""The history of submitted inspections: the rows a filter asks for, newest first, a page at a time.

Newest first is by the time the round was completed on the phone (`submitted_at`, the device's time
as visit_times settled it), then by id: rounds submitted in the same second keep one order, and a
page continues after its last row (keyset), so page 100 costs what page 1 does. The dates of a
filter are days in each site's own zone. Each page runs the same few queries however many rows it
has: the rows with their location, site, inspector and checklist version, and their findings counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.inspections.filters import InspectionFilter
from patrol.inspections.history import finding_counts
from patrol.models import Answer, ChecklistVersion, Inspection, Location, Site
from patrol.paging import Keyset, Page, count_rows, keyset_page

NEWEST_FIRST = Keyset((Inspection.submitted_at, Inspection.id), descending=True)
RECENT = 5  # rounds a location's or a person's page names


@dataclass(frozen=True)
class Listed:
    """One row of the list: the inspection and how many of its answers were findings."""

    inspection: Inspection
    findings: int


def inspection_query(site_ids: set[int], wanted: InspectionFilter):
    """The submitted inspections on these sites (the reader's: access.site_ids_for) the filter asks for.

    What is asked of the location (its site, its kind, the site's days) is an EXISTS beside the
    inspection, not a join: the rows are then read newest first straight from an inspections index
    (all of them, one location's or one person's), each checked against its location as it comes,
    instead of every inspection of the reader's locations being gathered and sorted.
    """
    if wanted.site_id is not None:
        site_ids = site_ids & {wanted.site_id}
    place = [Location.id == Inspection.location_id, Location.site_id.in_(site_ids)]
    query = select(Inspection).where(Inspection.status == "submitted")
    if wanted.location_id is not None:
        query = query.where(Inspection.location_id == wanted.location_id)
    if wanted.kind is not None:
        place.append(Location.kind == wanted.kind)
    if wanted.inspector_id is not None:
        query = query.where(Inspection.inspector_id == wanted.inspector_id)
    if wanted.checklist_id is not None:
        versions = select(ChecklistVersion.id).where(ChecklistVersion.checklist_id == wanted.checklist_id)
        query = query.where(Inspection.checklist_version_id.in_(versions))
    if wanted.findings:
        found = select(Answer.id).where(Answer.inspection_id == Inspection.id, Answer.is_finding.is_(True))
        query = query.where(exists(found))
    if wanted.day_from or wanted.day_to:
        within, outer = _within_days(site_ids, wanted.day_from, wanted.day_to)
        place.append(within)
        query = query.where(*outer)
    return query.where(exists(select(Location.id).where(*place)))


def _within_days(site_ids: set[int], first: date | None, last: date | None) -> tuple:
    """Completed within these local days, each site in its own zone (sites sharing a zone: one term);
    and the widest of those bounds, for the inspections index to start and stop at."""
    zones = db.session.execute(select(Site.timezone, Site.id).where(Site.id.in_(site_ids)).order_by(Site.timezone))
    terms, starts, ends = [], [], []
    for zone, rows in groupby(zones, key=lambda row: row.timezone):
        after, before = local_day_bounds(ZoneInfo(zone), first, last)
        starts.append(after)
        ends.append(before)
        bounds = [Inspection.submitted_at >= after] if after else []
        bounds += [Inspection.submitted_at < before] if before else []
        terms.append(and_(Location.site_id.in_([row.id for row in rows]), *bounds))
    if not terms:
        return Location.site_id.in_([]), []
    outer = [Inspection.submitted_at >= min(starts)] if first else []
    outer += [Inspection.submitted_at < max(ends)] if last else []
    return or_(*terms), outer


def local_day_bounds(zone: ZoneInfo, first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """From the start of the first day to the end of the last, in `zone`, as UTC times."""

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

    return (start_of(first) if first else None, start_of(last + timedelta(days=1)) if last else None)


def _listed(query):
    return query.options(
        joinedload(Inspection.location).joinedload(Location.site),
        joinedload(Inspection.inspector),
        joinedload(Inspection.checklist_version),
    )


def inspection_page(
    site_ids: set[int],
    wanted: InspectionFilter,
    *,
    number: int = 1,
    size: int = 30,
    after: str | None = None,
    before: str | None = None,
) -> Page[Listed]:
    """A page of the list, newest first; counted only when its dates are few (InspectionFilter.counted)."""
    query = inspection_query(site_ids, wanted)
    total = count_rows(query) if wanted.counted else None
    page = keyset_page(_listed(query), NEWEST_FIRST, number=number, size=size, after=after, before=before, total=total)
    counts = finding_counts([inspection.id for inspection in page.rows])
    return page.map(lambda inspection: Listed(inspection, counts.get(inspection.id, 0)))


def recent_inspections(site_ids: set[int], wanted: InspectionFilter, size: int = RECENT) -> Page[Listed]:
    """The newest few rows of a list (a location's or a person's page), and whether it goes on."""
    return inspection_page(site_ids, wanted, number=1, size=size)
