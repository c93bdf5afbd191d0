"""Who may see a task and who may do what to it: the one place both are decided.

Everyone sees the tasks of the sites they are given (administrators: every site) — the home
counters, the lists, a task's page and the notifications all ask here. What a person may do
depends on the task's state and on who they are to it (the rows of tasks.actions); everything else
is refused with a message that says why.
"""

from __future__ import annotations

from sqlalchemy import select

from patrol.access import PERMISSIONS, can, site_ids_for
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Task, TaskEvent, User, user_sites
from patrol.outcome import Refused
from patrol.tasks.actions import ACTIONS, ASSIGNEE, CASES, RECHECK, SUPERVISE
from patrol.vocabulary import TASK_STATUSES

# What a person is told when their role may not take an action, by the permission the action asks for.
NOT_PERMITTED = {
    SUPERVISE: _l("Only a supervisor can do this."),
    RECHECK: _l("Only a supervisor or a butler on this site can re-check a fix."),
    CASES: _l("Only a steward or a supervisor can reconcile a loss case."),
}


def may_see(user: User, task: Task) -> bool:
    return task.site_id in site_ids_for(user)


def visible_site_ids(user: User) -> set[int]:
    """The sites whose tasks this person sees: every list and counter filters by these."""
    return site_ids_for(user)


def refusal(task: Task, user: User, action: str, *, fixer_id: int | None = None) -> Refused | None:
    """Why this person may not take this action on this task now, or None if they may."""
    row = ACTIONS.get(action)
    if row is None:
        return Refused(_l("There is no such action on a task."), 400)
    if not may_see(user, task):
        return Refused(_l("This task is on a site you do not have access to."), 403)
    # First what this person's role can never do, whatever the task's state; then the state; then
    # who they are to the task as it is now (its assignee, who fixed it); then the task itself.
    if row.who in NOT_PERMITTED and not can(user, row.who):
        return Refused(NOT_PERMITTED[row.who], 403)
    if task.status not in row.from_states:
        return Refused(
            _l("This task has moved on: it is now “%(status)s”.", status=TASK_STATUSES.get(task.status, task.status)),
            409,
        )
    if row.who == ASSIGNEE and task.assignee_id != user.id:
        return Refused(_l("Only the person this task is assigned to can do this."), 403)
    if row.who == RECHECK:
        if fixer_id is None:
            fixer_id = latest_fixer_id(task)
        if fixer_id == user.id:
            return Refused(_l("Someone other than the person who fixed it must re-check it."), 403)
    return row.ruled_out(task) if row.ruled_out else None


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


def assignable_people(site_id: int) -> list[User]:
    """Who a task on this site may be assigned to, by name (a site's staff is tens, not thousands)."""
    return list(
        db.session.scalars(
            select(User)
            .join(user_sites, user_sites.c.user_id == User.id)
            # Night security does no patrol work: a task is never theirs.
            .where(user_sites.c.site_id == site_id, User.active.is_(True), User.role.in_(PERMISSIONS["inspect"]))
            .order_by(User.display_name, User.id)
            .limit(500)
        )
    )
