"""The loss/damage record of a case (资产丢失损坏备案表): what caused it, whether management was at fault,
who is responsible and what they pay. Filled by a supervisor (cases.record), open or closed alike.

The form names the case's version as it was shown: if someone saved it meanwhile, it is refused —
unless what is stored is already what this form says (the same form sent twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm.exc import StaleDataError

from patrol.access import can
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms.reconcile import MAX_NOTE, STALE, UNVERSIONED
from patrol.models import LossCase, User
from patrol.outcome import Outcome, Refused
from patrol.validation import whole_number
from patrol.vocabulary import CASE_CAUSES

MAX_PARTY = 120
MAX_COMPENSATION = Decimal("9999999999.99")


@dataclass(frozen=True)
class RecordInput:
    cause: str | None
    management_at_fault: bool | None
    responsible_party: str
    compensation: Decimal | None
    note: str


def read_record(form) -> tuple[RecordInput, dict[str, str]]:
    """What the form says, and what is wrong with it, by field."""
    errors: dict[str, str] = {}
    cause = form.get("cause") or None
    if cause not in CASE_CAUSES:
        errors["cause"] = _l("Say whether a person caused it.")
    fault = {"yes": True, "no": False}.get(form.get("management_at_fault", ""))
    if fault is None:
        errors["management_at_fault"] = _l("Say whether management was at fault.")
    party = " ".join(form.get("responsible_party", "").split())
    if len(party) > MAX_PARTY:
        errors["responsible_party"] = _l("At most %(n)d characters.", n=MAX_PARTY)
    compensation = _money(form.get("compensation", ""), errors)
    note = form.get("note", "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _l("A note can be at most %(n)d characters.", n=MAX_NOTE)
    return RecordInput(cause, fault, party, compensation, note), errors


def _money(raw: str, errors: dict[str, str]) -> Decimal | None:
    raw = raw.strip().replace(",", "").replace("，", "").removeprefix("¥").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors["compensation"] = _l("Write the compensation as an amount in yuan, such as 120 or 120.50.")
        return None
    if not value.is_finite() or value < 0 or value > MAX_COMPENSATION or value != value.quantize(Decimal("0.01")):
        errors["compensation"] = _l("Write the compensation as an amount in yuan, such as 120 or 120.50.")
        return None
    return value


def save_record(case: LossCase, actor: User, form, now: datetime) -> Outcome[LossCase]:
    """Store the record, or the errors by field (422); Refused when not theirs to fill or stale. Commits."""
    if not can(actor, "cases.record"):
        raise Refused(_l("Only a supervisor can fill in the loss record."), 403)
    given, errors = read_record(form)
    if errors:
        return Outcome.fail(errors)
    version = whole_number(form.get("version", ""))
    if version is None:
        raise Refused(UNVERSIONED, 409)
    if version != case.version:
        if _holds(case, given):
            return Outcome(case)  # the same form again: it is saved
        raise Refused(STALE, 409)
    case.cause, case.management_at_fault = given.cause, given.management_at_fault
    case.responsible_party, case.compensation, case.record_note = (
        given.responsible_party,
        given.compensation,
        given.note,
    )
    case.recorded_by_id, case.recorded_at = actor.id, now
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Refused(STALE, 409) from None
    return Outcome(case)


def _holds(case: LossCase, given: RecordInput) -> bool:
    stored = (case.cause, case.management_at_fault, case.responsible_party, case.compensation, case.record_note)
    return case.recorded_at is not None and stored == (
        given.cause,
        given.management_at_fault,
        given.responsible_party,
        given.compensation,
        given.note,
    )
