"""How a round reads: which round, where, and what became of it, in the reader's language.

The words for a round's status and for why it was cancelled are in patrol.vocabulary
(VISIT_STATUSES, CANCEL_REASONS); the round's own title is built here.
"""

from __future__ import annotations

from flask_babel import gettext

from patrol.i18n import lazy_gettext as _l
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


# How a cell of a day's grid reads: a mark to see at a glance, and the words a screen reader says
# (and the legend shows). The marks differ in shape, not only in colour.
CELL_MARKS = {
    "on_time": ("✓", _l("On time")),
    "late": ("!", _l("Late")),
    "made_up": ("↻", _l("Made up")),
    "missed": ("✗", _l("Missed")),
    "excused": ("○", _l("Excused")),
    "cancelled": ("–", _l("Cancelled")),
    "open": ("…", _l("Open now")),
    "not_due": ("·", _l("Not due yet")),
}

# The figure's "open" holds every round not decided yet: open now and not due yet alike.
FIGURE_WORDS = {"open": _l("Open or not due yet")}


def percent(rate: float | None) -> str:
    """A coverage rate as people read it: "51%", or "—" when nothing was expected."""
    return "—" if rate is None else f"{round(rate * 100)}%"


# What a successful disposition says.
DONE = {"explain": _l("Explanation saved."), "excuse": _l("Round excused.")}
ACTION_LABELS = {"explain": _l("Explain"), "excuse": _l("Excuse")}
