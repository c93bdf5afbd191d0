"""Filling in a checklist: drafts that survive a reload, answers saved one by one, and the submit."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, ChecklistVersion, Inspection, Location, User
from patrol.services.answers import AnswerInput, InvalidAnswer, clean_note, clean_severity, evaluate
from patrol.services.checklists import items_of
from patrol.services.outcome import Outcome
from patrol.services.tasks import raise_tasks_for_findings


@dataclass
class DraftKey:
    """What identifies the inspection a phone is working on."""

    user: User
    location: Location
    version: ChecklistVersion
    client_id: str
    scanned_at: datetime


@dataclass
class AnswerSnapshot:
    """An answer as the form shows it, whether or not it has been stored."""

    value_text: str | None = None
    value_number: float | None = None
    is_finding: bool = False
    note: str = ""
    severity: str | None = None
    photos: list = field(default_factory=list)
    raw: str | None = None

    @property
    def value(self) -> str:
        if self.raw is not None:
            return self.raw
        if self.value_number is not None:
            return f"{self.value_number:g}"
        return self.value_text or ""

    @classmethod
    def of(cls, answer: Answer) -> AnswerSnapshot:
        return cls(answer.value_text, answer.value_number, answer.is_finding, answer.note,
                   answer.severity, list(answer.photos))


def find_resumable_draft(user: User, location: Location, checklist_id: int,
                         resume_hours: int, now: datetime | None = None) -> Inspection | None:
    """This person's unfinished inspection of this checklist here, if recent enough to resume."""
    since = (now or utcnow()) - timedelta(hours=resume_hours)
    query = (
        select(Inspection)
        .join(ChecklistVersion, Inspection.checklist_version_id == ChecklistVersion.id)
        .where(
            Inspection.inspector_id == user.id,
            Inspection.location_id == location.id,
            Inspection.status == "draft",
            Inspection.scanned_at >= since,
            ChecklistVersion.checklist_id == checklist_id,
        )
        .options(selectinload(Inspection.answers).selectinload(Answer.photos))
        .order_by(Inspection.scanned_at.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _by_client_id(client_id: str, *, lock: bool = False) -> Inspection | None:
    query = select(Inspection).where(Inspection.client_id == client_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def open_draft(key: DraftKey) -> Outcome[Inspection]:
    """The draft this key names, created on first use; refused if it is not this person's draft."""
    inspection = _by_client_id(key.client_id, lock=True)
    if inspection is None:
        inspection = Inspection(
            client_id=key.client_id, location_id=key.location.id,
            checklist_version_id=key.version.id, inspector_id=key.user.id,
            scanned_at=min(key.scanned_at, utcnow()),
        )
        try:
            with db.session.begin_nested():
                db.session.add(inspection)
        except IntegrityError:
            # Another request with the same client id created it a moment ago.
            inspection = _by_client_id(key.client_id, lock=True)
    if (inspection.inspector_id, inspection.location_id, inspection.checklist_version_id) != (
        key.user.id, key.location.id, key.version.id
    ):
        return Outcome.fail({"form": _l("This form belongs to another inspection. Reload the page.")}, 409)
    if inspection.status != "draft":
        return Outcome.fail({"form": _l("This inspection has already been submitted.")}, 409)
    return Outcome(inspection)


def _apply(inspection: Inspection, item: ChecklistItem, given: AnswerInput,
           existing: Answer | None) -> Answer | None:
    """Store one answer on the draft (InvalidAnswer if the value is wrong); an empty value clears it."""
    if not given.raw.strip():
        if existing is not None:
            db.session.delete(existing)
        return None
    evaluated = evaluate(item, given.raw)
    answer = existing or Answer(inspection=inspection, item_id=item.id)
    answer.value_text = evaluated.value_text
    answer.value_number = evaluated.value_number
    answer.is_finding = evaluated.is_finding
    answer.note = clean_note(given.note)
    answer.severity = clean_severity(given.severity, item) if evaluated.is_finding else None
    db.session.add(answer)
    return answer


def save_answer(key: DraftKey, item: ChecklistItem, given: AnswerInput) -> Outcome[AnswerSnapshot]:
    """Save one item's answer as it is given, so a reload or a locked phone loses nothing."""
    if item.version_id != key.version.id:
        return Outcome.fail({"form": _l("This question is not on this checklist.")}, 404)
    draft = open_draft(key)
    if not draft.ok:
        db.session.rollback()
        return Outcome.fail(draft.errors, draft.status)
    existing = db.session.scalar(
        select(Answer).where(Answer.inspection_id == draft.value.id, Answer.item_id == item.id)
    )
    try:
        answer = _apply(draft.value, item, given, existing)
    except InvalidAnswer as error:
        db.session.rollback()
        return Outcome.fail({"value": str(error)})
    db.session.commit()
    return Outcome(AnswerSnapshot.of(answer) if answer else AnswerSnapshot())


@dataclass
class SubmitResult:
    inspection: Inspection | None = None
    # False when this client id had already been submitted: a retry or a double tap.
    created: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200
    # What the form should show again when it is sent back with errors, by item id.
    snapshots: dict[int, AnswerSnapshot] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def submit_inspection(key: DraftKey, given: dict[int, AnswerInput]) -> SubmitResult:
    """Check and submit the draft with whatever the form still carried: all of it, or nothing."""
    earlier = _by_client_id(key.client_id, lock=True)
    if earlier is not None and earlier.status == "submitted" and earlier.inspector_id == key.user.id:
        db.session.rollback()
        return SubmitResult(earlier, created=False)
    draft = open_draft(key)
    if not draft.ok:
        db.session.rollback()
        return SubmitResult(errors=draft.errors, status=draft.status)
    inspection = draft.value
    items = items_of(key.version.id)
    answers = {a.item_id: a for a in db.session.scalars(
        select(Answer).where(Answer.inspection_id == inspection.id).options(selectinload(Answer.photos))
    )}
    errors = _apply_form(inspection, items, answers, given)
    if errors:
        snapshots = {item_id: AnswerSnapshot.of(a) for item_id, a in answers.items()}
        db.session.rollback()
        return SubmitResult(errors=errors, status=422, snapshots=snapshots)
    now = utcnow()
    inspection.status = "submitted"
    inspection.submitted_at = now
    inspection.duration_seconds = max(0, int((now - inspection.scanned_at).total_seconds()))
    findings = [(answers[item.id], item) for item in items
                if item.id in answers and answers[item.id].is_finding]
    raise_tasks_for_findings(inspection, key.location, findings, now=now)
    db.session.commit()
    return SubmitResult(inspection, created=True)


def _apply_form(inspection: Inspection, items: list[ChecklistItem], answers: dict[int, Answer],
                given: dict[int, AnswerInput]) -> dict[str, str]:
    """Fold the submitted form into the stored answers; the errors by item id."""
    errors: dict[str, str] = {}
    for item in items:
        sent, stored = given.get(item.id), answers.get(item.id)
        if sent is not None and (sent.raw.strip() or stored is None):
            # A value the form carried wins; an empty one leaves what was saved before.
            try:
                stored = _apply(inspection, item, sent, stored)
            except InvalidAnswer as error:
                errors[str(item.id)] = str(error)
                continue
            if stored is None:
                answers.pop(item.id, None)
            else:
                answers[item.id] = stored
        elif sent is not None and stored is not None:
            stored.note = clean_note(sent.note)
            if stored.is_finding:
                stored.severity = clean_severity(sent.severity, item)
        missing = _missing(item, stored)
        if missing:
            errors[str(item.id)] = missing
    return errors


def _missing(item: ChecklistItem, answer: Answer | None) -> str | None:
    if answer is None:
        return _l("This item needs an answer.") if item.required else None
    if answer.is_finding and item.photo_required_on_fail and not answer.photos:
        return _l("Take a photo of the problem.")
    return None
