"""Slowing down password guessing without letting a guesser lock the owner out.

Every password check takes a slot before the password is looked at, and gives it back when the
password was right: the counters hold failures plus the checks in progress, so twelve guesses
sent at once get no more checks than five sent one after another. The counters (OWASP's advice):

- per client address, over all accounts: a hard limit;
- per account at one address: a hard limit — the guesser's own address waits, nobody else does;
- per account, over all addresses: only a slow-down. Once it is spent, an address that has not
  failed on this account today still gets its check (so the owner at a clean address signs in),
  from a small extra allowance that bounds what a guesser spread over many addresses gets.

Flask-Limiter's storage keeps the counts: Redis when PATROL_REDIS_URL is set (shared by every
gunicorn worker, each increment atomic in Redis), memory otherwise (the demo, one process).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, current_app, make_response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import RateLimitItem, parse_many

from patrol.i18n import lazy_gettext as _l
from patrol.i18n import lazy_ngettext
from patrol.outcome import Refused

# Used for its storage (Redis or memory, configured as RATELIMIT_STORAGE_URI) and its reset in tests.
limiter = Limiter(key_func=get_remote_address)


@dataclass(frozen=True)
class Budget:
    """How many password checks one counter allows in each of its windows."""

    scope: str
    limits: tuple[RateLimitItem, ...]


def _budget(scope: str, limits: str) -> Budget:
    return Budget(scope, tuple(parse_many(limits)))


PER_ADDRESS = _budget("address", "20 per minute; 100 per hour; 500 per day")
PER_ACCOUNT_AT_ADDRESS = _budget("account-at-address", "5 per minute; 20 per hour; 60 per day")
PER_ACCOUNT = _budget("account", "5 per minute; 20 per hour; 60 per day")
# Checks for clean addresses once PER_ACCOUNT is spent: with it, an account gets at most 160
# wrong guesses a day however many addresses send them.
PAST_A_BUSY_ACCOUNT = _budget("account-clean-addresses", "10 per minute; 50 per hour; 100 per day")
PASSWORD_CHANGE = _budget("password-change", "5 per minute; 20 per hour; 60 per day")

# The memory storage returns the count after its lock is released, and drops a key's lock when
# the window ends: taking a slot under this lock makes each count exactly this request's. With
# Redis the increment is already atomic across workers; the lock costs microseconds.
_counting = threading.Lock()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("PATROL_REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "patrol")
    limiter.init_app(app)


class TooManyAttempts(Refused):
    """A password check refused before it was made (429); `wait` is how many seconds until one is allowed."""

    def __init__(self, wait: int):
        paused = _l("For your security, this is paused after several wrong passwords. %(when)s", when=_again_in(wait))
        super().__init__(paused, 429)
        self.wait = wait


def _again_in(wait: int):
    if wait < 120:
        return lazy_ngettext("Try again in %(num)d second.", "Try again in %(num)d seconds.", wait)
    minutes = -(-wait // 60)
    return lazy_ngettext("Try again in %(num)d minute.", "Try again in %(num)d minutes.", minutes)


def _ids(budget: Budget, who: str) -> tuple[str, ...]:
    return (current_app.config["RATELIMIT_KEY_PREFIX"], budget.scope, who)


def _account(username: str) -> str:
    return "account:" + username.strip().lower()[:64]


@dataclass
class Slots:
    """The slots one password check holds: kept when the password was wrong, else given back."""

    held: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)

    def take(self, budget: Budget, who: str) -> int | None:
        """One slot in every window of the budget: the highest count, or None (and none kept) when full."""
        ids = _ids(budget, who)
        taken, counts = [], []
        with _counting:
            for item in budget.limits:
                counts.append(limiter.storage.incr(item.key_for(*ids), item.get_expiry()))
                taken.append((item, ids))
        if all(count <= item.amount for count, item in zip(counts, budget.limits, strict=True)):
            self.held.extend(taken)
            return max(counts)
        _give_back(taken)
        return None

    def take_or_refuse(self, budget: Budget, who: str) -> int:
        count = self.take(budget, who)
        if count is None:
            self.refuse(seconds_until_allowed(budget, who))
        return count

    def refuse(self, wait: int):
        self.give_back()
        raise TooManyAttempts(wait)

    def give_back(self) -> None:
        _give_back(self.held)
        self.held = []


def _give_back(taken) -> None:
    with _counting:
        for item, ids in taken:
            key = item.key_for(*ids)
            if limiter.storage.incr(key, item.get_expiry(), amount=-1) < 0:
                limiter.storage.clear(key)  # the window ended meanwhile: nothing to give back


def seconds_until_allowed(budget: Budget, who: str) -> int:
    """How long until every window of the budget has room again (for Retry-After)."""
    ids = _ids(budget, who)
    wait = 1
    for item in budget.limits:
        key = item.key_for(*ids)
        if limiter.storage.get(key) >= item.amount:
            left = limiter.storage.get_expiry(key) - time.time()
            wait = max(wait, min(math.ceil(left), item.get_expiry()))  # Redis rounds its TTL up
    return wait


def reserve_sign_in(username: str, address: str) -> Slots:
    """The slots for checking a sign-in's password, or TooManyAttempts."""
    account = _account(username)
    slots = Slots()
    slots.take_or_refuse(PER_ADDRESS, address)
    at_address = slots.take_or_refuse(PER_ACCOUNT_AT_ADDRESS, f"{account}@{address}")
    if slots.take(PER_ACCOUNT, account) is not None:
        return slots
    account_wait = seconds_until_allowed(PER_ACCOUNT, account)
    if at_address > 1:  # this address has failed on this account already: it waits
        slots.refuse(account_wait)
    if slots.take(PAST_A_BUSY_ACCOUNT, account) is None:
        slots.refuse(min(account_wait, seconds_until_allowed(PAST_A_BUSY_ACCOUNT, account)))
    return slots


def forget(budget: Budget, who: str) -> None:
    """Clear every window of one counter (an administrator unlocked what it counts)."""
    for item in budget.limits:
        limiter.storage.clear(item.key_for(*_ids(budget, who)))


def forgive_account(username: str) -> None:
    """End the account-wide slow-down (an administrator reset the password); addresses that guessed still wait."""
    for budget in (PER_ACCOUNT, PAST_A_BUSY_ACCOUNT):
        for item in budget.limits:
            limiter.storage.clear(item.key_for(*_ids(budget, _account(username))))


def _guard(view, reserve, failed_status: int):
    """Take the slots before the view checks a password; keep them only when it answers `failed_status`."""

    @wraps(view)
    def guarded(*args, **kwargs):
        slots = reserve()
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            slots.give_back()  # no answer about the password was given
            raise
        if response.status_code != failed_status:
            slots.give_back()
        return response

    return guarded


def _reserve_this_sign_in() -> Slots:
    return reserve_sign_in(request.form.get("username", ""), "address:" + (get_remote_address() or ""))


def guard_password_checks(view):
    """Decorate the sign-in view: it checks a password and answers 401 when it is wrong."""
    return _guard(view, _reserve_this_sign_in, 401)


def _reserve_password_change() -> Slots:
    slots = Slots()
    slots.take_or_refuse(PASSWORD_CHANGE, _account(current_user.username))
    return slots


def guard_own_password(view):
    """Decorate the password change: a stolen session cannot guess the current password quickly.

    Only the signed-in person reaches it, so a hard per-account limit locks nobody else out.
    """
    return _guard(view, _reserve_password_change, 422)
