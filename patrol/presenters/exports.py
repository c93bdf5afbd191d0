"""How exports read: their kinds' names, their states, and the cells every kind writes the same way.

The kinds themselves (one module each: export_tasks, export_rounds) are listed in export_kinds.KINDS.
Cells are written in the requester's language (the worker builds under their locale) and times in
each row's site's zone, as the pages show them.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext

from patrol.i18n import lazy_gettext as _l
from patrol.presenters.times import zone_of

STATUS_WORDS = {
    "queued": _l("Waiting to start"),
    "running": _l("Being made"),
    "ready": _l("Ready"),
    "failed": _l("Failed"),
    "expired": _l("Removed"),
}
FORMAT_WORDS = {"xlsx": _l("Excel (.xlsx)"), "csv": _l("CSV (.csv)")}


def local(value: datetime | None, site=None) -> datetime | None:
    """A stored UTC time on the site's clock, as a spreadsheet takes it (no zone: Excel has none)."""
    if value is None:
        return None
    return value.astimezone(zone_of(site)).replace(tzinfo=None)


def yes_no(flag: bool) -> str:
    return gettext("Yes") if flag else gettext("No")


def named(person) -> str:
    return person.display_name if person is not None else ""


def stem(title: str, now: datetime, *parts) -> str:
    """A download's name: what it is, what it covers, and when it was made ("任务-20261207-1305")."""
    made = local(now).strftime("%Y%m%d-%H%M")
    words = [title, *(str(part) for part in parts if part), made]
    return "-".join(word.replace("/", "-").replace("\\", "-") for word in words)
