"""Photos from the field: verified by content, re-encoded without metadata, stored once by hash."""
from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Photo, User

MAX_SIDE = 1600
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "PNG"}

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
DATETIME = 0x0132

try:  # HEIC from iPhones, when pillow-heif is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    ACCEPTED_FORMATS.add("HEIF")
except ImportError:  # pragma: no cover - optional
    pass


class PhotoRejected(Exception):
    """An upload we will not keep, with the words to tell the user and the HTTP status."""

    def __init__(self, message, status: int = 422):
        super().__init__(str(message))
        self.message = message
        self.status = status


@dataclass
class StoredPhoto:
    photo: Photo
    # Files this upload wrote; removed again if the surrounding transaction fails.
    new_files: list[Path] = field(default_factory=list)

    def discard_files(self) -> None:
        for path in self.new_files:
            path.unlink(missing_ok=True)


def store_photo(data: bytes, *, uploader: User, photo_dir: str, zone: ZoneInfo,
                max_bytes: int, max_pixels: int) -> StoredPhoto:
    """Check, re-encode and store an upload; the Photo row is added to the session, not committed."""
    if len(data) > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):.1f}".removesuffix(".0")
        raise PhotoRejected(_l("The photo is larger than %(limit)s MB.", limit=limit), 413)
    full, thumb, width, height, taken_at = _reencode(data, zone, max_pixels)
    digest = hashlib.sha256(full).hexdigest()
    photo = db.session.scalar(select(Photo).where(Photo.sha256 == digest))
    stored = StoredPhoto(photo)
    if photo is None:
        photo = Photo(sha256=digest, width=width, height=height, byte_size=len(full),
                      taken_at=taken_at, uploaded_by_id=uploader.id)
        db.session.add(photo)
        stored.photo = photo
    root = Path(photo_dir)
    for relative, content in ((photo.relative_path, full), (photo.relative_thumb_path, thumb)):
        if _write_once(root / relative, content):
            stored.new_files.append(root / relative)
    return stored


def _reencode(data: bytes, zone: ZoneInfo, max_pixels: int):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoRejected(_l("Only JPEG and PNG photos can be attached."), 415)
            if image.width * image.height > max_pixels:
                raise PhotoRejected(_l("The photo has too many pixels to be a camera picture."))
            exif = image.getexif()
            taken_at = _taken_at(exif, zone)
            if image.format == "JPEG":
                # Decode at a reduced scale straight from the DCT: far less time and memory.
                image.draft("RGB", _fit(image.size, MAX_SIDE))
            image.load()
    except UnidentifiedImageError:
        raise PhotoRejected(_l("That file is not a photo."), 415) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_l("The photo has too many pixels to be a camera picture.")) from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoRejected(_l("The photo is damaged or incomplete. Take it again.")) from None
    image = ImageOps.exif_transpose(image)
    image = _flatten(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    full = _jpeg(image, 85)
    small = image.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return full, _jpeg(small, 80), image.width, image.height, taken_at


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size with the same proportions whose long side is `longest` (draft wants both sides)."""
    width, height = size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= argument: the stored file carries no metadata (GPS, device) at all.
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _taken_at(exif: Image.Exif, zone: ZoneInfo) -> datetime | None:
    """The capture time the camera wrote, as UTC; a time without offset is read in the site's zone."""
    sub = exif.get_ifd(EXIF_IFD)
    raw = sub.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str) and len(offset) == 6 and offset[0] in "+-":
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
        return local.replace(tzinfo=timezone(delta)).astimezone(timezone.utc)
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def _write_once(path: Path, content: bytes) -> bool:
    """Write the file unless it is already there (same hash, same bytes); True if written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return True
