"""patrol: QR-code patrols and inspections for property-management teams."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from flask_babel import refresh as babel_refresh
from flask_login import current_user

from patrol.config import load_config
from patrol.database import configure_sqlite, read_only_work
from patrol.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=os.environ.get("PATROL_INSTANCE_PATH") or str(ROOT / "instance"))
    app.config.from_mapping(load_config(app.instance_path))
    app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _ensure_secret_key(app)

    _init_extensions(app)
    _register_request_hooks(app)  # first: the blueprints' own hooks rely on what these reset
    _register_blueprints(app)
    from patrol import cli, templating

    templating.init_app(app)
    cli.init_app(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not app.config["PATROL_DEMO"] and not app.debug and not app.testing:
        raise RuntimeError("Set PATROL_SECRET_KEY: sessions and CSRF tokens are signed with it.")
    # The local demo keeps a random key in its instance folder, never in the repo.
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from patrol import i18n
    from patrol.models import User

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    translations = i18n.compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "UTC")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.user_loader(_load_user)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)


def _load_user(session_id: str):
    """The user a session names, unless their sessions were ended since it was issued."""
    from patrol.models import User

    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_version == int(version) else None


def _register_blueprints(app: Flask) -> None:
    from patrol.views import account, admin, assets, auth, errors, home, inspect, locations, photos, scan, tasks

    for module in (account, assets, auth, errors, home, inspect, locations, photos, scan, tasks):
        app.register_blueprint(module.bp)
    for blueprint in admin.blueprints():
        app.register_blueprint(blueprint)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _start_request():
        # GETs only read, so their SQLite transactions need not take the write lock.
        read_only_work.set(request.method in {"GET", "HEAD", "OPTIONS"})
        # An app context may outlive one request (tests reuse theirs): nothing cached in it
        # may decide this request's language or access.
        babel_refresh()
        for cached in ("_site_ids", "_login_user", "csrf_token"):
            g.pop(cached, None)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            # One URL answers a whole page or just a fragment for htmx: caches must tell them apart.
            response.vary.add("HX-Request")
        if current_user and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.teardown_request
    def _unmark_reads(_error=None):
        read_only_work.set(False)
