"""Password hashing, a wrong-user check that costs as much as a wrong password, and strength rules."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from patrol.i18n import lazy_gettext as _l

# Werkzeug's scrypt at its default cost: about 150 ms a hash, which is what makes a stolen
# table slow to attack. The test app alone sets a cheap method (PATROL_PASSWORD_HASH).
DEFAULT_METHOD = "scrypt"
MIN_LENGTH = 10
# zxcvbn's score 3: "safely unguessable" against an online attack, moderate against a stolen hash.
MIN_SCORE = 3
# zxcvbn's cost grows with the length; the rest of a long password adds nothing to the verdict.
_SCORED_LENGTH = 64


def _method() -> str:
    return current_app.config.get("PATROL_PASSWORD_HASH") or DEFAULT_METHOD


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def verify_nobody(password: str) -> bool:
    """Check a password against a hash nobody has, at the configured cost; always False.

    Signing in as an unknown or deactivated user does this, so that the answer takes as long as
    a wrong password for a real one and the time cannot tell which user names exist.
    """
    dummies = current_app.extensions.setdefault("patrol.dummy_hashes", {})
    method = _method()
    if method not in dummies:
        dummies[method] = generate_password_hash("not anyone's password", method=method)
    verify_password(dummies[method], password)
    return False


def password_problem(password: str, confirm: str, *, names: tuple[str, ...] = ()):
    """Why this new password will not do (in the reader's language), or None.

    `names` are the person's user name and display name: a password built on them is refused.
    """
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if password != confirm:
        return _l("The two passwords differ.")
    result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[name for name in names if name])
    if result["score"] >= MIN_SCORE:
        return None
    lowered = password.lower()
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]) or any(
        len(name) >= 3 and name.lower() in lowered for name in names
    ):
        return _l("Too close to the user name or name: choose something unrelated to them.")
    if any(
        match.get("dictionary_name") == "passwords" and match.get("rank", 10**6) <= 10000
        for match in result["sequence"]
    ):
        return _l("This is one of the most common passwords: choose something only you would think of.")
    return _l("Too easy to guess: use a few unrelated words, or add uncommon words and symbols.")
