"""The photo service: what an upload becomes on disk and in the database, and what it is refused for."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import threading
import zlib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import func, select

from bench.photo_worst_case import multi_scan_jpeg
from patrol.extensions import db
from patrol.models import Photo
from patrol.outcome import Refused
from patrol.photos.processing import PhotosBusy, PixelLimits, process_photo
from patrol.photos.store import keep_photo
from tests.factories import jpeg_bytes, png_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")

ORIENTATION = 0x0112
MAKE = 0x010F
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


# --- building uploads --------------------------------------------------------------------------


def camera_exif(*, taken: str = "2024:03:05 08:30:00", offset: str | None = None, orientation: int = 6) -> Image.Exif:
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
    """Process an upload as the view does, then keep it by hash (the Photo row is not committed)."""
    pixels = PixelLimits(
        scaled=limits.get("max_pixels", app.config["PATROL_MAX_PHOTO_PIXELS"]),
        full=limits.get("max_pixels_full", app.config["PATROL_MAX_PHOTO_PIXELS_FULL_DECODE"]),
    )
    photo = process_photo(
        data, zone=SHANGHAI, pixels=pixels, max_bytes=limits.get("max_bytes", app.config["PATROL_MAX_PHOTO_BYTES"])
    )
    return keep_photo(photo, uploader.id, app.config["PATROL_PHOTO_DIR"])


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


def refuse(app, data: bytes, uploader, **limits) -> Refused:
    """Store an upload that must be refused; the caller's transaction is rolled back as the view does."""
    with pytest.raises(Refused) as refused:
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

    assert photo.taken_at == datetime(2024, 3, 5, 0, 30, tzinfo=UTC)


def test_capture_time_with_offset_uses_the_offset_the_camera_wrote(app, uploader):
    upload = jpeg_bytes(exif=camera_exif(taken="2024:03:05 08:30:00", offset="+09:00"))

    photo = store_and_commit(app, upload, uploader)

    assert photo.taken_at == datetime(2024, 3, 4, 23, 30, tzinfo=UTC)


def test_capture_time_survives_the_round_trip_through_the_database(app, uploader):
    photo_id = store_and_commit(app, jpeg_bytes(exif=camera_exif(taken="2023:12:31 23:59:59")), uploader).id
    db.session.expunge_all()

    reloaded = db.session.get(Photo, photo_id)

    assert reloaded.taken_at == datetime(2023, 12, 31, 15, 59, 59, tzinfo=UTC)


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


def test_png_over_the_full_decode_limit_is_refused_before_decoding(app, uploader):
    # Every pixel of a PNG is held in memory: a lower limit than for a JPEG (bench/photo_worst_case.md).
    side = 4100
    assert app.config["PATROL_MAX_PHOTO_PIXELS_FULL_DECODE"] < side * side < app.config["PATROL_MAX_PHOTO_PIXELS"]

    refused = refuse(app, declared_size_png(side, side), uploader)

    assert refused.status == 422
    assert english(refused.message) == "The photo has too many pixels to be a camera picture."
    assert photo_rows() == 0
    assert files_under_photo_dir(app) == []


def test_baseline_jpeg_over_the_png_limit_is_decoded_at_reduced_scale_and_kept(app, uploader):
    photo = store_and_commit(app, jpeg_bytes(6000, 4000), uploader)

    assert (photo.width, photo.height) == (1600, 1067)


def test_jpeg_over_the_jpeg_limit_is_refused(app, uploader):
    refused = refuse(app, jpeg_bytes(3000, 2000), uploader, max_pixels=3000 * 2000 - 1)

    assert english(refused.message) == "The photo has too many pixels to be a camera picture."


@pytest.mark.parametrize(
    "jpeg",
    [
        pytest.param(lambda: jpeg_bytes(3000, 2000, progressive=True), id="progressive"),
        # Called baseline by its frame, but one scan per colour: libjpeg holds every coefficient.
        pytest.param(lambda: multi_scan_jpeg(3000, 2000), id="baseline-multi-scan"),
    ],
)
def test_jpeg_that_cannot_be_decoded_at_reduced_scale_is_held_to_the_full_decode_limit(app, uploader, jpeg):
    refused = refuse(app, jpeg(), uploader, max_pixels_full=3000 * 2000 - 1)

    assert english(refused.message) == "The photo has too many pixels to be a camera picture."
    photo = store_and_commit(app, jpeg(), uploader)  # within the limit, it is kept like any other
    assert (photo.width, photo.height) == (1600, 1067)


def test_large_transparent_png_is_flattened_strip_by_strip_without_seams(app, uploader):
    # 4001 x 3001: shrunk by 2 in strips whose edges would show as lines if they were off by one.
    photo = store_and_commit(app, png_bytes(4001, 3001, mode="RGBA"), uploader)

    stored = open_stored(app, photo.relative_path)
    assert stored.size == (1600, 1200)
    for channel, (low, high) in zip("RGB", stored.getextrema(), strict=True):
        assert high - low <= 6, f"{channel} varies from {low} to {high}: a seam between strips"
    red, green, blue = stored.getpixel((800, 600))
    assert 110 <= red <= 145 and 170 <= green <= 205 and 110 <= blue <= 145


def test_16_bit_grey_png_keeps_its_tone_instead_of_turning_white(app, uploader):
    grey = Image.new("I;16", (64, 48), 0x6000)  # 37.5 % grey in 16 bits
    out = io.BytesIO()
    grey.save(out, "PNG")

    photo = store_and_commit(app, out.getvalue(), uploader)

    red, green, blue = open_stored(app, photo.relative_path).getpixel((32, 24))
    assert 90 <= red <= 102 and red == green == blue


def test_palette_png_with_a_transparent_colour_is_laid_on_white(app, uploader):
    image = Image.new("P", (60, 40), 1)
    image.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 30, 40))  # left half: index 0, the transparent one
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)

    photo = store_and_commit(app, out.getvalue(), uploader)

    stored = open_stored(app, photo.relative_path)
    assert min(stored.getpixel((10, 20))) > 240  # white, not black
    red, green, _blue = stored.getpixel((50, 20))
    assert red > 180 and green < 40


def test_mpo_from_a_camera_is_kept_as_its_first_picture(app, uploader):
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 0, 0)).save(
        out, "MPO", save_all=True, append_images=[Image.new("RGB", (200, 100), (0, 0, 200))]
    )

    photo = store_and_commit(app, out.getvalue(), uploader)

    red, _green, blue = open_stored(app, photo.relative_path).getpixel((100, 50))
    assert red > 180 and blue < 40


def test_png_with_megabytes_of_text_is_refused_before_its_pixels_are_read(app, uploader):
    text = zlib.compress(b"A" * 1_000_000, 9)
    chunks = b"".join(
        struct.pack(">I", len(body)) + b"zTXt" + body + struct.pack(">I", zlib.crc32(b"zTXt" + body))
        for body in (b"note%d\x00\x00" % index + text for index in range(3))
    )
    plain = png_bytes(64, 48)

    refused = refuse(app, plain[:33] + chunks + plain[33:], uploader)

    assert english(refused.message) == "The photo is damaged or incomplete. Take it again."
    assert photo_rows() == 0


def test_decode_waits_for_a_free_slot_and_says_busy_when_none_frees_up(app, uploader):
    slots = threading.BoundedSemaphore(1)
    slots.acquire()  # another upload is being decoded

    with pytest.raises(PhotosBusy):
        process_photo(
            noisy_jpeg(), zone=SHANGHAI, max_bytes=10**7, pixels=PixelLimits(10**8, 10**7), slots=slots, wait=0
        )

    slots.release()
    process_photo(noisy_jpeg(), zone=SHANGHAI, max_bytes=10**7, pixels=PixelLimits(10**8, 10**7), slots=slots, wait=0)
    assert slots.acquire(blocking=False)  # the decode gave its slot back


def test_refused_upload_after_a_stored_one_leaves_the_stored_one_alone(app, uploader):
    kept = store_and_commit(app, noisy_jpeg(), uploader)
    before = files_under_photo_dir(app)

    refuse(app, random.Random(1).randbytes(5000), uploader)

    assert db.session.scalars(select(Photo.sha256)).all() == [kept.sha256]
    assert files_under_photo_dir(app) == before
