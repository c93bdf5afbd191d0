"""Photos shrink on the phone (static/js/photo-shrink.js), in a real Chromium at phone size.

A generated 12 MP camera picture goes through window.patrolShrinkPhoto in the page, as the outbox
hands it each photo; the bytes that come back are read here with Pillow.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page

from patrol.views.static_files import hashed_url
from tests import factories
from tests.camera_photos import camera_jpeg

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")
# What the phone says the file was saved at.
LAST_MODIFIED_MS = int(datetime(2026, 11, 26, 22, 22, 3, tzinfo=UTC).timestamp() * 1000)

# Builds a File from the test's bytes, shrinks it, and hands back the result with its bytes in base64.
SHRINK = """async ([b64, name, type, options, lastModified]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const file = new File([bytes], name, { type, lastModified });
  const result = await window.patrolShrinkPhoto(file, options);
  const out = new Uint8Array(await result.blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < out.length; i += 0x8000) text += String.fromCharCode.apply(null, out.subarray(i, i + 0x8000));
  return { b64: btoa(text), width: result.width, height: result.height, type: result.type,
           shrunk: result.shrunk, takenAt: result.takenAt, sameFile: result.blob === file };
}"""


def page_with_shrinker(app, page: Page) -> Page:
    with app.app_context():
        factories.user("butler")  # a user exists: /login is the sign-in page, not the first-run one
    page.goto("/login")
    if not page.evaluate("() => typeof window.patrolShrinkPhoto === 'function'"):
        # Until the pages load it themselves (base.html's <head>), add it as they will: by its hashed URL.
        with app.test_request_context():
            page.add_script_tag(url=hashed_url("js/photo-shrink.js"))
    return page


def shrink(page: Page, data: bytes, name: str, mimetype: str, **options) -> tuple[bytes, dict]:
    result = page.evaluate(SHRINK, [base64.b64encode(data).decode(), name, mimetype, options, LAST_MODIFIED_MS])
    return base64.b64decode(result.pop("b64")), result


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_red(pixel) -> bool:
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


def test_a_12_megapixel_photo_leaves_the_phone_at_1600_px_and_a_tenth_of_its_bytes(app, phone):
    page = page_with_shrinker(app, phone)
    photo = camera_jpeg(seed=2, taken="2026:11:20 09:15:00")
    assert opened(photo).size == (4000, 3000) and len(photo) > 2_000_000

    sent, result = shrink(page, photo, "IMG_0001.JPG", "image/jpeg")

    image = opened(sent)
    assert image.format == "JPEG" and image.size == (1600, 1200)
    assert (result["width"], result["height"], result["type"], result["shrunk"]) == (1600, 1200, "image/jpeg", True)
    assert 200_000 <= len(sent) <= 600_000, f"{len(sent)} bytes from {len(photo)}"
    assert result["takenAt"] == "2026-11-20T09:15:00"  # the camera's clock, for the server to read in the site's zone


def test_a_portrait_photo_stays_portrait_and_is_turned_once(app, phone):
    page = page_with_shrinker(app, phone)
    # Stored 4000×3000 with EXIF orientation 6 ("turn 90° clockwise to show"): a portrait photo. The stored
    # top-left corner is red, so shown upright the red corner is the top-right one.
    photo = camera_jpeg(seed=3, orientation=6, taken="2026:11:20 21:40:05", offset="+08:00", marker=True)

    sent, result = shrink(page, photo, "IMG_0002.JPG", "image/jpeg")

    image = opened(sent)
    assert image.size == (1200, 1600) and (result["width"], result["height"]) == (1200, 1600)
    assert image.getexif().get(0x0112) in (None, 1)  # upright pixels, no orientation left to apply again
    assert is_red(image.getpixel((image.width - 10, 10))) and not is_red(image.getpixel((10, 10)))
    assert result["takenAt"] == "2026-11-20T21:40:05+08:00"


def test_without_image_bitmap_resizing_the_photo_is_drawn_at_the_target_size(app, phone):
    # Older Safari and in-app browsers: no createImageBitmap (or one that cannot resize), no OffscreenCanvas.
    page = page_with_shrinker(app, phone)
    page.evaluate("() => { delete window.createImageBitmap; delete window.OffscreenCanvas; }")
    assert (
        page.evaluate("() => typeof window.createImageBitmap + typeof window.OffscreenCanvas") == "undefinedundefined"
    )
    photo = camera_jpeg(seed=4, orientation=6, marker=True)

    sent, result = shrink(page, photo, "IMG_0003.JPG", "image/jpeg")

    image = opened(sent)
    assert image.format == "JPEG" and image.size == (1200, 1600) and result["shrunk"] is True
    assert is_red(image.getpixel((image.width - 10, 10)))
    assert len(sent) < len(photo) / 5


def test_a_photo_the_browser_cannot_decode_comes_back_as_it_was(app, phone):
    page = page_with_shrinker(app, phone)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 40  # Chromium cannot decode HEIC

    sent, result = shrink(page, heic, "IMG_0004.HEIC", "image/heic")

    assert sent == heic and result["sameFile"] is True
    assert (result["shrunk"], result["type"], result["width"], result["height"]) == (False, "image/heic", None, None)
    assert result["takenAt"] == "2026-11-26T22:22:03.000Z"  # no EXIF to read: when the phone saved the file


def test_a_photo_already_small_is_not_made_bigger(app, phone):
    page = page_with_shrinker(app, phone)
    out = io.BytesIO()
    opened(camera_jpeg(width=800, height=600, seed=5)).save(out, "JPEG", quality=60)
    small = out.getvalue()

    sent, result = shrink(page, small, "small.jpg", "image/jpeg")

    assert len(sent) <= len(small)
    assert opened(sent).size == (800, 600) and (result["width"], result["height"]) == (800, 600)


def test_photos_given_together_are_shrunk_one_after_another_and_none_is_lost(app, phone):
    page = page_with_shrinker(app, phone)
    photos = [base64.b64encode(camera_jpeg(seed=seed)).decode() for seed in (6, 7)]
    results = page.evaluate(
        """async (photos) => {
          const files = photos.map((b64, i) => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))],
                                                        `p${i}.jpg`, { type: "image/jpeg" }));
          const results = await Promise.all(files.map((file) => window.patrolShrinkPhoto(file)));
          return results.map((r) => [r.shrunk, r.width, r.height, r.blob.size]);
        }""",
        photos,
    )
    assert [r[:3] for r in results] == [[True, 1600, 1200], [True, 1600, 1200]]
    assert all(size < 600_000 for *_, size in results)
