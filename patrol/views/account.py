"""Your own account (password, language), and creating the first administrator of an empty install."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.accounts.accounts import change_password, create_first_admin, has_users
from patrol.accounts.pins import set_own_pin, takes_pin
from patrol.accounts.sessions import sign_in
from patrol.accounts.throttle import guard_own_password
from patrol.i18n import lazy_gettext as _l
from patrol.views.templating import flash_success

bp = Blueprint("account", __name__)

# What a person whose password was reset may still reach before choosing a new one.
# The app shell (service worker, manifest, icons, offline page) must load whatever the person has
# still to do: a worker script answered with a redirect can neither register nor update.
APP_SHELL_ENDPOINTS = {
    "static",
    "pwa.service_worker",
    "pwa.manifest",
    "pwa.offline",
    "pwa.favicon",
    "pwa.apple_touch_icon",
}
PASSWORD_CHANGE_ENDPOINTS = {
    "account.account",
    "account.password_change",
    "auth.logout",
    "auth.language",
} | APP_SHELL_ENDPOINTS
FIRST_RUN_ENDPOINTS = {"account.first_admin", "account.first_admin_post"} | APP_SHELL_ENDPOINTS


def init_app(app) -> None:
    app.before_request(guide_to_first_steps)


def guide_to_first_steps():
    """An empty install asks for its first administrator; a reset password must be replaced first."""
    if request.endpoint in FIRST_RUN_ENDPOINTS:
        return None
    if not current_app.extensions.get("patrol.has_users"):
        if not has_users():
            return redirect(url_for("account.first_admin"))
        current_app.extensions["patrol.has_users"] = True
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
    ):
        return redirect(url_for("account.account", _anchor="password"))
    return None


@bp.get("/account")
@login_required
def account():
    return render_template("account/account.html", errors={}, pin_errors={})


@bp.post("/account/password")
@login_required
@guard_own_password
def password_change():
    # The real User, not the current_user proxy: it is handed back to login_user below.
    outcome = change_password(current_user._get_current_object(), request.form)
    if not outcome.ok:
        return make_response(render_template("account/account.html", errors=outcome.errors, pin_errors={}), 422)
    sign_in(outcome.value)  # every login ended with the change; this device starts a new one
    flash_success(_l("Your password was changed."))
    return redirect(url_for("account.account"), 303)


@bp.post("/account/pin")
@login_required
def pin_change():
    """Night security chooses the PIN they type on a steward's phone to confirm a handover."""
    if not takes_pin(current_user):
        return redirect(url_for("account.account"), 303)
    outcome = set_own_pin(current_user._get_current_object(), request.form)
    if not outcome.ok:
        page = render_template("account/account.html", errors={}, pin_errors=outcome.errors)
        return make_response(page, outcome.status)
    flash_success(_l("Your handover PIN was saved."))
    return redirect(url_for("account.account"), 303)


@bp.get("/setup")
def first_admin():
    if has_users():
        return redirect(url_for("auth.login"))
    return render_template("account/first_admin.html", errors={}, values={})


@bp.post("/setup")
def first_admin_post():
    outcome = create_first_admin(request.form)
    if not outcome.ok:
        status = outcome.status
        return make_response(
            render_template("account/first_admin.html", errors=outcome.errors, values=request.form), status
        )
    sign_in(outcome.value)
    return redirect(url_for("admin.index"), 303)
