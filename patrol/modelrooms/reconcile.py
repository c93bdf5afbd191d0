"""Reconciling a loss case, with a trail: found, damaged, or written off.

- found: a person confirms the "found" a full count proposed, or marks it found with a note; the case
  closes and its task with it (the task's "close_case" action, through tasks.workflow.act, the one
  writer of a task's status);
- damaged: a missing item found damaged; the case closes as damaged and its task stays open, for the
  repair (a comment on its timeline says why);
- written off: a supervisor only; the register's expected quantity is lowered by a write-off event
  naming the case (modelrooms.register.change_quantity), so the next count expects the new figure.
A count never edits the register: only this does, and only on a person's word.

Each form names the case's version as it was shown: a case someone changed meanwhile is refused (409).
The same request sent again (a double tap, a retry) finds the case closed as it asked and is answered
"already done"; its client id makes the task's event once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy.orm.exc import StaleDataError

from patrol.access import can
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms.register import change_quantity, current_version, lines_of
from patrol.models import LossCase, User
from patrol.outcome import Refused
from patrol.tasks.workflow import ActionInput, act
from patrol.vocabulary import CASE_OUTCOMES

MAX_NOTE = 2000
STALE = _l("Someone else changed this case while you were looking at it. Check it and try again.")
UNVERSIONED = _l("This page is out of date. Reload it and try again.")
# Which permission each way of closing a case needs (patrol.access.PERMISSIONS).
PERMISSION = {"found": "cases.reconcile", "damaged": "cases.reconcile", "written_off": "cases.write_off"}
NOT_PERMITTED = {
    "cases.reconcile": _l("Only a steward or a supervisor can reconcile a loss case."),
    "cases.write_off": _l("Only a supervisor can write an item off."),
}


@dataclass
class CloseInput:
    outcome: str  # found | damaged | written_off
    version: int | None
    client_id: str | None = None
    note: str = ""
    # "found" confirms what a full count proposed; without it, the person's note says where it was.
    confirm: bool = False


def close_case(case: LossCase, actor: User, given: CloseInput, now: datetime) -> bool:
    """Close the case as `given.outcome`, or raise Refused (nothing written). False when it was already
    closed so (the same request again): nothing more is written. Commits."""
    if _already(case, actor, given):
        return False
    note = given.note.strip()
    _check(case, given, note)
    try:
        if given.outcome == "written_off":
            _write_off(case, actor, note)
        _closed(case, actor, given.outcome, note, now)
        _settle_task(case, actor, given, note, now)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Refused(STALE, 409) from None
    except BaseException:
        db.session.rollback()
        raise
    return True


def _already(case: LossCase, actor: User, given: CloseInput) -> bool:
    if given.outcome not in PERMISSION:
        raise Refused(_l("There is no such way to close a case."), 400)
    permission = PERMISSION[given.outcome]
    if not can(actor, permission):
        raise Refused(NOT_PERMITTED[permission], 403)
    if case.is_open:
        return False
    if case.outcome == given.outcome:
        return True
    words = CASE_OUTCOMES.get(case.outcome or "", case.outcome)
    raise Refused(_l("This case is already closed: %(outcome)s.", outcome=words), 409)


def _check(case: LossCase, given: CloseInput, note: str) -> None:
    if given.version is None:
        raise Refused(UNVERSIONED, 409)
    if given.version != case.version:
        raise Refused(STALE, 409)
    if len(note) > MAX_NOTE:
        raise Refused(_l("A note can be at most %(n)d characters.", n=MAX_NOTE), 422)
    if given.outcome == "found" and given.confirm and case.found_inspection_id is None:
        raise Refused(_l("No count has found it again: say where it was found instead."), 409)
    if given.outcome == "found" and not given.confirm and not note:
        raise Refused(_l("Say where and how it was found."), 422)
    if given.outcome == "damaged" and case.kind != "missing":
        raise Refused(_l("This case is already about damage: close it as found or written off."), 422)
    if given.outcome == "damaged" and not note:
        raise Refused(_l("Say what is damaged, for the repair."), 422)
    if given.outcome == "written_off" and not note:
        raise Refused(_l("Say why it is written off."), 422)


def _write_off(case: LossCase, actor: User, reason: str) -> None:
    """The register expects that many fewer from its next version: the next count expects the new figure."""
    version = current_version(case.location_id)
    line = next((line for line in lines_of(version.id) if line.asset_id == case.asset_id), None) if version else None
    if line is None:
        raise Refused(_l("That item is no longer on this room's register: there is nothing to write off."), 409)
    expected = max(0, line.expected - case.quantity)
    change_quantity(
        case.location,
        case.asset_id,
        expected,
        kind="write_off",
        reason=reason,
        approver=actor,
        actor=actor,
        case_id=case.id,
    )


def _closed(case: LossCase, actor: User, outcome: str, note: str, now: datetime) -> None:
    case.status = "closed"
    case.outcome = outcome
    case.closed_at = now
    case.closed_by_id = actor.id
    case.close_note = note
    db.session.flush()


def _settle_task(case: LossCase, actor: User, given: CloseInput, note: str, now: datetime) -> None:
    """Found or written off closes the case's task; found damaged leaves it open for the repair, and says so."""
    task = case.task
    if task is None or not task.is_open:
        return
    what = gettext("%(outcome)s: %(note)s", outcome=str(CASE_OUTCOMES[given.outcome]), note=note) if note else None
    text = what or str(CASE_OUTCOMES[given.outcome])
    action = "comment" if given.outcome == "damaged" else "close_case"
    act(
        task,
        actor,
        ActionInput(action, task.version, client_id=given.client_id, note=text, case=case),
        now=now,
        commit=False,
    )
