"""Responses compressed with brotli or gzip when the browser accepts them (Flask-Compress).

Pages, fragments, JSON, SVG and CSV shrink to a fifth or less; photos and PNGs are already compressed
and pass through. Static files arrive here already compressed (patrol.views.static_files) and are left alone.

Compressing a page that reflects the visitor's text next to a secret lets the compressed length
reveal the secret a character at a time (BREACH). The secret that matters is the CSRF token,
and it is never the same string twice: each rendering is a fresh random pad followed by the token
XORed with it (patrol.csrf_masking), so there is no run of characters to guess against.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

MIMETYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
]
SETTINGS = {
    "COMPRESS_MIMETYPES": MIMETYPES,
    # The two every browser we target sends; zstd and deflate would add nothing for them.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
    # Pages are compressed on every request. Brotli 7 against 5: the scan page 6.1 KB instead of 6.4 KB
    # for 0.1 ms more (a 36 KB page, measured 2026-12-07); 9 costs 9 ms for nothing more.
    "COMPRESS_BR_LEVEL": 7,
    "COMPRESS_LEVEL": 6,
}

compress = Compress()


def init_app(app: Flask) -> None:
    """Call first among the after-request hooks (they run last registered, first): compression must
    see the response every other hook has finished."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
