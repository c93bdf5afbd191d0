"""Draw the app's icons into static/icons/: `python scripts/draw_icons.py` after changing the mark.

A teal square, a scanner's four corners and a white tick. Every size is drawn from the same shapes on
a 100-unit grid (four times larger, then scaled down, for smooth edges), so the home-screen icon, the
favicon and static/icons/icon.svg show one mark. The files are committed and served like every other
static file (patrol/views/static_files.py); tests/test_icons.py checks they are what this draws.
"""

from __future__ import annotations

import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

ICONS_FOLDER = Path(__file__).resolve().parent.parent / "static" / "icons"
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


PNGS = {
    "icon-192.png": IconSpec(192),
    "icon-512.png": IconSpec(512),
    # Android crops maskable icons to a circle or squircle of 80% of the side: the mark stays inside it.
    "maskable-512.png": IconSpec(512, rounded=False, scale=0.8),
    # iOS rounds the corners itself and shows transparent pixels as black: an opaque square.
    "apple-touch-icon.png": IconSpec(180, rounded=False, scale=0.9),
    "favicon-32.png": IconSpec(32, simple=True),
    "favicon-16.png": IconSpec(16, simple=True),
}
# favicon.ico, for browsers that ask for /favicon.ico: each size drawn at its own size.
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


def favicon_images() -> list[Image.Image]:
    return [draw_icon(IconSpec(size, simple=size < 48)) for size in FAVICON_SIZES]


def drawn_files() -> dict[str, bytes]:
    """Every icon file by name, as this script writes it."""
    files = {}
    for name, spec in PNGS.items():
        out = io.BytesIO()
        draw_icon(spec).save(out, "PNG", optimize=True)
        files[name] = out.getvalue()
    *smaller, largest = favicon_images()
    out = io.BytesIO()
    largest.save(out, "ICO", sizes=[(s, s) for s in FAVICON_SIZES], append_images=smaller)
    files["favicon.ico"] = out.getvalue()
    return files


def main(folder: Path = ICONS_FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in drawn_files().items():
        (folder / name).write_bytes(data)
        print(f"{folder / name}: {len(data):,} B")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ICONS_FOLDER)
