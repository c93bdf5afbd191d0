"""What every photo upload needs from the app: its limits, this process's decode slots, a 503 when busy."""

from __future__ import annotations

import math
import threading

from flask import current_app

from patrol.i18n import lazy_gettext as _l
from patrol.inspections.photos import PhotoLimits
from patrol.views.errors import error_response


def photo_limits() -> PhotoLimits:
    config = current_app.config
    return PhotoLimits(
        config["PATROL_PHOTO_DIR"],
        config["PATROL_MAX_PHOTO_BYTES"],
        config["PATROL_MAX_PHOTO_PIXELS"],
        config["PATROL_MAX_PHOTO_PIXELS_FULL_DECODE"],
    )


def decode_slots() -> threading.BoundedSemaphore:
    """This process's photo decode slots: one decode may hold up to 128 MB (bench/photo_worst_case.md)."""
    slots = current_app.extensions.get("patrol.photo_decodes")
    if slots is None:
        fresh = threading.BoundedSemaphore(current_app.config["PATROL_PHOTO_DECODES"])
        slots = current_app.extensions.setdefault("patrol.photo_decodes", fresh)
    return slots


def decode_wait() -> float:
    return current_app.config["PATROL_PHOTO_DECODE_WAIT"]


def busy_response():
    detail = _l("Other photos are being processed. Wait a few seconds and send this photo again.")
    response = error_response(503, title=_l("The server is busy"), detail=detail)
    response.headers["Retry-After"] = str(max(1, math.ceil(decode_wait())))
    return response
