"""Coverage has one definition — on time ÷ (expected − excused − cancelled) — computed in one SQL query
per site, location, person and day, on SQLite and PostgreSQL alike (CI runs this file on both).

The fixture day (2026-03-02, Shanghai), seen at 23:00:
- 每小时巡楼: every hour 08:00–20:00 at ten floors, given to the butlers; stopped at 18:00, so
  19:00 and 20:00 are cancelled (20). Floors 1–5 are done on time 08:00–18:00 (55); floor 6 late
  every time (11); floors 7–10 never (44 missed), two of floor 10's excused by the supervisor.
- 午间检查: daily at 12:00 at floors 1 and 2 with another checklist, given to one butler, make-up
  allowed for 3 h: floor 2 on time, floor 1 made up at 14:00.
Expected 132; on time 56, late 11, made up 1, missed 42, excused 2, cancelled 20; 56 / 110.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from patrol.extensions import db
from patrol.rounds.coverage import Coverage, coverage, total
from patrol.rounds.dispositions import excuse
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from patrol.setup.schedules import stop_schedule
from tests.rounds_scene import DAY, at, build, visits

NIGHT = at(23)


@pytest.fixture
def day(make):
    scene = build(make)
    hourly = scene.schedule()
    other = make.checklist(name="午间检查", kind="model_room")
    floor1, floor2 = scene.rooms[:2]
    scene.schedule(
        name="午间检查",
        checklist=str(other.checklist_id),
        scope="picked",
        locations=[str(floor1.id), str(floor2.id)],
        recurrence="daily",
        start_time="12:00",
        responsible_by="person",
        responsible_user=str(scene.butler.id),
        makeup_hours=3,
    )
    plan_visits(at(7))
    stop_schedule(hourly, scene.admin, now=at(18))
    for hour in range(8, 19):
        for room in scene.rooms[:5]:
            scene.count(room, at(hour, 10))
        scene.count(scene.rooms[5], at(hour, 35))
    scene.count(floor2, at(12, 5), version=other)
    assert scene.count(floor1, at(14), version=other).outcome == "made_up"
    scene.other = other
    return scene


def figures(row: Coverage) -> tuple:
    return (row.on_time, row.late, row.made_up, row.missed, row.excused, row.cancelled, row.open)


def excuse_two(scene):
    mark_missed(NIGHT)
    db.session.commit()
    floor10 = scene.rooms[9]
    for row in visits(location_id=floor10.id, local_day=DAY)[:2]:
        excuse(row, scene.supervisor, "十层装修封闭", NIGHT)


def test_the_fixture_days_site_figures_and_rate(day, queries):
    excuse_two(day)
    queries.statements.clear()
    (site,) = coverage({day.site.id}, DAY, DAY, NIGHT)
    assert len(queries) == 1
    assert site.key == (day.site.id,)
    assert figures(site) == (56, 11, 1, 42, 2, 20, 0)
    assert (site.expected, site.counted) == (132, 110)
    assert site.rate == pytest.approx(56 / 110)


def test_a_pending_round_past_its_grace_is_missed_before_the_sweep_has_run(day):
    (before,) = coverage({day.site.id}, DAY, DAY, NIGHT)
    mark_missed(NIGHT)
    db.session.commit()
    (after,) = coverage({day.site.id}, DAY, DAY, NIGHT)
    assert figures(before) == figures(after) == (56, 11, 1, 44, 0, 20, 0)


def test_during_the_day_rounds_still_open_are_in_no_figure_but_their_own(make):
    scene = build(make, rooms=2)
    scene.schedule()
    plan_visits(at(7))
    scene.count(scene.rooms[0], at(8, 5))
    (noon,) = coverage({scene.site.id}, DAY, DAY, at(12, 20))
    # 08:00 done at one floor; 08:00–11:00 past their grace elsewhere; 12:00 still open (late until
    # 12:45) and 13:00–20:00 to come, at both floors.
    assert figures(noon) == (1, 0, 0, 7, 0, 0, 18)
    assert (noon.expected, noon.rate) == (8, 1 / 8)


def test_per_location_per_person_and_per_day_in_one_query_each(day, queries):
    excuse_two(day)
    site_ids = {day.site.id}
    queries.statements.clear()
    by_location = {row.key[0]: row for row in coverage(site_ids, DAY, DAY, NIGHT, by=("location",))}
    by_person = {row.key: row for row in coverage(site_ids, DAY, DAY, NIGHT, by=("person",))}
    by_day = coverage(site_ids, DAY, DAY + timedelta(days=1), NIGHT, by=("day",))
    by_location_and_day = coverage(site_ids, DAY, DAY, NIGHT, by=("location", "day"))
    assert len(queries) == 4

    floor1, floor2, *_rest, floor6, floor7, floor8, floor9, floor10 = day.rooms
    assert figures(by_location[floor1.id]) == (11, 0, 1, 0, 0, 2, 0)
    assert by_location[floor1.id].rate == pytest.approx(11 / 12)
    assert figures(by_location[floor2.id]) == (12, 0, 0, 0, 0, 2, 0)
    assert figures(by_location[floor6.id]) == (0, 11, 0, 0, 0, 2, 0)
    assert by_location[floor6.id].rate == 0
    assert figures(by_location[floor7.id]) == (0, 0, 0, 11, 0, 2, 0)
    assert figures(by_location[floor10.id]) == (0, 0, 0, 9, 2, 2, 0)
    assert len(by_location) == 10 and len(by_location_and_day) == 10

    assert figures(by_person[(None, "butler")]) == (55, 11, 0, 42, 2, 20, 0)
    assert figures(by_person[(day.butler.id, None)]) == (1, 0, 1, 0, 0, 0, 0)
    assert by_person[(day.butler.id, None)].rate == 0.5

    # Nothing is planned for the next day yet: a day without rounds has no line.
    assert [row.key for row in by_day] == [(DAY,)]
    assert figures(by_day[0]) == (56, 11, 1, 42, 2, 20, 0)
    assert total(list(by_location.values())) == Coverage((), 56, 11, 1, 42, 2, 20, 0)


def test_the_query_count_does_not_grow_with_the_rounds(day, make, queries):
    queries.statements.clear()
    coverage({day.site.id}, DAY, DAY, NIGHT, by=("location", "day"))
    small = len(queries)
    more = build(make, rooms=30, name="大厦")
    more.schedule(every_hours="1")
    plan_visits(at(7))
    db.session.commit()
    queries.statements.clear()
    rows = coverage({day.site.id, more.site.id}, DAY, DAY, NIGHT, by=("location", "day"))
    assert len(queries) == small == 1
    assert len(rows) == 40 and sum(row.expected for row in rows) == 132 + 30 * 13


def test_sites_not_asked_for_are_not_counted(day, make):
    other = build(make, rooms=2, name="别处")
    other.schedule()
    plan_visits(at(7))
    assert coverage({other.site.id}, DAY, DAY, NIGHT)[0].expected == 26
    assert coverage(set(), DAY, DAY, NIGHT) == []
