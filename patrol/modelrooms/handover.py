"""Handing a model room over: to night security at closing ("to_night"), back to a steward at opening ("to_day").

Who holds a room follows from its last Handover: after a "to_night" it is with night security and the
next handover is the opening one; otherwise it is with the stewards and the next is the closing one.

The guard confirms in one of two ways, and only then is the Handover written (a custody signature,
patrol.modelrooms.cases.custodians):
- with their own account: the steward's request waits on the guard's home until they confirm it there;
- on the steward's phone, with the guard's PIN (patrol.accounts.pins, locked after a few wrong ones).
At opening the guard may have left before the steward arrives: the steward then acknowledges the night
handover alone, with a remark saying so, and the Handover says it was not confirmed by the guard
(confirmed_by "absent"); the guard it names is the one who took the room the evening before.

Every write is idempotent on the phone's client id: a retried confirmation is the same handover.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from patrol.access import PERMISSIONS
from patrol.accounts.pins import PIN, pin_matches
from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Handover, HandoverRequest, Inspection, Location, User, user_sites
from patrol.outcome import Outcome
from patrol.validation import Checker, whole_number

KINDS = ("to_night", "to_day")
REMARKS_LENGTH = 500

# How long before a handover its count may have been made (a closing count, then the walk to the guard).
COUNT_BEFORE_HANDOVER = timedelta(hours=6)


@dataclass(frozen=True)
class Given:
    """What a handover form sent, read: the room, the steward on the phone, the guard, and when (phone time)."""

    room: Location
    steward: User
    kind: str
    client_id: str
    raw: Mapping[str, str]
    at: datetime


def guards_of(site_id: int) -> list[User]:
    """The active night security given this site, by name."""
    query = (
        select(User)
        .join(user_sites, user_sites.c.user_id == User.id)
        .where(user_sites.c.site_id == site_id, User.role.in_(PERMISSIONS["handover.take"]), User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return list(db.session.scalars(query))


def last_handover(location_id: int) -> Handover | None:
    return db.session.scalar(
        select(Handover)
        .where(Handover.location_id == location_id)
        .options(joinedload(Handover.from_user), joinedload(Handover.to_user))
        .order_by(Handover.handed_at.desc(), Handover.id.desc())
        .limit(1)
    )


def next_kind(last: Handover | None) -> str:
    """The handover a room is waiting for: the opening one once night security holds it, else the closing one."""
    return "to_day" if last is not None and last.kind == "to_night" else "to_night"


def waiting_request(location_id: int) -> HandoverRequest | None:
    return db.session.scalar(
        select(HandoverRequest).where(HandoverRequest.location_id == location_id, HandoverRequest.status == "waiting")
    )


def waiting_for(guard: User) -> list[HandoverRequest]:
    """The handovers waiting for this guard to confirm, oldest first."""
    query = (
        select(HandoverRequest)
        .where(HandoverRequest.guard_id == guard.id, HandoverRequest.status == "waiting")
        .options(joinedload(HandoverRequest.location).joinedload(Location.site), joinedload(HandoverRequest.steward))
        .order_by(HandoverRequest.asked_at, HandoverRequest.id)
    )
    return list(db.session.scalars(query))


def count_handed_over(room: Location, at: datetime) -> int | None:
    """The count a handover at `at` goes with: the room's latest count submitted in the hours before it.

    A window, not the site's calendar day: a closing count at 23:56 goes with the handover at 00:06.
    """
    return db.session.scalar(
        select(Inspection.id)
        .where(
            Inspection.location_id == room.id,
            Inspection.status == "submitted",
            Inspection.register_version_id.is_not(None),
            Inspection.submitted_at > at - COUNT_BEFORE_HANDOVER,
            Inspection.submitted_at <= at,
        )
        .order_by(Inspection.submitted_at.desc(), Inspection.id.desc())
        .limit(1)
    )


def _done(given: Given) -> Outcome[Handover] | None:
    """The handover this client id already made (a retry), or a refusal when the id was used elsewhere."""
    made = db.session.scalar(select(Handover).where(Handover.client_id == given.client_id))
    if made is None:
        return None
    if made.location_id != given.room.id or made.kind != given.kind:
        return Outcome.fail({"form": _l("This form was already used for another handover. Reload the page.")}, 409)
    return Outcome(made)


def _read(given: Given, *, remarks_required: bool = False) -> tuple[Checker, User | None, str]:
    """The guard chosen (one of the site's night security) and the remarks; errors in the checker."""
    check = Checker(given.raw)
    remarks = check.text("remarks", required=remarks_required, max_length=REMARKS_LENGTH)
    guard_id = whole_number(given.raw.get("guard", ""))
    guard = next((person for person in guards_of(given.room.site_id) if person.id == guard_id), None)
    if guard is None:
        check.fail("guard", _l("Choose the night security person on duty."))
    if given.kind != next_kind(last_handover(given.room.id)):
        check.fail("form", _l("This room was handed over in the meantime. Reload the page."))
    return check, guard, remarks


def _write(given: Given, guard: User, remarks: str, confirmed_by: str, at: datetime) -> Handover:
    steward, night = (given.steward, guard) if given.kind == "to_night" else (guard, given.steward)
    handover = Handover(
        client_id=given.client_id,
        site_id=given.room.site_id,
        location_id=given.room.id,
        kind=given.kind,
        from_user_id=steward.id,
        to_user_id=night.id,
        handed_at=at,
        remarks=remarks,
        confirmed_by=confirmed_by,
        inspection_id=count_handed_over(given.room, at),
    )
    db.session.add(handover)
    db.session.flush()
    return handover


def hand_over_with_pin(given: Given) -> Outcome[Handover]:
    """The guard confirms on the steward's phone with their PIN; a wrong PIN is refused (422), a locked one 429."""
    done = _done(given)
    if done is not None:
        return done
    check, guard, remarks = _read(given)
    pin = (given.raw.get("pin") or "").strip()
    if not PIN.fullmatch(pin):  # nothing typed, or not a PIN at all: no guess is counted
        check.fail("pin", _l("The guard types their 4 to 6 digit PIN here."))
    if not check.ok:
        return Outcome.fail(check.errors, 409 if "form" in check.errors else 422)
    if not pin_matches(guard, pin, given.steward):
        db.session.commit()  # the wrong PIN's slot is kept; nothing else was written
        return Outcome.fail({"pin": _l("That PIN is not right. Ask them to type it again.")})
    handover = _write(given, guard, remarks, "pin", given.at)
    _settle_waiting(given.room.id, handover)
    db.session.commit()
    return Outcome(handover)


def acknowledge_without_guard(given: Given) -> Outcome[Handover]:
    """Opening only: the guard has left, so the steward takes the room over alone and says so in the remarks."""
    if given.kind != "to_day":
        return Outcome.fail({"form": _l("Only the opening handover can be acknowledged without the guard.")}, 409)
    done = _done(given)
    if done is not None:
        return done
    check, guard, remarks = _read(given, remarks_required=True)
    if not check.ok:
        return Outcome.fail(check.errors, 409 if "form" in check.errors else 422)
    handover = _write(given, guard, remarks, "absent", given.at)
    _settle_waiting(given.room.id, handover)
    db.session.commit()
    return Outcome(handover)


def ask_guard(given: Given) -> Outcome[HandoverRequest]:
    """The handover waits on the guard's home until they confirm it with their own account."""
    asked = db.session.scalar(select(HandoverRequest).where(HandoverRequest.client_id == given.client_id))
    if asked is not None and asked.location_id == given.room.id:
        return Outcome(asked)
    if _done(given) is not None or asked is not None:
        return Outcome.fail({"form": _l("This form was already used for another handover. Reload the page.")}, 409)
    check, guard, remarks = _read(given)
    if waiting_request(given.room.id) is not None:
        check.fail("form", _l("A handover of this room is already waiting to be confirmed."))
    if not check.ok:
        return Outcome.fail(check.errors, 409 if "form" in check.errors else 422)
    asked = HandoverRequest(
        client_id=given.client_id,
        site_id=given.room.site_id,
        location_id=given.room.id,
        kind=given.kind,
        steward_id=given.steward.id,
        guard_id=guard.id,
        remarks=remarks,
        asked_at=given.at,
    )
    db.session.add(asked)
    db.session.commit()
    return Outcome(asked)


def confirm_request(asked: HandoverRequest, guard: User, at: datetime) -> Outcome[Handover]:
    """The guard confirms a waiting handover on their own phone, at `at` (their phone's time)."""
    if asked.guard_id != guard.id:
        return Outcome.fail({"form": _l("This handover waits for someone else.")}, 403)
    if asked.handover is not None:
        return Outcome(asked.handover)  # confirmed already: a retry, or the PIN was used meanwhile
    if asked.status != "waiting":
        return Outcome.fail({"form": _l("The steward withdrew this handover.")}, 409)
    given = Given(asked.location, asked.steward, asked.kind, asked.client_id, {}, max(at, asked.asked_at))
    handover = _write(given, guard, asked.remarks, "account", given.at)
    if not _settle(asked.id, "confirmed", handover):
        db.session.rollback()
        return Outcome.fail({"form": _l("The steward withdrew this handover.")}, 409)
    db.session.commit()
    return Outcome(handover)


def confirm_request_with_pin(asked: HandoverRequest, steward: User, pin: str, at: datetime) -> Outcome[Handover]:
    """The guard is there after all: a waiting handover confirmed on the steward's phone with their PIN."""
    if asked.handover is not None:
        return Outcome(asked.handover)
    if asked.status != "waiting":
        return Outcome.fail({"form": _l("This handover was withdrawn. Start it again.")}, 409)
    if not PIN.fullmatch(pin.strip()):
        return Outcome.fail({"pin": _l("The guard types their 4 to 6 digit PIN here.")})
    if not pin_matches(asked.guard, pin.strip(), steward):
        db.session.commit()
        return Outcome.fail({"pin": _l("That PIN is not right. Ask them to type it again.")})
    given = Given(asked.location, asked.steward, asked.kind, asked.client_id, {}, max(at, asked.asked_at))
    handover = _write(given, asked.guard, asked.remarks, "pin", given.at)
    if not _settle(asked.id, "confirmed", handover):
        db.session.rollback()
        return Outcome.fail({"form": _l("This handover was withdrawn. Start it again.")}, 409)
    db.session.commit()
    return Outcome(handover)


def withdraw_request(asked: HandoverRequest) -> Outcome[HandoverRequest]:
    """The steward takes back a handover the guard has not confirmed (the wrong guard, or they are here now)."""
    if asked.status == "withdrawn":
        return Outcome(asked)
    if not _settle(asked.id, "withdrawn", None):
        db.session.rollback()
        return Outcome.fail({"form": _l("The guard has confirmed it already.")}, 409)
    db.session.commit()
    return Outcome(asked)


def _settle(request_id: int, status: str, handover: Handover | None) -> bool:
    """Move a waiting request on, once: False when someone settled it first (a confirm and a withdraw at once)."""
    done = db.session.execute(
        update(HandoverRequest)
        .where(HandoverRequest.id == request_id, HandoverRequest.status == "waiting")
        .values(status=status, handover_id=handover.id if handover else None, settled_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return done.rowcount == 1


def _settle_waiting(location_id: int, handover: Handover) -> None:
    """A handover made another way settles the request waiting at the room: confirmed when it names the same
    guard and they confirmed it (their PIN), else withdrawn (another guard, or the steward acknowledged alone)."""
    waiting = waiting_request(location_id)
    if waiting is None:
        return
    same_guard = waiting.guard_id in (handover.to_user_id, handover.from_user_id)
    if same_guard and handover.confirmed_by != "absent":
        _settle(waiting.id, "confirmed", handover)
    else:
        _settle(waiting.id, "withdrawn", None)
