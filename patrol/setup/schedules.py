"""Patrol schedules (巡检计划): listing, checking and saving them, stopping and restarting.

How a schedule reads (its recurrence, locations, who is responsible) is worded in patrol.presenters.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from patrol.access import PERMISSIONS
from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Checklist, ChecklistVersion, Location, Schedule, Site, User, user_sites
from patrol.models.schedule import RECURRENCES
from patrol.outcome import Outcome
from patrol.paging import Page, offset_page
from patrol.rounds.changes import schedule_changed
from patrol.setup.audit import record
from patrol.setup.locations import locations_on
from patrol.setup.search import contains
from patrol.validation import Checker, whole_numbers
from patrol.vocabulary import LOCATION_KINDS

# A schedule can fall to anyone in these roles on its site (administrators do not patrol).
RESPONSIBLE_ROLES = ("butler", "steward", "supervisor")
PICKER_LIMIT = 300
# A missed round may be made up (补检) at most this long after its grace (patrol.rounds.counting relies on it).
MAX_MAKEUP_HOURS = 48

# What a new schedule's form starts with.
NEW_SCHEDULE_VALUES = {
    "scope": "kind",
    "location_kind": "floor",
    "locations": [],
    "recurrence": "daily",
    "every_hours": "2",
    "start_time": "09:00",
    "end_time": "18:00",
    "weekdays": [],
    "window_minutes": "60",
    "grace_minutes": "15",
    "makeup_hours": "0",
    "responsible_by": "role",
    "responsible_role": "butler",
}


def _listed(site_ids: set[int], site_id: int | None, search: str):
    query = select(Schedule).where(Schedule.site_id.in_(site_ids))
    if site_id is not None:
        query = query.where(Schedule.site_id == site_id)
    if search.strip():
        query = query.where(contains(Schedule.name, search.strip()))
    return query


def list_schedules(
    site_ids: set[int], *, site_id: int | None = None, search: str = "", number: int = 1, size: int = 30
) -> Page[Schedule]:
    """A page of schedules, by site and name."""
    query = (
        _listed(site_ids, site_id, search)
        .options(
            joinedload(Schedule.site),
            joinedload(Schedule.checklist),
            joinedload(Schedule.responsible_user),
            selectinload(Schedule.locations),
        )
        .order_by(Schedule.site_id, Schedule.name, Schedule.id)
    )
    return offset_page(query, number=number, size=size)


def published_checklists() -> list[Checklist]:
    """Checklists with at least one published version: the only ones a round can be done with."""
    published = select(ChecklistVersion.checklist_id).where(ChecklistVersion.published_at.is_not(None))
    query = select(Checklist).where(Checklist.id.in_(published)).order_by(Checklist.name, Checklist.id)
    return list(db.session.scalars(query))


def people_on(site_id: int | None) -> list[User]:
    """Active people given this site, who may be made responsible for its schedules."""
    if site_id is None:
        return []
    query = (
        select(User)
        .join(user_sites, user_sites.c.user_id == User.id)
        # Night security is never responsible for a round.
        .where(user_sites.c.site_id == site_id, User.active.is_(True), User.role.in_(PERMISSIONS["inspect"]))
        .order_by(User.display_name, User.id)
    )
    return list(db.session.scalars(query))


def pickable_locations(site_id: int | None, search: str = "", keep: list[int] | None = None) -> list[Location]:
    """The site's active locations matching the search, plus those already picked (so none is lost)."""
    if site_id is None:
        return []
    found = locations_on({site_id}, site_id=site_id, search=search, limit=PICKER_LIMIT)
    if keep:
        shown = {loc.id for loc in found}
        found += [loc for loc in locations_on({site_id}, ids=keep) if loc.id not in shown]
    return found


def schedule_values(schedule: Schedule) -> dict:
    """A schedule as the raw strings its edit form starts with."""
    return {
        "site": str(schedule.site_id),
        "name": schedule.name,
        "checklist": str(schedule.checklist_id),
        "scope": "kind" if schedule.location_kind else "picked",
        "location_kind": schedule.location_kind or "",
        "locations": [str(loc.id) for loc in schedule.locations],
        "recurrence": schedule.recurrence,
        "every_hours": str(schedule.every_hours or ""),
        "start_time": _hhmm(schedule.start_time),
        "end_time": _hhmm(schedule.end_time) or "",
        "weekdays": [str(day) for day in schedule.weekdays or []],
        "window_minutes": str(schedule.window_minutes),
        "grace_minutes": str(schedule.grace_minutes),
        "makeup_hours": str(schedule.makeup_hours or 0),
        "responsible_by": "person" if schedule.responsible_user_id else "role",
        "responsible_user": str(schedule.responsible_user_id or ""),
        "responsible_role": schedule.responsible_role or "",
    }


def save_schedule(
    raw, *, actor: User | None, site_ids: set[int], schedule: Schedule | None = None, now: datetime | None = None
) -> Outcome[Schedule]:
    """Create a schedule (or change `schedule`) from raw form values; lists come as lists of strings.

    A change to its rounds takes effect from `now` (a new version: patrol.rounds): rounds already due stay as they were.
    """
    check = Checker(raw)
    site = _checked_site(check, site_ids, schedule)
    fields = {"name": check.text("name", required=True, max_length=120), "checklist": _checked_checklist(check)}
    fields.update(_checked_scope(check, raw, site))
    fields.update(_checked_timing(check, raw))
    fields["window_minutes"] = check.integer("window_minutes", minimum=5, maximum=1440)
    fields["grace_minutes"] = check.integer("grace_minutes", minimum=0, maximum=720)
    fields["makeup_hours"] = check.integer("makeup_hours", minimum=0, maximum=MAX_MAKEUP_HOURS, required=False) or 0
    fields.update(_checked_responsible(check, site))
    if not check.ok:
        return Outcome.fail(check.errors)
    now = now or utcnow()
    before = _snapshot(schedule) if schedule is not None else None
    if schedule is None:
        schedule = Schedule(active=True, created_at=now)
        db.session.add(schedule)
    schedule.site = site
    for key, value in fields.items():
        setattr(schedule, key, value)
    db.session.flush()
    if before is None:
        record(actor, "schedule.created", schedule, recurrence=schedule.recurrence, checklist=schedule.checklist.name)
    else:
        after = _snapshot(schedule)
        changes = {key: {"from": before[key], "to": after[key]} for key in after if before[key] != after[key]}
        if changes:
            record(actor, "schedule.updated", schedule, **changes)
    schedule_changed(schedule, actor, now)
    db.session.commit()
    return Outcome(schedule)


def stop_schedule(schedule: Schedule, actor: User | None, now: datetime | None = None) -> Schedule:
    """No more rounds fall due; the schedule and its history stay. Stopping twice changes nothing.

    Its rounds due after `now` are cancelled (kept, saying who stopped it); those already due stay.
    """
    if schedule.active:
        schedule.active = False
        record(actor, "schedule.deactivated", schedule)
        schedule_changed(schedule, actor, now or utcnow())
        db.session.commit()
    return schedule


def restart_schedule(schedule: Schedule, actor: User | None, now: datetime | None = None) -> Schedule:
    """Its rounds fall due again from `now`."""
    if not schedule.active:
        schedule.active = True
        record(actor, "schedule.reactivated", schedule)
        schedule_changed(schedule, actor, now or utcnow())
        db.session.commit()
    return schedule


def _checked_site(check: Checker, site_ids: set[int], schedule: Schedule | None) -> Site | None:
    chosen = check.choice("site", [str(site_id) for site_id in site_ids])
    if chosen is None:
        return None
    site = db.session.get(Site, int(chosen))
    # An archived site takes nothing new, but its existing schedules can still be edited.
    if site.archived and (schedule is None or schedule.site_id != site.id):
        check.fail("site", _l("This site is archived. Choose another."))
        return None
    return site


def _checked_checklist(check: Checker) -> Checklist | None:
    checklists = {str(checklist.id): checklist for checklist in published_checklists()}
    chosen = check.choice("checklist", checklists)
    return checklists.get(chosen) if chosen else None


def _as_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(part).strip() for part in value if str(part).strip()]
    return [value.strip()] if isinstance(value, str) and value.strip() else []


def _checked_scope(check: Checker, raw, site: Site | None) -> dict:
    scope = check.choice("scope", ("kind", "picked"))
    if scope == "kind":
        return {"location_kind": check.choice("location_kind", LOCATION_KINDS), "locations": []}
    if scope != "picked":
        return {}
    wanted = _as_list(raw.get("locations"))
    if not wanted:
        check.fail("locations", _l("Pick at least one location."))
        return {}
    ids = whole_numbers(wanted)
    if len(ids) != len(wanted) or site is None:
        check.fail("locations", _l("Pick active locations on this site only."))
        return {}
    ids = set(ids)
    found = list(
        db.session.scalars(
            select(Location).where(Location.id.in_(ids), Location.site_id == site.id, Location.active.is_(True))
        )
    )
    if len(found) != len(ids):
        check.fail("locations", _l("Pick active locations on this site only."))
    return {"location_kind": None, "locations": found}


def _checked_timing(check: Checker, raw) -> dict:
    recurrence = check.choice("recurrence", RECURRENCES)
    start = check.time("start_time")
    timing = {"recurrence": recurrence, "start_time": start, "every_hours": None, "end_time": None, "weekdays": []}
    if recurrence == "hourly":
        timing["every_hours"] = check.integer("every_hours", minimum=1, maximum=12)
        timing["end_time"] = end = check.time("end_time")
        # An end earlier than the start runs through the night (22:00 to 06:00 the next morning).
        if start is not None and end is not None and end == start:
            check.fail("end_time", _l("End at another time than the start."))
    elif recurrence == "weekly":
        days = _as_list(raw.get("weekdays"))
        if not days:
            check.fail("weekdays", _l("Choose at least one day."))
        elif not all(day in {"0", "1", "2", "3", "4", "5", "6"} for day in days):
            check.fail("weekdays", _l("Choose one of the options."))
        else:
            timing["weekdays"] = sorted({int(day) for day in days})
    return timing


def _checked_responsible(check: Checker, site: Site | None) -> dict:
    by = check.choice("responsible_by", ("person", "role"))
    if by == "role":
        return {"responsible_user": None, "responsible_role": check.choice("responsible_role", RESPONSIBLE_ROLES)}
    if by != "person":
        return {}
    people = {str(person.id): person for person in people_on(site.id if site else None)}
    chosen = str(check.raw.get("responsible_user") or "").strip()
    if chosen not in people:
        check.fail("responsible_user", _l("Choose someone who is given this site."))
        return {}
    return {"responsible_user": people[chosen], "responsible_role": None}


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _snapshot(schedule: Schedule) -> dict:
    """What an administrator can change, as plain values, to tell the audit log what changed."""
    return {
        "site": schedule.site.name,
        "name": schedule.name,
        "checklist": schedule.checklist.name,
        "location_kind": schedule.location_kind,
        "locations": None if schedule.location_kind else sorted(loc.name for loc in schedule.locations),
        "recurrence": schedule.recurrence,
        "every_hours": schedule.every_hours,
        "start_time": _hhmm(schedule.start_time),
        "end_time": _hhmm(schedule.end_time),
        "weekdays": sorted(schedule.weekdays or []) or None,
        "window_minutes": schedule.window_minutes,
        "grace_minutes": schedule.grace_minutes,
        "makeup_hours": schedule.makeup_hours or 0,
        "responsible": schedule.responsible_user.username if schedule.responsible_user else None,
        "responsible_role": schedule.responsible_role,
    }
