"""QR codes for location stickers: the payload URL and its PNG, SVG and terminal renderings."""

from qr.images import qr_png, qr_svg, qr_terminal
from qr.payload import scan_url

__all__ = ["qr_png", "qr_svg", "qr_terminal", "scan_url"]
