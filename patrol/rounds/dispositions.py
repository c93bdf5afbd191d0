"""Every missed round is accounted for: explained with a comment, excused by a supervisor, or made up.

- explained: a comment on a missed (or made-up) round; it still counts as missed (or made up).
  The person responsible for it may explain it, and so may supervisors and administrators.
- excused: a supervisor's decision, with a comment; the round leaves coverage's denominator.
- made up (补检): a visit after grace_end within the schedule's make-up hours, counted by
  patrol.rounds.counting — never on time. A comment on it is an explanation.
Nothing closes a missed round without a comment: an empty one is refused (422). Refusals are
patrol.outcome.Refused, with the words to show and the status to answer with.
"""

from __future__ import annotations

from datetime import datetime

from patrol.access import can, site_ids_for
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import ExpectedVisit, User
from patrol.outcome import Refused

MAX_NOTE = 1000
EXPLAINABLE = ("missed", "made_up")
EXCUSABLE = ("missed",)


def may_explain(user: User, visit: ExpectedVisit) -> bool:
    """Supervisors and administrators on its site, or the person (or role) responsible for the round."""
    if not can(user, "rounds.explain") or visit.site_id not in site_ids_for(user):
        return False
    if user.role in {"supervisor", "admin"}:
        return True
    return visit.responsible_user_id == user.id or (
        visit.responsible_user_id is None and visit.responsible_role == user.role
    )


def may_excuse(user: User, visit: ExpectedVisit) -> bool:
    return can(user, "rounds.excuse") and visit.site_id in site_ids_for(user)


def explain(visit: ExpectedVisit, actor: User, note: str, now: datetime) -> ExpectedVisit:
    """Keep why a round was missed (or how it was made up). Refused unless allowed, missed, and commented."""
    if not may_explain(actor, visit):
        raise Refused(_l("Only the person responsible for this round, or a supervisor, may explain it."), 403)
    if visit.status not in EXPLAINABLE:
        raise Refused(_l("Only a missed round can be explained."), 409)
    _noted(visit, actor, note, now)
    db.session.commit()
    return visit


def excuse(visit: ExpectedVisit, actor: User, note: str, now: datetime) -> ExpectedVisit:
    """Take a missed round out of the count, saying why. Supervisors only."""
    if not may_excuse(actor, visit):
        raise Refused(_l("Only a supervisor may excuse a missed round."), 403)
    if visit.status not in EXCUSABLE:
        raise Refused(_l("Only a missed round can be excused."), 409)
    _noted(visit, actor, note, now)
    visit.status = "excused"
    db.session.commit()
    return visit


def _noted(visit: ExpectedVisit, actor: User, note: str, now: datetime) -> None:
    text = (note or "").strip()
    if not text:
        raise Refused(_l("Say why: a missed round is never closed without a comment."), 422)
    if len(text) > MAX_NOTE:
        raise Refused(_l("Keep it under %(n)d characters.", n=MAX_NOTE), 422)
    visit.note = text
    visit.noted_by_id = actor.id
    visit.noted_at = now
