"""Signing in, and creating accounts."""

from __future__ import annotations

import re

from sqlalchemy import select

from patrol.accounts.logins import end_all_logins
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Site, User
from patrol.outcome import Outcome
from patrol.passwords import password_problem, verify_nobody
from patrol.setup.audit import record
from patrol.validation import Checker

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Every way of being wrong gets the same answer after the same work: an unknown or deactivated
    user name still costs one password check, so timing cannot tell which names exist.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()[:64]))
    # End the read before the slow hash check: on SQLite a POST's transaction holds the write
    # lock, and everyone else's sign-in and saving would wait behind this check.
    db.session.commit()
    if user is None or not user.active:
        return verify_nobody(password) or None
    return user if user.check_password(password) else None


def create_user(
    username: str,
    password: str,
    *,
    display_name: str,
    role: str,
    sites: list[Site] | None = None,
    locale: str | None = None,
) -> User:
    user = User(
        username=username.strip().lower(), display_name=display_name, role=role, locale=locale, sites=list(sites or [])
    )
    user.set_password(password)
    db.session.add(user)
    return user


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.commit()


def change_password(user: User, raw: dict) -> Outcome[User]:
    """The person's own password change; the current one is needed unless a reset forced this."""
    errors = {}
    if not user.must_change_password and not user.check_password(raw.get("current", "")):
        errors["current"] = _l("That is not your current password.")
    problem = password_problem(
        raw.get("password", ""), raw.get("confirm", ""), names=(user.username, user.display_name)
    )
    if problem:
        errors["password"] = problem
    elif not errors:
        errors.update(_reuse_problem(user, raw))
    if errors:
        return Outcome.fail(errors)
    user.set_password(raw["password"])
    user.must_change_password = False
    end_all_logins(user)  # a stolen session or another device is signed out; the caller signs in again
    db.session.commit()
    return Outcome(user)


def _reuse_problem(user: User, raw: dict) -> dict:
    """Refuse keeping the password a change is meant to replace.

    After a reset that is the temporary password, which the administrator saw (only the hash can
    tell); otherwise the current one, checked just before.
    """
    if user.must_change_password:
        if user.check_password(raw["password"]):
            return {"password": _l("Choose your own password: the temporary one cannot be kept.")}
    elif raw["password"] == raw.get("current"):
        return {"password": _l("Choose a new password, not the one you have now.")}
    return {}


def has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def create_first_admin(raw: dict) -> Outcome[User]:
    """The first account of an empty install: an administrator. Refused once anyone exists."""
    if has_users():
        return Outcome.fail({"form": _l("This install already has an administrator. Sign in instead.")}, 409)
    return add_admin(
        raw.get("username", ""), raw.get("display_name", ""), raw.get("password", ""), raw.get("confirm", "")
    )


def check_new_username(check: Checker, username: str) -> None:
    """A new account's user name: the allowed characters, and nobody has it yet."""
    if username and not USERNAME.fullmatch(username):
        check.fail("username", _l("Use letters, digits, dots, dashes or underscores."))
    elif username and db.session.scalar(select(User.id).where(User.username == username)):
        check.fail("username", _l("Someone already has this user name."))


def add_admin(username: str, display_name: str, password: str, confirm: str | None = None) -> Outcome[User]:
    """An administrator account, checked like any other (CLI `flask patrol create-admin` too)."""
    raw = {
        "username": username,
        "display_name": display_name,
        "password": password,
        "confirm": password if confirm is None else confirm,
    }
    check = Checker(raw)
    username = check.text("username", required=True, max_length=64).lower()
    display_name = check.text("display_name", required=True, max_length=120)
    problem = password_problem(raw.get("password", ""), raw.get("confirm", ""), names=(username, display_name))
    if problem:
        check.fail("password", problem)
    check_new_username(check, username)
    if not check.ok:
        return Outcome.fail(check.errors)
    user = create_user(username, raw["password"], display_name=display_name, role="admin")
    db.session.flush()
    record(user, "user.created", user, role="admin")
    db.session.commit()
    return Outcome(user)
