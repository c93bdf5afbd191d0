"""The two hidden fields that tie a phone's form to its draft inspection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import abort, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from patrol.database import utcnow
from patrol.models import ChecklistVersion, Location
from patrol.services.inspections import DraftKey

# A stamp older than this is not trusted as the scan time (the submit still goes through).
MAX_STAMP_AGE = 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="scan-opened")


def opened_stamp(location_id: int) -> str:
    """A signed note of when the scan page was opened: the server's clock, carried by the form."""
    return _serializer().dumps(location_id)


def scanned_at(stamp: str, location_id: int) -> datetime:
    try:
        signed_for, signed_at = _serializer().loads(stamp, max_age=MAX_STAMP_AGE, return_timestamp=True)
    except BadSignature:
        return utcnow()
    if signed_for != location_id:
        return utcnow()
    return signed_at.astimezone(UTC)


def draft_key(location: Location, version: ChecklistVersion) -> DraftKey:
    """The DraftKey this POST names; 400 if the phone sent no usable client id."""
    raw = request.form.get("client_id", "")
    try:
        client_id = str(uuid.UUID(raw))
    except ValueError:
        abort(400)
    return DraftKey(
        user=current_user,
        location=location,
        version=version,
        client_id=client_id,
        scanned_at=scanned_at(request.form.get("opened", ""), location.id),
    )
