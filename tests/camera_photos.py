"""Pictures with a phone camera's statistics, for what happens to photo bytes on the way to the server.

Random noise alone compresses like nothing a camera takes (it stays huge at any size); flat colour
compresses to almost nothing. A camera picture is in between: broad smooth fields of colour and
light, hard edges (door frames, pipes, signs), surface texture and sensor grain. At 4000×3000 these
come out at about 3.5 MB as a JPEG of quality 92, as a 12 MP phone photo does.

Shared by tests/test_browser_photo_shrink.py and bench/photo_bytes.py.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageDraw

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def camera_image(width: int = 4000, height: int = 3000, seed: int = 1) -> Image.Image:
    rng = random.Random(seed)
    # The scene's broad colour fields and light: a grid of random colours, smoothly blended.
    grid = Image.new("RGB", (8, 6))
    grid.putdata([tuple(rng.randrange(40, 220) for _ in range(3)) for _ in range(48)])
    image = grid.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(60):  # hard edges
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + rng.randrange(20, width // 3), y + rng.randrange(20, height // 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle(box, outline=colour, width=rng.randrange(3, 30))
        else:
            draw.line(box, fill=colour, width=rng.randrange(2, 20))
    # Surface texture (concrete, paint), then the sensor's grain in each colour.
    texture = Image.effect_noise((width // 4, height // 4), 14).resize((width, height), Image.Resampling.BICUBIC)
    image = ImageChops.add(image, Image.merge("RGB", (texture,) * 3), offset=-128)
    grain = [Image.effect_noise((width, height), 5) for _ in range(3)]
    return ImageChops.add(image, Image.merge("RGB", grain), offset=-128)


def camera_jpeg(
    width: int = 4000,
    height: int = 3000,
    seed: int = 1,
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    marker: bool = False,
) -> bytes:
    """A phone photo as a JPEG of quality 92. `orientation` and `taken` ("YYYY:MM:DD HH:MM:SS", with
    `offset` like "+08:00") go into its EXIF; `marker` paints the stored top-left corner pure red."""
    image = camera_image(width, height, seed)
    if marker:
        ImageDraw.Draw(image).rectangle((0, 0, width // 8, height // 8), fill=(255, 0, 0))
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if taken:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
        if offset:
            exif.get_ifd(EXIF_IFD)[OFFSET_TIME_ORIGINAL] = offset
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()
