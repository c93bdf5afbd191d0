"""Photos attached to an answer on a draft inspection."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, Inspection, Location, Photo, answer_photos
from patrol.services.inspections import AnswerSnapshot, DraftKey, open_draft
from patrol.services.outcome import Outcome
from patrol.services.photos import PhotoRejected, store_photo

MAX_PHOTOS_PER_ANSWER = 6


@dataclass(frozen=True)
class PhotoLimits:
    photo_dir: str
    max_bytes: int
    max_pixels: int


def _answer_on_draft(key: DraftKey, item: ChecklistItem) -> Outcome[Answer]:
    if item.version_id != key.version.id:
        return Outcome.fail({"photo": _l("This question is not on this checklist.")}, 404)
    draft = open_draft(key)
    if not draft.ok:
        return Outcome.fail(draft.errors, draft.status)
    answer = db.session.scalar(
        select(Answer).where(Answer.inspection_id == draft.value.id, Answer.item_id == item.id)
        .options(selectinload(Answer.photos))
    )
    if answer is None:
        return Outcome.fail({"photo": _l("Answer this item before adding a photo.")}, 409)
    return Outcome(answer)


def attach_photo(key: DraftKey, item: ChecklistItem, data: bytes, limits: PhotoLimits) -> Outcome[AnswerSnapshot]:
    """Store the photo and link it to this item's answer; on any failure no row and no new file stays."""
    found = _answer_on_draft(key, item)
    if not found.ok:
        db.session.rollback()
        return Outcome.fail(found.errors, found.status)
    answer = found.value
    if len(answer.photos) >= MAX_PHOTOS_PER_ANSWER:
        db.session.rollback()
        return Outcome.fail({"photo": _l("At most %(n)d photos per item.", n=MAX_PHOTOS_PER_ANSWER)}, 422)
    try:
        stored = store_photo(data, uploader=key.user, photo_dir=limits.photo_dir,
                             zone=key.location.site.zone, max_bytes=limits.max_bytes,
                             max_pixels=limits.max_pixels)
    except PhotoRejected as rejected:
        db.session.rollback()
        return Outcome.fail({"photo": rejected.message}, rejected.status)
    try:
        if stored.photo not in answer.photos:
            answer.photos.append(stored.photo)
        db.session.commit()
    except Exception:
        db.session.rollback()
        stored.discard_files()
        raise
    return Outcome(AnswerSnapshot.of(answer))


def detach_photo(key: DraftKey, item: ChecklistItem, photo_id: int) -> Outcome[AnswerSnapshot]:
    """Take a photo off a draft answer (the file stays: another answer may share it)."""
    found = _answer_on_draft(key, item)
    if not found.ok:
        db.session.rollback()
        return Outcome.fail(found.errors, found.status)
    answer = found.value
    answer.photos = [photo for photo in answer.photos if photo.id != photo_id]
    db.session.commit()
    return Outcome(AnswerSnapshot.of(answer))


def photo_visible_sites(photo: Photo) -> set[int]:
    """The sites whose inspections show this photo: who may see one of them may see it."""
    query = (
        select(Location.site_id)
        .join(Inspection, Inspection.location_id == Location.id)
        .join(Answer, Answer.inspection_id == Inspection.id)
        .join(answer_photos, answer_photos.c.answer_id == Answer.id)
        .where(answer_photos.c.photo_id == photo.id)
        .distinct()
    )
    return set(db.session.scalars(query))
