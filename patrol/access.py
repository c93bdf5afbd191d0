"""Who may see and do what: every view loads objects through here, so the rule lives in one place.

A user sees the sites they are given (administrators see every site); an object
belongs to the site of its location. Role rules for actions are the PERMISSIONS table.
"""

from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Location, Site, user_sites
from patrol.validation import whole_number

T = TypeVar("T")

PERMISSIONS: dict[str, set[str]] = {
    "inspect": {"butler", "steward", "supervisor", "admin"},
    # Supervising a site's follow-up tasks: assign, re-assign, change the due time or severity, cancel,
    # issue rectification notices; and seeing everyone's work (the home page, lateness tags, the board).
    "tasks.supervise": {"supervisor", "admin"},
    # Re-checking a fix someone else made: on the task page, the scan page, or by a round's answer.
    "tasks.recheck": {"butler", "steward", "supervisor", "admin"},
    "qr.manage": {"supervisor", "admin"},
    # Setup: only administrators change it; supervisors may read schedules and checklists.
    "setup.manage": {"admin"},
    "setup.read": {"supervisor", "admin"},
    # Missed rounds: the person responsible (or a supervisor, an administrator) explains one;
    # only a supervisor excuses one (patrol.rounds.dispositions).
    "rounds.explain": {"butler", "steward", "supervisor", "admin"},
    "rounds.excuse": {"supervisor"},
    # Reviewing rounds: the missed-rounds list and a day's coverage grid of a site.
    "rounds.review": {"supervisor", "admin"},
    # Clearing a proof-of-presence flag on an inspection, with a comment (patrol.inspections.presence).
    "presence.clear": {"supervisor"},
    # Model rooms (patrol.modelrooms): keeping a room's asset register, and approving a change of an
    # expected quantity (an approved removal 物品放行, an arrival, a write-off).
    "register.manage": {"supervisor", "admin"},
    "register.approve": {"supervisor", "admin"},
    # Counting a room against its register, and seeing its counts, cases and handovers.
    "rooms.count": {"steward", "supervisor", "admin"},
    "rooms.view": {"steward", "supervisor", "admin"},
    # Reconciling a loss case (found, damaged) and filling its loss/damage record; writing one off
    # lowers the register, so only a supervisor approves it.
    "cases.reconcile": {"steward", "supervisor", "admin"},
    "cases.record": {"supervisor", "admin"},
    "cases.write_off": {"supervisor"},
    # Handing a room over: the steward (or a supervisor) gives it, night security takes it.
    "handover.give": {"steward", "supervisor"},
    "handover.take": {"guard"},
}


def site_ids_for(user) -> set[int]:
    """The ids of the sites this user may see, read once per request."""
    cached = g.get("_site_ids")
    if cached is not None and g.get("_site_ids_user") == user.id:
        return cached
    if user.role == "admin":
        query = select(Site.id)
    else:
        query = select(user_sites.c.site_id).where(user_sites.c.user_id == user.id)
    ids = set(db.session.scalars(query))
    g._site_ids, g._site_ids_user = ids, user.id
    return ids


def can(user, permission: str) -> bool:
    return user.is_authenticated and user.role in PERMISSIONS[permission]


def require_site(site_id: int) -> None:
    if site_id not in site_ids_for(current_user):
        abort(403)


def load(model: type[T], object_id, *, by: str = "id") -> T:
    """The object with this key, or 404; and 403 unless it is on one of the user's sites."""
    obj = db.session.scalar(select(model).where(getattr(model, by) == object_id))
    if obj is None:
        abort(404)
    require_site(obj.site_id)
    return obj


def permission_required(permission: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def readable(view):
    """Marks a setup view that supervisors (setup.read) may GET; the rest of setup is setup.manage."""
    view.readable = True
    return view


def require_setup_access():
    """Run before every request to the setup area (/admin): one check instead of one per view.

    Signed out: to the sign-in page. Signed in: setup.manage, or setup.read to read a view marked
    @readable. A form that changes something is not readable, so forgetting the mark refuses
    supervisors rather than letting them in.
    """
    if request.method == "OPTIONS":  # as flask_login.login_required: preflight answers need no sign-in
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint)
    reading = request.method in ("GET", "HEAD") and getattr(view, "readable", False)
    if not can(current_user, "setup.read" if reading else "setup.manage"):
        abort(403)
    return None


def visible_sites(user) -> list[Site]:
    ids = site_ids_for(user)
    return list(db.session.scalars(select(Site).where(Site.id.in_(ids)).order_by(Site.id)))


# A list's filter names a site, a location or a person by id in its link: each is kept only when it is
# among the reader's sites (patrol.tasks.filters, patrol.inspections.filters); anything else is ignored.


def site_among(raw, site_ids: set[int]) -> int | None:
    site_id = whole_number(raw)
    return site_id if site_id in site_ids else None


def location_among(raw, site_ids: set[int]) -> Location | None:
    location_id = whole_number(raw)
    location = db.session.get(Location, location_id) if location_id else None
    return location if location is not None and location.site_id in site_ids else None


def person_among(raw, site_ids: set[int]) -> int | None:
    """The id of someone given one of these sites (deactivated or not: their records are history)."""
    person_id = whole_number(raw)
    if person_id is None or not site_ids:
        return None
    return db.session.scalar(
        select(user_sites.c.user_id)
        .where(user_sites.c.user_id == person_id, user_sites.c.site_id.in_(site_ids))
        .limit(1)
    )
