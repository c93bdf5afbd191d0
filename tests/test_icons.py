"""The app's icons are files under static/icons/, served like every static file and drawn once by
scripts/draw_icons.py: what is committed must be what the script draws, so a change to the drawing
cannot be left unrun and a file cannot drift by hand."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "static" / "icons"
FORMATS = {".png": "PNG", ".ico": "ICO"}


def the_script():
    spec = importlib.util.spec_from_file_location("draw_icons", ROOT / "scripts" / "draw_icons.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while being defined
    spec.loader.exec_module(module)
    return module


def frames(data: bytes) -> tuple[str, list[Image.Image]]:
    """The file's format and its pictures: one for a PNG, each size of an ICO."""
    image = Image.open(io.BytesIO(data))
    if image.format == "ICO":
        return image.format, [image.ico.getimage(size) for size in sorted(image.info["sizes"])]
    image.load()
    return image.format, [image]


def test_the_committed_icons_are_what_the_script_draws():
    drawn = the_script().drawn_files()
    committed = {path.name: path.read_bytes() for path in ICONS.iterdir() if path.suffix in FORMATS}
    assert sorted(committed) == sorted(drawn)  # none missing, none left over
    for name, data in drawn.items():
        (kind, ours), (_, expected) = frames(committed[name]), frames(data)
        assert kind == FORMATS[Path(name).suffix], name
        assert [(f.size, f.mode) for f in ours] == [(f.size, f.mode) for f in expected], name
        for mine, theirs in zip(ours, expected, strict=True):
            # Pixels, not bytes: another Pillow may pack the same picture into different PNG bytes.
            difference = ImageChops.difference(mine.convert("RGBA"), theirs.convert("RGBA"))
            assert max(high for _low, high in difference.getextrema()) <= 2, name


def test_each_icon_is_the_size_its_name_says():
    sizes = {path.name: Image.open(path).size for path in ICONS.glob("*.png")}
    assert sizes == {
        "icon-192.png": (192, 192),
        "icon-512.png": (512, 512),
        "maskable-512.png": (512, 512),
        "apple-touch-icon.png": (180, 180),
        "favicon-32.png": (32, 32),
        "favicon-16.png": (16, 16),
    }
    assert Image.open(ICONS / "favicon.ico").info["sizes"] == {(16, 16), (32, 32), (48, 48)}
