"""The median and the 90th percentile of durations, computed by the database.

PostgreSQL has percentile_cont. SQLite has not: there one query ranks each set's durations (a window
function) and returns only the rows either side of each wanted rank — at most eight, whatever the
number of tasks — and the value is interpolated between them as percentile_cont does:
position (n − 1)·q, linear between its neighbours. Both databases therefore give the same figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, literal, or_, select, union_all

from patrol.extensions import db

QUANTILES = (0.5, 0.9)


@dataclass(frozen=True)
class Spread:
    """How long something took over `count` cases, in seconds: median and 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def seconds_between(later, earlier):
    """later − earlier in whole seconds, as a SQL expression of this database's dialect."""
    if _dialect() == "postgresql":
        return func.round(func.extract("epoch", later - earlier))
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0)


def spreads(sets: dict[str, object]) -> dict[str, Spread]:
    """Each named set's Spread, from selects of one column (the durations), in one query."""
    union = union_all(
        *(select(literal(name).label("metric"), query.subquery().c[0].label("seconds")) for name, query in sets.items())
    ).subquery()
    found = _postgresql(union) if _dialect() == "postgresql" else _ranked(union)
    return {name: found.get(name, Spread()) for name in sets}


def _postgresql(union) -> dict[str, Spread]:
    median, p90 = (func.percentile_cont(q).within_group(union.c.seconds) for q in QUANTILES)
    query = select(union.c.metric, func.count(), median, p90).group_by(union.c.metric)
    return {metric: Spread(count, median, p90) for metric, count, median, p90 in db.session.execute(query)}


def _ranked(union) -> dict[str, Spread]:
    ranked = select(
        union.c.metric,
        union.c.seconds,
        func.row_number().over(partition_by=union.c.metric, order_by=union.c.seconds).label("rank"),
        func.count().over(partition_by=union.c.metric).label("n"),
    ).subquery()
    wanted = []
    for q in QUANTILES:
        below = cast((ranked.c.n - 1) * q, Integer) + 1  # CAST truncates: the floor of a positive position
        wanted += [ranked.c.rank == below, ranked.c.rank == below + 1]
    rows: dict[str, tuple[int, dict[int, float]]] = {}
    for metric, seconds, rank, n in db.session.execute(select(ranked).where(or_(*wanted))):
        rows.setdefault(metric, (n, {}))[1][rank] = float(seconds)
    return {
        metric: Spread(n, *(_interpolated(values, n, q) for q in QUANTILES)) for metric, (n, values) in rows.items()
    }


def _interpolated(values: dict[int, float], n: int, q: float) -> float:
    position = (n - 1) * q
    below = math.floor(position)
    low = values[below + 1]
    high = values.get(below + 2, low)
    return low + (position - below) * (high - low)


def _dialect() -> str:
    return db.session.get_bind().dialect.name
