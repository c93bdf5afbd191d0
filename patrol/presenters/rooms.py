"""How a model room reads: who holds it now, the handover to do next, its counts and its day, in words."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms.handover import count_handed_over, guards_of, last_handover, next_kind, waiting_request
from patrol.modelrooms.history import CountRow
from patrol.models import Handover, HandoverRequest, Inspection, Location, LossCase, User
from patrol.presenters.times import localtime

HANDOVER_KINDS = {
    "to_night": _l("Closing handover to night security"),
    "to_day": _l("Opening handover from night security"),
}
CASE_KINDS = {"missing": _l("Missing"), "damaged": _l("Damaged")}
# How the person taking the room over confirmed it.
CONFIRMED_BY = {
    "account": _l("confirmed on their own phone"),
    "pin": _l("confirmed with their PIN"),
    "absent": _l("acknowledged by the steward alone: the guard had left"),
}
# Where a room's loss cases are listed (patrol.views of the cases): found by its address, so this page
# links there once that page is served, and shows the number without a link until then.
CASES_RULE = "/rooms/<int:location_id>/cases"


@dataclass(frozen=True)
class HandoverCard:
    """The room's handover as its page shows it: who holds it, and the form for the next handover."""

    kind: str  # the next handover: to_night (closing) | to_day (opening)
    last: Handover | None
    waiting: HandoverRequest | None
    guards: list[User]
    chosen_guard_id: int | None  # at opening, the guard who took the room the evening before
    client_id: str
    count: Inspection | None  # the day's latest count, which a closing handover goes with

    @property
    def title(self) -> str:
        return str(HANDOVER_KINDS[self.kind])


def handover_card(room: Location) -> HandoverCard:
    last = last_handover(room.id)
    kind = next_kind(last)
    chosen = last.to_user_id if last is not None and kind == "to_day" else None
    count_id = count_handed_over(room, utcnow()) if kind == "to_night" else None
    count = db.session.get(Inspection, count_id) if count_id else None
    return HandoverCard(kind, last, waiting_request(room.id), guards_of(room.site_id), chosen, str(uuid.uuid4()), count)


def holder(last: Handover | None, room: Location) -> str:
    """Who holds the room, in one line: "With night security (王强) since 19:05"."""
    if last is None:
        return gettext("With the stewards: no handover recorded yet.")
    when = localtime(last.handed_at, room.site)
    if last.kind == "to_night":
        return gettext("With night security (%(name)s) since %(when)s", name=last.to_user.display_name, when=when)
    return gettext("With the stewards (%(name)s) since %(when)s", name=last.to_user.display_name, when=when)


def handover_line(handover: Handover, room: Location) -> str:
    """ "19:05 李娜 → 王强, confirmed with their PIN" """
    return gettext(
        "%(when)s %(giver)s → %(taker)s, %(how)s",
        when=localtime(handover.handed_at, room.site, "time"),
        giver=handover.from_user.display_name,
        taker=handover.to_user.display_name,
        how=CONFIRMED_BY.get(handover.confirmed_by, ""),
    )


def count_result(row: CountRow) -> str:
    """What one count found, in words: complete, or how many lines were short, damaged or skipped."""
    if row.complete:
        return gettext("Complete: all %(num)d lines present", num=row.lines)
    parts = []
    if row.short:
        parts.append(ngettext("%(num)d short", "%(num)d short", row.short))
    if row.damaged:
        parts.append(ngettext("%(num)d damaged", "%(num)d damaged", row.damaged))
    if row.skipped:
        parts.append(ngettext("%(num)d skipped", "%(num)d skipped", row.skipped))
    return gettext("%(found)s of %(num)d lines", found=" · ".join(parts) or "—", num=row.lines)


def cases_url(room_id: int) -> str | None:
    for rule in current_app.url_map.iter_rules():
        if rule.rule == CASES_RULE:
            return url_for(rule.endpoint, location_id=room_id)
    return None


def local_today(room: Location, now: datetime) -> date:
    return now.astimezone(room.site.zone).date()


def open_cases_by_room(room_ids: Iterable[int]) -> dict[int, int]:
    ids = list(room_ids)
    if not ids:
        return {}
    query = (
        select(LossCase.location_id, func.count(LossCase.id))
        .where(LossCase.location_id.in_(ids), LossCase.status == "open")
        .group_by(LossCase.location_id)
    )
    return dict(db.session.execute(query).all())


def last_handovers(room_ids: Iterable[int]) -> dict[int, Handover]:
    """Each room's latest handover, in two queries however many rooms."""
    ids = list(room_ids)
    if not ids:
        return {}
    latest = (
        select(Handover.location_id, func.max(Handover.handed_at).label("at"))
        .where(Handover.location_id.in_(ids))
        .group_by(Handover.location_id)
        .subquery()
    )
    query = (
        select(Handover)
        .join(latest, (latest.c.location_id == Handover.location_id) & (latest.c.at == Handover.handed_at))
        .options(joinedload(Handover.from_user), joinedload(Handover.to_user))
        .order_by(Handover.id)
    )
    return {handover.location_id: handover for handover in db.session.scalars(query)}


def waiting_by_room(room_ids: Iterable[int]) -> dict[int, HandoverRequest]:
    ids = list(room_ids)
    if not ids:
        return {}
    query = (
        select(HandoverRequest)
        .where(HandoverRequest.location_id.in_(ids), HandoverRequest.status == "waiting")
        .options(joinedload(HandoverRequest.guard))
    )
    return {asked.location_id: asked for asked in db.session.scalars(query)}
