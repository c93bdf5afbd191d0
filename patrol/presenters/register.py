"""How a room's register and its history read: what each change is called, and each field's label and value."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal, gettext

from patrol.i18n import lazy_gettext as _l

EVENT_KINDS = {
    "created": _l("Register started"),
    "imported": _l("Register imported from a sheet"),
    "added": _l("Item added"),
    "edited": _l("Item edited"),
    "arrival": _l("Arrival"),
    "removal": _l("Approved removal (goods release)"),
    "write_off": _l("Write-off"),
    "retired": _l("Item taken off the register"),
}
# The quantity changes a person may record from the register page, as the form offers them.
QUANTITY_KINDS = [
    ("arrival", _l("Arrival: more of it came")),
    ("removal", _l("Approved removal (goods release): some of it left")),
    ("write_off", _l("Write-off: lost or broken beyond repair")),
]
FIELDS = {
    "expected": _l("Expected quantity"),
    "zone": _l("Zone"),
    "name": _l("Asset"),
    "unit": _l("Counting unit"),
    "unit_value": _l("Unit value"),
    "photo_id": _l("Reference photo"),
}
# Units a room's items are counted in (件 pieces, 张 sheets/tables, 把 chairs, 盆 pots, 个 each, 具 appliances).
UNITS = ("件", "张", "把", "盆", "个", "具", "套", "台", "幅", "只")


def money(value: Decimal | None) -> str:
    """An amount in 元 as the reader's language writes it: ¥1,200.00."""
    if value is None:
        return "—"
    return "¥" + format_decimal(value, format="#,##0.00")


def field_value(name: str, value) -> str:
    """One side of a change in the history: a value as the page shows it."""
    if name == "unit_value":
        return money(value)
    if name == "photo_id":
        return gettext("a photo") if value else gettext("no photo")
    if value is None:
        return "—"
    return str(value) if value != "" else "—"
