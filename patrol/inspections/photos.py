"""Photos attached to an answer on a draft inspection, and who may see a photo."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from patrol.database import end_reading
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.drafts import AnswerSnapshot, DraftKey, inspection_by_client_id, open_draft
from patrol.models import (
    Answer,
    ChecklistItem,
    Inspection,
    Location,
    Photo,
    RegisterLine,
    RegisterVersion,
    Task,
    TaskEvent,
    User,
    answer_photos,
    task_event_photos,
    user_sites,
)
from patrol.models.client_op import ClientOp
from patrol.outcome import Outcome, Refused
from patrol.photos.processing import PixelLimits, ProcessedPhoto, hinted_taken_at, process_photo
from patrol.photos.store import keep_photo, release_photos

MAX_PHOTOS_PER_ANSWER = 6


@dataclass(frozen=True)
class PhotoLimits:
    photo_dir: str
    max_bytes: int
    max_pixels: int  # a JPEG decoded at reduced scale
    max_pixels_full_decode: int = 4096 * 3072  # everything else (PATROL_MAX_PHOTO_PIXELS_FULL_DECODE)

    @property
    def pixels(self) -> PixelLimits:
        return PixelLimits(scaled=self.max_pixels, full=self.max_pixels_full_decode)


@dataclass(frozen=True)
class PhotoOp:
    """A photo sent by a phone's outbox: the id it gave the upload, and the hash of the bytes it sent."""

    op_id: str
    sha256: str | None = None
    # The capture time the phone read from the photo before shrinking it (its EXIF is gone then).
    taken_at: str | None = None


def attach_photo(
    key: DraftKey, item: ChecklistItem, data: bytes, limits: PhotoLimits, op: PhotoOp, *, slots=None, wait: float = 0
) -> Outcome[dict]:
    """Check, process and link a photo the outbox sent; its acknowledgement, the same one again for a repeat.

    The decode runs with no transaction open, so nobody waits on it; PhotosBusy comes through when no
    decode slot freed up in `wait` seconds. A repeat is answered before any decoding. Bytes that are
    not what the phone says it sent (a cut connection) are refused with "incomplete" (400), to be
    sent again; the same id with other bytes is a conflict (409).
    """
    arrived = received_whole(data, op, limits)
    if not arrived.ok:
        end_reading()
        return Outcome.fail(arrived.errors, arrived.status)
    received = arrived.value
    earlier = _delivered(key.user.id, op.op_id)
    if earlier is not None:
        end_reading()
        return _replayed(earlier, key, received)
    zone = key.location.site.zone
    processed = _processed(key, item, data, limits, slots, wait)
    if not processed.ok:
        return Outcome.fail(processed.errors, processed.status)
    photo = processed.value
    if photo.taken_at is None:  # shrunk on the phone: the time it read there, if it sent one
        photo = replace(photo, taken_at=hinted_taken_at(op.taken_at, zone))
    return _link(key, item, photo, limits.photo_dir, op, received)


def received_whole(data: bytes, op: PhotoOp, limits: PhotoLimits) -> Outcome[str]:
    """The SHA-256 of the bytes that came; "incomplete" (400, to be sent again) when they are not the
    bytes the phone sent, cut off on the way. Only one byte past the size limit is read, so a photo
    over it cannot match its hash: it came whole, and is refused as too large (413) by processing."""
    received = hashlib.sha256(data).hexdigest()
    if op.sha256 and op.sha256.lower() != received and len(data) <= limits.max_bytes:
        return Outcome.fail({"incomplete": _l("The photo did not arrive whole. It will be sent again.")}, 400)
    return Outcome(received)


def _processed(key, item, data, limits: PhotoLimits, slots, wait) -> Outcome[ProcessedPhoto]:
    zone = key.location.site.zone
    room = _room_for_photo(key, item)
    end_reading()
    if not room.ok:
        return Outcome.fail(room.errors, room.status)
    try:
        photo = process_photo(data, zone=zone, max_bytes=limits.max_bytes, pixels=limits.pixels, slots=slots, wait=wait)
    except Refused as rejected:
        return Outcome.fail({"photo": rejected.message}, rejected.status)
    return Outcome(photo)


def _delivered(user_id: int, op_id: str) -> ClientOp | None:
    """This person's operation under that id: another person's id, however it was learnt, is not theirs
    to replay or to block (each phone's ids are scoped to whoever made them)."""
    return db.session.get(ClientOp, (user_id, op_id), populate_existing=True)


def _replayed(earlier: ClientOp, key: DraftKey, received: str) -> Outcome[dict]:
    """The first acknowledgement again, unless this is not the same upload (other bytes)."""
    if earlier.content_sha256 != received:
        return Outcome.fail({"conflict": _l("This photo was already sent with other content.")}, 409)
    return Outcome(dict(earlier.ack))


def _room_for_photo(key: DraftKey, item: ChecklistItem) -> Outcome[None]:
    """Whether the answer can take one more photo: reads only, so it is cheap to ask before decoding."""
    if inspection_by_client_id(key.client_id) is None:  # no draft yet, so no answer either
        return Outcome.fail({"photo": _l("Answer this item before adding a photo.")}, 409)
    found = _answer_on_draft(key, item)
    if found.ok and len(found.value.photos) >= MAX_PHOTOS_PER_ANSWER:
        return Outcome.fail({"photo": _too_many()}, 422)
    return Outcome(None) if found.ok else Outcome.fail(found.errors, found.status)


def _link(key: DraftKey, item: ChecklistItem, photo: ProcessedPhoto, photo_dir: str, op: PhotoOp, received: str):
    """Keep a processed photo, link it to the item's answer and remember the operation with its
    acknowledgement, all in one commit; on failure no row and no new file stays."""
    # Counted again under the draft's lock: two uploads that passed the early check together
    # cannot both squeeze in. The operation is looked up again under it too: a twin that got
    # there first has its acknowledgement given back.
    found = _answer_on_draft(key, item)
    if not found.ok:
        db.session.rollback()
        return Outcome.fail(found.errors, found.status)
    earlier = _delivered(key.user.id, op.op_id)
    if earlier is not None:
        db.session.rollback()
        return _replayed(earlier, key, received)
    answer = found.value
    shown = next((shown for shown in answer.photos if shown.sha256 == photo.sha256), None)  # a retried upload
    if shown is None and len(answer.photos) >= MAX_PHOTOS_PER_ANSWER:
        db.session.rollback()
        return Outcome.fail({"photo": _too_many()}, 422)
    kept = None
    try:
        if shown is None:
            kept = keep_photo(photo, key.user.id, photo_dir)
            answer.photos.append(kept.photo)
            shown = kept.photo
        ack = _remember(op, received, key, answer, shown)
        db.session.commit()
    except Exception:
        if kept is not None:
            kept.discard_files()  # before the rollback, while the row is still locked for us
        db.session.rollback()
        raise
    return Outcome(ack)


def _remember(op: PhotoOp, received: str, key: DraftKey, answer: Answer, photo: Photo) -> dict:
    """Record the outbox operation with its acknowledgement, in the transaction that links the photo."""
    ack = {
        "ok": True,
        "op": op.op_id,
        "item": answer.item_id,
        "photo": {"id": photo.id, "sha256": photo.sha256},
        "received_sha256": received,
    }
    db.session.add(
        ClientOp(
            op_id=op.op_id,
            kind="photo",
            user_id=key.user.id,
            inspection_id=answer.inspection_id,
            content_sha256=received,
            ack=ack,
        )
    )
    return ack


def detach_photo(key: DraftKey, item: ChecklistItem, photo_id: int, photo_dir: str) -> Outcome[AnswerSnapshot]:
    """Take a photo off a draft answer; once nothing shows it any more, its row and files go too."""
    found = _answer_on_draft(key, item)
    if not found.ok:
        db.session.rollback()
        return Outcome.fail(found.errors, found.status)
    answer = found.value
    kept = [photo for photo in answer.photos if photo.id != photo_id]
    was_here = len(kept) < len(answer.photos)
    answer.photos = kept
    db.session.commit()
    snapshot = AnswerSnapshot.of(answer)
    if was_here:
        release_photos([photo_id], photo_dir)
    return Outcome(snapshot)


def _answer_on_draft(key: DraftKey, item: ChecklistItem) -> Outcome[Answer]:
    if item.version_id != key.version.id:
        return Outcome.fail({"photo": _l("This question is not on this checklist.")}, 404)
    draft = open_draft(key)
    if not draft.ok:
        return Outcome.fail(draft.errors, draft.status)
    answer = db.session.scalar(
        select(Answer)
        .where(Answer.inspection_id == draft.value.id, Answer.item_id == item.id)
        .options(selectinload(Answer.photos))
        .execution_options(populate_existing=True)
    )
    if answer is None:
        return Outcome.fail({"photo": _l("Answer this item before adding a photo.")}, 409)
    return Outcome(answer)


def _too_many():
    return _l("At most %(n)d photos per item.", n=MAX_PHOTOS_PER_ANSWER)


def photo_for_viewer(sha256: str, user: User) -> tuple[Photo | None, bool]:
    """The photo with this hash, and whether this person may see it, in one query.

    Administrators see every photo, and anyone one they uploaded. Until its inspection is submitted
    only the inspector sees it; once submitted, whoever sees the inspection's site. A photo on a
    task's timeline (a fix, a report), whoever sees the task's site. A model room's reference photo
    (its register), whoever sees the room's site.
    """
    if user.role == "admin":
        return db.session.scalar(select(Photo).where(Photo.sha256 == sha256)), True
    their_sites = select(user_sites.c.site_id).where(user_sites.c.user_id == user.id)
    shown_to_them = (
        select(answer_photos.c.photo_id)
        .join(Answer, Answer.id == answer_photos.c.answer_id)
        .join(Inspection, Inspection.id == Answer.inspection_id)
        .join(Location, Location.id == Inspection.location_id)
        .where(
            answer_photos.c.photo_id == Photo.id,
            or_(
                and_(Inspection.status != "submitted", Inspection.inspector_id == user.id),
                and_(Inspection.status == "submitted", Location.site_id.in_(their_sites)),
            ),
        )
        .exists()
    )
    on_their_tasks = (
        select(task_event_photos.c.photo_id)
        .join(TaskEvent, TaskEvent.id == task_event_photos.c.event_id)
        .join(Task, Task.id == TaskEvent.task_id)
        .where(task_event_photos.c.photo_id == Photo.id, Task.site_id.in_(their_sites))
        .exists()
    )
    on_their_registers = (
        select(RegisterLine.photo_id)
        .join(RegisterVersion, RegisterVersion.id == RegisterLine.version_id)
        .join(Location, Location.id == RegisterVersion.location_id)
        .where(RegisterLine.photo_id == Photo.id, Location.site_id.in_(their_sites))
        .exists()
    )
    visible = or_(Photo.uploaded_by_id == user.id, shown_to_them, on_their_tasks, on_their_registers)
    row = db.session.execute(select(Photo, visible).where(Photo.sha256 == sha256)).first()
    return (None, False) if row is None else (row[0], bool(row[1]))
