"""One configuration object, read from the environment; tests pass overrides to create_app."""
from __future__ import annotations

import os
from pathlib import Path


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


def load_config(instance_path: str) -> dict:
    """Everything the app reads from its environment, as Flask config keys."""
    demo = _bool("PATROL_DEMO", False)
    instance = Path(instance_path)
    return {
        "SECRET_KEY": os.environ.get("PATROL_SECRET_KEY") or os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'patrol.sqlite3'}"
        ),
        "PATROL_DEMO": demo,
        "PATROL_BASE_URL": os.environ.get("PATROL_BASE_URL", "").rstrip("/"),
        "PATROL_TIMEZONE": os.environ.get("PATROL_TIMEZONE", "Asia/Shanghai"),
        "PATROL_PHOTO_DIR": os.environ.get("PATROL_PHOTO_DIR", str(instance / "photos")),
        "PATROL_MAX_PHOTO_BYTES": int(os.environ.get("PATROL_MAX_PHOTO_BYTES", 15 * 1024 * 1024)),
        "PATROL_MAX_PHOTO_PIXELS": int(os.environ.get("PATROL_MAX_PHOTO_PIXELS", 50_000_000)),
        "PATROL_DUE_HOURS": _severity_hours(),
        "PATROL_DRAFT_RESUME_HOURS": int(os.environ.get("PATROL_DRAFT_RESUME_HOURS", 6)),
        # A request body may hold one photo plus form fields.
        "MAX_CONTENT_LENGTH": int(os.environ.get("PATROL_MAX_PHOTO_BYTES", 15 * 1024 * 1024))
        + 1024 * 1024,
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
