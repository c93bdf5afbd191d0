"""Reading submitted form fields into typed values, with an error per field in the user's language.

Services call it on the raw strings a form sent, so every form validates the same way:

    check = Checker(raw)
    name = check.text("name", required=True, max_length=120)
    opens = check.time("opens_at")
    if not check.ok:
        return Outcome.fail(check.errors)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

from patrol.i18n import lazy_gettext as _l

# Every id column is an `integer`, which on PostgreSQL stops here (SQLite's would go to 2**63-1),
# and SQLAlchemy sends a value compared with one as an integer too: a larger one is a 500.
MAX_ID = 2**31 - 1
# Dates outside these are typing mistakes; they also keep the conversion to UTC in range.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def whole_number(raw, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """`raw` as a number from `minimum` to `maximum`, or None when it is anything else.

    Only ASCII digits count: `str.isdigit` also accepts "²", which `int` then refuses, and a
    string of thousands of digits makes `int` raise too, so both are settled here first.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return None
    number = int(digits)
    return number if minimum <= number <= maximum else None


def whole_numbers(raws: Iterable, *, minimum: int = 1, maximum: int = MAX_ID) -> list[int]:
    """The ids among `raws` (form values, parts of a list), in order; the others are left out."""
    numbers = (whole_number(raw, minimum=minimum, maximum=maximum) for raw in raws)
    return [number for number in numbers if number is not None]


def iso_day(raw) -> date | None:
    """A yyyy-mm-dd date (what <input type=date> sends) from FIRST_DAY to LAST_DAY, or None."""
    if not isinstance(raw, str) or not ISO_DAY.fullmatch(raw):
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


class Checker:
    def __init__(self, raw: Mapping[str, str]):
        self.raw = raw
        self.errors: dict[str, str] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, name: str, message) -> None:
        self.errors.setdefault(name, message)

    def _get(self, name: str) -> str:
        value = self.raw.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self._get(name)
        if required and not value:
            self.fail(name, _l("Fill this in."))
        elif len(value) > max_length:
            self.fail(name, _l("Keep it under %(n)d characters.", n=max_length))
        return value[:max_length]

    def choice(self, name: str, options: Iterable[str], *, required: bool = True) -> str | None:
        value = self._get(name)
        if not value and not required:
            return None
        if value not in set(options):
            self.fail(name, _l("Choose one of the options."))
            return None
        return value

    def _parsed(self, name: str, required: bool, parse, message):
        """The field read by `parse`; None (and an error if required) when empty, `message` if unreadable."""
        value = self._get(name)
        if not value:
            if required:
                self.fail(name, _l("Fill this in."))
            return None
        try:
            return parse(value)
        except ValueError:
            self.fail(name, message)
            return None

    def integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None, required: bool = True
    ) -> int | None:
        number = self._parsed(name, required, int, _l("Enter a whole number."))
        if number is None:
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.fail(name, _l("Enter a number from %(low)d to %(high)d.", low=minimum or 0, high=maximum or 0))
            return None
        return number

    def decimal(self, name: str, *, required: bool = False) -> float | None:
        return self._parsed(name, required, lambda value: float(value.replace(",", ".")), _l("Enter a number."))

    def time(self, name: str, *, required: bool = True) -> time | None:
        return self._parsed(
            name, required, lambda value: datetime.strptime(value[:5], "%H:%M").time(), _l("Enter a time like 08:30.")
        )

    def date(self, name: str, *, required: bool = False) -> date | None:
        return self._parsed(name, required, date.fromisoformat, _l("Enter a date like 2026-03-31."))

    def flag(self, name: str) -> bool:
        return self._get(name) in {"1", "on", "true", "yes"}


def client_id_or_none(raw) -> str | None:
    """A client-generated id (a UUID) in its canonical form, or None if absent or malformed."""
    if not raw:
        return None
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return None
