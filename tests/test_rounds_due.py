"""Each person's day (patrol.rounds.due): the rounds due now and next and today's missed, for the
person they are given to, in walking order, at a constant number of queries; and the checklist due
at a location now. Every clock here is the test's (tests/rounds_scene)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from patrol.extensions import db
from patrol.rounds.due import checkpoints_ahead, due_here, rounds_for
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from tests.model_room_day import CLOSING, HOURLY, OPENING, model_room_day
from tests.rounds_scene import DAY, at, build


def names(round_) -> list[str]:
    return [visit.location.name for visit in round_.visits]


def statuses(round_) -> list[str]:
    return [visit.status for visit in round_.visits]


@pytest.fixture
def floors(make):
    scene = build(make)  # ten floors, hourly 08:00–20:00 given to the butlers: 30 min on time, 15 late
    scene.schedule()
    plan_visits(at(7))
    db.session.commit()
    return scene


def test_the_stewards_day_at_0840_is_the_opening_count_now_then_the_hourly_and_closing(make):
    day = model_room_day(make)
    plan_visits(at(7))
    db.session.commit()
    mine = rounds_for(day.steward, at(8, 40))
    assert [(r.schedule.name, r.due_at) for r in mine.now] == [(OPENING, at(8))]
    assert names(mine.now[0]) == ["样板间A"] and statuses(mine.now[0]) == ["pending"]
    assert [(r.schedule.name, r.due_at) for r in mine.next] == [(HOURLY, at(9)), (CLOSING, at(18))]
    assert mine.missed == [] and not mine.cut


def test_during_the_day_the_hourly_count_is_due_and_a_skipped_opening_count_was_missed(make):
    day = model_room_day(make)
    plan_visits(at(7))
    mark_missed(at(10, 10))
    db.session.commit()
    mine = rounds_for(day.steward, at(10, 10))
    assert [(r.schedule.name, r.due_at) for r in mine.now] == [(HOURLY, at(10))]
    assert [(r.schedule.name, r.due_at) for r in mine.next] == [(HOURLY, at(11)), (CLOSING, at(18))]
    assert [(v.schedule.name, v.due_at) for v in mine.missed] == [(HOURLY, at(9)), (OPENING, at(8))]


def test_a_round_open_now_shows_each_floor_in_walking_order_with_what_is_done(floors):
    for room in (floors.rooms[9], floors.rooms[1]):  # 10F and 2F done on time
        floors.count(room, at(10, 5))
    mine = rounds_for(floors.butler, at(10, 35))  # on time until 10:30, late until 10:45
    (current,) = mine.now
    assert names(current) == [f"1栋 {n}F" for n in range(1, 11)]  # 2F before 10F, as people read
    assert statuses(current) == ["pending", "on_time"] + ["pending"] * 7 + ["on_time"]
    assert (current.window_end, current.grace_end) == (at(10, 30), at(10, 45))
    assert [r.due_at for r in mine.next] == [at(11)]


def test_missed_today_is_only_todays_on_the_sites_clock(floors):
    plan_visits(at(7, day=DAY - timedelta(days=1)))
    mark_missed(at(9, 50))
    db.session.commit()
    mine = rounds_for(floors.butler, at(9, 50))
    # Yesterday's rounds were all missed too, but only this morning's 08:00 and 09:00 are today's.
    assert {visit.due_at for visit in mine.missed} == {at(8), at(9)}
    assert all(visit.status == "missed" for visit in mine.missed)
    assert mine.missed[0].due_at == at(9)  # latest first


def test_rounds_given_to_someone_else_or_another_role_are_not_shown(floors, make):
    other = make.user("butler", [floors.site], username="lisi")
    floors.schedule(name="专人巡楼", responsible_by="person", responsible_user=str(other.id), start_time="09:00")
    floors.schedule(name="样板间巡查", responsible_role="steward")
    plan_visits(at(7))
    db.session.commit()
    assert {r.schedule.name for r in rounds_for(floors.butler, at(10, 5)).now} == {"每小时巡楼"}
    assert {r.schedule.name for r in rounds_for(other, at(10, 5)).now} == {"每小时巡楼", "专人巡楼"}
    assert rounds_for(floors.supervisor, at(10, 5)).now == []


def test_the_lists_are_bounded_and_say_when_they_were_cut(floors):
    mine = rounds_for(floors.butler, at(10, 5), limit=4)
    assert mine.cut and sum(len(r.visits) for r in mine.now) == 4


def test_the_day_is_read_in_a_constant_number_of_queries(make, queries):
    counts = []
    for rooms in (2, 10):
        scene = build(make, rooms=rooms, name=f"小区{rooms}")
        scene.schedule()
        plan_visits(at(7))
        mark_missed(at(10, 35))
        scene.count(scene.rooms[0], at(10, 5))
        db.session.expire_all()
        assert scene.butler.id  # the signed-in person is loaded before the page is read
        queries.statements.clear()
        mine = rounds_for(scene.butler, at(10, 35))
        assert [visit.location.name for round_ in mine.now for visit in round_.visits]
        assert [visit.site.name for visit in mine.missed]
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts  # their sites, now, next, missed


def test_the_checklist_due_here_now_is_the_one_whose_round_is_open(make):
    day = model_room_day(make)
    plan_visits(at(7))
    db.session.commit()
    due = {name: version.checklist_id for name, version in day.checklists.items()}
    assert due_here(day.steward, day.room, at(7, 59)) == set()
    assert due_here(day.steward, day.room, at(8, 40)) == {due[OPENING]}
    assert due_here(day.steward, day.room, at(12, 10)) == {due[HOURLY]}
    assert due_here(day.steward, day.room, at(18, 0)) == {due[CLOSING]}
    assert due_here(day.scene.butler, day.room, at(8, 40)) == set()  # given to the stewards
    day.scene.count(day.room, at(8, 20), version=day.checklists[OPENING], person=day.steward)
    assert due_here(day.steward, day.room, at(8, 40)) == set()  # done: nothing due here now


def test_the_checkpoints_ahead_are_the_rounds_open_now_then_those_due_next_each_once(floors):
    for room in (floors.rooms[9], floors.rooms[1]):  # 10F and 2F done in the 10:00 round
        floors.count(room, at(10, 5))
    ahead = checkpoints_ahead(floors.butler, at(10, 35))
    # The 10:00 round's floors still to do, in walking order; then 2F and 10F, due again at 11:00.
    assert [loc.name for loc, _due in ahead] == [f"1栋 {n}F" for n in (1, *range(3, 10), 2, 10)]
    assert all(due == {floors.version.checklist_id} for _loc, due in ahead)
    assert checkpoints_ahead(floors.supervisor, at(10, 35)) == []  # the rounds are the butlers'


def test_a_round_beyond_the_next_hours_is_not_kept_yet(make):
    day = model_room_day(make)
    plan_visits(at(7))
    db.session.commit()
    due = {name: version.checklist_id for name, version in day.checklists.items()}
    assert checkpoints_ahead(day.steward, at(4)) == []  # the opening count is four hours away
    ((room, checklists),) = checkpoints_ahead(day.steward, at(8, 40))
    assert room == day.room and checklists == {due[OPENING], due[HOURLY]}  # not the 18:00 closing count
    ((_room, checklists),) = checkpoints_ahead(day.steward, at(16, 10))
    assert checklists == {due[HOURLY], due[CLOSING]}
