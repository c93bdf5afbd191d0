"""A report's (随手拍) photos sent by the phone's outbox ahead of the report, and claimed by it.

Each photo is its own outbox operation: checked and re-encoded like any photo, with no transaction
open, then kept as a Photo row and files, waiting (patrol.models.report_photo) under the report's
client id until the report that lists it raises its task. A repeat of the same operation gets the
first acknowledgement again; the same id with other bytes is a conflict (OFFLINE.md F2, F3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from patrol.database import end_reading
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.photos import PhotoLimits, PhotoOp, received_whole
from patrol.models import Photo, ReportPhoto, User
from patrol.outcome import Outcome, Refused
from patrol.photos.processing import process_photo
from patrol.photos.store import keep_photo
from patrol.tasks.photos import MAX_PHOTOS

# Photos taken and taken off again on one form before it is sent: a bound on what one form may leave.
MAX_WAITING = 3 * MAX_PHOTOS


def attach_report_photo(
    user: User, report_client_id: str, data: bytes, limits: PhotoLimits, op: PhotoOp, *, zone: ZoneInfo, **decoding
) -> Outcome[dict]:
    """Keep a photo for the report still to come; the acknowledgement (the same again for a repeat).

    `decoding` (slots, wait) goes to process_photo; PhotosBusy comes through.
    """
    arrived = received_whole(data, op, limits)
    if not arrived.ok:
        end_reading()
        return Outcome.fail(arrived.errors, arrived.status)
    received = arrived.value
    earlier = _waiting(user.id, op.op_id)
    crowded = earlier is None and _count(user.id, report_client_id) >= MAX_WAITING
    end_reading()
    if earlier is not None:
        return _replayed(earlier, received)
    if crowded:
        return Outcome.fail({"photo": _l("At most %(n)d photos at a time.", n=MAX_PHOTOS)}, 422)
    try:
        processed = process_photo(data, zone=zone, max_bytes=limits.max_bytes, pixels=limits.pixels, **decoding)
    except Refused as rejected:
        return Outcome.fail({"photo": rejected.message}, rejected.status)
    return _keep(user, report_client_id, processed, limits.photo_dir, op.op_id, received)


def _keep(user: User, report_client_id: str, processed, photo_dir: str, op_id: str, received: str) -> Outcome[dict]:
    # Looked up again in the write transaction (SQLite's lock is taken here): a twin that got in first wins.
    earlier = _waiting(user.id, op_id)
    if earlier is not None:
        db.session.rollback()
        return _replayed(earlier, received)
    kept = keep_photo(processed, user.id, photo_dir)
    row = ReportPhoto(
        user_id=user.id, op_id=op_id, report_client_id=report_client_id, photo=kept.photo, content_sha256=received
    )
    try:
        db.session.add(row)
        db.session.commit()
    except IntegrityError:
        # A twin committed the same id meanwhile (PostgreSQL). Its photo may be this one, on the same
        # files: they stay; any left unused are found by sweep-photos.
        db.session.rollback()
        earlier = _waiting(user.id, op_id)
        if earlier is None:
            raise
        return _replayed(earlier, received)
    except Exception:
        kept.discard_files()
        db.session.rollback()
        raise
    return Outcome(_ack(row))


def _waiting(user_id: int, op_id: str) -> ReportPhoto | None:
    return db.session.get(ReportPhoto, (user_id, op_id), populate_existing=True)


def _count(user_id: int, report_client_id: str) -> int:
    return db.session.scalar(
        select(func.count()).where(ReportPhoto.user_id == user_id, ReportPhoto.report_client_id == report_client_id)
    )


def _replayed(earlier: ReportPhoto, received: str) -> Outcome[dict]:
    if earlier.content_sha256 != received:
        return Outcome.fail({"conflict": _l("This photo was already sent with other content.")}, 409)
    return Outcome(_ack(earlier))


def _ack(row: ReportPhoto) -> dict:
    photo = {"id": row.photo.id, "sha256": row.photo.sha256}
    return {"ok": True, "op": row.op_id, "photo": photo, "received_sha256": row.content_sha256}


@dataclass
class Claimed:
    photos: list[Photo] = field(default_factory=list)
    unlisted: list[int] = field(default_factory=list)  # photo ids taken off the form: released after the commit


def claim_report_photos(user_id: int, report_client_id: str, op_ids: list[str]) -> Claimed:
    """In the report's transaction: the photos it lists, in its order, no longer waiting; Refused (422) if
    one is not here (it never arrived, or waited too long and was swept)."""
    rows = db.session.scalars(
        select(ReportPhoto).where(ReportPhoto.user_id == user_id, ReportPhoto.report_client_id == report_client_id)
    ).all()
    by_op = {row.op_id: row for row in rows}
    if any(op_id not in by_op for op_id in op_ids):
        raise Refused(_l("A photo of this report is no longer on the server. Take it again."), 422)
    claimed = Claimed()
    for op_id in dict.fromkeys(op_ids):
        if by_op[op_id].photo not in claimed.photos:  # the same picture taken twice is shown once
            claimed.photos.append(by_op[op_id].photo)
    listed = {photo.id for photo in claimed.photos}
    claimed.unlisted = [row.photo_id for row in rows if row.photo_id not in listed]
    db.session.execute(
        delete(ReportPhoto).where(ReportPhoto.user_id == user_id, ReportPhoto.report_client_id == report_client_id)
    )
    return claimed
