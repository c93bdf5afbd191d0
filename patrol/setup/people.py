"""People: the list, inviting someone, changing their role and sites, resetting passwords, deactivating."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from patrol.accounts.accounts import check_new_username, create_user
from patrol.accounts.logins import end_all_logins
from patrol.accounts.throttle import forgive_account
from patrol.extensions import db
from patrol.i18n import LANGUAGES
from patrol.i18n import lazy_gettext as _l
from patrol.models import Site, User, user_sites
from patrol.outcome import Outcome
from patrol.paging import Page, offset_page
from patrol.passwords import password_problem
from patrol.setup.audit import record
from patrol.setup.search import contains
from patrol.validation import Checker
from patrol.vocabulary import ROLES

# Letters and digits nobody misreads when a password is read out or copied off a screen (no l/1, o/0, i).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass
class PersonFilter:
    search: str = ""
    role: str | None = None
    site_id: int | None = None


@dataclass
class WithPassword:
    """A person and the temporary password they were just given, to show once and never store."""

    user: User
    password: str


def temporary_password() -> str:
    """Twelve characters in three groups (about 59 bits): easy to pass on by phone or WeChat."""
    chars = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def _people_query(wanted: PersonFilter):
    query = select(User)
    if wanted.search.strip():
        text = wanted.search.strip()
        query = query.where(or_(contains(User.display_name, text), contains(User.username, text)))
    if wanted.role in ROLES:
        query = query.where(User.role == wanted.role)
    if wanted.site_id is not None:
        # Administrators see every site, so they belong to each site's people too.
        on_site = select(user_sites.c.user_id).where(user_sites.c.site_id == wanted.site_id)
        query = query.where(or_(User.id.in_(on_site), User.role == "admin"))
    return query


def people_page(wanted: PersonFilter, *, number: int = 1, size: int = 30) -> Page[User]:
    """A page of people matching the filter: active ones first, then by name (the id settles ties)."""
    query = (
        _people_query(wanted)
        .options(selectinload(User.sites))
        .order_by(User.active.desc(), User.display_name, User.username, User.id)
    )
    return offset_page(query, number=number, size=size)


def person_form_values(user: User | None) -> dict:
    """What the form shows for a person (or a new one), as the raw strings a form would send."""
    if user is None:
        return {"username": "", "display_name": "", "role": "butler", "sites": [], "password": ""}
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "sites": [str(site.id) for site in user.sites],
        "locale": user.locale or "",
    }


def _chosen_sites(
    check: Checker, role: str | None, site_ids: Sequence[str], offered: Sequence[Site]
) -> list[Site] | None:
    """The ticked sites, or None for an administrator: they see every site, so the ticks are ignored."""
    if role == "admin":
        return None
    by_id = {str(site.id): site for site in offered}
    if any(site_id not in by_id for site_id in site_ids):
        check.fail("sites", _l("Choose one of the options."))
        return []
    chosen = [by_id[site_id] for site_id in dict.fromkeys(site_ids)]
    if role and not chosen:
        check.fail("sites", _l("Give them at least one site."))
    return sorted(chosen, key=lambda site: site.id)


def invite_person(
    actor: User, raw: Mapping[str, str], site_ids: Sequence[str], offered: Sequence[Site]
) -> Outcome[WithPassword]:
    """A new account that must choose its own password at first sign-in.

    `offered` are the sites the form showed; a blank password field means "generate one".
    """
    check = Checker(raw)
    username = check.text("username", required=True, max_length=64).lower()
    display_name = check.text("display_name", required=True, max_length=120)
    role = check.choice("role", ROLES)
    sites = _chosen_sites(check, role, site_ids, offered) or []
    password = raw.get("password", "").strip()
    if password:
        problem = password_problem(password, password, names=(username, display_name))
        if problem:
            check.fail("password", problem)
    check_new_username(check, username)
    if not check.ok:
        return Outcome.fail(check.errors)
    password = password or temporary_password()
    user = create_user(username, password, display_name=display_name, role=role, sites=sites)
    user.must_change_password = True
    try:
        db.session.flush()
    except IntegrityError:  # another administrator took the name a moment ago
        db.session.rollback()
        return Outcome.fail({"username": _l("Someone already has this user name.")})
    record(actor, "user.created", user, role=role, sites=[site.name for site in sites])
    db.session.commit()
    return Outcome(WithPassword(user, password))


def update_person(
    actor: User, user: User, raw: Mapping[str, str], site_ids: Sequence[str], offered: Sequence[Site]
) -> Outcome[User]:
    """Change a person's name, role, sites and language; each kind of change is its own audit entry."""
    check = Checker(raw)
    display_name = check.text("display_name", required=True, max_length=120)
    role = check.choice("role", ROLES)
    locale = check.choice("locale", LANGUAGES, required=False)
    sites = _chosen_sites(check, role, site_ids, offered)
    if sites is None:
        sites = list(user.sites)
    if role and role != "admin" and user.role == "admin" and user.active and not _other_admins(user):
        check.fail("role", _l("They are the last active administrator: someone must keep this role."))
    if not check.ok:
        db.session.rollback()  # release the administrators' rows _other_admins locked
        return Outcome.fail(check.errors)
    changes = {
        field: {"from": getattr(user, field), "to": value}
        for field, value in (("display_name", display_name), ("locale", locale))
        if getattr(user, field) != value
    }
    if changes:
        record(actor, "user.updated", user, **changes)
    if role != user.role:
        record(actor, "user.role_changed", user, **{"from": user.role, "to": role})
    before = [site.name for site in user.sites]
    if [site.id for site in user.sites] != [site.id for site in sites]:
        record(actor, "user.sites_changed", user, **{"from": before, "to": [site.name for site in sites]})
    user.display_name, user.locale, user.role, user.sites = display_name, locale, role, sites
    db.session.commit()
    return Outcome(user)


def reset_password(actor: User, user: User) -> Outcome[WithPassword]:
    """A new generated password that the person must replace when they next sign in."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    end_all_logins(user)
    record(actor, "user.password_reset", user)
    db.session.commit()
    forgive_account(user.username)  # a guesser kept the account busy: the person can sign in again
    return Outcome(WithPassword(user, password))


def deactivate_person(actor: User, user: User) -> Outcome[User]:
    """Stop someone signing in; everything they recorded stays theirs."""
    if user.id == actor.id:
        return Outcome.fail({"form": _l("You cannot deactivate yourself. Ask another administrator.")}, 409)
    if not user.active:
        return Outcome(user)
    if user.role == "admin" and not _other_admins(user):
        db.session.rollback()
        return Outcome.fail({"form": _l("They are the last active administrator.")}, 409)
    user.active = False
    end_all_logins(user)  # reactivating later revives none of them
    record(actor, "user.deactivated", user)
    db.session.commit()
    return Outcome(user)


def reactivate_person(actor: User, user: User) -> Outcome[User]:
    if user.active:
        return Outcome(user)
    user.active = True
    record(actor, "user.reactivated", user)
    db.session.commit()
    return Outcome(user)


def _other_admins(user: User) -> list[int]:
    """The other active administrators.

    Every active administrator's row is locked (in id order, so two requests queue rather than
    deadlock) until the commit: two admins demoting each other at once cannot both succeed.
    """
    query = select(User.id).where(User.role == "admin", User.active.is_(True)).order_by(User.id).with_for_update()
    return [user_id for user_id in db.session.scalars(query) if user_id != user.id]
