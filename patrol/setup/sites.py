"""Sites (项目/小区/大厦): listing, creating, changing, archiving and restoring them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import LANGUAGES
from patrol.i18n import lazy_gettext as _l
from patrol.models import Inspection, Location, Site, Task, User
from patrol.models.task import OPEN_STATUSES
from patrol.outcome import Outcome
from patrol.paging import Page, fetch_rows, offset_page
from patrol.rounds.changes import site_archived, site_clock_changed
from patrol.setup.audit import record
from patrol.setup.search import contains
from patrol.validation import Checker

# The zones the form offers first: where Chinese-speaking property teams work. Any other valid
# IANA zone is still accepted (a site set up elsewhere keeps its own).
COMMON_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "UTC",
)

SITE_FILTERS = {
    "active": _l("In use"),
    "archived": _l("Archived"),
    "all": _l("All"),
}

# The fields a site.updated audit entry reports, each as {"from": …, "to": …}.
_TRACKED = ("name", "timezone", "opens_at", "closes_at", "first_response_minutes", "language")
# A finding must be acknowledged or assigned within this many minutes (seed 000: an hour).
FIRST_RESPONSE = (5, 24 * 60, 60)  # lowest, highest, default


@dataclass
class SiteRow:
    site: Site
    active_locations: int


@dataclass
class SiteHistory:
    """What a site holds: archiving keeps all of it."""

    locations: int
    active_locations: int
    inspections: int
    open_tasks: int
    last_inspection_at: datetime | None


def site_history(site: Site) -> SiteHistory:
    total, active = db.session.execute(
        select(func.count(Location.id), func.count(Location.id).filter(Location.active.is_(True))).where(
            Location.site_id == site.id
        )
    ).one()
    inspections, last = db.session.execute(
        select(func.count(Inspection.id), func.max(Inspection.submitted_at))
        .join(Location, Inspection.location_id == Location.id)
        .where(Location.site_id == site.id, Inspection.status == "submitted")
    ).one()
    open_tasks = db.session.scalar(
        select(func.count(Task.id)).where(Task.site_id == site.id, Task.status.in_(OPEN_STATUSES))
    )
    return SiteHistory(total, active, inspections, open_tasks, last)


def site_accepts_inspections(site: Site) -> bool:
    """Whether people may start or submit inspections at this site: an archived one takes none."""
    return not site.archived


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_choices(current: str | None = None) -> list[str]:
    """The zones the form offers, with the site's own first kept even when it is not a common one."""
    zones = list(COMMON_ZONES)
    if current and current not in zones:
        zones.insert(0, current)
    return zones


def _site_query(state: str, search: str):
    query = select(Site)
    if state == "active":
        query = query.where(Site.archived_at.is_(None))
    elif state == "archived":
        query = query.where(Site.archived_at.is_not(None))
    if search.strip():
        query = query.where(contains(Site.name, search.strip()))
    return query


def site_page(*, state: str = "active", search: str = "", number: int = 1, size: int = 30) -> Page[SiteRow]:
    """A page of sites by name, each with how many of its locations are in use."""
    counts = (
        select(Location.site_id, func.count(Location.id).label("n"))
        .where(Location.active.is_(True))
        .group_by(Location.site_id)
        .subquery()
    )
    query = (
        _site_query(state, search)
        .add_columns(func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.site_id == Site.id)
        .order_by(Site.archived_at.is_not(None), Site.name, Site.id)
    )
    page = offset_page(query, number=number, size=size, count=_site_query(state, search), fetch=fetch_rows)
    return page.map(lambda row: SiteRow(*row))


def site_form_values(site: Site | None, default_language: str) -> dict[str, str]:
    """What the form shows for a site (or a new one): the raw strings a form would send. A site
    without a language of its own shows the install's default, which it speaks."""
    if site is None:
        return {
            "name": "",
            "timezone": "Asia/Shanghai",
            "opens_at": "08:30",
            "closes_at": "18:00",
            "first_response_minutes": str(FIRST_RESPONSE[2]),
            "language": default_language,
        }
    return {
        "name": site.name,
        "timezone": site.timezone,
        "opens_at": site.opens_at.strftime("%H:%M"),
        "closes_at": site.closes_at.strftime("%H:%M"),
        "first_response_minutes": str(site.first_response_minutes),
        "language": site.language or default_language,
    }


def _checked(raw: Mapping[str, str], site: Site | None) -> tuple[Checker, dict]:
    check = Checker(raw)
    values = {
        "name": check.text("name", required=True, max_length=120),
        "timezone": check.text("timezone", required=True, max_length=64),
        "opens_at": check.time("opens_at"),
        "closes_at": check.time("closes_at"),
        # Left out (an older form): the site keeps what it has.
        "first_response_minutes": check.integer(
            "first_response_minutes", minimum=FIRST_RESPONSE[0], maximum=FIRST_RESPONSE[1], required=False
        )
        or (site.first_response_minutes if site is not None else FIRST_RESPONSE[2]),
        # Left out (an older form): the site keeps what it has.
        "language": check.choice("language", LANGUAGES, required=False) or (site.language if site else None),
    }
    zone = values["timezone"]
    if zone and zone not in COMMON_ZONES and zone not in _known_zones():
        check.fail("timezone", _l("Choose one of the options."))
    if values["opens_at"] and values["closes_at"] and values["opens_at"] >= values["closes_at"]:
        check.fail("closes_at", _l("Closing time must be after opening time."))
    # Only sites in use must have distinct names; restoring an archived one checks again.
    archived = site is not None and site.archived
    if values["name"] and not archived and _name_taken(values["name"], besides=site):
        check.fail("name", _l("A site in use already has this name."))
    return check, values


def _name_taken(name: str, *, besides: Site | None = None) -> bool:
    query = select(Site.id).where(func.lower(Site.name) == name.lower(), Site.archived_at.is_(None))
    if besides is not None and besides.id is not None:
        query = query.where(Site.id != besides.id)
    return db.session.scalar(query.limit(1)) is not None


def create_site(actor: User | None, raw: Mapping[str, str]) -> Outcome[Site]:
    check, values = _checked(raw, None)
    if not check.ok:
        return Outcome.fail(check.errors)
    site = Site(**values)
    db.session.add(site)
    db.session.flush()
    record(
        actor,
        "site.created",
        site,
        site_id=site.id,
        timezone=site.timezone,
        opens_at=_shown(site.opens_at),
        closes_at=_shown(site.closes_at),
    )
    db.session.commit()
    return Outcome(site)


def update_site(actor: User | None, site: Site, raw: Mapping[str, str], now: datetime | None = None) -> Outcome[Site]:
    """Change a site; the audit entry lists each changed field as {"from": …, "to": …}. A new time zone
    moves its rounds due after `now` to the new local times."""
    check, values = _checked(raw, site)
    if not check.ok:
        return Outcome.fail(check.errors)
    changes = {}
    for name in _TRACKED:
        before, after = getattr(site, name), values[name]
        if before != after:
            changes[name] = {"from": _shown(before), "to": _shown(after)}
            setattr(site, name, after)
    if changes:
        record(actor, "site.updated", site, site_id=site.id, **changes)
        if "timezone" in changes:
            site_clock_changed(site, actor, now or utcnow())
        db.session.commit()
    return Outcome(site)


def archive_site(actor: User | None, site: Site, now: datetime | None = None) -> Outcome[Site]:
    """Archive a site: its locations, inspections and tasks stay; it takes no new inspections, and
    its rounds due after `now` are cancelled."""
    if site.archived:
        return Outcome(site)
    site.archived_at = now or utcnow()
    record(actor, "site.archived", site, site_id=site.id)
    site_archived(site, actor, site.archived_at)
    db.session.commit()
    return Outcome(site)


def restore_site(actor: User | None, site: Site) -> Outcome[Site]:
    """Bring an archived site back into use, unless a site in use has taken its name meanwhile."""
    if not site.archived:
        return Outcome(site)
    if _name_taken(site.name, besides=site):
        return Outcome.fail({"form": _l("A site in use already has this name. Rename that one first.")}, 409)
    site.archived_at = None
    record(actor, "site.restored", site, site_id=site.id)
    db.session.commit()
    return Outcome(site)


def _shown(value):
    """A value as the audit log keeps it (JSON): times as HH:MM."""
    return value.strftime("%H:%M") if hasattr(value, "strftime") else value
