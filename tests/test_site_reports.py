"""A site's report: its figures on the fixture day (tests/report_scene.py), in a fixed number of
queries for a day or a month, the same coverage as the grid, the same percentiles on SQLite and
PostgreSQL (CI runs this file on both), and the pages for the site's supervisors only.
"""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from sqlalchemy import literal, select, union_all

from patrol.database import utcnow
from patrol.reporting.figures import site_report
from patrol.reporting.periods import Period
from patrol.reporting.spreads import spreads
from patrol.rounds.planning import plan_visits
from tests.report_scene import CLOSES, RESPONSES, add_findings, add_tasks
from tests.rounds_scene import DAY, SHANGHAI, at, build
from tests.test_rounds_coverage import NIGHT, day, excuse_two  # noqa: F401  (day: the fixture)


@pytest.fixture
def reported(day, make):  # noqa: F811
    excuse_two(day)
    add_findings(day, make)
    add_tasks(day, make)
    return day


def test_the_fixture_days_figures(reported):
    report = site_report(reported.site, Period.around("day", DAY), NIGHT)
    figure = report.coverage
    assert (figure.on_time, figure.late, figure.made_up, figure.missed, figure.counted) == (56, 11, 1, 42, 110)
    first, second = (item.prompt for item in reported.version.items[:2])
    assert report.findings_by_item == [(first, 4), (second, 1)] and report.other_items == 0
    assert report.findings_by_kind == [("floor", 4), ("renovation", 1)] and report.findings == 5
    tasks = report.tasks
    assert (tasks.raised, tasks.still_open, tasks.overdue) == (6, 3, 1)
    assert (tasks.responded, tasks.responded_in_time, tasks.unanswered_late) == (5, 4, 1)
    assert (tasks.closed, tasks.closed_on_time, tasks.closed_reopened) == (4, 3, 1)
    assert tasks.reopen_rate == 0.25
    assert (tasks.open_now, tasks.overdue_now) == (3, 1)
    assert (report.response.count, report.response.median) == (5, 1800)
    assert report.response.p90 == pytest.approx(3000 + 0.6 * (7200 - 3000))
    assert (report.close.count, report.close.median) == (4, (7200 + 14400) / 2)
    assert report.close.p90 == pytest.approx(14400 + 0.7 * (50400 - 14400))


def test_each_persons_rounds_findings_and_closes(reported):
    people = {(p.user_id, p.role): p for p in site_report(reported.site, Period.around("day", DAY), NIGHT).people}
    butler = people[(reported.butler.id, None)]
    # 55 on time and 11 late at floors 1–6, two 午间检查 and the renovation unit's extra visit.
    assert (butler.done, butler.late, butler.missed, butler.findings) == (69, 11, 0, 5)
    assert (butler.closed, butler.closed_on_time) == (3, 3)
    fixer = people[(reported.fixer.id, None)]
    assert (fixer.done, fixer.closed, fixer.closed_on_time) == (0, 1, 0)
    # The hourly rounds were given to the butlers' role: their misses are the role's, no one person's.
    assert people[(None, "butler")].missed == 42


@pytest.mark.parametrize("values", [[5], [5, 9], list(RESPONSES), list(CLOSES), [(n * 7919) % 1000 for n in range(37)]])
def test_median_and_p90_are_percentile_cont_on_either_database(ctx, values):
    rows = union_all(*(select(literal(value).label("seconds")) for value in values))
    (spread,) = spreads({"x": select(rows.subquery().c.seconds)}).values()
    deciles = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else [values[0]] * 9
    assert spread.count == len(values)
    assert spread.median == pytest.approx(statistics.median(values))
    assert spread.p90 == pytest.approx(deciles[8])


def test_nothing_to_measure_is_no_figure(ctx, make):
    site = make.site()
    report = site_report(site, Period.around("month", DAY), NIGHT)
    assert report.response.count == 0 and report.response.median is None and report.coverage.rate is None
    assert report.people == [] and report.findings_by_item == []


def test_the_query_count_is_the_same_for_a_day_and_a_month_and_more_data(reported, make, queries):
    def count(site, kind) -> int:
        queries.statements.clear()
        site_report(site, Period.around(kind, DAY), NIGHT)
        return len(queries)

    small_day, small_month = count(reported.site, "day"), count(reported.site, "month")
    bigger = build(make, rooms=30, name="大厦")
    bigger.schedule()
    plan_visits(at(7))
    for hour in range(8, 12):
        for room in bigger.rooms:
            bigger.count(room, at(hour, 5))
    add_findings(bigger, make)
    add_tasks(bigger, make)
    assert small_day == small_month == count(bigger.site, "day") == count(bigger.site, "month") <= 12


def test_periods_are_local_days_weeks_and_months():
    week = Period.around("week", DAY)  # a Monday
    assert (week.first, week.last) == (DAY, DAY + timedelta(days=6))
    month = Period.around("month", DAY)
    assert (month.first.day, month.last.day, len(month.days)) == (1, 31, 31)
    assert month.before().first.month == 2 and month.after().first.month == 4
    start, end = Period.around("day", DAY).bounds(SHANGHAI)
    assert (start, end) == (at(0), at(24))


def test_feedback_overdue_and_overdue_are_the_boards(reported):
    """The report's "still unanswered past the promise" and "overdue" are the task board's filters over
    the tasks raised that day (the board's own definition of 反馈超时, Task.is_feedback_overdue)."""
    from patrol.tasks.board import count_tasks
    from patrol.tasks.filters import TaskFilter

    now = utcnow()
    tasks = site_report(reported.site, Period.around("day", DAY), now).tasks
    raised = {"site_id": reported.site.id, "raised_from": DAY, "raised_to": DAY, "zone": reported.site.timezone}
    assert tasks.unanswered_late == count_tasks({reported.site.id}, TaskFilter("feedback_overdue", **raised)) == 1
    assert tasks.overdue == count_tasks({reported.site.id}, TaskFilter("overdue", **raised)) == 3
    assert tasks.still_open == count_tasks({reported.site.id}, TaskFilter("open", **raised)) == 3
