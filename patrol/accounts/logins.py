"""Logins: one row per signed-in device, so signing out, a password change, a reset or a
deactivation can end exactly the sessions it should, and a copied cookie stops working."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Login, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login(user: User, lifetime: timedelta) -> str:
    """A new login for this device, valid for `lifetime`; returns the token its cookies carry.

    Not committed: the caller commits it with whatever else the request changes.
    """
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(delete(Login).where(Login.user_id == user.id, Login.expires_at < now))
    db.session.add(Login(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + lifetime))
    user.login_token = token
    return token


def user_for_token(token: str) -> User | None:
    """The active user whose unexpired login this token names (one query), or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        select(User, Login.expires_at).join(Login, Login.user_id == User.id).where(Login.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    user, expires_at = row
    if not user.active or expires_at <= utcnow():
        return None
    user.login_token = token
    return user


def end_login(token: str | None) -> None:
    """This device's login ends (signing out); not committed."""
    if token:
        db.session.execute(delete(Login).where(Login.token_hash == _digest(token)))


def end_all_logins(user: User) -> None:
    """Every device this person is signed in on is signed out; not committed."""
    db.session.execute(delete(Login).where(Login.user_id == user.id))
    user.login_token = None
