"""QR images: PNG for download, SVG for printing crisp labels, text for a terminal."""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(data: str, border: int = 2) -> qrcode.QRCode:
    # Level M survives a scuffed or partly dirty sticker while keeping the code small.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 10) -> bytes:
    code = _code(data)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def qr_svg(data: str) -> str:
    """A standalone SVG that scales to whatever size the label gives it."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    # Drop the fixed millimetre size; the viewBox keeps the proportions.
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f"{head}>{rest}"


def qr_terminal(data: str) -> str:
    out = io.StringIO()
    _code(data, border=1).print_ascii(out=out, invert=True)
    return out.getvalue()
