"""How a round reads: which round, where, and what became of it, in the reader's language.

The words for a round's status and for why it was cancelled are in patrol.vocabulary
(VISIT_STATUSES, CANCEL_REASONS); the round's own title is built here.
"""

from __future__ import annotations

from flask_babel import gettext

from patrol.presenters.times import localtime
from patrol.vocabulary import ROLES


def visit_title(visit) -> str:
    """ "每小时巡楼 · 1栋 3F 楼层": the schedule's name and the location."""
    return gettext("%(schedule)s · %(location)s", schedule=visit.schedule.name, location=visit.location.name)


def visit_due(visit) -> str:
    """When the round fell due, on the site's clock: "Due 2026-03-02 10:00"."""
    return gettext("Due %(time)s", time=localtime(visit.due_at, visit.site))


def visit_responsible(visit) -> str:
    """The person the round was given to, or "Role: Butler"."""
    if visit.responsible_user is not None:
        return visit.responsible_user.display_name
    role = visit.responsible_role or ""
    return gettext("Role: %(role)s", role=ROLES.get(role, role))
