"""Photos that come with an action on a task (a fix, a re-check, a comment) or with a report (随手拍).

Each upload is checked by content and re-encoded like any answer's photo, with no transaction
open (a decode may take a while); then kept as a Photo row and files inside the caller's
transaction. If that transaction fails, `discard` removes the files it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from patrol.database import end_reading
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.photos import MAX_PHOTOS_PER_ANSWER, PhotoLimits
from patrol.models import Photo, Task, TaskEvent, task_event_photos
from patrol.models.task import OPEN_STATUSES
from patrol.outcome import Refused
from patrol.photos.processing import ProcessedPhoto, process_photo
from patrol.photos.store import KeptPhoto, keep_photo

MAX_PHOTOS = MAX_PHOTOS_PER_ANSWER  # with one action, as with one checklist item
# Comments go on for as long as a task does: all of them together take at most five comments' worth.
MAX_COMMENT_PHOTOS_PER_TASK = 5 * MAX_PHOTOS


def check_comment_photos(task: Task, adding: int) -> None:
    """Refused (422) unless a comment on this task may bring `adding` photos.

    A closed or cancelled task is a finished record: a comment on it may still be written, but
    brings no new evidence.
    """
    if not adding:
        return
    if task.status not in OPEN_STATUSES:
        raise Refused(_l("Photos cannot be added to a closed or cancelled task. Post the comment without them."), 422)
    already = comment_photo_count(task.id)
    if already + adding > MAX_COMMENT_PHOTOS_PER_TASK:
        raise Refused(
            _l(
                "The comments on a task can hold at most %(n)d photos, and this one has %(has)d already.",
                n=MAX_COMMENT_PHOTOS_PER_TASK,
                has=already,
            ),
            422,
        )


def comment_photo_count(task_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(task_event_photos)
        .join(TaskEvent, TaskEvent.id == task_event_photos.c.event_id)
        .where(TaskEvent.task_id == task_id, TaskEvent.kind == "comment")
    )


def lock_task(task: Task) -> None:
    """Hold the task's row until the commit (PostgreSQL; SQLite's write transaction already holds everything)."""
    db.session.execute(select(Task.id).where(Task.id == task.id).with_for_update())


def process_uploads(uploads: list[bytes], *, zone: ZoneInfo, limits: PhotoLimits, slots=None, wait: float = 0):
    """Check and re-encode each upload; Refused (4xx) names the first bad one. PhotosBusy comes through."""
    if len(uploads) > MAX_PHOTOS:
        raise Refused(_l("At most %(n)d photos at a time.", n=MAX_PHOTOS), 422)
    end_reading()
    processed: list[ProcessedPhoto] = []
    for number, data in enumerate(uploads, start=1):
        try:
            processed.append(
                process_photo(data, zone=zone, max_bytes=limits.max_bytes, pixels=limits.pixels, slots=slots, wait=wait)
            )
        except Refused as rejected:
            raise Refused(_l("Photo %(n)d: %(why)s", n=number, why=rejected.message), rejected.status) from None
    return processed


@dataclass
class KeptPhotos:
    photos: list[Photo] = field(default_factory=list)
    kept: list[KeptPhoto] = field(default_factory=list)

    def discard(self) -> None:
        """The transaction that was to link them failed: remove the files this request wrote."""
        for one in self.kept:
            one.discard_files()


def keep_all(processed: list[ProcessedPhoto], uploader_id: int, photo_dir: str) -> KeptPhotos:
    result = KeptPhotos()
    try:
        for photo in processed:
            kept = keep_photo(photo, uploader_id, photo_dir)
            result.kept.append(kept)
            result.photos.append(kept.photo)
    except OSError:
        result.discard()
        raise
    return result


def read_uploads(files, name: str, max_bytes: int) -> list[bytes]:
    """The bytes of each file sent under this form field name (empty file inputs skipped)."""
    return [upload.stream.read(max_bytes + 1) for upload in files.getlist(name) if upload and upload.filename]
