"""Acting on a task: assign, start, fix, re-check, cancel, comment — each one event on its timeline.

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

from dataclasses import dataclass, field
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
from patrol.outcome import Refused
from patrol.photos.processing import ProcessedPhoto
from patrol.tasks.photos import (
    MAX_PHOTOS,
    KeptPhotos,
    check_comment_photos,
    keep_all,
    lock_task,
    process_uploads,
)
from patrol.tasks.rules import ACTIONS, may_be_assigned, refusal
from patrol.validation import client_id_or_none

MAX_NOTE = 2000
SEVERITIES = ("low", "medium", "high")
STALE = _l("Someone else changed this task while you were looking at it. Check it and try again.")
# A form without the version it was shown (an old page, a hand-made request): nobody knows what it saw.
UNVERSIONED = _l("This page is out of date. Reload it and try again.")
REUSED = _l("This form was already used for something else. Reload the page and try again.")


@dataclass
class ActionInput:
    action: str
    version: int | None
    client_id: str | None = None
    note: str = ""
    assignee: User | None = None
    due_at: datetime | None = None
    severity: str | None = None
    # Photos already kept (a caller inside its own transaction) …
    photos: list[Photo] = field(default_factory=list)
    # … or checked and re-encoded but not yet kept: act keeps them in the action's transaction.
    uploads: list[ProcessedPhoto] = field(default_factory=list)


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
    same = (earlier.task_id, earlier.actor_id, earlier.kind) == (task.id, actor.id, EVENT_KINDS.get(given.action))
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
    task: Task, actor: User, given: ActionInput, *, now: datetime | None = None, photo_dir: str | None = None
) -> TaskEvent:
    """Take the action, or raise Refused. Commits; a repeat of an action already taken returns its event.

    `photo_dir` is where `given.uploads` are kept (needed only with uploads).
    """
    now = now or utcnow()
    earlier = earlier_event(task, actor, given)
    if earlier is not None:
        return earlier
    if given.action == "comment" and (given.photos or given.uploads):
        lock_task(task)  # the comment photos already there are counted under it: two at once cannot both fit
    check(task, actor, given, now=now)
    kept = KeptPhotos()
    try:
        if given.uploads:
            kept = keep_all(given.uploads, actor.id, photo_dir)
        event = _apply(task, actor, given, now, list(given.photos) + kept.photos)
        event.client_id = client_id_or_none(given.client_id)
        db.session.add(event)
        db.session.flush()
        alerts.after_action(task, event)
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


def _check_input(task: Task, given: ActionInput, now: datetime, photo_count: int) -> None:
    note = given.note.strip()
    if len(note) > MAX_NOTE:
        raise Refused(_l("A note can be at most %(n)d characters.", n=MAX_NOTE), 422)
    if photo_count > MAX_PHOTOS:
        raise Refused(_l("At most %(n)d photos at a time.", n=MAX_PHOTOS), 422)
    if given.action == "comment":
        check_comment_photos(task, photo_count)
    if given.action == "assign":
        _check_assignee(task, given.assignee)
    elif given.action == "change_due":
        if given.due_at is None:
            raise Refused(_l("Give the new due time."), 422)
        if given.due_at <= now:
            raise Refused(_l("The new due time must be in the future."), 422)
    elif given.action == "change_severity":
        if given.severity not in SEVERITIES:
            raise Refused(_l("Choose a severity."), 422)
        if given.severity == task.severity:
            raise Refused(_l("The severity is already that."), 422)
    elif given.action == "submit_fix":
        if not note:
            raise Refused(_l("Say what was done to fix it."), 422)
        if not photo_count:
            raise Refused(_l("Add at least one photo of the fix."), 422)
    elif given.action in NOTE_NEEDED and not note:
        raise Refused(NOTE_NEEDED[given.action], 422)


NOTE_NEEDED = {
    "recheck_fail": _l("Say what is still wrong."),
    "cancel": _l("Say why it is cancelled (for example, a duplicate)."),
    "comment": _l("Write a comment."),
}


def _check_assignee(task: Task, assignee: User | None) -> None:
    if assignee is None:
        raise Refused(_l("Choose who should fix it."), 422)
    if not may_be_assigned(assignee, task):
        raise Refused(
            _l("%(name)s does not work on this site, so cannot be given this task.", name=assignee.display_name), 422
        )
    if assignee.id == task.assignee_id and task.status == "assigned":
        raise Refused(_l("It is already assigned to %(name)s.", name=assignee.display_name), 422)


# The event each action writes on the timeline.
EVENT_KINDS = {
    "acknowledge": "acknowledged",
    "assign": "assigned",
    "change_due": "due_changed",
    "change_severity": "severity_changed",
    "start": "started",
    "submit_fix": "fixed",
    "recheck_pass": "recheck_passed",
    "recheck_fail": "recheck_failed",
    "cancel": "cancelled",
    "comment": "comment",
}


def _apply(task: Task, actor: User, given: ActionInput, now: datetime, photos: list[Photo]) -> TaskEvent:
    rule = ACTIONS[given.action]
    from_status = task.status
    event = TaskEvent(
        task=task,
        kind=EVENT_KINDS[given.action],
        actor_id=actor.id,
        note=given.note.strip(),
        from_status=from_status,
        to_status=rule.to_state or from_status,
        created_at=now,
        photos=photos,
    )
    if rule.to_state is not None:
        task.status = rule.to_state
    if given.action in ("acknowledge", "assign") and task.acknowledged_at is None:
        task.acknowledged_at = now
    if given.action == "assign":
        task.assignee_id = given.assignee.id
        event.assignee_id = given.assignee.id
    elif given.action == "change_due":
        task.due_at = given.due_at
        event.value = given.due_at.isoformat()
    elif given.action == "change_severity":
        task.severity = given.severity
        event.value = given.severity
    elif given.action == "recheck_fail":
        task.reopen_count += 1
    if task.status in ("closed", "cancelled"):
        task.closed_at = now
    return event


def assign_many(tasks: list[Task], actor: User, assignee: User, *, note: str = "", now: datetime | None = None):
    """Assign several tasks at once (the board's bulk action): all of them, or none if any is refused."""
    now = now or utcnow()
    for task in tasks:
        why = refusal(task, actor, "assign")
        if why is None and not may_be_assigned(assignee, task):
            why = Refused(
                _l("%(name)s does not work on this site, so cannot be given this task.", name=assignee.display_name),
                422,
            )
        if why is not None:
            db.session.rollback()
            raise Refused(_l("Task #%(id)d: %(why)s", id=task.id, why=why.message), why.status)
        event = _apply(task, actor, ActionInput("assign", None, note=note, assignee=assignee), now, [])
        db.session.add(event)
    try:
        db.session.flush()  # the board names no versions: a task someone changed since it was read is refused here
    except StaleDataError:
        db.session.rollback()
        raise Refused(
            _l("Someone else changed one of these tasks meanwhile. Check the list and try again."), 409
        ) from None
    for task in tasks:
        alerts.after_action(task, task.events[-1])
    db.session.commit()
