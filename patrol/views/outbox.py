"""What the phone's outbox (static/js/outbox.js) needs from the server besides the saves themselves.

The outbox keeps answers, photos and submits the phone could not send and sends them later. Its
requests say `Accept: application/json` and carry an operation id (`op`), made on the phone when
the person acted; every reply to them is JSON that echoes it. Here: what those requests have in
common, a fresh CSRF token before each flush (the outbox never stores one), and the page listing
what waits (built on the phone from IndexedDB: the server does not know what it has not received).
"""

from __future__ import annotations

import uuid
from functools import wraps

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required

from patrol.csrf_masking import masked_csrf_token
from patrol.i18n import lazy_gettext as _l
from patrol.validation import whole_number
from patrol.views.errors import json_error, wants_json

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


def outbox_op() -> str | None:
    """The operation id an outbox request carries; None for a page's own (htmx) request."""
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


def photo_refused(outcome):
    """A photo's refusal the outbox acts on by its code, or None when it is the person's to read.

    "incomplete": the upload broke off, the outbox sends it again; "conflict": kept and shown, never resent."""
    for code in ("incomplete", "conflict"):
        if code in outcome.errors:
            return json_error(outcome.status, code, outcome.errors[code])
    return None


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
