"""Reading a raw answer for a checklist item, and deciding whether it is a finding."""

from __future__ import annotations

import math
from dataclasses import dataclass

from patrol.i18n import lazy_gettext as _l
from patrol.models import ChecklistItem
from patrol.vocabulary import PASSFAIL_VALUES, SEVERITIES

MAX_TEXT = 2000


@dataclass(frozen=True)
class AnswerInput:
    """What the phone sent for one item: the value as typed, a note and a severity."""

    raw: str
    note: str = ""
    severity: str | None = None
    # The value field was sent empty: the person cleared it (not merely left it out).
    clears: bool = False
    # The phone's sequence number of this change (its outbox numbers them), if it sent one.
    seq: int | None = None


@dataclass(frozen=True)
class Evaluated:
    value_text: str | None
    value_number: float | None
    is_finding: bool


class InvalidAnswer(ValueError):
    pass


def evaluate(item: ChecklistItem, raw: str) -> Evaluated:
    """The stored value of a raw answer and whether it fails; InvalidAnswer says why not."""
    raw = raw.strip()
    kind = item.item_type
    if kind == "passfail":
        if raw not in PASSFAIL_VALUES:
            raise InvalidAnswer(_l("Choose pass, fail or not applicable."))
        return Evaluated(raw, None, raw == "fail")
    if kind == "choice":
        if raw not in item.choices:
            raise InvalidAnswer(_l("Choose one of the options."))
        return Evaluated(raw, None, raw in (item.failing_choices or []))
    if kind == "text":
        if len(raw) > MAX_TEXT:
            raise InvalidAnswer(_l("Keep it under %(n)d characters.", n=MAX_TEXT))
        return Evaluated(raw, None, False)
    number = _number(raw, whole=kind in {"rating", "count"})
    if kind == "rating":
        if not 1 <= number <= 5:
            raise InvalidAnswer(_l("Give a rating from 1 to 5."))
        return Evaluated(None, number, number < (item.threshold or 3))
    if kind == "count":
        if number < 0 or number > 100_000:
            raise InvalidAnswer(_l("Enter how many you counted."))
        return Evaluated(None, number, item.expected is not None and number < item.expected)
    below = item.min_value is not None and number < item.min_value
    above = item.max_value is not None and number > item.max_value
    return Evaluated(None, number, below or above)


def _number(raw: str, *, whole: bool) -> float:
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        raise InvalidAnswer(_l("Enter a number.")) from None
    if not math.isfinite(number) or abs(number) > 1e9:
        raise InvalidAnswer(_l("Enter a number."))
    if whole and number != int(number):
        raise InvalidAnswer(_l("Enter a whole number."))
    return number


def clean_severity(value: str | None, item: ChecklistItem) -> str:
    return value if value in SEVERITIES else item.default_severity


def clean_note(value: str | None) -> str:
    return (value or "").strip()[:MAX_TEXT]
