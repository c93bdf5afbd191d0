"""The photo service: what an upload becomes on disk and in the database, and what it is refused for."""
from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import Photo
from patrol.services.photos import PhotoRejected, store_photo
from tests.factories import jpeg_bytes, png_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")

ORIENTATION = 0x0112
MAKE = 0x010F
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


# --- building uploads --------------------------------------------------------------------------

def camera_exif(*, taken: str = "2024:03:05 08:30:00", offset: str | None = None,
                orientation: int = 6) -> Image.Exif:
    """EXIF as a phone writes it: orientation, maker, capture time and a GPS fix."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PatrolPhoneMaker"
    sub = exif.get_ifd(EXIF_IFD)
    sub[DATETIME_ORIGINAL] = taken
    if offset is not None:
        sub[OFFSET_TIME_ORIGINAL] = offset
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (31.0, 14.0, 5.5)
    gps[3], gps[4] = "E", (121.0, 28.0, 12.25)
    return exif


def left_red_right_blue_jpeg(width: int, height: int, exif: Image.Exif) -> bytes:
    """A landscape picture whose left half is red and right half blue, so a rotation is visible."""
    image = Image.new("RGB", (width, height), (0, 0, 220))
    image.paste((220, 0, 0), (0, 0, width // 2, height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def noisy_jpeg(width: int = 800, height: int = 600, seed: int = 7) -> bytes:
    """A JPEG whose bytes are mostly entropy-coded image data (noise does not compress)."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (64, 64), 3).save(out, "GIF")
    return out.getvalue()


def declared_size_png(width: int, height: int) -> bytes:
    """A complete, valid 1-bit greyscale PNG of this size, all black.

    The pixels are compressed row by row, so a 20000x20000 picture takes a few dozen KB on disk
    and never needs its 400 MB of pixels in memory on the test's side.
    """
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes((width + 7) // 8)  # filter type 0, then the packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- calling the service -----------------------------------------------------------------------

@pytest.fixture
def uploader(make):
    return make.user("butler", sites=[make.site()])


def store(app, data: bytes, uploader, **limits):
    return store_photo(
        data, uploader=uploader, photo_dir=app.config["PATROL_PHOTO_DIR"], zone=SHANGHAI,
        max_bytes=limits.get("max_bytes", app.config["PATROL_MAX_PHOTO_BYTES"]),
        max_pixels=limits.get("max_pixels", app.config["PATROL_MAX_PHOTO_PIXELS"]),
    )


def store_and_commit(app, data: bytes, uploader) -> Photo:
    stored = store(app, data, uploader)
    db.session.commit()
    return stored.photo


def photo_root(app) -> Path:
    return Path(app.config["PATROL_PHOTO_DIR"])


def files_under_photo_dir(app) -> list[Path]:
    root = photo_root(app)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def photo_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Photo))


def open_stored(app, relative: str) -> Image.Image:
    image = Image.open(photo_root(app) / relative)
    image.load()
    return image


def refuse(app, data: bytes, uploader, **limits) -> PhotoRejected:
    """Store an upload that must be refused; the caller's transaction is rolled back as the view does."""
    with pytest.raises(PhotoRejected) as refused:
        store(app, data, uploader, **limits)
    db.session.rollback()
    return refused.value


def english(message) -> str:
    with force_locale("en"):
        return str(message)


# --- what a good upload becomes ----------------------------------------------------------------

def test_rotated_camera_photo_is_stored_upright(app, uploader):
    photo = store_and_commit(app, left_red_right_blue_jpeg(800, 600, camera_exif(orientation=6)), uploader)

    stored = open_stored(app, photo.relative_path)
    assert stored.size == (600, 800)
    assert (photo.width, photo.height) == (600, 800)
    # Orientation 6 means "turn 90° clockwise to view": the left (red) half ends up on top.
    top, bottom = stored.getpixel((300, 100)), stored.getpixel((300, 700))
    assert top[0] > 180 and top[2] < 60
    assert bottom[2] > 180 and bottom[0] < 60


def test_stored_photo_and_thumbnail_carry_no_exif_gps_or_device(app, uploader):
    upload = left_red_right_blue_jpeg(800, 600, camera_exif())
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(GPS_IFD)  # the upload does carry a GPS fix

    photo = store_and_commit(app, upload, uploader)

    for relative in (photo.relative_path, photo.relative_thumb_path):
        stored = open_stored(app, relative)
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info
        assert b"PatrolPhoneMaker" not in (photo_root(app) / relative).read_bytes()


def test_capture_time_without_offset_is_read_in_shanghai_time(app, uploader):
    photo = store_and_commit(app, jpeg_bytes(exif=camera_exif(taken="2024:03:05 08:30:00")), uploader)

    assert photo.taken_at == datetime(2024, 3, 5, 0, 30, tzinfo=timezone.utc)


def test_capture_time_with_offset_uses_the_offset_the_camera_wrote(app, uploader):
    upload = jpeg_bytes(exif=camera_exif(taken="2024:03:05 08:30:00", offset="+09:00"))

    photo = store_and_commit(app, upload, uploader)

    assert photo.taken_at == datetime(2024, 3, 4, 23, 30, tzinfo=timezone.utc)


def test_capture_time_survives_the_round_trip_through_the_database(app, uploader):
    photo_id = store_and_commit(app, jpeg_bytes(exif=camera_exif(taken="2023:12:31 23:59:59")), uploader).id
    db.session.expunge_all()

    reloaded = db.session.get(Photo, photo_id)

    assert reloaded.taken_at == datetime(2023, 12, 31, 15, 59, 59, tzinfo=timezone.utc)


def test_photo_without_capture_time_has_no_taken_at(app, uploader):
    assert store_and_commit(app, jpeg_bytes(), uploader).taken_at is None


def test_large_photo_is_scaled_to_1600_px_with_a_320_px_thumbnail(app, uploader):
    photo = store_and_commit(app, jpeg_bytes(4000, 3000), uploader)

    full = open_stored(app, photo.relative_path)
    thumb = open_stored(app, photo.relative_thumb_path)
    assert full.format == thumb.format == "JPEG"
    assert max(full.size) <= 1600 and full.size == (1600, 1200)
    assert max(thumb.size) <= 320 and thumb.size == (320, 240)
    assert (photo.width, photo.height) == full.size
    assert photo.byte_size == (photo_root(app) / photo.relative_path).stat().st_size


def test_file_name_is_the_sha256_of_the_stored_bytes(app, uploader):
    photo = store_and_commit(app, noisy_jpeg(), uploader)

    path = photo_root(app) / photo.relative_path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert photo.sha256 == digest
    assert path.name == f"{digest}.jpg"
    assert path.parent.name == digest[:2]


def test_same_upload_twice_is_stored_once(app, uploader):
    upload = noisy_jpeg()

    first = store(app, upload, uploader)
    db.session.commit()
    second = store(app, upload, uploader)
    db.session.commit()

    assert second.photo.id == first.photo.id
    assert second.new_files == []
    assert photo_rows() == 1
    digest = first.photo.sha256
    assert [path.name for path in files_under_photo_dir(app)] == [f"{digest}.jpg", f"{digest}.thumb.jpg"]


def test_png_with_transparency_is_stored_as_rgb_jpeg_on_white(app, uploader):
    photo = store_and_commit(app, png_bytes(300, 200, mode="RGBA"), uploader)

    stored = open_stored(app, photo.relative_path)
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert stored.size == (300, 200)
    # Half-transparent green (0, 120, 0, 128) laid on white, not on black.
    red, green, blue = stored.getpixel((150, 100))
    assert 110 <= red <= 145 and 170 <= green <= 205 and 110 <= blue <= 145


# --- what is refused, and that a refusal leaves nothing behind ---------------------------------

def test_text_file_is_refused_as_not_a_photo(app, uploader):
    refused = refuse(app, b"Fire extinguisher checked, all fine.\n" * 20, uploader)

    assert refused.status == 415
    assert english(refused.message) == "That file is not a photo."
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_gif_is_refused_as_an_unaccepted_format(app, uploader):
    refused = refuse(app, gif_bytes(), uploader)

    assert refused.status == 415
    assert english(refused.message) == "Only JPEG and PNG photos can be attached."
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_truncated_jpeg_is_refused_as_damaged(app, uploader):
    whole = noisy_jpeg()

    refused = refuse(app, whole[: len(whole) // 2], uploader)

    assert refused.status == 422
    assert english(refused.message) == "The photo is damaged or incomplete. Take it again."
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_upload_over_the_byte_limit_is_refused_as_too_large(app, uploader):
    upload = noisy_jpeg()

    refused = refuse(app, upload, uploader, max_bytes=len(upload) - 1)

    assert refused.status == 413
    assert "larger than" in english(refused.message)
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_upload_exactly_at_the_byte_limit_is_accepted(app, uploader):
    upload = noisy_jpeg()

    store(app, upload, uploader, max_bytes=len(upload))
    db.session.commit()

    assert photo_rows() == 1


def test_decompression_bomb_is_refused_without_decoding_it(app, uploader):
    bomb = declared_size_png(20000, 20000)
    assert len(bomb) < 200_000  # 400 million pixels in a small file

    refused = refuse(app, bomb, uploader)

    assert refused.status == 422
    assert english(refused.message) == "The photo has too many pixels to be a camera picture."
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_picture_over_the_configured_pixel_limit_is_refused(app, uploader):
    # 64 megapixels: under Pillow's own bomb threshold, over the app's 50 MP limit.
    assert app.config["PATROL_MAX_PHOTO_PIXELS"] < 8000 * 8000 < Image.MAX_IMAGE_PIXELS

    refused = refuse(app, declared_size_png(8000, 8000), uploader)

    assert refused.status == 422
    assert english(refused.message) == "The photo has too many pixels to be a camera picture."
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_refused_upload_after_a_stored_one_leaves_the_stored_one_alone(app, uploader):
    kept = store_and_commit(app, noisy_jpeg(), uploader)
    before = files_under_photo_dir(app)

    refuse(app, random.Random(1).randbytes(5000), uploader)

    assert db.session.scalars(select(Photo.sha256)).all() == [kept.sha256]
    assert files_under_photo_dir(app) == before
