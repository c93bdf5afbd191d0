"""What the phone's outbox (static/js/outbox.js) needs from the server besides the saves themselves.

The outbox keeps answers, photos and submits the phone could not send and sends them later. Its
requests say `Accept: application/json` and carry an operation id (`op`), made on the phone when
the person acted; every reply to them is JSON that echoes it. Here: what those requests have in
common (who may send them, their operation and number, a photo one carries and how it is answered),
a fresh CSRF token before each flush (the outbox never stores one), and the page listing what waits
(built on the phone from IndexedDB: the server does not know what it has not received).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import current_user, login_required

from patrol.csrf_masking import masked_csrf_token
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.photos import PhotoLimits, PhotoOp
from patrol.outcome import Outcome
from patrol.photos.processing import PhotosBusy
from patrol.validation import whole_number
from patrol.views.errors import error_response, json_error, wants_json
from patrol.views.uploads import busy_response, decode_slots, decode_wait, photo_limits

# A sequence number is a phone's clock in milliseconds, or above: it must fit a JavaScript number.
MAX_SEQ = 2**53 - 1


def signed_in(view):
    """login_required, except that the outbox is told 401 in JSON instead of being sent to the sign-in page.

    A session that ended while answers waited on the phone must not look like a failure to retry
    for ever, nor like a refusal to give up on: the outbox pauses and asks the person to sign in.
    """
    guarded = login_required(view)

    @wraps(view)
    def wrapped(*args, **kwargs):
        if wants_json() and not current_user.is_authenticated:
            return signin_needed()
        return guarded(*args, **kwargs)

    return wrapped


def signin_needed():
    return json_error(401, "signin", _l("Sign in again to send what is waiting on this phone."))


def outbox_only(view):
    """A view only the outbox calls: it answers JSON to a signed-in person's request that names its operation.

    No page posts here, so a request that does not ask for JSON is told so (406), in JSON like every
    other answer of these views; a session that ended, 401 (see signed_in); no operation id, 400.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not wants_json():
            return json_error(
                406, "json_only", _l("This is only accepted from the app's own pages. Reload the page and try again.")
            )
        if not current_user.is_authenticated:
            return signin_needed()
        if outbox_op() is None:
            return missing_op()
        return view(*args, **kwargs)

    wrapped.outbox_only = True  # marked, as access.readable marks a view: a walk over every route asks it so
    return wrapped


def outbox_op() -> str | None:
    """The operation id an outbox request carries; None for a page's own request (and for a bad id)."""
    if not wants_json():
        return None
    try:
        return str(uuid.UUID(request.form.get("op", "")))
    except ValueError:
        return None


def read_seq() -> int | None:
    """The phone's sequence number of the change this request carries, if it sent a usable one."""
    return whole_number(request.form.get("seq", ""), maximum=MAX_SEQ)


def missing_op():
    return json_error(400, "op", _l("Something in that request was wrong"))


@dataclass(frozen=True)
class SentPhoto:
    data: bytes  # read up to one byte past the limit: enough to tell it is too large
    limits: PhotoLimits
    op: PhotoOp


def sent_photo(field: str) -> SentPhoto | None:
    """The photo an outbox request carries in `field`, with the hash the phone says it has; None if none came."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    limits = photo_limits()
    op = PhotoOp(outbox_op(), request.form.get("sha256") or None, request.form.get("taken_at") or None)
    return SentPhoto(upload.stream.read(limits.max_bytes + 1), limits, op)


def no_photo():
    return error_response(422, detail=_l("No photo came with the request. Take the photo again."))


def photo_answer(attach: Callable[..., Outcome[dict]], acknowledge: Callable[[dict], Response]):
    """Attach a photo with this process's decode slots, and tell the outbox: `acknowledge(ack)`, a
    refusal, or 503 when every decode slot stayed taken."""
    try:
        outcome = attach(slots=decode_slots(), wait=decode_wait())
    except PhotosBusy:
        return busy_response()
    return acknowledge(outcome.value) if outcome.ok else _photo_refused(outcome)


def _photo_refused(outcome: Outcome):
    """A photo's refusal. "incomplete": the upload broke off, the outbox sends it again; "conflict": kept
    and shown, never resent; anything else is the person's to read."""
    for code in ("incomplete", "conflict"):
        if code in outcome.errors:
            return json_error(outcome.status, code, outcome.errors[code])
    return error_response(outcome.status, detail=next(iter(outcome.errors.values())))


def ack(op: str, **fields):
    """The acknowledgement the outbox waits for before it lets go of an item: ok, and its own id."""
    return jsonify({"ok": True, "op": op, **fields})


def outbox_list():
    """The page of what waits on this phone: a shell; static/js/outbox-list.js fills it from IndexedDB."""
    return render_template("outbox/list.html")


def outbox_token():
    """A fresh CSRF token, fetched before each flush; and who is signed in, whose items may be sent."""
    if not current_user.is_authenticated:
        return signin_needed()
    return jsonify({"ok": True, "token": masked_csrf_token(), "user": current_user.id})


def register(bp: Blueprint) -> None:
    """Add the outbox's pages to a blueprint (the inspect one: these serve its requests)."""
    bp.add_url_rule("/outbox", view_func=outbox_list, methods=["GET"])
    bp.add_url_rule("/outbox/token", view_func=outbox_token, methods=["GET"])
