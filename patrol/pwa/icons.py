"""The app's icon, drawn by our own code: a teal square, a scanner's four corners and a white tick.

Every size is drawn from the same shapes on a 100-unit grid (four times larger, then scaled down, for
smooth edges), so the home-screen icon, the favicon and static/icons/icon.svg show one mark. The PNGs
are made on first request and kept in memory: they depend on nothing but this file and Pillow.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw

TEAL = (15, 118, 110, 255)
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4
CORNER_RADIUS = 22  # of 100: the rounded square of static/icons/icon.svg

# The mark on a 100-unit grid: a scanner's four corner brackets around a tick.
BRACKETS = [
    [(20, 37), (20, 20), (37, 20)],
    [(63, 20), (80, 20), (80, 37)],
    [(80, 63), (80, 80), (63, 80)],
    [(37, 80), (20, 80), (20, 63)],
]
BRACKET_WIDTH = 7
TICK = [(33, 51), (45, 63), (68, 38)]
TICK_WIDTH = 9
# At favicon sizes the brackets would blur into the tick: only a bigger tick is drawn.
SMALL_TICK = [(24, 52), (42, 70), (76, 32)]
SMALL_TICK_WIDTH = 15


@dataclass(frozen=True)
class IconSpec:
    size: int
    rounded: bool = True  # transparent corners; False fills the whole square (maskable, Apple)
    scale: float = 1.0  # the mark's size: a maskable icon keeps it inside the central safe circle
    simple: bool = False  # a tick only, for favicons
    purpose: str = "any"


ICONS = {
    "icon-192.png": IconSpec(192),
    "icon-512.png": IconSpec(512),
    # Android crops maskable icons to a circle or squircle of 80% of the side: the mark stays inside it.
    "maskable-512.png": IconSpec(512, rounded=False, scale=0.8, purpose="maskable"),
    # iOS rounds the corners itself and shows transparent pixels as black: an opaque square.
    "apple-touch-icon.png": IconSpec(180, rounded=False, scale=0.9),
    "favicon-32.png": IconSpec(32, simple=True),
    "favicon-16.png": IconSpec(16, simple=True),
}
MANIFEST_ICONS = ("icon-192.png", "icon-512.png", "maskable-512.png")
FAVICON_SIZES = (16, 32, 48)


def _stroke(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], width: float) -> None:
    """A polyline with round caps and joins: each segment a quadrilateral of the exact width (Pillow's own
    wide lines are a pixel off their nominal width), each point a disc."""
    radius = width / 2
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        length = math.hypot(x2 - x1, y2 - y1)
        nx, ny = (y1 - y2) / length * radius, (x2 - x1) / length * radius
        draw.polygon([(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)], fill=WHITE)
    for x, y in points:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=WHITE)


def draw_icon(spec: IconSpec) -> Image.Image:
    side = spec.size * SUPERSAMPLE
    unit = side / 100
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if spec.rounded:
        draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=CORNER_RADIUS * unit, fill=TEAL)
    else:
        draw.rectangle((0, 0, side, side), fill=TEAL)

    def place(shape):
        return [((x - 50) * spec.scale * unit + side / 2, (y - 50) * spec.scale * unit + side / 2) for x, y in shape]

    if spec.simple:
        _stroke(draw, place(SMALL_TICK), SMALL_TICK_WIDTH * spec.scale * unit)
    else:
        for bracket in BRACKETS:
            _stroke(draw, place(bracket), BRACKET_WIDTH * spec.scale * unit)
        _stroke(draw, place(TICK), TICK_WIDTH * spec.scale * unit)
    small = image.resize((spec.size, spec.size), Image.Resampling.LANCZOS)
    return small if spec.rounded else small.convert("RGB")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


@cache
def icon_png(name: str) -> bytes:
    """The PNG bytes of one of ICONS (KeyError for any other name)."""
    return _png(draw_icon(ICONS[name]))


@cache
def favicon_ico() -> bytes:
    """/favicon.ico: the favicon at 16, 32 and 48 pixels, each drawn at its own size."""
    images = [draw_icon(IconSpec(size, simple=size < 48)) for size in FAVICON_SIZES]
    out = io.BytesIO()
    images[-1].save(out, "ICO", sizes=[(s, s) for s in FAVICON_SIZES], append_images=images[:-1])
    return out.getvalue()


@cache
def icon_version(name: str) -> str:
    """A short hash of the icon's bytes: its URL changes when the drawing does, so it may be cached for a year."""
    return hashlib.sha256(icon_png(name)).hexdigest()[:10]
