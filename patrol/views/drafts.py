"""The hidden fields that tie a phone's form to its draft inspection, and the phone's times it carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import abort, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from patrol.database import utcnow
from patrol.inspections import visit_times
from patrol.inspections.drafts import DraftKey
from patrol.models import ChecklistVersion, Location
from patrol.validation import whole_number

# A stamp older than this is not trusted as the scan time (the submit still goes through).
MAX_STAMP_AGE = 24 * 3600
# A phone's time is milliseconds of its clock; one past 2100 is taken as 2100 (and then judged
# implausible): any value at all stays within what datetime arithmetic can hold.
LAST_DEVICE_MS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)


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


def served_at(stamp: str, location_id: int) -> datetime | None:
    """When the server served the page the form came from, however long ago; None if unknown."""
    try:
        signed_for, signed_at = _serializer().loads(stamp, return_timestamp=True)
    except BadSignature:
        return None
    return signed_at.astimezone(UTC) if signed_for == location_id else None


def device_time(name: str) -> datetime | None:
    """A time on the phone's clock this request carries (milliseconds since 1970), if any."""
    ms = whole_number(request.form.get(name, ""), minimum=0, maximum=10**18)
    if ms is None:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=min(ms, LAST_DEVICE_MS))


def device_times(acted: str | None = None) -> visit_times.DeviceTimes:
    """What this request says about time: when it arrived, and the phone's times it carries.

    `acted` names the field with when the person did what the request carries (answered_at, completed_at).
    """
    return visit_times.DeviceTimes(
        received_at=visit_times.server_now(),
        sent_at=device_time("sent_at"),
        scanned_at=device_time("scanned_at"),
        acted_at=device_time(acted) if acted else None,
    )


def draft_key(location: Location, version: ChecklistVersion, acted: str | None = None) -> DraftKey:
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
        served_at=served_at(request.form.get("opened", ""), location.id),
        times=device_times(acted),
        register_version_id=whole_number(request.form.get("register_version", "")),
    )
