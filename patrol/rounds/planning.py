"""Writing the expected visits ahead: every round of every schedule at every location it covers.

An expected visit is one (schedule version, round, location): the version in force when the round
falls due, and each location it covers that was in use before then (a room added at 12:30 is expected
from the 13:00 round on). `plan_visits` writes those due from BEHIND ago to AHEAD from now, each once
(the unique slot key; it skips what it wrote before), and is safe to run as often as wanted.
What a change to a schedule, a location or a site does to the rounds already written: patrol.rounds.changes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from patrol.database import insert_ignoring_duplicates
from patrol.extensions import db
from patrol.models import ExpectedVisit, Location, Schedule, ScheduleVersion
from patrol.rounds.versions import Span, spans_between, version_unversioned
from patrol.setup.occurrences import Occurrence, occurrences_of

# Rounds are written a day ahead, so a home page, an offline phone or a worker that stops for a few
# hours finds them already there; an hour back catches a location or schedule that came into use
# between two runs.
AHEAD = timedelta(hours=24)
BEHIND = timedelta(hours=1)
SLOT = ["schedule_version_id", "location_id", "due_at"]
CHUNK = 500  # rows per INSERT: well inside SQLite's limit on bound values


def covers(version: ScheduleVersion, site_id: int, location: Location) -> bool:
    """Whether this version of a schedule on `site_id` expects rounds at the location (in use or not)."""
    if location.site_id != site_id:
        return False
    if version.location_kind:
        return location.kind == version.location_kind
    return location.id in (version.location_ids or [])


def plan_visits(
    now: datetime,
    *,
    ahead: timedelta = AHEAD,
    behind: timedelta = BEHIND,
    schedule_ids: set[int] | None = None,
    site_ids: set[int] | None = None,
) -> int:
    """Write the expected visits due in [now - behind, now + ahead) not written yet; how many. No commit."""
    version_unversioned()
    start, end = now - behind, now + ahead
    if site_ids is not None:
        on_sites = set(db.session.scalars(select(Schedule.id).where(Schedule.site_id.in_(site_ids))))
        schedule_ids = on_sites if schedule_ids is None else schedule_ids & on_sites
    spans = spans_between(start, end, schedule_ids)
    if not spans:
        return 0
    schedules = _schedules({span.version.schedule_id for span in spans})
    locations = locations_in_use({schedule.site_id for schedule in schedules.values()})
    rows = []
    for span in spans:
        schedule = schedules[span.version.schedule_id]
        if span.version.active and not schedule.site.archived:
            rows += _rows_of(span, schedule, locations[schedule.site_id], (start, end), now)
    return _insert_new(rows, set(schedules), start, end)


def _schedules(ids: set[int]) -> dict[int, Schedule]:
    query = select(Schedule).where(Schedule.id.in_(ids)).options(selectinload(Schedule.site))
    return {schedule.id: schedule for schedule in db.session.scalars(query)}


def locations_in_use(site_ids: set[int]) -> dict[int, list[Location]]:
    found: dict[int, list[Location]] = defaultdict(list)
    query = select(Location).where(Location.site_id.in_(site_ids), Location.active.is_(True))
    for location in db.session.scalars(query):
        found[location.site_id].append(location)
    return found


def _rows_of(
    span: Span, schedule: Schedule, locations: list[Location], window: tuple[datetime, datetime], now: datetime
) -> list[dict]:
    clipped = span.clip(*window)
    if clipped is None:
        return []
    version = span.version
    covered = [location for location in locations if covers(version, schedule.site_id, location)]
    return [
        visit_row(version, schedule, occurrence, location, now)
        for occurrence in occurrences_of(version, schedule.site.zone, *clipped, schedule_id=schedule.id)
        for location in covered
        if location.active_since < occurrence.due_at
    ]


def visit_row(
    version: ScheduleVersion, schedule: Schedule, occurrence: Occurrence, location: Location, now: datetime
) -> dict:
    """One expected visit, as inserted: every column given (a multi-row INSERT runs no Python defaults)."""
    return {
        "site_id": schedule.site_id,
        "schedule_id": schedule.id,
        "location_id": location.id,
        "local_day": occurrence.due_at.astimezone(schedule.site.zone).date(),
        "due_at": occurrence.due_at,
        "status": "pending",
        "note": "",
        "created_at": now,
        **terms(version, occurrence),
    }


def terms(version: ScheduleVersion, occurrence: Occurrence) -> dict:
    """What a round takes from the version governing it: re-planning a round sets just these."""
    return {
        "schedule_version_id": version.id,
        "checklist_id": version.checklist_id,
        "window_end": occurrence.window_end,
        "grace_end": occurrence.grace_end,
        "makeup_end": occurrence.grace_end + timedelta(hours=version.makeup_hours) if version.makeup_hours else None,
        "responsible_user_id": version.responsible_user_id,
        "responsible_role": version.responsible_role,
    }


def _insert_new(rows: list[dict], schedule_ids: set[int], start: datetime, end: datetime) -> int:
    """Insert the rows whose slot is not written yet (read first: most runs find every one there)."""
    written = set(
        db.session.execute(
            select(ExpectedVisit.schedule_version_id, ExpectedVisit.location_id, ExpectedVisit.due_at).where(
                ExpectedVisit.schedule_id.in_(schedule_ids), ExpectedVisit.due_at >= start, ExpectedVisit.due_at < end
            )
        )
    )
    new = [row for row in rows if (row["schedule_version_id"], row["location_id"], row["due_at"]) not in written]
    # Another run may have written some meanwhile: the slot key skips them.
    return sum(
        insert_ignoring_duplicates(ExpectedVisit, new[first : first + CHUNK], unique=SLOT)
        for first in range(0, len(new), CHUNK)
    )
