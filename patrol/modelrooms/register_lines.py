"""Reading one register line from what a person typed — a form, or a row of an imported sheet — with an
error per field in their language, so both are checked by the same rules."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from patrol.i18n import lazy_gettext as _l
from patrol.models import RegisterLine
from patrol.validation import Checker

# What a room may hold of one item: more is a typing mistake.
MAX_EXPECTED = 9999
# The most one item may be worth (元); the column holds 12 digits, 2 after the point.
MAX_UNIT_VALUE = Decimal("9999999999.99")
LINE_FIELDS = ("zone", "name", "unit", "unit_value")


def max_length(field: str) -> int:
    return RegisterLine.__table__.c[field].type.length


def read_line(raw: Mapping[str, str], *, with_quantity: bool) -> tuple[dict, dict[str, str]]:
    """The line's fields (zone, name, unit, unit_value and, `with_quantity`, expected), and the errors by field."""
    check = Checker(raw)
    fields = {name: check.text(name, required=name != "unit", max_length=max_length(name)) for name in LINE_FIELDS[:3]}
    fields["unit_value"] = read_money(check, "unit_value")
    if with_quantity:
        fields["expected"] = check.integer("expected", minimum=0, maximum=MAX_EXPECTED)
    return fields, check.errors


def read_money(check: Checker, name: str) -> Decimal | None:
    """A value in 元 with at most two decimals (1,200.50 and ¥1200.5 read too); None when left empty."""
    text = check.raw.get(name, "")
    text = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > MAX_UNIT_VALUE or -value.as_tuple().exponent > 2:
        check.fail(name, _l("Enter an amount in yuan, like 1200 or 35.50."))
        return None
    return value.quantize(Decimal("0.01"))
