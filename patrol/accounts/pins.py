"""Night security's PIN: typed on a steward's phone to confirm a model room's handover (4 to 6 digits).

The guard sets it on their account page, or an administrator gives a new one; it is stored hashed,
as a password is. Four digits are quickly guessed, so checks are counted per guard (sign-in throttling's
counters, patrol.accounts.throttle): after a few wrong PINs the guard's PIN is locked for a while,
whoever's phone typed them, and an administrator's new PIN unlocks it. A right PIN gives its slot back.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from limits import parse_many

from patrol.access import PERMISSIONS
from patrol.accounts.throttle import Budget, Slots, TooManyAttempts, forget, seconds_until_allowed
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import User
from patrol.outcome import Outcome
from patrol.passwords import hash_password, verify_password
from patrol.setup.audit import record

PIN = re.compile(r"[0-9]{4,6}")
# Per guard, over every phone: five wrong PINs lock it for a quarter of an hour, ten for the day.
PER_GUARD = Budget("pin", tuple(parse_many("5 per 15 minutes; 10 per day")))
# Per phone's account, over every guard: a steward cannot try each guard's PIN in turn.
PER_ASKER = Budget("pin-asker", tuple(parse_many("10 per 15 minutes; 30 per day")))
NEW_PIN_DIGITS = 6


def takes_pin(user: User) -> bool:
    """Whether this person confirms handovers, and so may have a PIN."""
    return user.role in PERMISSIONS["handover.take"]


def pin_problem(pin: str, confirm: str):
    """Why this new PIN will not do, or None."""
    if not PIN.fullmatch(pin):
        return _l("Use 4 to 6 digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return _l("Too easy to guess: avoid one digit repeated or digits in a row.")
    if pin != confirm:
        return _l("The two PINs differ.")
    return None


def set_own_pin(user: User, raw: Mapping[str, str]) -> Outcome[User]:
    """A guard chooses their PIN on their account page."""
    if not takes_pin(user):
        return Outcome.fail({"pin": _l("Only night security confirms handovers with a PIN.")}, 403)
    pin, confirm = (raw.get("pin") or "").strip(), (raw.get("confirm") or "").strip()
    problem = pin_problem(pin, confirm)
    if problem:
        return Outcome.fail({"pin": problem})
    user.pin_hash = hash_password(pin)
    record(user, "user.pin_set", user)
    db.session.commit()
    return Outcome(user)


def reset_pin(actor: User, user: User) -> Outcome[str]:
    """A new PIN made up for a guard who forgot theirs (or whose PIN is locked): shown once, never stored."""
    if not takes_pin(user):
        return Outcome.fail({"form": _l("Only night security has a PIN.")}, 409)
    pin = "".join(secrets.choice("0123456789") for _ in range(NEW_PIN_DIGITS))
    while pin_problem(pin, pin):
        pin = "".join(secrets.choice("0123456789") for _ in range(NEW_PIN_DIGITS))
    user.pin_hash = hash_password(pin)
    record(actor, "user.pin_reset", user)
    db.session.commit()
    _forgive(user)
    return Outcome(pin)


def _who(guard: User) -> str:
    return f"guard:{guard.id}"


def _forgive(guard: User) -> None:
    forget(PER_GUARD, _who(guard))


def pin_matches(guard: User, pin: str, asker: User) -> bool:
    """Whether `pin` is this guard's; TooManyAttempts (429) once their PIN is locked, before it is looked at."""
    slots = Slots()
    slots.take_or_refuse(PER_ASKER, f"user:{asker.id}")
    if slots.take(PER_GUARD, _who(guard)) is None:
        slots.refuse(seconds_until_allowed(PER_GUARD, _who(guard)))
    right = bool(guard.pin_hash) and PIN.fullmatch(pin or "") is not None and verify_password(guard.pin_hash, pin)
    if right:
        slots.give_back()
    return right


__all__ = ["TooManyAttempts", "pin_matches", "pin_problem", "reset_pin", "set_own_pin", "takes_pin"]
