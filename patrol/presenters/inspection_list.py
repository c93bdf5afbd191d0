"""The history list in words and links: its filters' choices, the filters in force, and the links
to it that other pages show beside a number (a location's, a person's, the home page's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import gettext

from patrol.access import site_ids_for
from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.filters import InspectionFilter, checklist_choices, inspectors_on, sees_everyones
from patrol.inspections.listing import Listed, inspection_page, recent_inspections
from patrol.models import Location, Site, User
from patrol.paging import Page
from patrol.presenters.times import zone_of
from patrol.vocabulary import LOCATION_KINDS


@dataclass(frozen=True)
class Recent:
    """A page's short list of rounds and the link to the whole list they begin."""

    rows: Page[Listed]
    url: str


def list_url(wanted: InspectionFilter) -> str:
    return url_for("history.inspection_list", **wanted.to_args())


def recent_at(user: User, location: Location) -> Recent:
    """A location's newest rounds (the reader's own, for a butler), linking the list of them."""
    wanted = InspectionFilter.for_reader(user, location_id=location.id, site_id=location.site_id)
    return Recent(recent_inspections({location.site_id}, wanted), list_url(wanted))


def recent_by(user: User, person: User) -> Recent:
    """A person's newest rounds on the reader's sites, linking the list of them."""
    wanted = InspectionFilter.for_reader(user, person_id=person.id)
    return Recent(recent_inspections(site_ids_for(user), wanted), list_url(wanted))


def today_rounds(user: User, size: int) -> Recent:
    """The newest rounds the reader may see completed today (in the app's zone), counted, and the list of them."""
    today = utcnow().astimezone(zone_of()).date()
    wanted = InspectionFilter.for_reader(user, day_from=today, day_to=today)
    return Recent(inspection_page(site_ids_for(user), wanted, size=size), list_url(wanted))


def list_context(user: User, wanted: InspectionFilter, sites: list[Site]) -> dict:
    """What the list shows around its rows: the filters' choices and the filters in force, in words."""
    everyone = sees_everyones(user)
    people = inspectors_on({site.id for site in sites}) if everyone else []
    checklists = checklist_choices()
    location = db.session.get(Location, wanted.location_id) if wanted.location_id else None
    return {
        "wanted": wanted,
        "args": wanted.to_args(),
        "sites": sites,
        "everyone": everyone,
        "people": people,
        "checklists": checklists,
        "location": location,
        "active": active_filters(wanted, sites, people, checklists),
    }


def active_filters(wanted: InspectionFilter, sites, people, checklists) -> list[str]:
    """The filters in force, in words: shown above the rows even when the filters are folded away."""
    shown = []
    if wanted.site_id and len(sites) > 1 and not wanted.location_id:
        shown += [site.name for site in sites if site.id == wanted.site_id]
    if wanted.kind:
        shown.append(str(LOCATION_KINDS[wanted.kind]))
    if wanted.person_id:
        shown += [person.display_name for person in people if person.id == wanted.person_id]
    if wanted.checklist_id:
        shown += [checklist.name for checklist in checklists if checklist.id == wanted.checklist_id]
    if wanted.day_from or wanted.day_to:
        shown.append(days_words(wanted.day_from, wanted.day_to))
    if wanted.findings:
        shown.append(gettext("With findings only"))
    return shown


def days_words(first: date | None, last: date | None) -> str:
    if first and last and first == last:
        return gettext("On %(day)s", day=first.isoformat())
    if first and last:
        return gettext("%(start)s to %(end)s", start=first.isoformat(), end=last.isoformat())
    if first:
        return gettext("From %(start)s", start=first.isoformat())
    return gettext("Until %(end)s", end=last.isoformat() if last else "")
