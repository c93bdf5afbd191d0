"""Setting up locations: the filtered list, creating, editing, moving, deactivating and reactivating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location, Site, User
from patrol.models.location import new_short_code
from patrol.outcome import Outcome
from patrol.paging import Page
from patrol.rounds.changes import location_changed
from patrol.setup.audit import record
from patrol.setup.locations import READING_ORDER_COLUMNS, natural_key, page_in_reading_order, reading_order
from patrol.setup.search import contains
from patrol.validation import Checker
from patrol.vocabulary import LOCATION_KINDS

STATUSES = ("active", "inactive", "all")
# The details that belong to one kind of location only; other kinds ignore them.
KIND_FIELDS = {
    "renovation": ("permit_number", "contractor", "works_start", "works_planned_end"),
    "vacant_unit": ("handover_date",),
}
PLACE_FIELDS = ("building", "floor", "unit")
MAX_LENGTHS = {"name": 120, "building": 60, "floor": 20, "unit": 30, "permit_number": 60, "contractor": 120}


@dataclass
class LocationFilter:
    site_id: int | None = None
    kind: str | None = None
    building: str | None = None
    status: str = "active"
    q: str = ""


def _filtered(query, site_ids: set[int], wanted: LocationFilter):
    query = query.where(Location.site_id.in_(site_ids))
    if wanted.site_id is not None:
        query = query.where(Location.site_id == wanted.site_id)
    if wanted.kind:
        query = query.where(Location.kind == wanted.kind)
    if wanted.building is not None:
        query = query.where(Location.building == wanted.building)
    if wanted.status != "all":
        query = query.where(Location.active.is_(wanted.status == "active"))
    if wanted.q:
        text = wanted.q.strip()
        columns = (Location.name, Location.unit, Location.short_code)
        query = query.where(or_(*(contains(column, text) for column in columns)))
    return query


def _in_natural_order(rows) -> list:
    return sorted(rows, key=reading_order)


def find_locations(site_ids: set[int], wanted: LocationFilter) -> list[Location]:
    """Every location matching the filter, in the order people read them (for export)."""
    query = _filtered(select(Location).options(joinedload(Location.site)), site_ids, wanted)
    return _in_natural_order(db.session.scalars(query))


def location_page(site_ids: set[int], wanted: LocationFilter, *, number: int = 1, size: int = 30) -> Page[Location]:
    """A page of the filtered list, in the order people read them."""
    return page_in_reading_order(_filtered(select(*READING_ORDER_COLUMNS), site_ids, wanted), number=number, size=size)


def location_ids(site_ids: set[int], wanted: LocationFilter) -> list[int]:
    return list(db.session.scalars(_filtered(select(Location.id), site_ids, wanted).order_by(Location.id)))


def buildings_on(site_ids: set[int], site_id: int | None = None) -> list[str]:
    query = select(Location.building).where(Location.site_id.in_(site_ids), Location.building != "").distinct()
    if site_id is not None:
        query = query.where(Location.site_id == site_id)
    return sorted(db.session.scalars(query), key=natural_key)


def fresh_short_codes(count: int) -> list[str]:
    """`count` short codes that no location has yet: six characters collide often enough to check."""
    codes: set[str] = set()
    while len(codes) < count:
        candidates = list({new_short_code() for _ in range(count - len(codes))} - codes)
        taken: set[str] = set()
        for start in range(0, len(candidates), 500):
            chunk = candidates[start : start + 500]
            taken |= set(db.session.scalars(select(Location.short_code).where(Location.short_code.in_(chunk))))
        codes |= set(candidates) - taken
    return list(codes)


def active_names_on(site_id: int, names=None, *, except_id: int | None = None) -> set[str]:
    query = select(Location.name).where(Location.site_id == site_id, Location.active.is_(True))
    if names is not None:
        query = query.where(Location.name.in_(list(names)))
    if except_id is not None:
        query = query.where(Location.id != except_id)
    return set(db.session.scalars(query))


def form_values(location: Location) -> dict[str, str]:
    """A location's fields as the form shows them."""
    names = ("name", "kind", *PLACE_FIELDS, *(name for fields in KIND_FIELDS.values() for name in fields))
    values = {name: _shown(getattr(location, name)) or "" for name in names}
    return values | {"site_id": str(location.site_id)}


def _read_form(raw, site_ids: set[int], current: Location | None = None) -> tuple[Checker, dict]:
    """The typed fields of the form; a site must be one the admin may use and not archived."""
    check = Checker(raw)
    values = {
        name: check.text(name, required=name == "name", max_length=length) for name, length in MAX_LENGTHS.items()
    }
    values["kind"] = check.choice("kind", LOCATION_KINDS)
    site_id = check.integer("site_id")
    site = db.session.get(Site, site_id) if site_id in site_ids else None
    if site_id is not None and site is None:
        check.fail("site_id", _l("Choose one of the options."))
    elif site is not None and site.archived and site != getattr(current, "site", None):
        check.fail("site_id", _l("This site is archived: choose another."))
    values["site"] = site
    values["works_start"] = check.date("works_start")
    values["works_planned_end"] = check.date("works_planned_end")
    values["handover_date"] = check.date("handover_date")
    if (
        values["kind"] == "renovation"
        and values["works_start"]
        and values["works_planned_end"]
        and values["works_planned_end"] < values["works_start"]
    ):
        check.fail("works_planned_end", _l("The planned end cannot be before the start."))
    # Details of another kind are not checked or kept: the form hid them.
    for kind, fields in KIND_FIELDS.items():
        if values["kind"] != kind:
            for name in fields:
                check.errors.pop(name, None)
                values.pop(name)
    # Names are unique among the locations in use on a site; a deactivated one may share its old name.
    in_use = current is None or current.active
    if (
        site is not None
        and values["name"]
        and in_use
        and values["name"] in active_names_on(site.id, [values["name"]], except_id=getattr(current, "id", None))
    ):
        check.fail("name", _l("This site already has a location with this name."))
    return check, values


def create_location(actor: User, raw, site_ids: set[int]) -> Outcome[Location]:
    check, values = _read_form(raw, site_ids)
    if not check.ok:
        return Outcome.fail(check.errors)
    location = Location(short_code=fresh_short_codes(1)[0], **values)
    db.session.add(location)
    db.session.flush()
    record(actor, "location.created", location, kind=location.kind, place=location.place)
    db.session.commit()
    return Outcome(location)


def _shown(value):
    return value.isoformat() if isinstance(value, date) else value


def _where(location: Location) -> str:
    return " · ".join(part for part in (location.site.name, location.place) if part)


def update_location(
    actor: User, location: Location, raw, site_ids: set[int], now: datetime | None = None
) -> Outcome[Location]:
    """Change a location's details; a change of site or place is recorded as a move. Rounds due after
    `now` that its schedules no longer expect of it (another kind, another site) are cancelled."""
    check, values = _read_form(raw, site_ids, current=location)
    if not check.ok:
        return Outcome.fail(check.errors)
    before = _where(location)
    moved = values["site"] != location.site or any(values[name] != getattr(location, name) for name in PLACE_FIELDS)
    changes = {
        name: {"from": _shown(getattr(location, name)), "to": _shown(value)}
        for name, value in values.items()
        if name not in PLACE_FIELDS and name != "site" and value != getattr(location, name)
    }
    for name, value in values.items():
        setattr(location, name, value)
    if changes:
        record(actor, "location.updated", location, changes=changes)
    if moved:
        record(actor, "location.moved", location, **{"from": before, "to": _where(location)})
    if changes or moved:
        location_changed(location, actor, now or utcnow())
    db.session.commit()
    return Outcome(location)


def deactivate_location(actor: User, location: Location, now: datetime | None = None) -> Outcome[Location]:
    """Take a location out of use: its sticker then says so, and it leaves lists and label sheets.
    Its rounds due after `now` are cancelled (kept, saying who and why)."""
    if location.active:
        location.active = False
        record(actor, "location.deactivated", location)
        location_changed(location, actor, now or utcnow())
        db.session.commit()
    return Outcome(location)


def reactivate_location(actor: User, location: Location, now: datetime | None = None) -> Outcome[Location]:
    """In use again from `now`: rounds due while it was out of use never expected it."""
    if location.active:
        return Outcome(location)
    if location.site.archived:
        return Outcome.fail({"form": _l("Its site is archived. Restore the site first.")}, 409)
    if location.name in active_names_on(location.site_id, [location.name]):
        taken = _l("Another location on this site now has this name. Rename one of them first.")
        return Outcome.fail({"form": taken}, 409)
    location.active = True
    location.active_since = now or utcnow()
    record(actor, "location.reactivated", location)
    location_changed(location, actor, location.active_since)
    db.session.commit()
    return Outcome(location)
