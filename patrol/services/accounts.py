"""Signing in, and creating accounts."""
from __future__ import annotations

from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Site, User


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (the same answer for every way of being wrong)."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def create_user(username: str, password: str, *, display_name: str, role: str,
                sites: list[Site] | None = None, locale: str | None = None) -> User:
    user = User(username=username.strip().lower(), display_name=display_name, role=role,
                locale=locale, sites=list(sites or []))
    user.set_password(password)
    db.session.add(user)
    return user


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.commit()
