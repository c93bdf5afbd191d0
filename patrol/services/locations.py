"""Locations and their QR codes."""
from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Location, User
from patrol.models.location import new_qr_token, new_short_code
from patrol.services.audit import record


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


def locations_on(site_ids: set[int], *, site_id: int | None = None, search: str = "",
                 ids: list[int] | None = None, limit: int | None = None) -> list[Location]:
    """Locations on these sites, in building/floor/unit order, optionally filtered."""
    query = (select(Location).where(Location.site_id.in_(site_ids), Location.active.is_(True))
             .options(joinedload(Location.site)))
    if site_id is not None:
        query = query.where(Location.site_id == site_id)
    if ids is not None:
        query = query.where(Location.id.in_(ids))
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Location.name.ilike(pattern), Location.building.ilike(pattern),
                                Location.unit.ilike(pattern), Location.short_code.ilike(pattern)))
    query = query.order_by(Location.site_id, Location.building, Location.floor, Location.unit,
                           Location.name, Location.id)
    if limit:
        query = query.limit(limit)
    return sorted(db.session.scalars(query), key=lambda loc: (
        loc.site_id, natural_key(loc.building), natural_key(loc.floor), natural_key(loc.unit), natural_key(loc.name)))


def natural_key(text: str) -> tuple:
    """Sort "2F" before "10F" and "802" before "1103", as people read them."""
    return tuple((0, int(chunk)) if chunk.isdigit() else (1, chunk)
                 for chunk in re.split(r"(\d+)", text or "") if chunk)
