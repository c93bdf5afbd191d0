"""Locations and their QR codes."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Location, User
from patrol.models.location import new_qr_token, new_short_code
from patrol.paging import Page, page_of_list
from patrol.setup.audit import record
from patrol.setup.search import contains


def location_by_token(token: str) -> Location | None:
    query = select(Location).where(Location.qr_token == token).options(joinedload(Location.site))
    return db.session.scalar(query)


def location_by_short_code(code: str) -> Location | None:
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    if not cleaned:
        return None
    return db.session.scalar(select(Location).where(Location.short_code == cleaned))


def reissue_code(location: Location, actor: User | None = None) -> Location:
    """Give the location a new QR token and short code; every old sticker stops working."""
    old_code = location.short_code
    location.qr_token = new_qr_token()
    location.short_code = new_short_code()
    location.qr_issued_at = utcnow()
    record(actor, "qr.reissued", location, old_code=old_code, new_code=location.short_code)
    db.session.commit()
    return location


def _on_sites(query, site_ids: set[int], *, site_id: int | None = None, search: str = "", ids: list[int] | None = None):
    """`query` narrowed to the active locations on these sites, optionally filtered."""
    query = query.where(Location.site_id.in_(site_ids), Location.active.is_(True))
    if site_id is not None:
        query = query.where(Location.site_id == site_id)
    if ids is not None:
        query = query.where(Location.id.in_(ids))
    if search:
        text = search.strip()
        columns = (Location.name, Location.building, Location.unit, Location.short_code)
        query = query.where(or_(*(contains(column, text) for column in columns)))
    return query


def locations_on(
    site_ids: set[int],
    *,
    site_id: int | None = None,
    search: str = "",
    ids: list[int] | None = None,
    limit: int | None = None,
) -> list[Location]:
    """Locations on these sites, in building/floor/unit order, optionally filtered."""
    query = _on_sites(
        select(Location).options(joinedload(Location.site)), site_ids, site_id=site_id, search=search, ids=ids
    )
    query = query.order_by(
        Location.site_id, Location.building, Location.floor, Location.unit, Location.name, Location.id
    )
    if limit:
        query = query.limit(limit)
    return sorted(db.session.scalars(query), key=reading_order)


def location_page(
    site_ids: set[int], *, site_id: int | None = None, search: str = "", number: int = 1, size: int = 50
) -> Page[Location]:
    """A page of the active locations on these sites (the locations list), in reading order."""
    keys = _on_sites(select(*READING_ORDER_COLUMNS), site_ids, site_id=site_id, search=search)
    return page_in_reading_order(keys, number=number, size=size)


# What `reading_order` reads of a location: a list selects only these of every row it orders.
READING_ORDER_COLUMNS = (Location.id, Location.site_id, Location.building, Location.floor, Location.unit, Location.name)


def page_in_reading_order(keys, *, number: int, size: int) -> Page[Location]:
    """A page of the locations `keys` selects (READING_ORDER_COLUMNS, filtered), in reading order.

    Natural order ("2F" before "10F") is worked out in Python, so only the sort keys of the whole
    list are read, and whole rows for the page alone.
    """
    ordered = [row.id for row in sorted(db.session.execute(keys), key=reading_order)]
    page = page_of_list(ordered, number=number, size=size)
    found = {
        location.id: location
        for location in db.session.scalars(
            select(Location).where(Location.id.in_(page.rows)).options(joinedload(Location.site))
        )
    }
    return page.map(found.__getitem__)


# Lists sort thousands of locations by these keys on every view, and their buildings, floors and
# names repeat from one view to the next: worked out once, they cost a dictionary lookup.
@lru_cache(maxsize=32768)
def natural_key(text: str) -> tuple:
    """Sort "2F" before "10F" and "802" before "1103", as people read them."""
    # isdecimal, not isdigit: "²" is a digit that int() refuses, and a name may hold one (5²).
    return tuple(
        (0, int(chunk)) if chunk.isdecimal() else (1, chunk) for chunk in re.split(r"(\d+)", text or "") if chunk
    )


def reading_order(location) -> tuple:
    """The one order of locations in every list: by site, then building, floor, unit and name as people read them.

    Takes a Location, or a row with its site_id, building, floor, unit, name and id.
    """
    return (
        location.site_id,
        *map(natural_key, (location.building, location.floor, location.unit, location.name)),
        location.id,
    )
