"""Filling in a checklist: drafts that survive a reload, answers saved one by one, and the submit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.answers import (
    AnswerInput,
    InvalidAnswer,
    clean_note,
    clean_severity,
    evaluate,
)
from patrol.inspections.visit_times import DeviceTimes, answer_time, note_clock, scan_time
from patrol.models import (
    Answer,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    Location,
    RegisterVersion,
    User,
    answer_photos,
)
from patrol.outcome import Outcome
from patrol.photos.store import release_photos
from patrol.setup.sites import site_accepts_inspections


@dataclass
class DraftKey:
    """What identifies the inspection a phone is working on."""

    user: User
    location: Location
    version: ChecklistVersion
    client_id: str
    # The scan time of a phone that sends none: the page's stamp (now, if missing or too old).
    scanned_at: datetime
    # When the page was served, however old (None: unknown); the phone's times and the arrival.
    served_at: datetime | None = None
    times: DeviceTimes | None = None
    # A model room's count: the register version the page was built from (patrol.modelrooms), which
    # the draft is pinned to when it is first used.
    register_version_id: int | None = None


class Numbered(Protocol):
    """A change or a stored state carrying the phone's sequence number (an answer, a count line)."""

    seq: int | None


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
    # The phone's sequence number of the change this answer holds (None: sent without one).
    seq: int | None = None

    @property
    def value(self) -> str:
        if self.raw is not None:
            return self.raw
        if self.value_number is not None:
            return f"{self.value_number:g}"
        return self.value_text or ""

    def columns(self) -> dict:
        return {
            "value_text": self.value_text,
            "value_number": self.value_number,
            "is_finding": self.is_finding,
            "note": self.note,
            "severity": self.severity,
            "seq": self.seq,
        }

    @classmethod
    def of(cls, answer: Answer) -> AnswerSnapshot:
        return cls(
            answer.value_text,
            answer.value_number,
            answer.is_finding,
            answer.note,
            answer.severity,
            list(answer.photos),
            seq=answer.seq,
        )


def find_resumable_draft(
    user: User, location: Location, checklist_id: int, resume_hours: int, now: datetime | None = None
) -> Inspection | None:
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


def inspection_by_client_id(client_id: str, *, lock: bool = False) -> Inspection | None:
    query = select(Inspection).where(Inspection.client_id == client_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def open_draft(key: DraftKey) -> Outcome[Inspection]:
    """The draft this key names, created on first use; refused if it is not this person's draft."""
    if not site_accepts_inspections(key.location.site) or not key.location.active:
        return Outcome.fail({"form": _l("This location takes no new inspections.")}, 410)
    inspection = inspection_by_client_id(key.client_id, lock=True)
    if inspection is None:
        scanned = scan_time(key.times, key.served_at, key.scanned_at)
        inspection = Inspection(
            client_id=key.client_id,
            location_id=key.location.id,
            checklist_version_id=key.version.id,
            inspector_id=key.user.id,
            scanned_at=scanned.at,
            clock_flag=scanned.flag,
        )
        try:
            with db.session.begin_nested():
                db.session.add(inspection)
        except IntegrityError:
            # Another request with the same client id created it a moment ago.
            inspection = inspection_by_client_id(key.client_id, lock=True)
    if (inspection.inspector_id, inspection.location_id, inspection.checklist_version_id) != (
        key.user.id,
        key.location.id,
        key.version.id,
    ):
        return Outcome.fail({"form": _l("This form belongs to another inspection. Reload the page.")}, 409)
    if inspection.status != "draft":
        return Outcome.fail({"form": _l("This inspection has already been submitted.")}, 409)
    note_clock(inspection, key.times)
    _pin_register(inspection, key)
    return Outcome(inspection)


def _pin_register(inspection: Inspection, key: DraftKey) -> None:
    """A count is pinned once to the register version its page showed, if that is this room's: an
    edit of the register made meanwhile applies from the next count."""
    if inspection.register_version_id is not None or key.register_version_id is None:
        return
    query = select(RegisterVersion.id).where(
        RegisterVersion.id == key.register_version_id, RegisterVersion.location_id == key.location.id
    )
    inspection.register_version_id = db.session.scalar(query)


def fold(item: ChecklistItem, sent: AnswerInput, current: AnswerSnapshot | None) -> AnswerSnapshot | None:
    """What an item's answer becomes once this input is taken in; InvalidAnswer if it cannot be.

    A value replaces the old one; an empty value clears the answer, unless only the note or
    severity came (a form whose value field was left as it was). A change sent without a sequence
    number keeps the one stored, so a late older change from an outbox is still refused after it.
    """
    seq = sent.seq if sent.seq is not None else (current.seq if current else None)
    if sent.raw.strip():
        evaluated = evaluate(item, sent.raw)
        photos = current.photos if current else []
        return AnswerSnapshot(
            evaluated.value_text,
            evaluated.value_number,
            evaluated.is_finding,
            clean_note(sent.note),
            clean_severity(sent.severity, item) if evaluated.is_finding else None,
            photos,
            seq=seq,
        )
    if current is None or sent.clears:
        return None
    return replace(
        current,
        note=clean_note(sent.note),
        severity=clean_severity(sent.severity, item) if current.is_finding else None,
        seq=seq,
    )


def is_stale(sent: Numbered, current: Numbered | None) -> bool:
    """Whether the stored answer already holds this change or a later one (by the phone's numbering).

    The same number again is the same change sent twice (an outbox replay): it is not applied again.
    """
    return sent.seq is not None and current is not None and current.seq is not None and sent.seq <= current.seq


# How far a phone's sequence number may run past both the server's clock and the last change kept for
# the item. The numbers are the phone's clock in milliseconds: a day covers any honest clock error, and
# one wild number (a clock set years ahead, a forged request) can no longer make every later change of
# the item look older than it, acknowledged but never applied.
SEQ_AHEAD = timedelta(days=1)


def runs_ahead(sent: Numbered, current: Numbered | None, now: datetime | None = None) -> bool:
    """Whether this change's sequence number is beyond what the server accepts (see SEQ_AHEAD)."""
    if sent.seq is None:
        return False
    now_ms = int((now or utcnow()).timestamp() * 1000)
    last = current.seq if current is not None and current.seq is not None else 0
    return sent.seq > max(now_ms, last) + SEQ_AHEAD // timedelta(milliseconds=1)


def seq_ahead_message():
    return _l("This phone's date and time are far ahead. Set them right, then send this again.")


def write_answers(
    inspection_id: int,
    stored: dict[int, Answer],
    state: dict[int, AnswerSnapshot | None],
    answered_at: datetime | None = None,
) -> list[int]:
    """Bring the stored answers in line with `state` (item id → answer or None) in three statements at most.

    Bulk statements, not one INSERT per answer: a 60-item checklist costs what a 6-item one does.
    A changed answer is stamped `answered_at` (when the phone says it was given), else now.
    Returns the ids of the photos a cleared answer let go, for `release_photos` after the commit.
    """
    at = answered_at or utcnow()
    inserts, updates, deletes = [], [], []
    for item_id, snapshot in state.items():
        existing = stored.get(item_id)
        if snapshot is None:
            if existing is not None:
                deletes.append(existing.id)
            continue
        values = snapshot.columns()
        if existing is None:
            inserts.append({"inspection_id": inspection_id, "item_id": item_id, "answered_at": at, **values})
        elif any(getattr(existing, name) != value for name, value in values.items()):
            # The same answer sent again (the submit carries them all) keeps when it was given.
            given = any(getattr(existing, name) != value for name, value in values.items() if name != "seq")
            updates.append({"id": existing.id, "answered_at": at if given else existing.answered_at, **values})
    let_go = [
        photo.id
        for item_id, snapshot in state.items()
        if snapshot is None and item_id in stored
        for photo in stored[item_id].photos
    ]
    if deletes:
        db.session.execute(delete(answer_photos).where(answer_photos.c.answer_id.in_(deletes)))
        db.session.execute(
            delete(Answer).where(Answer.id.in_(deletes)), execution_options={"synchronize_session": False}
        )
    if inserts:
        db.session.execute(insert(Answer), inserts)
    if updates:
        db.session.execute(update(Answer), updates)
    return let_go


def stored_answers(inspection_id: int, item_ids: list[int] | None = None) -> dict[int, Answer]:
    query = select(Answer).where(Answer.inspection_id == inspection_id).options(selectinload(Answer.photos))
    if item_ids is not None:
        query = query.where(Answer.item_id.in_(item_ids))
    return {answer.item_id: answer for answer in db.session.scalars(query)}


def save_answer(
    key: DraftKey, item: ChecklistItem, given: AnswerInput, photo_dir: str | None = None
) -> Outcome[AnswerSnapshot]:
    """Save one item's answer as it is given, so a reload or a locked phone loses nothing.

    Photos of an answer that is cleared are deleted from `photo_dir` when nothing else shows them.
    """
    if item.version_id != key.version.id:
        return Outcome.fail({"form": _l("This question is not on this checklist.")}, 404)
    draft = open_draft(key)
    if not draft.ok:
        db.session.rollback()
        return Outcome.fail(draft.errors, draft.status)
    stored = stored_answers(draft.value.id, [item.id])
    current = AnswerSnapshot.of(stored[item.id]) if item.id in stored else None
    if runs_ahead(given, current):
        db.session.rollback()
        return Outcome.fail({"value": seq_ahead_message()})
    if is_stale(given, current):
        db.session.commit()
        return Outcome(current)
    try:
        snapshot = fold(item, given, current)
    except InvalidAnswer as error:
        db.session.rollback()
        return Outcome.fail({"value": str(error)})
    answered_at = answer_time(draft.value, key.times) if key.times else None
    let_go = write_answers(draft.value.id, stored, {item.id: snapshot}, answered_at)
    db.session.commit()
    if let_go and photo_dir:
        release_photos(let_go, photo_dir)
    return Outcome(snapshot or AnswerSnapshot())
