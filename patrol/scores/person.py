"""One person's lapses in a site's month (or those that count to nobody by name), newest first.

Offset-paged (a month of one person's lapses is a few hundred at most). Six queries whatever the
page holds: the rules, the person's counts by kind (their score), the list's count, the page of
(kind, at, ref_id), then the rounds and the tasks behind that page, each in one query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import Answer, ExpectedVisit, Site, Task
from patrol.models.deduction import LAPSE_KINDS
from patrol.paging import Page, fetch_rows, offset_page
from patrol.scores.lapses import lapses
from patrol.scores.month import Month
from patrol.scores.rules import points_of
from patrol.scores.table import deducted, lapse_counts, score

VISIT_KINDS = ("missed_visit", "late_visit")


@dataclass
class Lapse:
    kind: str
    at: datetime
    points: int
    visit: ExpectedVisit | None = None  # a round's lapse: the round (its inspection, for a late one)
    task: Task | None = None  # a task's lapse: the task


@dataclass
class PersonMonth:
    counts: Counter  # lapses by kind, the whole month
    deducted: int
    score: int
    lapses: Page  # of Lapse


def person_month(site: Site, month: Month, now: datetime, who: int | None, *, number: int, size: int) -> PersonMonth:
    """The lapses of `who` (a person's id; None: nobody by name) at `site` in `month`: their score and
    page `number` of the list."""
    points = points_of(site)
    kinds = [kind for kind in LAPSE_KINDS if points[kind]]
    counts = lapse_counts(site, month, now, kinds, who).get(who, Counter())
    page = _page(site, month, now, who, kinds, points, number=number, size=size)
    return PersonMonth(counts, deducted(counts, points), score(counts, points), page)


def _page(site, month, now, who, kinds, points, *, number: int, size: int) -> Page[Lapse]:
    found = lapses(site, month, now, who, kinds=kinds)
    if found is None:
        return Page([], number, size, 0)
    query = select(found.c.kind, found.c.at, found.c.ref_id).order_by(
        found.c.at.desc(), found.c.kind, found.c.ref_id.desc()
    )
    page = offset_page(query, number=number, size=size, fetch=fetch_rows)
    visits = _by_id(ExpectedVisit, [row.ref_id for row in page if row.kind in VISIT_KINDS], _VISIT_DETAIL)
    tasks = _by_id(Task, [row.ref_id for row in page if row.kind not in VISIT_KINDS], _TASK_DETAIL)

    def lapse(row) -> Lapse:
        if row.kind in VISIT_KINDS:
            return Lapse(row.kind, row.at, points[row.kind], visit=visits[row.ref_id])
        return Lapse(row.kind, row.at, points[row.kind], task=tasks[row.ref_id])

    return page.map(lapse)


_VISIT_DETAIL = (joinedload(ExpectedVisit.schedule), joinedload(ExpectedVisit.location), joinedload(ExpectedVisit.site))
_TASK_DETAIL = (joinedload(Task.location), joinedload(Task.site), joinedload(Task.answer).joinedload(Answer.item))


def _by_id(model, ids: list[int], options) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
