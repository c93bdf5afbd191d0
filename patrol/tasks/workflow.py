"""Acting on a task: assign, start, fix, re-check, cancel, comment — each one event on its timeline.

`act` is the one writer of a task's status: the task page, the board's bulk assign and a round's
re-check all take an action through it, by its row of the action table (tasks.actions), and it hands
the row's audience to the alerts area. A task's status is otherwise only set when the task is raised.

A request either fully happens or not at all: the state change, its event, its photos and the
alerts it raises commit together. The form names the task's version as it was shown; if someone
acted meanwhile (two supervisors at once), or the form names none, the action is refused, not
applied to a task that has moved on. A repeat of the same action on the same task (same client id)
is answered "already have it"; that id sent with anything else is refused.

Photos that come with an action are checked and re-encoded first, with no transaction open (a
decode may take a while: act_with_uploads); they are kept inside the transaction of the action,
and their files removed again if it fails.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from patrol.alerts import sweep as alerts
from patrol.database import end_reading, utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.photos import PhotoLimits
from patrol.models import Photo, Task, TaskEvent, User
from patrol.models.task import ENDED_STATUSES
from patrol.outcome import Refused
from patrol.tasks.actions import ACTIONS, ActionInput
from patrol.tasks.photos import MAX_PHOTOS, KeptPhotos, keep_all, lock_task, process_uploads
from patrol.tasks.rules import refusal
from patrol.validation import client_id_or_none

MAX_NOTE = 2000
STALE = _l("Someone else changed this task while you were looking at it. Check it and try again.")
# A form without the version it was shown (an old page, a hand-made request): nobody knows what it saw.
UNVERSIONED = _l("This page is out of date. Reload it and try again.")
REUSED = _l("This form was already used for something else. Reload the page and try again.")
CHANGED_MEANWHILE = _l("Someone else changed one of these tasks meanwhile. Check the list and try again.")


def event_by_client_id(client_id: str | None) -> TaskEvent | None:
    if not client_id:
        return None
    return db.session.scalar(select(TaskEvent).where(TaskEvent.client_id == client_id))


def earlier_event(task: Task, actor: User, given: ActionInput) -> TaskEvent | None:
    """The event this same form already wrote (a double tap, a resend), if any.

    Only the same action by the same person on the same task is a repeat; the id sent with anything
    else is refused, not answered with the success of what it was first used for.
    """
    earlier = event_by_client_id(client_id_or_none(given.client_id))
    if earlier is None:
        return None
    row = ACTIONS.get(given.action)
    same = (earlier.task_id, earlier.actor_id, earlier.kind) == (task.id, actor.id, row.event if row else None)
    if not same:
        raise Refused(REUSED, 409)
    return earlier


def check(task: Task, actor: User, given: ActionInput, *, now: datetime, photo_count: int | None = None) -> None:
    """Raise Refused unless this person may take this action on this task now, with this input."""
    why = refusal(task, actor, given.action)
    if why is not None:
        raise why
    if given.version is None:
        raise Refused(UNVERSIONED, 409)
    # A comment changes nothing on the task: it may be written whatever happened since the page was shown.
    if given.action != "comment" and given.version != task.version:
        raise Refused(STALE, 409)
    if photo_count is None:
        photo_count = len(given.photos) + len(given.uploads)
    _check_input(task, given, now, photo_count)


def _check_input(task: Task, given: ActionInput, now: datetime, photo_count: int) -> None:
    """What every action's input may hold, then what its row asks of it."""
    row = ACTIONS[given.action]
    note = given.note.strip()
    if len(note) > MAX_NOTE:
        raise Refused(_l("A note can be at most %(n)d characters.", n=MAX_NOTE), 422)
    if photo_count > MAX_PHOTOS:
        raise Refused(_l("At most %(n)d photos at a time.", n=MAX_PHOTOS), 422)
    # A round's answer stands for the note: the failed item, its note and photos say what is wrong.
    if row.note_needed is not None and not note and given.answer is None:
        raise Refused(row.note_needed, 422)
    if row.check is not None:
        row.check(task, given, now, photo_count)


def act_with_uploads(
    task: Task,
    actor: User,
    given: ActionInput,
    uploads: list[bytes],
    *,
    limits: PhotoLimits,
    slots=None,
    wait: float = 0,
    now: datetime | None = None,
) -> TaskEvent:
    """Check, then re-encode the uploaded photos (no transaction open meanwhile), then act.

    Refused for the action or for a photo; PhotosBusy comes through.
    """
    now = now or utcnow()
    earlier = earlier_event(task, actor, given)
    if earlier is not None:
        return earlier
    check(task, actor, given, now=now, photo_count=len(given.photos) + len(uploads))
    if uploads:
        given.uploads = process_uploads(uploads, zone=task.site.zone, limits=limits, slots=slots, wait=wait)
    else:
        end_reading()  # the checks again, and the write, under the write lock (SQLite: BEGIN IMMEDIATE)
    return act(task, actor, given, now=now, photo_dir=limits.photo_dir)


def act(
    task: Task,
    actor: User,
    given: ActionInput,
    *,
    now: datetime | None = None,
    photo_dir: str | None = None,
    commit: bool = True,
) -> TaskEvent:
    """Take the action, or raise Refused (before writing anything). A repeat of an action already taken
    returns its event.

    Commits, unless `commit` is False: then it writes inside the caller's transaction (a round's
    submit, the board's bulk assign), which commits it with the rest and answers for a conflict.
    `photo_dir` is where `given.uploads` are kept (needed only with uploads, which need a commit).
    """
    now = now or utcnow()
    earlier = earlier_event(task, actor, given)
    if earlier is not None:
        return earlier
    if given.action == "comment" and (given.photos or given.uploads):
        lock_task(task)  # the comment photos already there are counted under it: two at once cannot both fit
    check(task, actor, given, now=now)
    if not commit:
        if given.uploads:
            raise ValueError("photos to keep need an action that commits: their files go if it fails")
        return _take(task, actor, given, now, list(given.photos))
    kept = KeptPhotos()
    try:
        if given.uploads:
            kept = keep_all(given.uploads, actor.id, photo_dir)
        event = _take(task, actor, given, now, list(given.photos) + kept.photos)
        db.session.commit()
    except StaleDataError:
        _undo(kept)
        raise Refused(STALE, 409) from None
    except IntegrityError:
        # The same form sent twice at once: the other request wrote the event (client ids are unique).
        _undo(kept)
        earlier = earlier_event(task, actor, given)
        if earlier is None:
            raise
        return earlier
    except BaseException:
        _undo(kept)
        raise
    return event


def _undo(kept: KeptPhotos) -> None:
    db.session.rollback()
    kept.discard()


def _take(task: Task, actor: User, given: ActionInput, now: datetime, photos: list[Photo]) -> TaskEvent:
    """What the action's row does, once it is checked: its event, the task's new state and the row's
    effect, then its alerts (the row's audience). Flushed, not committed."""
    row = ACTIONS[given.action]
    event = TaskEvent(
        task=task,
        kind=row.event,
        actor_id=actor.id,
        note=given.note.strip(),
        from_status=task.status,
        to_status=row.to_state or task.status,
        client_id=client_id_or_none(given.client_id),
        created_at=now,
        photos=photos,
    )
    if given.answer is not None:
        event.inspection_id, event.answer_id = given.answer.inspection_id, given.answer.id
    if row.to_state is not None:
        task.status = row.to_state  # the one place a task's status changes once it is raised
        if row.to_state in ENDED_STATUSES:
            task.closed_at = now
    if row.effect is not None:
        row.effect(task, event, given, now)
    db.session.add(event)
    db.session.flush()
    alerts.after_action(task, event, row.tells)
    return event


def assign_many(
    tasks: list[Task], actor: User, assignee: User | None, *, client_id: str | None = None, now: datetime | None = None
) -> list[TaskEvent]:
    """Assign several tasks at once (the board's bulk action): each one through act, with the checks of
    assigning one, in one transaction — all of them, or none if any is refused.

    The form names no versions: each task is acted on as it was read in this request, and one changed
    since (another supervisor, at the same moment) is refused at the write. Its one client id makes
    the same request sent again "already have it": each task's event carries an id made from it and
    the task's, so a repeat writes no second event and tells nobody twice.
    """
    now = now or utcnow()
    events = []
    try:
        for task in tasks:
            given = ActionInput("assign", task.version, client_id=op_id(client_id, task.id), assignee=assignee)
            try:
                events.append(act(task, actor, given, now=now, commit=False))
            except Refused as why:
                raise Refused(_l("Task #%(id)d: %(why)s", id=task.id, why=why.message), why.status) from None
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Refused(CHANGED_MEANWHILE, 409) from None
    except IntegrityError:
        db.session.rollback()  # the same request sent twice at once: the other one wrote them
        earlier = [event_by_client_id(op_id(client_id, task.id)) for task in tasks]
        if None in earlier:
            raise
        return earlier
    except BaseException:
        db.session.rollback()
        raise
    return events


def op_id(client_id: str | None, task_id: int) -> str | None:
    """The id of one task's part of a request that acts on several: the same request, the same ids."""
    form_id = client_id_or_none(client_id)
    return str(uuid.uuid5(uuid.UUID(form_id), str(task_id))) if form_id else None
