"""A site's month of staff scores: one row per person, 100 less the points their lapses cost.

Three queries whatever the month holds: the rules, the lapses counted per kind and person (one
grouped UNION ALL), and the people — everyone in use on the site, and anyone else a lapse counts to
(someone since deactivated or moved). Lapses that count to nobody by name (a round given to a role,
a task nobody was assigned) are totalled apart and never spread over people.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from patrol.access import PERMISSIONS
from patrol.extensions import db
from patrol.models import Site, User, user_sites
from patrol.models.deduction import LAPSE_KINDS
from patrol.scores.lapses import EVERYONE, lapses
from patrol.scores.month import Month
from patrol.scores.rules import FULL_MARKS, points_of


def deducted(counts: Counter, points: dict[str, int]) -> int:
    return sum(count * points.get(kind, 0) for kind, count in counts.items())


def score(counts: Counter, points: dict[str, int]) -> int:
    """Full marks less the deductions, never below 0."""
    return max(0, FULL_MARKS - deducted(counts, points))


@dataclass
class ScoreRow:
    person: User
    counts: Counter  # lapses by kind
    deducted: int
    score: int


@dataclass
class MonthTable:
    site: Site
    month: Month
    points: dict[str, int]  # per lapse, by kind (0: the kind is off)
    rows: list[ScoreRow]
    unattributed: Counter = field(default_factory=Counter)  # lapses counting to nobody by name, by kind

    @property
    def kinds(self) -> list[str]:
        """The kinds that cost points, in the table's order."""
        return [kind for kind in LAPSE_KINDS if self.points[kind]]


def lapse_counts(site: Site, month: Month, now: datetime, kinds, who=EVERYONE) -> dict[int | None, Counter]:
    """Lapses of `kinds` per person (None: nobody by name), by kind; one grouped query."""
    found = lapses(site, month, now, who, kinds=kinds)
    counts: dict[int | None, Counter] = {}
    if found is None:
        return counts
    grouped = select(found.c.person_id, found.c.kind, func.count()).group_by(found.c.person_id, found.c.kind)
    for person_id, kind, number in db.session.execute(grouped):
        counts.setdefault(person_id, Counter())[kind] = number
    return counts


def people_of(site: Site, also: set[int]) -> list[User]:
    """Everyone in use on `site`, and the people `also` names, by name."""
    member = select(user_sites.c.user_id).where(user_sites.c.site_id == site.id)
    # Night security is not scored on patrols.
    on_site = (User.id.in_(member)) & User.active.is_(True) & User.role.in_(PERMISSIONS["inspect"])
    wanted = or_(on_site, User.id.in_(also)) if also else on_site
    return list(db.session.scalars(select(User).where(wanted).order_by(User.display_name, User.id)))


def month_table(site: Site, month: Month, now: datetime) -> MonthTable:
    points = points_of(site)
    kinds = [kind for kind in LAPSE_KINDS if points[kind]]
    counts = lapse_counts(site, month, now, kinds)
    unattributed = counts.pop(None, Counter())
    rows = []
    for person in people_of(site, set(counts)):
        mine = counts.get(person.id, Counter())
        rows.append(ScoreRow(person, mine, deducted(mine, points), score(mine, points)))
    return MonthTable(site, month, points, rows, unattributed)
