"""The installable app: its manifest and icons, the service worker, the offline page, and the list of
pages a phone keeps for an offline round (patrol/views/app_shell.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.database import utcnow
from patrol.views.app_shell import NOTHING_TO_PREPARE, current_shell, prepare_plan
from patrol.views.static_files import hashed_path_pattern, serve_static

bp = Blueprint("pwa", __name__)

# The install's own language: 巡检 under the icon, whatever language the person picked in the app.
APP_NAME = "巡检"
THEME_COLOUR = "#0f766e"
BACKGROUND_COLOUR = "#f3f5f4"
# The icons a phone installs the app with: static files (drawn by scripts/draw_icons.py), so their URLs
# carry their hash like every other. (name under static/, side in pixels, purpose)
MANIFEST_ICONS = (
    ("icons/icon-192.png", 192, "any"),
    ("icons/icon-512.png", 512, "any"),
    # Android may crop it to a circle or squircle: the mark stays inside the central 80%.
    ("icons/maskable-512.png", 512, "maskable"),
)


# Whom a page or a JSON answer was made for. The service worker keeps each person's pages in a cache of
# their own and empties the others as soon as an answer comes for someone else, or for nobody
# (templates/pwa/sw.js): on a shared phone, nothing of the last person is shown to the next.
PERSON_HEADER = "X-Patrol-Person"
PERSONAL_TYPES = {"text/html", "application/json"}


def init_app(app) -> None:
    """What every page needs of the installable app: whose answer it is, and the stickers' address."""
    app.after_request(say_whose_answer)
    app.add_template_global(sticker_host, "sticker_host")


def say_whose_answer(response: Response) -> Response:
    if response.mimetype in PERSONAL_TYPES and current_user.is_authenticated:
        response.headers[PERSON_HEADER] = str(current_user.id)
    return response


def sticker_host() -> str:
    """The host printed in the stickers' QR codes (the scanner accepts their URLs), else this one."""
    base = current_app.config.get("PATROL_BASE_URL") or request.url_root
    return urlsplit(base).netloc


@bp.get("/manifest.webmanifest")
def manifest():
    icons_listed = [
        {"src": url_for("static", filename=name), "sizes": f"{side}x{side}", "type": "image/png", "purpose": purpose}
        for name, side, purpose in MANIFEST_ICONS
    ]
    body = {
        "id": url_for("home.index"),
        "name": APP_NAME,
        "short_name": APP_NAME,
        "description": "物业巡检：扫码检查，发现问题及时整改",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": url_for("home.index"),
        "scope": url_for("home.index"),
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons_listed,
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


# Browsers ask for these at the root when a page links none (e.g. iOS for a bookmark saved from another
# site's page): the static files under their plain names, asked for again each time like any plain name.
@bp.get("/favicon.ico")
def favicon():
    return serve_static("icons/favicon.ico")


@bp.get("/apple-touch-icon.png")
@bp.get("/apple-touch-icon-precomposed.png")
def apple_touch_icon():
    return serve_static("icons/apple-touch-icon.png")


@bp.get("/sw.js")
def service_worker():
    """The worker, from the root so that its scope is the whole app; always checked for a new version."""
    version, shell = current_shell()
    source = render_template(
        "pwa/sw.js",
        version=version,
        shell=shell,
        offline_url=url_for("pwa.offline"),
        prepare_url=url_for("pwa.prepare"),
        report_url=url_for("reports.report_form"),
        login_url=url_for("auth.login"),
        logout_url=url_for("auth.logout"),
        token_url=url_for("inspect.outbox_token"),
        person_header=PERSON_HEADER,
        hashed_path=hashed_path_pattern(),
    )
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """What a phone shows for a page it does not have while there is no connection (no sign-in needed:
    the worker keeps it from when it was installed)."""
    response = Response(render_template("pwa/offline.html"), mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/prepare.json")
@login_required
def prepare():
    """The pages this person's phone keeps for an offline round (the worker fetches and stores them)."""
    saving_data = request.headers.get("Save-Data", "").strip().lower() == "on"
    response = jsonify(NOTHING_TO_PREPARE if saving_data else prepare_plan(current_user, utcnow()))
    response.headers["Cache-Control"] = "private, no-store"
    return response
