"""Slowing down password guessing: failed sign-ins are counted per account and per client address.

Flask-Limiter keeps the counts in Redis when PATROL_REDIS_URL is set (shared by every gunicorn
worker), and in memory otherwise (the demo, a single process). Only failures count, in widening
windows, so a guesser waits a minute, then an hour, then a day, while a person who mistypes once
is not held up at all.
"""

from __future__ import annotations

import math
import time

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

PER_ACCOUNT = "5 per minute; 20 per hour; 60 per day"
PER_ADDRESS = "20 per minute; 100 per hour; 500 per day"


def init_app(app: Flask) -> None:
    redis_url = app.config.get("PATROL_REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "patrol")
    limiter.init_app(app)


def _failed(response) -> bool:
    return response.status_code == 401


def _account() -> str:
    return "account:" + request.form.get("username", "").strip().lower()[:64]


def _address() -> str:
    return "address:" + (get_remote_address() or "")


def guard_password_checks(view):
    """Decorate a view that checks a password and answers 401 when it is wrong."""
    view = limiter.limit(
        PER_ACCOUNT, key_func=_account, deduct_when=_failed, methods=["POST"], scope="password-account"
    )(view)
    return limiter.limit(
        PER_ADDRESS, key_func=_address, deduct_when=_failed, methods=["POST"], scope="password-address"
    )(view)


def _wrong_current_password(response) -> bool:
    return response.status_code == 422


def _signed_in_account() -> str:
    return "account:" + current_user.username


def guard_own_password(view):
    """Decorate the password change: a stolen session cannot guess the current password quickly."""
    return limiter.limit(
        PER_ACCOUNT,
        key_func=_signed_in_account,
        deduct_when=_wrong_current_password,
        methods=["POST"],
        scope="password-change",
    )(view)


def seconds_until_allowed() -> int:
    """How long the client must wait, for the page that says so (after a 429)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
