"""A checklist item's settings read from its form: only its own type's settings, each checked."""

from __future__ import annotations

import math

from patrol.i18n import lazy_gettext as _l
from patrol.validation import Checker
from patrol.vocabulary import ITEM_TYPES, SEVERITIES

MAX_OPTIONS, MAX_OPTION_LENGTH = 20, 60


def read_item(raw) -> tuple[dict, dict[str, str]]:
    """An item's settings from its form, with errors by field; only its own type's settings are kept."""
    check = Checker(raw)
    kind = check.choice("item_type", ITEM_TYPES)
    fields = {
        "prompt": check.text("prompt", required=True, max_length=200),
        "item_type": kind,
        "required": check.flag("required"),
        "help_text": check.text("help_text", max_length=500),
        "default_severity": check.choice("default_severity", SEVERITIES, required=False) or "medium",
        "photo_required_on_fail": check.flag("photo_required_on_fail") and kind != "text",
        "threshold": None,
        "expected": None,
        "min_value": None,
        "max_value": None,
        "unit": "",
        "choices": [],
        "failing_choices": [],
    }
    if kind == "rating":
        fields["threshold"] = check.integer("threshold", minimum=1, maximum=5)
    elif kind == "count":
        fields["expected"] = check.integer("expected", minimum=0, maximum=100_000)
    elif kind == "number":
        fields.update(_bounds(check))
    elif kind == "choice":
        fields.update(_options(check))
    return fields, check.errors


def _finite(check: Checker, name: str) -> float | None:
    value = check.decimal(name)
    if value is not None and (not math.isfinite(value) or abs(value) > 1e9):
        check.fail(name, _l("Enter a number."))
        return None
    return value


def _bounds(check: Checker) -> dict:
    low, high = _finite(check, "min_value"), _finite(check, "max_value")
    if low is not None and high is not None and low > high:
        check.fail("max_value", _l("The highest value must not be below the lowest."))
    return {"min_value": low, "max_value": high, "unit": check.text("unit", max_length=20)}


def _lines(check: Checker, name: str) -> list[str]:
    raw = check.raw.get(name, "")
    return [line.strip() for line in (raw if isinstance(raw, str) else "").splitlines() if line.strip()]


def _options(check: Checker) -> dict:
    options, failing = _lines(check, "choices"), _lines(check, "failing_choices")
    if len(set(options)) != len(options):
        check.fail("choices", _l("Give each option only once."))
    elif len(options) < 2:
        check.fail("choices", _l("Give at least two options, one per line."))
    elif len(options) > MAX_OPTIONS or max(map(len, options)) > MAX_OPTION_LENGTH:
        check.fail(
            "choices",
            _l(
                "Give at most %(n)d options of up to %(length)d characters each.",
                n=MAX_OPTIONS,
                length=MAX_OPTION_LENGTH,
            ),
        )
    stray = [option for option in failing if option not in options]
    if stray:
        check.fail("failing_choices", _l("“%(option)s” is not one of the options.", option=stray[0]))
    return {"choices": options, "failing_choices": [option for option in options if option in failing]}
