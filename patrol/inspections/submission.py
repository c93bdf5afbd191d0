"""Submitting an inspection: checked on the server, all of it stored or none, once per client id."""

from __future__ import annotations

from dataclasses import dataclass, field

from patrol.extensions import db
from patrol.inspections import visit_times
from patrol.inspections.answers import AnswerInput, InvalidAnswer, missing
from patrol.inspections.drafts import (
    AnswerSnapshot,
    DraftKey,
    fold,
    inspection_by_client_id,
    is_stale,
    open_draft,
    runs_ahead,
    seq_ahead_message,
    stored_answers,
    write_answers,
)
from patrol.inspections.presence import raise_flags
from patrol.inspections.visit_times import DeviceTimes, completion_time, worse
from patrol.modelrooms.cases import settle_count
from patrol.modelrooms.counting import INVENTORY, record_count
from patrol.models import ChecklistItem, Inspection
from patrol.rounds.counting import count_visit
from patrol.setup.checklists import items_of
from patrol.tasks.raising import settle_answers


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
    """Check and submit the draft with whatever the form still carried.

    Refused (422), it is not submitted, but every valid answer the form carried is saved into the
    draft first: nothing the person gave is lost, whatever happens to the page afterwards.
    """
    earlier = _submitted_before(key)
    if earlier is not None:
        return SubmitResult(earlier, created=False)
    draft = open_draft(key)
    if not draft.ok:
        db.session.rollback()
        # A twin request (double tap, retry) may have submitted it while this one waited.
        earlier = _submitted_before(key)
        if earlier is not None:
            return SubmitResult(earlier, created=False)
        return SubmitResult(errors=draft.errors, status=draft.status)
    inspection = draft.value
    items = items_of(key.version.id)
    stored = stored_answers(inspection.id)
    state = {item_id: AnswerSnapshot.of(answer) for item_id, answer in stored.items()}
    errors, taken = _fold_form(items, state, given)
    times = key.times or DeviceTimes(received_at=visit_times.server_now())
    completed = completion_time(inspection, times)
    write_answers(inspection.id, stored, {item_id: state[item_id] for item_id in taken}, completed.at)
    if errors:
        db.session.commit()
        return SubmitResult(errors=errors, status=422, snapshots={k: v for k, v in state.items() if v})
    _complete(inspection, completed.at, completed.flag, times.received_at)
    count_visit(inspection, key.version.checklist_id)
    raise_flags(inspection, key.version.checklist_id, times.received_at)
    # A model room's count: its inventory item's answer (how many lines were counted) is written here and
    # raises no task; a short or damaged line is followed by its loss case, opened right after.
    record_count(inspection, items, completed.at)
    questions = [item for item in items if item.item_type != INVENTORY]
    settle_answers(inspection, key.location, questions, checklist_id=key.version.checklist_id, now=times.received_at)
    if inspection.register_version_id is not None:
        settle_count(inspection, times.received_at)
    db.session.commit()
    return SubmitResult(inspection, created=True)


def _complete(inspection: Inspection, completed_at, flag: str | None, received_at) -> None:
    """Submitted: completed then on the phone (its clock checked), received now by the server."""
    inspection.status = "submitted"
    inspection.submitted_at = completed_at
    inspection.received_at = received_at
    inspection.duration_seconds = int((completed_at - inspection.scanned_at).total_seconds())
    inspection.clock_flag = worse(inspection.clock_flag, flag)


def _submitted_before(key: DraftKey) -> Inspection | None:
    """This person's inspection already submitted under this client id, if any (ends the transaction)."""
    earlier = inspection_by_client_id(key.client_id, lock=True)
    if earlier is not None and earlier.status == "submitted" and earlier.inspector_id == key.user.id:
        db.session.rollback()
        return earlier
    return None


def _fold_form(
    items: list[ChecklistItem], state: dict[int, AnswerSnapshot | None], given: dict[int, AnswerInput]
) -> tuple[dict[str, str], set[int]]:
    """Take the submitted form into `state`: the errors by item id, and the items whose answer it changed.

    An invalid value is shown again but not taken; nor is a change older than the one stored.
    """
    errors: dict[str, str] = {}
    taken: set[int] = set()
    for item in items:
        if item.item_type == INVENTORY:
            continue  # counted line by line (patrol.modelrooms.counting), never by the form
        if item.id in given and runs_ahead(given[item.id], state.get(item.id)):
            errors[str(item.id)] = seq_ahead_message()
            continue
        if item.id in given and not is_stale(given[item.id], state.get(item.id)):
            try:
                state[item.id] = fold(item, given[item.id], state.get(item.id))
                taken.add(item.id)
            except InvalidAnswer as error:
                state[item.id] = AnswerSnapshot(raw=given[item.id].raw)
                errors[str(item.id)] = str(error)
                continue
        missing = _missing(item, state.get(item.id))
        if missing:
            errors[str(item.id)] = missing
    return errors, taken


def _missing(item: ChecklistItem, answer: AnswerSnapshot | None) -> str | None:
    if answer is None:
        return missing(item, None, 0)
    return missing(item, answer.is_finding, len(answer.photos))
