"""Signing in and out, and choosing the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.accounts.accounts import authenticate, set_locale
from patrol.accounts.sessions import sign_in, sign_out
from patrol.accounts.throttle import guard_password_checks
from patrol.i18n import LANGUAGES
from patrol.i18n import lazy_gettext as _l

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send someone on to another host after signing in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
@guard_password_checks
def login_post():
    user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
    next_url = request.form.get("next", "")
    if user is None:
        error = _l("Wrong user name or password.")
        return render_template(
            "auth/login.html", next=next_url, error=error, username=request.form.get("username", "")
        ), 401
    sign_in(user)
    return redirect(_safe_next(next_url), 303)


@bp.post("/logout")
@login_required
def logout():
    sign_out()
    return redirect(url_for("auth.login"), 303)


@bp.post("/language")
def language():
    chosen = request.form.get("language")
    if chosen not in LANGUAGES:
        chosen = None
    if current_user.is_authenticated:
        set_locale(current_user, chosen)
    response = redirect(_safe_next(request.form.get("next")), 303)
    if chosen:
        response.set_cookie(
            "lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure, httponly=True
        )
    else:
        response.delete_cookie("lang")
    return response
