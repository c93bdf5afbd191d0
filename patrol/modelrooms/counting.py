"""Counting a room against its register: one line at a time, as the phone's outbox sends each change.

A count is an inspection whose checklist has an "inventory" item. Its draft is pinned to the register
version the phone's page was built from (Inspection.register_version_id, set by inspections.drafts
when the draft is first used): a register edit made meanwhile applies from the next count. Each line
counted is a CountLine; a line never counted is skipped, and the count is not complete for it.

Saves follow the answers' sequence rules (inspections.drafts): a change numbered at or below the one
stored is a replay and is acknowledged without being applied, so a late replay never wins.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import delete, func, insert, select, update

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.drafts import DraftKey, is_stale, open_draft, runs_ahead, seq_ahead_message
from patrol.inspections.visit_times import answer_time
from patrol.modelrooms.register import current_version
from patrol.modelrooms.sheet import pinned_line
from patrol.models import Answer, ChecklistItem, CountLine, Inspection, RegisterLine
from patrol.outcome import Outcome

INVENTORY = "inventory"
MAX_COUNT = 100_000
WORDS = {
    "below_zero": _l("A count cannot be below zero."),
    "whole": _l("Enter a whole number."),
    "too_many": _l("Enter how many you counted."),
    "damaged_above": _l("More are damaged than were counted."),
    "not_on_register": _l(
        "This item is not on the register this count started from. Reload the page: it is counted from the next count."
    ),
    "no_register": _l("This count sheet is out of date. Reload the page."),
}


@dataclass(frozen=True)
class CountInput:
    """What the phone sent for one line: the numbers as typed, whether a big number was confirmed."""

    counted: str
    damaged: str = ""
    confirmed: bool = False
    seq: int | None = None


@dataclass(frozen=True)
class Counted:
    """A line as stored (counted None: not counted, the line is skipped)."""

    counted: int | None
    damaged: int = 0
    seq: int | None = None


def inventory_item(items: list[ChecklistItem]) -> ChecklistItem | None:
    return next((item for item in items if item.item_type == INVENTORY), None)


def far_above(counted: int, expected: int) -> bool:
    """A number far beyond what the register expects, to be confirmed (a tap on + held, a 50 for a 5)."""
    return counted > expected * 2 and counted > expected + 5


def confirm_words(num) -> str:
    return gettext("Really %(num)s? That is far more than expected.", num=num)


class Refusal(ValueError):
    pass


def _whole(raw: str, *, empty: int | None) -> int | None:
    text = unicodedata.normalize("NFKC", raw or "").replace("\u2212", "-").strip()
    if not text:
        return empty
    if text.startswith("-") and text[1:].strip().isdigit():
        raise Refusal(WORDS["below_zero"])
    if not (text.isascii() and text.isdigit()):
        raise Refusal(WORDS["whole"])
    if len(text.lstrip("0")) > 6 or int(text) > MAX_COUNT:
        raise Refusal(WORDS["too_many"])
    return int(text)


def read_input(given: CountInput) -> Counted:
    """The numbers of a line's change; Refusal in plain words (negative, not whole, damaged above counted)."""
    counted = _whole(given.counted, empty=None)
    damaged = _whole(given.damaged, empty=0) or 0
    if counted is None:
        return Counted(None, 0, given.seq)
    if damaged > counted:
        raise Refusal(WORDS["damaged_above"])
    return Counted(counted, damaged, given.seq)


def save_count(key: DraftKey, asset_id: int, given: CountInput) -> Outcome[Counted]:
    """Save one line of the count, so a reload or a locked phone loses nothing.

    Refused (422): a number that is not a count, a line not on the register version the count is pinned
    to, or a number far above expected that was not confirmed (error "confirm").
    """
    draft = open_draft(key)
    if not draft.ok:
        db.session.rollback()
        return Outcome.fail(draft.errors, draft.status)
    inspection = draft.value
    outcome = _checked(inspection, asset_id, given)
    if not outcome.ok:
        db.session.rollback()
        return outcome
    line, stored = outcome.value
    if runs_ahead(given, stored):
        db.session.rollback()
        return Outcome.fail({"value": seq_ahead_message()})
    if is_stale(given, stored):
        db.session.commit()
        return Outcome(Counted(stored.counted, stored.damaged, stored.seq) if stored else Counted(None))
    try:
        counted = read_input(given)
    except Refusal as refusal:
        db.session.rollback()
        return Outcome.fail({"value": str(refusal)})
    if counted.counted is not None and not given.confirmed and far_above(counted.counted, line.expected):
        db.session.rollback()
        return Outcome.fail({"confirm": confirm_words(counted.counted)})
    at = answer_time(inspection, key.times) if key.times else None
    _write(inspection.id, asset_id, stored, counted, at)
    db.session.commit()
    return Outcome(counted)


def _checked(inspection: Inspection, asset_id: int, given: CountInput):
    """The register line this change counts, and what is stored of it; refused if the line is not pinned."""
    if inspection.register_version_id is None:
        return Outcome.fail({"value": WORDS["no_register"]})
    line = pinned_line(inspection.register_version_id, asset_id)
    if line is None:
        return Outcome.fail({"value": WORDS["not_on_register"]})
    row = db.session.scalar(
        select(CountLine).where(CountLine.inspection_id == inspection.id, CountLine.asset_id == asset_id)
    )
    return Outcome((line, _Stored(row) if row else None))


class _Stored:
    """A stored CountLine as the sequence rules read it (they ask only for .seq)."""

    def __init__(self, row: CountLine):
        self.id, self.counted, self.damaged, self.seq = row.id, row.counted, row.damaged, row.seq


def _write(inspection_id: int, asset_id: int, stored: _Stored | None, counted: Counted, at: datetime | None) -> None:
    """One statement: the line counted, changed, or cleared (back to skipped)."""
    if counted.counted is None:
        if stored is not None:
            db.session.execute(delete(CountLine).where(CountLine.id == stored.id))
        return
    values = {"counted": counted.counted, "damaged": counted.damaged, "seq": counted.seq}
    if at is not None:
        values["counted_at"] = at
    if stored is None:
        db.session.execute(insert(CountLine), [{"inspection_id": inspection_id, "asset_id": asset_id, **values}])
    else:
        db.session.execute(update(CountLine).where(CountLine.id == stored.id).values(**values))


def record_count(inspection: Inspection, items: list[ChecklistItem], at: datetime) -> None:
    """At the submit: the inventory item's own answer, how many lines were counted (never a finding: the
    loss cases, not the generic tasks, follow a short line). Pins a count that counted nothing to the
    register in force. The caller commits."""
    item = inventory_item(items)
    if item is None:
        return
    if inspection.register_version_id is None:
        version = current_version(inspection.location_id)
        inspection.register_version_id = version.id if version else None
    counted = 0
    if inspection.register_version_id is not None:
        pinned = select(RegisterLine.asset_id).where(RegisterLine.version_id == inspection.register_version_id)
        counted = db.session.scalar(
            select(func.count())
            .select_from(CountLine)
            .where(CountLine.inspection_id == inspection.id, CountLine.asset_id.in_(pinned))
        )
    db.session.execute(delete(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item.id))
    db.session.add(
        Answer(inspection_id=inspection.id, item_id=item.id, value_number=counted, is_finding=False, answered_at=at)
    )
