"""Who may see a task and who may do what to it: the one place both are decided.

Everyone sees the tasks of the sites they are given (administrators: every site) — the home
counters, the lists, a task's page and the notifications all ask here. What a person may do
depends on the task's state and on who they are to it (the ACTIONS table); everything else is
refused with a message that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from patrol.access import site_ids_for
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Task, TaskEvent, User, user_sites
from patrol.models.task import OPEN_STATUSES
from patrol.outcome import Refused
from patrol.vocabulary import TASK_STATUSES

MANAGERS = frozenset({"supervisor", "admin"})
# Butlers and stewards re-check a fix when they scan its location on a round.
RECHECKERS = frozenset({"butler", "steward", "supervisor", "admin"})
WORKING_STATUSES = ("open", "assigned", "in_progress")


@dataclass(frozen=True)
class Rule:
    """From which states an action may be taken, by whom, and to which state it leads (None: stays)."""

    from_states: tuple[str, ...]
    who: str  # manager | assignee | rechecker | viewer
    to_state: str | None = None


ACTIONS: dict[str, Rule] = {
    "acknowledge": Rule(("open",), "manager"),
    "assign": Rule(WORKING_STATUSES, "manager", "assigned"),
    "change_due": Rule(OPEN_STATUSES, "manager"),
    "change_severity": Rule(OPEN_STATUSES, "manager"),
    "start": Rule(("assigned",), "assignee", "in_progress"),
    "submit_fix": Rule(("assigned", "in_progress"), "assignee", "fixed"),
    "recheck_pass": Rule(("fixed",), "rechecker", "closed"),
    "recheck_fail": Rule(("fixed",), "rechecker", "assigned"),
    "cancel": Rule(OPEN_STATUSES, "manager", "cancelled"),
    "comment": Rule(OPEN_STATUSES + ("closed", "cancelled"), "viewer"),
}


def may_see(user: User, task: Task) -> bool:
    return task.site_id in site_ids_for(user)


def visible_site_ids(user: User) -> set[int]:
    """The sites whose tasks this person sees: every list and counter filters by these."""
    return site_ids_for(user)


def refusal(task: Task, user: User, action: str, *, fixer_id: int | None = None) -> Refused | None:
    """Why this person may not take this action on this task now, or None if they may."""
    rule = ACTIONS.get(action)
    if rule is None:
        return Refused(_l("There is no such action on a task."), 400)
    if not may_see(user, task):
        return Refused(_l("This task is on a site you do not have access to."), 403)
    # First what this person's role can never do, whatever the task's state; then the state; then
    # who they are to the task as it is now (its assignee, who fixed it).
    if rule.who == "manager" and user.role not in MANAGERS:
        return Refused(_l("Only a supervisor can do this."), 403)
    if rule.who == "rechecker" and user.role not in RECHECKERS:
        return Refused(_l("Only a supervisor or a butler on this site can re-check a fix."), 403)
    if task.status not in rule.from_states:
        return Refused(
            _l("This task has moved on: it is now “%(status)s”.", status=TASK_STATUSES.get(task.status, task.status)),
            409,
        )
    if rule.who == "assignee" and task.assignee_id != user.id:
        return Refused(_l("Only the person this task is assigned to can do this."), 403)
    if rule.who == "rechecker":
        if fixer_id is None:
            fixer_id = latest_fixer_id(task)
        if fixer_id == user.id:
            return Refused(_l("Someone other than the person who fixed it must re-check it."), 403)
    if action == "acknowledge" and task.acknowledged_at is not None:
        return Refused(_l("This task has already been acknowledged."), 409)
    return None


def allowed_actions(task: Task, user: User, *, fixer_id: int | None = None) -> list[str]:
    """The actions this person may take on this task now, in the order a task page offers them.

    `fixer_id`: who submitted the fix awaiting re-check, when the caller already knows (a loaded timeline).
    """
    if fixer_id is None and task.status == "fixed":
        fixer_id = latest_fixer_id(task)
    return [action for action in ACTIONS if refusal(task, user, action, fixer_id=fixer_id) is None]


def latest_fixer_id(task: Task) -> int | None:
    """Who submitted the fix now awaiting re-check."""
    return db.session.scalar(
        select(TaskEvent.actor_id)
        .where(TaskEvent.task_id == task.id, TaskEvent.kind == "fixed")
        .order_by(TaskEvent.id.desc())
        .limit(1)
    )


def may_be_assigned(user: User | None, task: Task) -> bool:
    """Whether this person can take the task on: active, and given the task's site."""
    if user is None or not user.active:
        return False
    return (
        db.session.scalar(
            select(user_sites.c.user_id).where(user_sites.c.user_id == user.id, user_sites.c.site_id == task.site_id)
        )
        is not None
    )


def assignable_people(site_id: int) -> list[User]:
    """Who a task on this site may be assigned to, by name (a site's staff is tens, not thousands)."""
    return list(
        db.session.scalars(
            select(User)
            .join(user_sites, user_sites.c.user_id == User.id)
            .where(user_sites.c.site_id == site_id, User.active.is_(True))
            .order_by(User.display_name, User.id)
            .limit(500)
        )
    )
