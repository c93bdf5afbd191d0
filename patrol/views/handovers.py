"""Handing a model room over at closing and taking it back at opening (patrol.modelrooms.handover).

The steward's form names the guard and the remarks, and how the guard confirms: their PIN on this
phone, or their own account (the handover then waits on the guard's home). At opening a steward may
acknowledge alone when the guard has left. The phone stamps when it was done (acted_at, sent_at).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, abort, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required
from patrol.accounts.pins import TooManyAttempts
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections import visit_times
from patrol.modelrooms import handover as service
from patrol.models import HandoverRequest
from patrol.outcome import Outcome
from patrol.presenters.rooms import handover_card
from patrol.views.drafts import device_times
from patrol.views.errors import error_response
from patrol.views.rooms import load_room, room_context
from patrol.views.templating import go_to, is_htmx, render, render_block

bp = Blueprint("handovers", __name__)

DONE = {
    "to_night": _l("The room was handed over to night security."),
    "to_day": _l("You took the room over from night security."),
}
HOW = {"pin": service.hand_over_with_pin, "account": service.ask_guard, "absent": service.acknowledge_without_guard}
LOCKED = _l(
    "Their PIN is locked after several wrong tries. Let them confirm on their own phone, "
    "or ask an administrator for a new PIN."
)


def phone_time() -> datetime:
    """When the person did it, on the phone's clock as the server believes it (the server's time without one)."""
    times = device_times("acted_at")
    judged = visit_times.judge(times.acted_at, times, None)
    return judged.at if judged is not None else times.received_at


def _client_id() -> str:
    try:
        return str(uuid.UUID(request.form.get("client_id", "")))
    except ValueError:
        abort(400)


def _card(room, outcome: Outcome, sent=None):
    """The handover block again (the whole page without htmx), with the form as sent and its errors in place."""
    db.session.rollback()  # nothing half-done is read back
    if is_htmx():
        body = render_block(
            "rooms/room.html", "handover", room=room, card=handover_card(room), errors=outcome.errors, sent=sent or {}
        )
    else:
        body = render("rooms/room.html", **room_context(room, errors=outcome.errors, sent=sent or {}))
    return make_response(body, outcome.status)


def _locked(room, sent):
    return _card(room, Outcome.fail({"pin": LOCKED}, 429), sent)


@bp.post("/rooms/<int:location_id>/handover")
@login_required
@permission_required("handover.give")
def handover_give(location_id: int):
    room = load_room(location_id)
    how, sent = request.form.get("how", ""), request.form.to_dict()
    if how not in HOW or request.form.get("kind") not in service.KINDS:
        abort(400)
    given = service.Given(room, current_user, request.form["kind"], _client_id(), request.form, phone_time())
    try:
        outcome = HOW[how](given)
    except TooManyAttempts:
        return _locked(room, sent)
    if not outcome.ok:
        return _card(room, outcome, sent)
    said = _l("The handover waits for them to confirm on their phone.") if how == "account" else DONE[given.kind]
    return go_to(url_for("rooms.room_page", location_id=room.id), said)


def _waiting(location_id: int, request_id: int) -> HandoverRequest:
    asked = load(HandoverRequest, request_id)
    if asked.location_id != location_id:
        abort(404)
    return asked


@bp.post("/rooms/<int:location_id>/handover/<int:request_id>/pin")
@login_required
@permission_required("handover.give")
def handover_pin(location_id: int, request_id: int):
    """The guard is at the steward's phone after all: the waiting handover confirmed with their PIN."""
    room, asked = load_room(location_id), _waiting(location_id, request_id)
    try:
        outcome = service.confirm_request_with_pin(asked, current_user, request.form.get("pin", ""), phone_time())
    except TooManyAttempts:
        return _locked(room, {})
    if not outcome.ok:
        return _card(room, outcome)
    return go_to(url_for("rooms.room_page", location_id=room.id), DONE[asked.kind])


@bp.post("/rooms/<int:location_id>/handover/<int:request_id>/withdraw")
@login_required
@permission_required("handover.give")
def handover_withdraw(location_id: int, request_id: int):
    room, asked = load_room(location_id), _waiting(location_id, request_id)
    outcome = service.withdraw_request(asked)
    if not outcome.ok:
        return _card(room, outcome)
    return go_to(url_for("rooms.room_page", location_id=room.id), _l("The handover was withdrawn."))


@bp.get("/rooms/<int:location_id>/handover")
@login_required
@permission_required("rooms.view")
def handover_block(location_id: int):
    """The handover block alone: a waiting handover's block asks for it until the guard has confirmed."""
    room = load_room(location_id)
    if not is_htmx():
        return redirect(url_for("rooms.room_page", location_id=room.id, _anchor="handover"))
    return render_block("rooms/room.html", "handover", room=room, card=handover_card(room), errors={}, sent={})


@bp.post("/handovers/<int:request_id>/confirm")
@login_required
@permission_required("handover.take")
def handover_confirm(request_id: int):
    """Night security confirms, on their own phone, a handover waiting for them."""
    asked = load(HandoverRequest, request_id)
    outcome = service.confirm_request(asked, current_user, phone_time())
    if not outcome.ok:
        return error_response(outcome.status, detail=next(iter(outcome.errors.values())))
    words = (
        _l("You took over %(room)s.", room=asked.location.name)
        if asked.kind == "to_night"
        else _l("You handed %(room)s back to the stewards.", room=asked.location.name)
    )
    return go_to(url_for("home.index"), words)
