"""Issuing a rectification notice: the supervisor chooses whom it is addressed to and words the
requirement; the notice prints them from then on. Sending the same choice again changes nothing."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Task, TaskEvent, TaskNotice, User
from patrol.models.notice import ADDRESSEES
from patrol.outcome import Outcome
from patrol.validation import Checker

# A few sentences: with the rest of the notice, they fit on its one A4 page.
REQUIREMENT_MAX = 500


def issue_notice(task: Task, user: User, raw: Mapping[str, str]) -> Outcome[TaskNotice]:
    """Keep the notice's addressee and requirement, with a timeline entry when they change. Commits."""
    check = Checker(raw)
    addressee = check.choice("addressee", ADDRESSEES)
    requirement = check.text("requirement", max_length=REQUIREMENT_MAX)
    if not check.ok:
        return Outcome.fail(check.errors)
    notice = db.session.get(TaskNotice, task.id)
    if notice is not None and (notice.addressee, notice.requirement) == (addressee, requirement):
        return Outcome(notice)  # a repeat (a double tap, a resend): already kept
    if notice is None:
        notice = TaskNotice(task_id=task.id)
        db.session.add(notice)
    now = utcnow()
    notice.addressee, notice.requirement, notice.issued_by_id, notice.issued_at = addressee, requirement, user.id, now
    db.session.add(
        TaskEvent(
            task_id=task.id, kind="notice_issued", actor_id=user.id, note=requirement, value=addressee, created_at=now
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # two supervisors issued it at once: the first one's choice stands
        db.session.rollback()
        return Outcome.fail(
            {"form": _l("Someone else issued this notice at the same moment. Open it again to see what it says.")},
            status=409,
        )
    return Outcome(notice)
