"""The action table: everything there is to each thing a person may do to a task, in one row.

A row says from which states the action may be taken, by whom, to which state it leads, the event it
writes on the timeline, whether it needs a note, what else its input must hold (its check), what it
changes on the task besides the state (its effect), what the page says once it is done, and whom it
tells. tasks.rules reads the rows to say who may act; tasks.workflow.act takes an action by its row
(the task page, the board's bulk assign and a round's re-check all go through it); the alerts area
tells the row's audience. Adding an action is adding a row here, and its button and form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from patrol.alerts.audience import Audience
from patrol.extensions import db
from patrol.i18n import LazyText
from patrol.i18n import lazy_gettext as _l
from patrol.models import Answer, LossCase, Photo, Task, TaskEvent, User, user_sites
from patrol.models.task import ENDED_STATUSES, OPEN_STATUSES
from patrol.outcome import Refused
from patrol.photos.processing import ProcessedPhoto
from patrol.tasks.photos import check_comment_photos
from patrol.vocabulary import SEVERITIES

# Who may take an action: a permission (patrol.access.PERMISSIONS), or who the person is to the task.
SUPERVISE = "tasks.supervise"
RECHECK = "tasks.recheck"  # and never the person who fixed it
ASSIGNEE = "assignee"  # the person it is assigned to
ANYONE = "anyone"  # anyone who sees the task
# A model room's loss case closes its task with it (patrol.modelrooms.reconcile), never the task page.
CASES = "cases.reconcile"
WORKING_STATUSES = ("open", "assigned", "in_progress")


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
    # A round's answer that re-checks a fix: the event names it, and it says what is wrong in place of a note.
    answer: Answer | None = None
    # The loss case being reconciled, when its task closes with it (patrol.modelrooms.reconcile).
    case: LossCase | None = None


# What an action's input must hold besides a note: raises Refused (422). Given the photos it brings.
Check = Callable[[Task, ActionInput, datetime, int], None]
# What an action changes besides the task's state, on the task and on its event.
Effect = Callable[[Task, TaskEvent, ActionInput, datetime], None]


@dataclass(frozen=True)
class Action:
    from_states: tuple[str, ...]
    who: str  # SUPERVISE | RECHECK | ASSIGNEE | ANYONE
    event: str  # the kind of event it writes on the timeline
    done: LazyText  # what the next page says once it is taken
    to_state: str | None = None  # None: the task stays in its state
    note_needed: LazyText | None = None  # what is said when the note is left empty
    check: Check | None = None
    effect: Effect | None = None
    tells: Audience | None = None
    # Why the task as it is rules it out beyond its state (None: it does not), checked with who may act.
    ruled_out: Callable[[Task], Refused | None] | None = None


# --- checks -----------------------------------------------------------------------------------------


def may_be_assigned(user: User | None, task: Task) -> bool:
    """Whether this person can take the task on: active, and given the task's site."""
    if user is None or not user.active:
        return False
    given = select(user_sites.c.user_id).where(user_sites.c.user_id == user.id, user_sites.c.site_id == task.site_id)
    return db.session.scalar(given) is not None


def not_on_site(user: User) -> Refused:
    why = _l("%(name)s does not work on this site, so cannot be given this task.", name=user.display_name)
    return Refused(why, 422)


def _assignee_check(task: Task, given: ActionInput, _now: datetime, _photos: int) -> None:
    if given.assignee is None:
        raise Refused(_l("Choose who should fix it."), 422)
    if not may_be_assigned(given.assignee, task):
        raise not_on_site(given.assignee)
    if given.assignee.id == task.assignee_id and task.status == "assigned":
        raise Refused(_l("It is already assigned to %(name)s.", name=given.assignee.display_name), 422)


def _due_check(_task: Task, given: ActionInput, now: datetime, _photos: int) -> None:
    if given.due_at is None:
        raise Refused(_l("Give the new due time."), 422)
    if given.due_at <= now:
        raise Refused(_l("The new due time must be in the future."), 422)


def _severity_check(task: Task, given: ActionInput, _now: datetime, _photos: int) -> None:
    if given.severity not in SEVERITIES:
        raise Refused(_l("Choose a severity."), 422)
    if given.severity == task.severity:
        raise Refused(_l("The severity is already that."), 422)


def _fix_photo_check(_task: Task, _given: ActionInput, _now: datetime, photos: int) -> None:
    if not photos:
        raise Refused(_l("Add at least one photo of the fix."), 422)


def _comment_photo_check(task: Task, _given: ActionInput, _now: datetime, photos: int) -> None:
    check_comment_photos(task, photos)


def _with_its_case(_task: Task, given: ActionInput, _now: datetime, _photos: int) -> None:
    if given.case is None:
        raise Refused(_l("This task closes with its loss case: reconcile the case on its page."), 409)


def _not_a_loss(task: Task) -> Refused | None:
    if task.source != "loss":
        return Refused(_l("Only a loss case's task closes with its case."), 409)
    return None


def _already_acknowledged(task: Task) -> Refused | None:
    if task.acknowledged_at is not None:
        return Refused(_l("This task has already been acknowledged."), 409)
    return None


# --- effects ----------------------------------------------------------------------------------------


def _acknowledged(task: Task, _event: TaskEvent, _given: ActionInput, now: datetime) -> None:
    if task.acknowledged_at is None:
        task.acknowledged_at = now


def _assigned(task: Task, event: TaskEvent, given: ActionInput, now: datetime) -> None:
    _acknowledged(task, event, given, now)  # assigning it is its first response too
    task.assignee_id = event.assignee_id = given.assignee.id


def _due_changed(task: Task, event: TaskEvent, given: ActionInput, _now: datetime) -> None:
    task.due_at = given.due_at
    event.value = given.due_at.isoformat()


def _severity_changed(task: Task, event: TaskEvent, given: ActionInput, _now: datetime) -> None:
    task.severity = event.value = given.severity


def _sent_back(task: Task, event: TaskEvent, given: ActionInput, _now: datetime) -> None:
    task.reopen_count += 1
    if given.answer is not None:
        event.assignee_id = task.assignee_id  # a round's result page names whom the fix went back to


# --- the table --------------------------------------------------------------------------------------

ACTIONS: dict[str, Action] = {
    "acknowledge": Action(
        ("open",),
        SUPERVISE,
        "acknowledged",
        _l("Acknowledged: the team knows it is being looked at."),
        effect=_acknowledged,
        ruled_out=_already_acknowledged,
    ),
    "assign": Action(
        WORKING_STATUSES,
        SUPERVISE,
        "assigned",
        _l("Assigned."),
        to_state="assigned",
        check=_assignee_check,
        effect=_assigned,
        tells=Audience("assigned", ("assignee",)),
    ),
    "change_due": Action(
        OPEN_STATUSES, SUPERVISE, "due_changed", _l("Due time changed."), check=_due_check, effect=_due_changed
    ),
    "change_severity": Action(
        OPEN_STATUSES,
        SUPERVISE,
        "severity_changed",
        _l("Severity changed."),
        check=_severity_check,
        effect=_severity_changed,
        # Raised to high: the site's supervisors hear of it as of a high-severity finding (the same key).
        tells=Audience("high_severity", ("supervisors",), key="high:{task}", only_when_value="high"),
    ),
    "start": Action(("assigned",), ASSIGNEE, "started", _l("Marked as being fixed."), to_state="in_progress"),
    "submit_fix": Action(
        ("assigned", "in_progress"),
        ASSIGNEE,
        "fixed",
        _l("Fix submitted: it now awaits a re-check."),
        to_state="fixed",
        note_needed=_l("Say what was done to fix it."),
        check=_fix_photo_check,
        # The supervisors who assigned it and whoever raised it re-check a fix.
        tells=Audience("recheck", ("assigners", "raiser")),
    ),
    "recheck_pass": Action(
        ("fixed",),
        RECHECK,
        "recheck_passed",
        _l("Re-check passed: the task is closed."),
        to_state="closed",
        tells=Audience("closed", ("raiser", "assignee", "assigners"), robots="closed"),
    ),
    "recheck_fail": Action(
        ("fixed",),
        RECHECK,
        "recheck_failed",
        _l("Re-check not passed: the task goes back to the person fixing it."),
        to_state="assigned",
        note_needed=_l("Say what is still wrong."),
        effect=_sent_back,
        # The fixer must fix it again; who assigned it sees that the fix did not hold.
        tells=Audience("recheck_failed", ("assignee", "assigners"), robots="recheck_failed"),
    ),
    "cancel": Action(
        OPEN_STATUSES,
        SUPERVISE,
        "cancelled",
        _l("Task cancelled."),
        to_state="cancelled",
        note_needed=_l("Say why it is cancelled (for example, a duplicate)."),
        tells=Audience("cancelled", ("raiser", "assignee"), robots="cancelled"),
    ),
    # Found, or written off: the loss case closes, and its task with it.
    "close_case": Action(
        OPEN_STATUSES,
        CASES,
        "case_closed",
        _l("The case is closed, and its task with it."),
        to_state="closed",
        check=_with_its_case,
        tells=Audience("closed", ("raiser", "assignee", "assigners"), robots="closed"),
        ruled_out=_not_a_loss,
    ),
    "comment": Action(
        OPEN_STATUSES + ENDED_STATUSES,
        ANYONE,
        "comment",
        _l("Comment added."),
        note_needed=_l("Write a comment."),
        check=_comment_photo_check,
    ),
}
