"""The photo store: one row and two files per picture hash, removed when no answer shows them.

Files and rows stay in step under one rule: a photo's two files are written or deleted only
while its row is locked (its own INSERT, FOR KEY SHARE when attaching, FOR UPDATE when
deleting), and files with no row only while the whole table is; on SQLite every writer holds
the database lock anyway. So an attach and a delete of the same hash never interleave.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, exists, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from patrol.database import insert_ignoring_duplicates, utcnow
from patrol.extensions import db
from patrol.models import Photo, RegisterLine, ReportPhoto, answer_photos, task_event_photos
from patrol.photos.processing import ProcessedPhoto
from patrol.private_files import make_private_dir, write_private_bytes

# What the photo folder holds: <2 hex>/<sha256>.jpg and .thumb.jpg, and .tmp files mid-write.
# A report's photo that arrived without its report is kept this long for the report to claim it.
UNCLAIMED_REPORT_PHOTO_DAYS = 7
STORED_NAME = re.compile(r"(?P<tmp>\.)?(?P<sha256>[0-9a-f]{64})\.(?:thumb\.)?jpg(?(tmp)\.[0-9a-f]+\.tmp)")
log = logging.getLogger(__name__)


@dataclass
class KeptPhoto:
    photo: Photo
    # Files this upload wrote; removed again if the surrounding transaction fails.
    new_files: list[Path] = field(default_factory=list)

    def discard_files(self) -> None:
        for path in self.new_files:
            path.unlink(missing_ok=True)


def keep_photo(photo: ProcessedPhoto, uploader_id: int, photo_dir: str) -> KeptPhoto:
    """The Photo row for this hash, inserted unless there, locked until commit, with its files on disk."""
    row = _claim_row(photo, uploader_id)
    kept = KeptPhoto(row)
    root = Path(photo_dir)
    try:
        for relative, content in ((row.relative_path, photo.full), (row.relative_thumb_path, photo.thumb)):
            if _write_once(root / relative, content):
                kept.new_files.append(root / relative)
    except OSError:
        kept.discard_files()  # the picture without its thumbnail would be half a photo
        raise
    return kept


def _claim_row(photo: ProcessedPhoto, uploader_id: int) -> Photo:
    # INSERT … ON CONFLICT DO NOTHING: an upload of the same picture committing meanwhile is
    # no error (a plain INSERT raised UniqueViolation). FOR KEY SHARE then keeps a concurrent
    # release from deleting the row before this link commits; if one deleted it in between,
    # the next round inserts it again.
    values = {
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "byte_size": len(photo.full),
        "taken_at": photo.taken_at,
        "uploaded_by_id": uploader_id,
        "uploaded_at": utcnow(),
    }
    for _attempt in range(3):
        insert_ignoring_duplicates(Photo, values, unique=["sha256"])
        row = db.session.scalar(
            select(Photo)
            .where(Photo.sha256 == photo.sha256)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        if row is not None:
            return row
    raise RuntimeError(f"photo {photo.sha256} was deleted three times while being attached")


def release_photos(photo_ids: list[int], photo_dir: str) -> list[str]:
    """Delete each of these photos that nothing links any more, row and files; the hashes removed.

    Runs after the unlinking commit, one photo per transaction. A photo linked again meanwhile
    stays; a failure is logged, not raised — the unlinking already happened, and
    `flask patrol sweep-photos` finds whatever is left.
    """
    removed = []
    for photo_id in photo_ids:
        try:
            sha256 = _delete_if_unused(photo_id, Path(photo_dir))
            db.session.commit()
        except (SQLAlchemyError, OSError):
            db.session.rollback()
            log.warning("photo %s not released; sweep-photos will retry", photo_id, exc_info=True)
            continue
        if sha256 is not None:
            removed.append(sha256)
    return removed


def _delete_if_unused(photo_id: int, root: Path) -> str | None:
    """Delete the photo's row and files if no answer links it, holding its row lock; its hash if deleted."""
    photo = db.session.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
    if photo is None or db.session.scalar(select(_linked(photo_id))):
        return None
    files = [root / photo.relative_path, root / photo.relative_thumb_path]
    db.session.execute(delete(Photo).where(Photo.id == photo_id))
    for path in files:  # still under the row lock: see the top of this module
        path.unlink(missing_ok=True)
    return photo.sha256


def _linked(photo_id):
    """Whether an answer, a task's timeline or a model room's register (any version: counts are pinned to
    old ones) shows this photo, or a report still to come will."""
    return or_(
        exists().where(answer_photos.c.photo_id == photo_id),
        exists().where(task_event_photos.c.photo_id == photo_id),
        exists().where(ReportPhoto.photo_id == photo_id),
        exists().where(RegisterLine.photo_id == photo_id),
    )


def _write_once(path: Path, content: bytes) -> bool:
    """Write the file unless it is already there (same hash, same bytes); True if written."""
    if path.exists():
        return False
    make_private_dir(path.parent)
    # A name of its own: two threads may write the same picture at once (shared row lock).
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    write_private_bytes(tmp, content)
    tmp.replace(path)
    return True


@dataclass
class Sweep:
    photos: list[str]  # hashes whose row and files were removed
    files: list[Path]  # files no photo row names


def sweep_photos(photo_dir: str, grace: timedelta, *, dry_run: bool = False) -> Sweep:
    """Remove the photos nothing links, then the files no photo row names; both only if older than `grace`.

    The grace period leaves alone whatever an upload in flight is writing right now.
    """
    cutoff = utcnow() - grace
    if not dry_run:
        _forget_unclaimed_report_photos(utcnow() - timedelta(days=UNCLAIMED_REPORT_PHOTO_DAYS))
    unlinked = db.session.execute(
        select(Photo.id, Photo.sha256).where(Photo.uploaded_at < cutoff, ~_linked(Photo.id))
    ).all()
    db.session.rollback()
    if dry_run:
        photos = [sha256 for _id, sha256 in unlinked]
    else:
        photos = release_photos([photo_id for photo_id, _sha256 in unlinked], photo_dir)
    return Sweep(photos, _sweep_files(Path(photo_dir), cutoff, dry_run))


def _forget_unclaimed_report_photos(before: datetime) -> None:
    """The photos of reports that never came: no longer waited for, so swept with the other unlinked ones."""
    db.session.execute(delete(ReportPhoto).where(ReportPhoto.created_at < before))
    db.session.commit()


def _sweep_files(root: Path, cutoff: datetime, dry_run: bool) -> list[Path]:
    by_hash: dict[str, list[Path]] = {}
    stray = []
    for path in sorted(root.glob("??/*")) if root.is_dir() else []:
        match = STORED_NAME.fullmatch(path.name)
        if match and path.is_file() and path.stat().st_mtime < cutoff.timestamp():
            # A .tmp file is a write that never finished: stray whether or not its photo exists.
            (stray if match["tmp"] else by_hash.setdefault(match["sha256"], [])).append(path)
    if by_hash and not dry_run and db.engine.dialect.name == "postgresql":
        # No upload can insert a hash (and write its files) while those files are judged here.
        db.session.execute(text("LOCK TABLE photos IN SHARE ROW EXCLUSIVE MODE"))
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        known = set(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(chunk))))
        stray += [path for sha256 in chunk if sha256 not in known for path in by_hash[sha256]]
    if not dry_run:
        for path in stray:
            path.unlink(missing_ok=True)
    db.session.commit()
    return sorted(stray)
