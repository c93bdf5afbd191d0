"""A model room's page: who holds it, its handover, the day's summary and the history of its counts."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from patrol.access import can, load, permission_required
from patrol.database import utcnow
from patrol.modelrooms.history import count_page, day_summary, last_count, open_case_count
from patrol.models import Location
from patrol.presenters.rooms import (
    CASE_KINDS,
    HANDOVER_KINDS,
    cases_url,
    count_result,
    handover_card,
    handover_line,
    holder,
    local_today,
)
from patrol.validation import iso_day
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import render

bp = Blueprint("rooms", __name__)
# How a room's counts and handovers read, wherever a page shows them (the room page, its blocks, the homes).
bp.add_app_template_filter(count_result, "count_result")
bp.add_app_template_filter(holder, "room_holder")
bp.add_app_template_filter(handover_line, "handover_line")


@bp.app_context_processor
def room_words() -> dict:
    return {"case_kinds": CASE_KINDS, "handover_kinds": HANDOVER_KINDS}


def load_room(location_id: int) -> Location:
    """The model room with this id on one of the person's sites: 404 for any other location, 403 off their sites."""
    room = load(Location, location_id)
    if room.kind != "model_room":
        abort(404)
    return room


def _day(room: Location):
    today = local_today(room, utcnow())
    return iso_day(request.args.get("day")) or today, today


def room_context(room: Location, **extra) -> dict:
    """Everything the room page shows; a block re-rendered after a form (htmx or not) gets the same."""
    day, today = _day(room)
    counts = count_page(
        room,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return {
        "room": room,
        # The newest count is the history's first row, unless an older page is shown.
        "last": counts.rows[0] if counts.number == 1 and counts.rows else last_count(room),
        "open_cases": open_case_count(room),
        "cases_url": cases_url(room.id),
        "card": handover_card(room),
        "summary": day_summary(room, day),
        "today": today,
        "counts": counts,
        **extra,
    }


@bp.get("/rooms/<int:location_id>")
@login_required
@permission_required("rooms.view")
def room_page(location_id: int):
    return render("rooms/room.html", "history", **room_context(load_room(location_id)))


@bp.get("/rooms/<int:location_id>/day")
@login_required
def room_day(location_id: int):
    """The day's summary alone: for night security, and the sales manager (who also see the room page)."""
    if not (can(current_user, "rooms.view") or can(current_user, "handover.take")):
        abort(403)
    room = load_room(location_id)
    day, today = _day(room)
    return render("rooms/day.html", "summary", room=room, summary=day_summary(room, day), today=today)
