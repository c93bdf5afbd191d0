"""Photos that come with an action on a task (a fix, a re-check) or with a report (随手拍).

Each upload is checked by content and re-encoded like any answer's photo, with no transaction
open (a decode may take a while); then kept as a Photo row and files inside the caller's
transaction. If that transaction fails, `discard` removes the files it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from patrol.database import end_reading
from patrol.i18n import lazy_gettext as _l
from patrol.models import Photo
from patrol.services.evidence import PhotoLimits
from patrol.services.photo_store import KeptPhoto, keep_photo
from patrol.services.photos import PhotoRejected, ProcessedPhoto, process_photo
from patrol.services.task_rules import Refused

MAX_PHOTOS = 6


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
        except PhotoRejected as rejected:
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
