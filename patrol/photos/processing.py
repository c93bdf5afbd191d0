"""Photos from the field: verified by content and re-encoded without metadata, with no database in sight.

`process_photo` is the expensive part (decode, shrink, re-encode), so it is a pure function that
a view runs with no transaction open; `patrol.inspections.photos` then keeps the result by hash.
What a worst-case image costs, and so where the pixel limits sit: bench/photo_worst_case.md.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image, PngImagePlugin, UnidentifiedImageError

from patrol.i18n import lazy_gettext as _l
from patrol.outcome import Refused

MAX_SIDE = 1600
THUMB_SIDE = 320
# MPO is a JPEG with more pictures after the first (Samsung, depth maps): the first is the photo.
JPEG_FORMATS = {"JPEG", "MPO"}
ACCEPTED_FORMATS = {*JPEG_FORMATS, "PNG"}
# Pixels one strip of a full-size decode is flattened and reduced in: a few MB of working memory.
STRIP_PIXELS = 1_000_000
# Baseline, extended and arithmetic sequential JPEG: the frames libjpeg can decode at reduced scale.
SEQUENTIAL_FRAMES = (0xC0, 0xC1, 0xC9)

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
DATETIME = 0x0132
TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Pillow keeps up to 64 MB of a PNG's text chunks in memory by default; a photo needs none.
PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024

try:  # HEIC from iPhones, when pillow-heif is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    ACCEPTED_FORMATS.add("HEIF")
except ImportError:  # pragma: no cover - optional
    pass


class PhotosBusy(Exception):
    """Every decode slot of this process stayed taken: the upload is fine, the server is full."""


@dataclass(frozen=True)
class PixelLimits:
    # A single-scan JPEG is decoded straight at 1/2–1/8 scale, so its cost hardly grows with size.
    scaled: int
    # PNG, progressive or multi-scan JPEG, HEIF: every pixel (or DCT coefficient) is held in memory.
    full: int


@dataclass(frozen=True)
class ProcessedPhoto:
    """What an upload becomes: the stored JPEG and thumbnail, named by the hash of the JPEG."""

    sha256: str
    full: bytes
    thumb: bytes
    width: int
    height: int
    taken_at: datetime | None


def process_photo(
    data: bytes,
    *,
    zone: ZoneInfo,
    max_bytes: int,
    pixels: PixelLimits,
    slots: threading.BoundedSemaphore | None = None,
    wait: float = 0,
) -> ProcessedPhoto:
    """Check and re-encode an upload; Refused says why not, PhotosBusy if no decode slot came in `wait` s."""
    if len(data) > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):.1f}".removesuffix(".0")
        raise Refused(_l("The photo is larger than %(limit)s MB.", limit=limit), 413)
    # Decoding is what costs memory, so the slots bound how many run at once in this process.
    if slots is not None and not slots.acquire(timeout=wait):
        raise PhotosBusy()
    try:
        full, thumb, width, height, taken_at = _reencode(data, zone, pixels)
    finally:
        if slots is not None:
            slots.release()
    return ProcessedPhoto(hashlib.sha256(full).hexdigest(), full, thumb, width, height, taken_at)


def _reencode(data: bytes, zone: ZoneInfo, pixels: PixelLimits):
    try:
        image = _open_within_limits(data, pixels)
        exif = image.getexif()
        taken_at, turn = _taken_at(exif, zone), TURNS.get(exif.get(ORIENTATION))
        image.load()
        image = _shrink(image)
    except UnidentifiedImageError:
        raise Refused(_l("That file is not a photo."), 415) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(_l("The photo has too many pixels to be a camera picture.")) from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError):
        raise Refused(_l("The photo is damaged or incomplete. Take it again.")) from None
    if turn is not None:  # what EXIF orientation asks for, done on the small picture
        image = image.transpose(turn)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    width, height = image.size
    full = _jpeg(image, 85)
    image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return full, _jpeg(image, 80), width, height, taken_at


def _open_within_limits(data: bytes, pixels: PixelLimits) -> Image.Image:
    """The opened (not yet decoded) upload, refused unless its format and pixel count are accepted."""
    # No warnings.catch_warnings() here: it is not thread-safe. Our limits sit below Pillow's
    # DecompressionBombWarning threshold, so an image that triggers it is refused just below.
    image = Image.open(io.BytesIO(data))
    if image.format not in ACCEPTED_FORMATS:
        raise Refused(_l("Only JPEG and PNG photos can be attached."), 415)
    scaled = image.format in JPEG_FORMATS and _decodes_in_one_pass(data)
    if image.width * image.height > (pixels.scaled if scaled else pixels.full):
        raise Refused(_l("The photo has too many pixels to be a camera picture."))
    if image.format in JPEG_FORMATS:
        # Decode at a reduced scale straight from the DCT: far less time and memory.
        image.draft("RGB", _fit(image.size, MAX_SIDE))
    return image


def _decodes_in_one_pass(data: bytes) -> bool:
    """Whether libjpeg can decode this JPEG row by row, or must first hold every DCT coefficient.

    libjpeg's own rule (jdinput.c): a progressive file, or one whose first scan leaves out a
    component, is buffered whole — 3 to 6 bytes a pixel whatever the draft scale. Lossless and
    hierarchical files cannot be scaled either. Anything this walk does not follow counts as no.
    """
    position, frame, components = 2, None, 0
    while position + 4 < len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and position + 9 < len(data):
            frame, components = marker, data[position + 9]
        if marker == 0xDA:  # the first scan: how many components does it carry?
            return frame in SEQUENTIAL_FRAMES and data[position + 4] >= components
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return False


def _shrink(image: Image.Image) -> Image.Image:
    """An RGB copy on white, at most 2 × MAX_SIDE long, made strip by strip.

    Converting or flattening a full-size PNG at once would hold another copy of every pixel
    (4 bytes each); a strip at a time, only the decoded picture itself is ever full size.
    """
    width, height = image.size
    factor = max(1, math.ceil(max(width, height) / (2 * MAX_SIDE)))
    if factor == 1 and image.mode == "RGB":
        return image
    rows = factor * max(1, STRIP_PIXELS // (width * factor))
    small = Image.new("RGB", (math.ceil(width / factor), math.ceil(height / factor)), "white")
    for top in range(0, height, rows):
        strip = _flatten(image.crop((0, top, width, min(height, top + rows))))
        small.paste(strip.reduce(factor) if factor > 1 else strip, (0, top // factor))
    return small


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background; 16-bit grey scaled to 8 bits instead of clipped to white."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size with the same proportions whose long side is `longest` (draft wants both sides)."""
    width, height = size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= argument: the stored file carries no metadata (GPS, device) at all.
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def hinted_taken_at(raw: str | None, zone: ZoneInfo) -> datetime | None:
    """The capture time a phone sent beside a photo it shrank (re-encoding on the phone drops EXIF):
    ISO 8601, read in the site's zone without an offset, as UTC; None when absent or not a time."""
    if not raw or len(raw) > 40:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.year < 2000:  # a camera that never had its clock set
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


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
        return local.replace(tzinfo=timezone(delta)).astimezone(UTC)
    return local.replace(tzinfo=zone).astimezone(UTC)
