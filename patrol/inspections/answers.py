"""Reading a raw answer for a checklist item, and deciding whether it is a finding."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import ngettext

from patrol.i18n import lazy_gettext as _l
from patrol.i18n import lazy_pgettext
from patrol.models import ChecklistItem
from patrol.vocabulary import PASSFAIL_VALUES, SEVERITIES

MAX_TEXT = 2000
MAX_COUNT = 100_000
MAX_NUMBER = 1e9

# The server's words for an answer it refuses, by key. The checklist page carries them too
# (rule_words), so the phone says exactly this when it checks an answer or a submit without signal.
MESSAGES = {
    "passfail": _l("Choose pass, fail or not applicable."),
    "choice": _l("Choose one of the options."),
    "text": _l("Keep it under %(n)d characters.", n=MAX_TEXT),
    "rating": _l("Give a rating from 1 to 5."),
    "count": _l("Enter how many you counted."),
    "number": _l("Enter a number."),
    "whole": _l("Enter a whole number."),
    "needed": _l("This item needs an answer."),
    # Nothing is filled in on an item answered by tapping: Chinese asks to choose (请选择) instead.
    "needed_tap": lazy_pgettext("item answered by choosing", "This item needs an answer."),
    "photo": _l("Take a photo of the problem."),
    # A model room's asset count is answered line by line on its count sheet (patrol.modelrooms.counting).
    "inventory": _l("Count this room line by line on its count sheet."),
}
TAPPED = ("passfail", "choice", "rating")

# A number as a person types it on a phone: digits, one decimal point (or comma), a sign. Full-width
# digits and signs (a Chinese keyboard) and the minus sign U+2212 count as theirs. Nothing else:
# not 1_000 or 1e3 (Python's own float syntax, never typed on a keypad), not inf or nan, and not
# 1,000, which a Chinese reader means as a thousand and a decimal comma would read as one.
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)", re.ASCII)
GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+", re.ASCII)


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
    if kind == "inventory":
        raise InvalidAnswer(MESSAGES["inventory"])
    if kind == "passfail":
        if raw not in PASSFAIL_VALUES:
            raise InvalidAnswer(MESSAGES["passfail"])
        return Evaluated(raw, None, raw == "fail")
    if kind == "choice":
        if raw not in item.choices:
            raise InvalidAnswer(MESSAGES["choice"])
        return Evaluated(raw, None, raw in (item.failing_choices or []))
    if kind == "text":
        if len(raw) > MAX_TEXT:
            raise InvalidAnswer(MESSAGES["text"])
        return Evaluated(raw, None, False)
    number = _number(raw, whole=kind in {"rating", "count"})
    if kind == "rating":
        if not 1 <= number <= 5:
            raise InvalidAnswer(MESSAGES["rating"])
        return Evaluated(None, number, number < (item.threshold or 3))
    if kind == "count":
        if number < 0 or number > MAX_COUNT:
            raise InvalidAnswer(MESSAGES["count"])
        return Evaluated(None, number, item.expected is not None and number < item.expected)
    below = item.min_value is not None and number < item.min_value
    above = item.max_value is not None and number > item.max_value
    return Evaluated(None, number, below or above)


def _number(raw: str, *, whole: bool) -> float:
    """The number typed (static/js/outbox-item.js reads it the same way: tests/test_browser_rules.py)."""
    text = unicodedata.normalize("NFKC", raw).replace("\u2212", "-").strip()
    if GROUPED.fullmatch(text) or text.count(",") > 1 or not NUMBER.fullmatch(text.replace(",", ".")):
        raise InvalidAnswer(MESSAGES["number"])
    number = float(text.replace(",", ".")) + 0.0  # -0 is 0
    if not math.isfinite(number) or abs(number) > MAX_NUMBER:
        raise InvalidAnswer(MESSAGES["number"])
    if whole and number != int(number):
        raise InvalidAnswer(MESSAGES["whole"])
    return number


def missing(item: ChecklistItem, is_finding: bool | None, photos: int):
    """What a submit still needs of an item: its answer (is_finding None: none), or a photo of its finding.

    A count may be partial: its inventory item never holds a submit up (a skipped line is not complete).
    """
    if item.item_type == "inventory":
        return None
    if is_finding is None:
        return MESSAGES["needed_tap" if item.item_type in TAPPED else "needed"] if item.required else None
    if is_finding and item.photo_required_on_fail and not photos:
        return MESSAGES["photo"]
    return None


def item_rule(item: ChecklistItem) -> dict:
    """The item's rule as data- attributes of its section: the phone judges answers and a submit by it."""
    kind = item.item_type
    rule = {"data-type": kind, "data-required": item.required, "data-photo-required": item.photo_required_on_fail}
    if kind == "rating":
        rule["data-threshold"] = item.threshold or 3
    elif kind == "count":
        rule["data-expected"] = "" if item.expected is None else item.expected
    elif kind == "number":
        rule["data-min"] = "" if item.min_value is None else repr(item.min_value)
        rule["data-max"] = "" if item.max_value is None else repr(item.max_value)
    elif kind in ("choice", "passfail"):
        passfail = kind == "passfail"
        options, failing = (list(PASSFAIL_VALUES), ["fail"]) if passfail else (item.choices, item.failing_choices)
        rule["data-choices"] = json.dumps(options or [], ensure_ascii=False)
        rule["data-failing"] = json.dumps(failing or [], ensure_ascii=False)
    return rule


def attention_summary(num: int) -> str:
    """What a refused submit says above its items."""
    return ngettext(
        "%(num)d item needs attention before you can submit.",
        "%(num)d items need attention before you can submit.",
        num,
    )


def rule_words(items: int) -> dict:
    """MESSAGES in the page's language, and the summary for 1…items items: the form's data-rule-words."""
    words: dict = {key: str(message) for key, message in MESSAGES.items()}
    words["attention"] = [attention_summary(num) for num in range(1, items + 1)]
    return words


def clean_severity(value: str | None, item: ChecklistItem) -> str:
    return value if value in SEVERITIES else item.default_severity


def clean_note(value: str | None) -> str:
    return (value or "").strip()[:MAX_TEXT]
