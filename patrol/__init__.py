"""patrol: QR-code patrols and inspections for property-management teams."""

from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from flask_babel import refresh as babel_refresh
from werkzeug.middleware.proxy_fix import ProxyFix

from patrol.config import load_config, unsafe_settings
from patrol.database import configure_sqlite, make_sqlite_file_private, read_only_work
from patrol.extensions import babel, csrf, db, htmx, login_manager, migrate
from patrol.private_files import make_private_dir, write_private_once

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("PATROL_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    app.config.from_mapping(load_config(app.instance_path))
    app.config.update(config or {})
    make_private_dir(Path(app.instance_path))
    _ensure_secret_key(app)
    _refuse_unsafe_settings(app)

    _init_extensions(app)
    _register_request_hooks(app)  # first: the blueprints' own hooks rely on what these reset
    from patrol import cli
    from patrol.views import request_guards, security_headers, templating

    request_guards.init_app(app)  # before the blueprints: their routes take its int converter
    _register_blueprints(app)
    security_headers.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    _hand_wording_to_areas(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not app.config["PATROL_DEMO"] and not app.debug and not app.testing:
        raise RuntimeError("Set PATROL_SECRET_KEY: sessions and CSRF tokens are signed with it.")
    # The local demo keeps a random key in its instance folder, never in the repo.
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        write_private_once(key_file, secrets.token_hex(32).encode())
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _refuse_unsafe_settings(app: Flask) -> None:
    """Outside the local demo, a weak key or a missing public address stops the app at start."""
    if app.config["PATROL_DEMO"]:
        return
    problems = unsafe_settings(app.config)
    if problems:
        raise RuntimeError("Unsafe configuration:\n- " + "\n- ".join(problems))


def _init_extensions(app: Flask) -> None:
    from patrol import i18n
    from patrol.accounts import sessions, throttle
    from patrol.views import compression, static_files

    compression.init_app(app)  # first: its hook runs last, on the finished response
    static_files.init_app(app)  # before security_headers: its page hook runs after that one's

    if app.config["PATROL_TRUSTED_PROXIES"]:
        count = app.config["PATROL_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)
    db.init_app(app)
    throttle.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    translations = i18n.compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "UTC")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.user_loader(sessions.load_user)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            make_sqlite_file_private(db.engine)
            configure_sqlite(db.engine)


# The view modules whose blueprint `bp` the app serves (patrol.views.<name>).
BLUEPRINT_MODULES = (
    "account",
    "auth",
    "cases",
    "errors",
    "exports",
    "handovers",
    "history",
    "home",
    "inspect",
    "locations",
    "notices",
    "notifications",
    "photos",
    "presence",
    "register",
    "reports",
    "rooms",
    "rounds",
    "scan",
    "scores",
    "site_reports",
    "task_page",
    "tasks",
)


def _register_blueprints(app: Flask) -> None:
    from patrol.views import account, admin
    from patrol.views import pwa as pwa_views

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(f"patrol.views.{name}").bp)
    for blueprint in admin.blueprints():
        app.register_blueprint(blueprint)
    app.register_blueprint(pwa_views.bp)
    # What every request passes through, beside the blueprints' own views.
    account.init_app(app)
    pwa_views.init_app(app)


def _hand_wording_to_areas(app: Flask) -> None:
    """Areas that must word something for people outside a page (robot messages, exports) get the words
    here, from presenters, so no area imports a presenter."""
    from patrol.alerts import messages
    from patrol.exports import kinds
    from patrol.presenters import export_kinds, robot_messages

    messages.use_wording(app, robot_messages)
    kinds.use_kinds(app, export_kinds.KINDS)


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

    @app.teardown_request
    def _unmark_reads(_error=None):
        read_only_work.set(False)
