"""One configuration object, read from the environment; tests pass overrides to create_app."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

MIN_SECRET_BYTES = 32


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _severity_hours() -> dict[str, int]:
    # PATROL_DUE_HOURS="high=4,medium=24,low=72"
    hours = {"high": 4, "medium": 24, "low": 72}
    for part in os.environ.get("PATROL_DUE_HOURS", "").split(","):
        if "=" in part:
            name, value = part.split("=", 1)
            hours[name.strip()] = int(value)
    return hours


def _origins(name: str) -> list[str]:
    # PATROL_ROBOT_HOSTS="http://127.0.0.1:8080,https://robots.internal.example"
    return [part.strip().rstrip("/").lower() for part in os.environ.get(name, "").split(",") if part.strip()]


def load_config(instance_path: str) -> dict:
    """Everything the app reads from its environment, as Flask config keys."""
    demo = _bool("PATROL_DEMO", False)
    instance = Path(instance_path)
    return {
        "SECRET_KEY": os.environ.get("PATROL_SECRET_KEY") or os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'patrol.sqlite3'}"),
        "PATROL_DEMO": demo,
        "PATROL_BASE_URL": os.environ.get("PATROL_BASE_URL", "").rstrip("/"),
        "PATROL_TIMEZONE": os.environ.get("PATROL_TIMEZONE", "Asia/Shanghai"),
        "PATROL_PHOTO_DIR": os.environ.get("PATROL_PHOTO_DIR", str(instance / "photos")),
        "PATROL_EXPORT_DIR": os.environ.get("PATROL_EXPORT_DIR", str(instance / "exports")),
        "PATROL_MAX_PHOTO_BYTES": int(os.environ.get("PATROL_MAX_PHOTO_BYTES", 15 * 1024 * 1024)),
        # Pixel limits by how a photo decodes, so one decode stays under 128 MB (figures:
        # bench/photo_worst_case.md). A single-scan JPEG decodes at 1/2-1/8 scale: 8192x8192
        # costs at most 45 MB. PNG, progressive or multi-scan JPEG hold every pixel or DCT
        # coefficient: 4096x3072 costs at most 108 MB. Keep both under Pillow's 89 MP warning.
        "PATROL_MAX_PHOTO_PIXELS": int(os.environ.get("PATROL_MAX_PHOTO_PIXELS", 8192 * 8192)),
        "PATROL_MAX_PHOTO_PIXELS_FULL_DECODE": int(os.environ.get("PATROL_MAX_PHOTO_PIXELS_FULL_DECODE", 4096 * 3072)),
        # Photo decodes at once per process, and how long an upload waits for a turn before 503.
        "PATROL_PHOTO_DECODES": int(os.environ.get("PATROL_PHOTO_DECODES", 2)),
        "PATROL_PHOTO_DECODE_WAIT": float(os.environ.get("PATROL_PHOTO_DECODE_WAIT", 5)),
        # An unreferenced photo younger than this is left alone by `flask patrol sweep-photos`.
        "PATROL_PHOTO_SWEEP_GRACE_MINUTES": int(os.environ.get("PATROL_PHOTO_SWEEP_GRACE_MINUTES", 60)),
        "PATROL_DUE_HOURS": _severity_hours(),
        "PATROL_DRAFT_RESUME_HOURS": int(os.environ.get("PATROL_DRAFT_RESUME_HOURS", 6)),
        # Redis for what every worker must share (sign-in throttling); memory when unset (the demo).
        "PATROL_REDIS_URL": os.environ.get("PATROL_REDIS_URL", ""),
        # Group robots may only post to WeCom's and DingTalk's webhook addresses; these origins
        # (scheme://host:port) are allowed too, e.g. a relay inside the company's network.
        "PATROL_ROBOT_HOSTS": _origins("PATROL_ROBOT_HOSTS"),
        # The longest pause between two passes of the worker (patrol.alerts.worker), in seconds: late
        # work is announced at most this long after its deadline. On PostgreSQL a new robot message
        # wakes the worker at once; on SQLite (the demo, 5 s) it waits for the next pass.
        "PATROL_WORKER_SECONDS": float(os.environ.get("PATROL_WORKER_SECONDS", 30)),
        # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none).
        "PATROL_TRUSTED_PROXIES": int(os.environ.get("PATROL_TRUSTED_PROXIES", 0)),
        # werkzeug's method string; the strong default stays unless someone means to change it.
        "PATROL_PASSWORD_HASH": os.environ.get("PATROL_PASSWORD_HASH", "scrypt"),
        # How long a device stays signed in (the remember-me cookie and its login row).
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("PATROL_REMEMBER_DAYS", 30))),
        # A request body may hold one photo plus form fields.
        "MAX_CONTENT_LENGTH": int(os.environ.get("PATROL_MAX_PHOTO_BYTES", 15 * 1024 * 1024)) + 1024 * 1024,
        # Cookies travel over HTTPS only, except on the plain-HTTP local demo.
        "SESSION_COOKIE_SECURE": not demo,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not demo,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # a checklist may stay open for hours on a phone
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def unsafe_settings(config) -> list[str]:
    """What in this configuration is unsafe outside the local demo (empty when all is well)."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(
            f"PATROL_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    base = urlsplit(config.get("PATROL_BASE_URL") or "")
    if base.scheme not in {"http", "https"} or not base.netloc:
        problems.append(
            "PATROL_BASE_URL must be the public address people open, e.g. "
            "https://patrol.example.cn: QR codes and links are built from it, never from "
            "the Host header a request claims."
        )
    return problems
