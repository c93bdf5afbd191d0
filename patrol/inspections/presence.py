"""Proof of presence: doubts about a visit, raised as flags when it is submitted — never refusals.

A flag is one (inspection, kind), raised once (a unique key: a retried or repeated submit, or a
later inspection flagging an earlier one again, adds nothing) inside the submit's transaction:

- too_fast: scan to submit took less than the checklist's minimum (`Checklist.min_seconds`);
- sticker_sheet: the same person scanned STICKER_PLACES or more places within STICKER_WINDOW —
  a photographed sheet of stickers, not a walk. Every inspection in that minute is flagged;
- same_photo: a photo of this inspection is also on another submitted one. Photos are stored once
  under the hash of their re-encoded bytes (patrol.photos), so one picture sent twice is one row,
  and both inspections are flagged;
- photo_time: a photo's capture time lies more than PHOTO_DISTANCE outside the visit (scan to
  submit), read on the phone's clock and moved by its measured offset;
- clock: the phone's clock was off (visit_times: corrected or implausible). Not when the phone sent
  no times at all (a form without JavaScript): that is the server's clock, nothing to doubt.

A supervisor of the inspection's site clears a flag with a comment (who, when, why are kept); it
then stays on the inspection, cleared. Refusals are patrol.outcome.Refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from patrol.access import can, site_ids_for
from patrol.database import insert_ignoring_duplicates
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.visit_times import CLOCK_CORRECTED, CLOCK_IMPLAUSIBLE
from patrol.models import Answer, Checklist, Inspection, Location, Photo, PresenceFlag, User, answer_photos
from patrol.outcome import Refused

TOO_FAST, STICKER_SHEET, SAME_PHOTO, PHOTO_TIME, CLOCK = (
    "too_fast",
    "sticker_sheet",
    "same_photo",
    "photo_time",
    "clock",
)
KINDS = (TOO_FAST, STICKER_SHEET, SAME_PHOTO, PHOTO_TIME, CLOCK)  # the order a page lists them in
STICKER_WINDOW = timedelta(seconds=60)  # scans this close together, first to last, inclusive
STICKER_PLACES = 3
# A visit lasts minutes and a phone's clock may be a few minutes off (visit_times.SKEW); a photo
# taken half an hour before the scan or after the submit was not taken on this visit.
PHOTO_DISTANCE = timedelta(minutes=30)
MAX_COMMENT = 1000
MAX_LINKED = 5  # other inspections named by one flag


def raise_flags(inspection: Inspection, checklist_id: int, now: datetime) -> int:
    """Raise the flags this submitted inspection earns (on it, and on others it implicates); how many are new."""
    raised: dict[tuple[int, str], dict] = {}
    _too_fast(inspection, checklist_id, raised)
    _sticker_sheet(inspection, raised)
    photos = db.session.execute(
        select(answer_photos.c.photo_id, Photo.taken_at)
        .join(Answer, Answer.id == answer_photos.c.answer_id)
        .join(Photo, Photo.id == answer_photos.c.photo_id)
        .where(Answer.inspection_id == inspection.id)
    ).all()
    _same_photo(inspection, {photo_id for photo_id, _taken in photos}, raised)
    _photo_time(inspection, [taken for _id, taken in photos if taken is not None], raised)
    if inspection.clock_flag in (CLOCK_CORRECTED, CLOCK_IMPLAUSIBLE):
        raised[(inspection.id, CLOCK)] = {"clock": inspection.clock_flag, "offset": inspection.clock_offset_seconds}
    if not raised:
        return 0
    rows = [
        {"inspection_id": inspection_id, "kind": kind, "detail": detail, "raised_at": now}
        for (inspection_id, kind), detail in sorted(raised.items())
    ]
    return insert_ignoring_duplicates(PresenceFlag, rows, unique=["inspection_id", "kind"])


def _too_fast(inspection: Inspection, checklist_id: int, raised: dict) -> None:
    minimum = db.session.scalar(select(Checklist.min_seconds).where(Checklist.id == checklist_id))
    took = inspection.duration_seconds
    if minimum and took is not None and took < minimum:
        raised[(inspection.id, TOO_FAST)] = {"took": took, "minimum": minimum}


def _sticker_sheet(inspection: Inspection, raised: dict) -> None:
    """Flag every inspection of a minute in which this person scanned STICKER_PLACES places, this one among them."""
    at = inspection.scanned_at
    near = db.session.execute(
        select(Inspection.id, Inspection.location_id, Inspection.scanned_at)
        .where(
            Inspection.inspector_id == inspection.inspector_id,
            Inspection.scanned_at.between(at - STICKER_WINDOW, at + STICKER_WINDOW),
            (Inspection.status == "submitted") | (Inspection.id == inspection.id),
        )
        .order_by(Inspection.scanned_at, Inspection.id)
    ).all()
    for start, (_id, _location, first) in enumerate(near):
        window = [row for row in near[start:] if row.scanned_at - first <= STICKER_WINDOW]
        places = {row.location_id for row in window}
        if len(places) < STICKER_PLACES or inspection.id not in {row.id for row in window}:
            continue
        detail = {"places": len(places), "seconds": int((window[-1].scanned_at - first).total_seconds())}
        for row in window:
            earlier = raised.get((row.id, STICKER_SHEET))
            if earlier is None or earlier["places"] < detail["places"]:
                raised[(row.id, STICKER_SHEET)] = detail


def _same_photo(inspection: Inspection, photo_ids: set[int], raised: dict) -> None:
    if not photo_ids:
        return
    others = db.session.scalars(
        select(Answer.inspection_id)
        .join(answer_photos, answer_photos.c.answer_id == Answer.id)
        .join(Inspection, Inspection.id == Answer.inspection_id)
        .where(
            answer_photos.c.photo_id.in_(photo_ids),
            Answer.inspection_id != inspection.id,
            Inspection.status == "submitted",
        )
        .distinct()
        .order_by(Answer.inspection_id)
        .limit(MAX_LINKED)
    ).all()
    if not others:
        return
    raised[(inspection.id, SAME_PHOTO)] = {"others": list(others)}
    for other in others:
        raised[(other, SAME_PHOTO)] = {"others": [inspection.id]}


def _photo_time(inspection: Inspection, taken: list[datetime], raised: dict) -> None:
    """The photo taken furthest outside the visit, if more than PHOTO_DISTANCE outside it."""
    if not taken or inspection.submitted_at is None:
        return
    # The camera wrote the phone's clock; the visit's times are already moved onto the server's.
    shift = timedelta(seconds=inspection.clock_offset_seconds or 0)
    start, end = inspection.scanned_at, inspection.submitted_at
    worst, when = timedelta(0), ""
    for at in (moment + shift for moment in taken):
        if start - at > worst:
            worst, when = start - at, "before"
        if at - end > worst:
            worst, when = at - end, "after"
    if worst > PHOTO_DISTANCE:
        raised[(inspection.id, PHOTO_TIME)] = {"minutes": int(worst.total_seconds() // 60), "when": when}


# --- reading and clearing --------------------------------------------------------------------------


def flags_of(inspection_id: int) -> list[PresenceFlag]:
    """An inspection's flags, in KINDS order, with whoever cleared them."""
    flags = db.session.scalars(
        select(PresenceFlag)
        .where(PresenceFlag.inspection_id == inspection_id)
        .options(joinedload(PresenceFlag.cleared_by))
    ).all()
    return sorted(flags, key=lambda flag: KINDS.index(flag.kind) if flag.kind in KINDS else len(KINDS))


def linked_inspections(flags: list[PresenceFlag], site_ids: set[int]) -> dict[int, Inspection]:
    """The other inspections these flags name, with their location, that the reader may see (one query)."""
    ids = {other for flag in flags for other in (flag.detail or {}).get("others", []) if isinstance(other, int)}
    if not ids:
        return {}
    found = db.session.scalars(
        select(Inspection)
        .join(Location, Location.id == Inspection.location_id)
        .where(Inspection.id.in_(ids), Location.site_id.in_(site_ids), Inspection.status == "submitted")
        .options(joinedload(Inspection.location).joinedload(Location.site))
    ).all()
    return {inspection.id: inspection for inspection in found}


def may_clear(user: User, flag: PresenceFlag) -> bool:
    """Supervisors of the inspection's site."""
    return can(user, "presence.clear") and flag.inspection.location.site_id in site_ids_for(user)


def clear(flag: PresenceFlag, actor: User, comment: str, now: datetime) -> PresenceFlag:
    """Clear a flag, saying why. A flag cleared meanwhile (a double tap, another supervisor) stays as it was."""
    if not may_clear(actor, flag):
        raise Refused(_l("Only a supervisor of this site may clear a flag."), 403)
    text = (comment or "").strip()
    if not text:
        raise Refused(_l("Say why: a flag is never cleared without a comment."), 422)
    if len(text) > MAX_COMMENT:
        raise Refused(_l("Keep it under %(n)d characters.", n=MAX_COMMENT), 422)
    db.session.execute(
        update(PresenceFlag)
        .where(PresenceFlag.id == flag.id, PresenceFlag.cleared_at.is_(None))
        .values(cleared_at=now, cleared_by_id=actor.id, clear_comment=text)
    )
    db.session.commit()
    db.session.refresh(flag)
    return flag
