"""Proof-of-presence flags in words a supervisor reads: what was odd about a visit, and how odd."""

from __future__ import annotations

from flask_babel import gettext as _

from patrol.i18n import lazy_gettext as _l
from patrol.models import PresenceFlag
from patrol.presenters.times import duration

TITLES = {
    "too_fast": _l("Submitted very quickly"),
    "sticker_sheet": _l("Several places scanned at once"),
    "same_photo": _l("The same photo on two inspections"),
    "photo_time": _l("Photo not taken during this visit"),
    "clock": _l("The phone's clock was off"),
}
# The grid's mark for a round whose inspection has a flag nobody cleared yet.
FLAG_MARK = "⚑"
FLAG_LABEL = _l("Flagged, not cleared yet")
DONE = _l("The flag is cleared.")


def title(flag: PresenceFlag) -> str:
    return str(TITLES.get(flag.kind, _l("Something to check")))


def explanation(flag: PresenceFlag) -> str:
    """Why it was raised, with its numbers; the other inspections of same_photo are the page's links."""
    detail = flag.detail or {}
    if flag.kind == "too_fast":
        return _(
            "From scan to submit took %(took)s; this checklist expects at least %(minimum)s.",
            took=duration(detail.get("took")),
            minimum=duration(detail.get("minimum")),
        )
    if flag.kind == "sticker_sheet":
        return _(
            "The same person scanned %(places)d places within %(seconds)d seconds: nobody walks that fast. "
            "The codes may have been scanned from a photo or a sheet of stickers.",
            places=detail.get("places", 0),
            seconds=detail.get("seconds", 0),
        )
    if flag.kind == "same_photo":
        return _("A photo of this inspection is also on another one:")
    if flag.kind == "photo_time":
        amount = duration(60 * detail.get("minutes", 0))
        if detail.get("when") == "after":
            return _("A photo was taken %(amount)s after the submit.", amount=amount)
        return _("A photo was taken %(amount)s before the scan: it may be an old picture.", amount=amount)
    return _clock(detail)


def _clock(detail: dict) -> str:
    offset = detail.get("offset") or 0
    if detail.get("clock") == "implausible":
        return _("The phone sent times that cannot be right. Its date and time may have been changed.")
    if offset > 0:
        return _("The phone's clock was %(amount)s behind. The times shown are corrected.", amount=duration(offset))
    return _("The phone's clock was %(amount)s ahead. The times shown are corrected.", amount=duration(-offset))
