"""CSRF tokens masked afresh each time they are written into a response (against BREACH).

Flask-WTF's token is the session's secret, signed: the same characters on every page of a session.
Pages are compressed (patrol.views.compression), and a page that reflects text an attacker chose next to an
unchanging secret lets the compressed length reveal that secret a character at a time (BREACH).
So every token we hand out is a fresh random pad followed by (pad XOR signed token), URL-safe base64,
as Django and Rails do: no two renderings share a run of characters to guess against. On a state
change the submitted value (form field or X-CSRFToken header) is unmasked, and Flask-WTF checks the
signed token as it always did. A token that does not unmask (wrong length, garbage) is refused.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf
from markupsafe import Markup


def mask(token: str) -> str:
    """A fresh spelling of `token`: a random pad, then the token XORed with it."""
    raw = token.encode("ascii")
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + _xor(pad, raw)).decode("ascii").rstrip("=")


def unmask(masked: str) -> str | None:
    """The token a masked value stands for, or None when it is not one we could have written."""
    try:
        data = base64.urlsafe_b64decode(masked + "=" * (-len(masked) % 4))
    except (binascii.Error, ValueError):
        return None
    half, odd = divmod(len(data), 2)
    if odd or not half:
        return None
    try:
        return _xor(data[:half], data[half:]).decode("ascii")
    except UnicodeDecodeError:
        return None


def masked_csrf_token() -> str:
    """What templates call as csrf_token(), and what the outbox's token endpoint returns."""
    return mask(generate_csrf())


def masked_meta_tag() -> Markup:
    """Flask-WTF's csrf_meta_tag(), with a masked token like every other."""
    return Markup('<meta name="csrf-token" content="%s">') % masked_csrf_token()


def _xor(pad: bytes, data: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(pad, data, strict=True))


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, reading masked tokens and rendering masked ones."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        helpers = {"csrf_token": masked_csrf_token, "csrf_meta_tag": masked_meta_tag}
        app.jinja_env.globals.update(helpers)
        # Registered after Flask-WTF's own context processor, so these are the ones templates see.
        app.context_processor(lambda: helpers)

    def _get_csrf_token(self) -> str | None:
        submitted = super()._get_csrf_token()
        if not submitted:
            return None
        # Garbage becomes a value Flask-WTF cannot load: it refuses it as invalid, not as missing.
        return unmask(submitted) or "not-a-token"
