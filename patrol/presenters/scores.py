"""How staff scores read: each lapse in words, on the site's clock, with the link to what is behind it.

A round's lapse links to the missed-rounds list of its day (missed) or to the visit that counted
(late, made up); a task's to the task.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext, ngettext

from patrol.i18n import lazy_gettext as _l
from patrol.presenters.rounds import visit_title
from patrol.presenters.tasks import task_title
from patrol.presenters.times import localtime
from patrol.vocabulary import LAPSES

# The line of lapses that count to nobody by name.
NOBODY = _l("By role, not given to a person")
NOBODY_HINT = _l(
    "Rounds given to a role and tasks nobody was assigned count to no one by name: they are not spread over people."
)


@dataclass(frozen=True)
class LapseLine:
    kind: str  # the words for the kind
    what: str  # which round or task
    when: str  # its times on the site's clock
    link: str
    link_text: str
    points: int


def lapse_line(lapse) -> LapseLine:
    kind = str(LAPSES[lapse.kind])
    if lapse.visit is not None:
        return LapseLine(kind, visit_title(lapse.visit), _visit_when(lapse), *_visit_link(lapse), lapse.points)
    task = lapse.task
    what = gettext("#%(id)d %(title)s · %(place)s", id=task.id, title=task_title(task), place=task.where)
    link = url_for("task_page.task_view", task_id=task.id)
    return LapseLine(kind, what, _task_when(lapse), link, gettext("Open task #%(id)d", id=task.id), lapse.points)


def _visit_when(lapse) -> str:
    visit, site = lapse.visit, lapse.visit.site
    if lapse.kind == "missed_visit":
        return gettext("Due %(time)s", time=localtime(visit.due_at, site))
    if visit.status == "made_up":
        return gettext(
            "Made up %(done)s (missed at %(missed)s)",
            done=localtime(visit.done_at, site),
            missed=localtime(visit.grace_end, site, "time"),
        )
    return gettext(
        "Done %(done)s (on time until %(until)s)",
        done=localtime(visit.done_at, site),
        until=localtime(visit.window_end, site, "time"),
    )


def _visit_link(lapse) -> tuple[str, str]:
    visit = lapse.visit
    if lapse.kind == "missed_visit" or visit.inspection_id is None:
        return url_for("rounds.missed_list", site=visit.site_id, day=visit.local_day.isoformat()), gettext(
            "Missed rounds of %(day)s", day=visit.local_day.isoformat()
        )
    return url_for("inspect.inspection_view", inspection_id=visit.inspection_id), gettext("Open the visit")


def _task_when(lapse) -> str:
    task, site = lapse.task, lapse.task.site
    if lapse.kind == "late_response":
        due = localtime(task.respond_by, site)
        if task.acknowledged_at is not None:
            return gettext("Responded %(done)s (due by %(due)s)", done=localtime(task.acknowledged_at, site), due=due)
        if task.status == "cancelled":
            return gettext(
                "Cancelled %(done)s, never responded (due by %(due)s)", done=localtime(task.closed_at, site), due=due
            )
        return gettext("No response yet (due by %(due)s)", due=due)
    if lapse.kind == "closed_late":
        return gettext(
            "Closed %(done)s (due %(due)s)", done=localtime(task.closed_at, site), due=localtime(task.due_at, site)
        )
    return gettext("Re-check not passed %(time)s", time=localtime(lapse.at, site))


def deduction_words(points: int) -> str:
    """ "−2" as the table writes a deduction; "0" when nothing was taken off."""
    return f"−{points}" if points else "0"


def rule_words(points: int) -> str:
    """A rule as the page states it: "1 point each" / "off"."""
    if not points:
        return gettext("not counted")
    return ngettext("%(num)d point each", "%(num)d points each", points)
