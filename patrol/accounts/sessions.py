"""Signing a person in and out of this browser: a login row plus Flask-Login's cookies."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_login import current_user, login_user, logout_user

from patrol.accounts.logins import end_login, start_login, user_for_token
from patrol.extensions import db
from patrol.models import User


def remember_for() -> timedelta:
    return current_app.config["REMEMBER_COOKIE_DURATION"]


def sign_in(user: User) -> None:
    """Start a login for this device and set the session and remember-me cookies; commits.

    A login this browser still carried ends first: on a shared phone whose last person could not sign
    out (no signal), the next person's sign-in is what ends theirs.
    """
    if current_user.is_authenticated:
        end_login(getattr(current_user, "login_token", None))
    start_login(user, remember_for())
    db.session.commit()
    login_user(user, remember=True, duration=remember_for())


def sign_out() -> None:
    """End this device's login, so a copy of its cookies signs nobody in; commits."""
    end_login(getattr(current_user, "login_token", None))
    db.session.commit()
    logout_user()


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the cookie's token names a login, not a user id."""
    return user_for_token(token)
