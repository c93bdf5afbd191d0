"""Expected visits: one per (schedule version, round, location in use then), written ahead by the planner;
a change re-plans only the rounds still to come, and never deletes one."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from patrol.extensions import db
from patrol.models import ScheduleVersion
from patrol.rounds.planning import plan_visits
from patrol.setup.location_admin import deactivate_location, reactivate_location
from patrol.setup.schedules import restart_schedule, save_schedule, stop_schedule
from tests.rounds_scene import DAY, at, build, how_many, local_hours, schedule_form, visits

HOURS = [f"{hour:02d}:00" for hour in range(8, 21)]


@pytest.fixture
def scene(make):
    return build(make)


def planned_day(scene, now=None) -> list:
    plan_visits(now or at(7))
    db.session.commit()
    return visits(local_day=DAY)


def test_hourly_from_8_to_20_at_ten_rooms_is_130_expected_visits_and_a_room_added_at_1230_adds_8(scene, make):
    scene.schedule()
    day = planned_day(scene)
    assert len(day) == 130
    assert local_hours(day) == HOURS
    assert {row.status for row in day} == {"pending"}
    assert {row.responsible_role for row in day} == {"butler"}

    added = make.location(scene.site, "floor", name="1栋 11F", active_since=at(12, 30))
    plan_visits(at(12, 30))
    db.session.commit()
    assert local_hours(visits(location_id=added.id, local_day=DAY)) == [f"{hour}:00" for hour in range(13, 21)]
    assert how_many(local_day=DAY) == 138


def test_planning_again_writes_nothing_twice(scene):
    scene.schedule()
    planned_day(scene)
    assert plan_visits(at(7)) == 0
    assert plan_visits(at(7, 1)) == 0
    assert how_many(local_day=DAY) == 130


def test_a_schedule_edited_at_14_leaves_8_to_13_as_they_were(scene):
    schedule = scene.schedule()
    planned_day(scene)
    morning = {
        row.id: (row.schedule_version_id, row.window_end) for row in visits(local_day=DAY) if row.due_at < at(14)
    }
    first_version = visits(local_day=DAY)[0].schedule_version_id

    form = schedule_form(scene, window_minutes=20, end_time="18:00")
    outcome = save_schedule(form, actor=scene.admin, site_ids={scene.site.id}, schedule=schedule, now=at(14))
    assert outcome.ok

    day = visits(local_day=DAY)
    assert {row.id: (row.schedule_version_id, row.window_end) for row in day if row.due_at < at(14)} == morning
    fourteen = [row for row in day if row.due_at == at(14)]
    assert {(row.schedule_version_id, row.window_end) for row in fourteen} == {(first_version, at(14, 30))}
    # 15:00 to 18:00 follow the new version; 19:00 and 20:00 are no longer expected: cancelled, not deleted.
    later = [row for row in day if row.due_at > at(14)]
    new_version = db.session.get(ScheduleVersion, later[0].schedule_version_id)
    assert new_version.id != first_version and new_version.effective_from == at(14)
    kept = [row for row in later if row.status == "pending"]
    assert local_hours(kept) == ["15:00", "16:00", "17:00", "18:00"]
    assert {(row.schedule_version_id, row.window_end - row.due_at) for row in kept} == {
        (new_version.id, timedelta(minutes=20))
    }
    cancelled = [row for row in later if row.status == "cancelled"]
    assert local_hours(cancelled) == ["19:00", "20:00"] and len(cancelled) == 20
    assert {(row.cancel_reason, row.cancelled_by_id, row.cancelled_at) for row in cancelled} == {
        ("schedule_changed", scene.admin.id, at(14))
    }
    assert len(day) == 130


def test_renaming_a_schedule_changes_no_round(scene):
    schedule = scene.schedule()
    planned_day(scene)
    form = schedule_form(scene, name="楼层巡查")
    save_schedule(form, actor=scene.admin, site_ids={scene.site.id}, schedule=schedule, now=at(14))
    assert db.session.query(ScheduleVersion).count() == 1
    assert {row.status for row in visits(local_day=DAY)} == {"pending"}


def test_a_schedule_stopped_at_14_cancels_15_to_20_and_keeps_the_rest(scene):
    schedule = scene.schedule()
    planned_day(scene)
    stop_schedule(schedule, scene.admin, now=at(14))
    day = visits(local_day=DAY)
    assert len(day) == 130
    assert local_hours([row for row in day if row.status == "cancelled"]) == [f"{hour}:00" for hour in range(15, 21)]
    assert local_hours([row for row in day if row.status == "pending"]) == [f"{hour:02d}:00" for hour in range(8, 15)]
    assert {row.cancel_reason for row in day if row.status == "cancelled"} == {"schedule_stopped"}
    plan_visits(at(16))
    assert how_many(local_day=DAY, status="pending") == 70  # a stopped schedule expects nothing new

    restart_schedule(schedule, scene.admin, now=at(16, 30))
    plan_visits(at(16, 30))
    db.session.commit()
    again = [row for row in visits(local_day=DAY) if row.status == "pending" and row.due_at > at(16, 30)]
    assert local_hours(again) == ["17:00", "18:00", "19:00", "20:00"] and len(again) == 40


def test_a_location_taken_out_of_use_has_its_later_rounds_cancelled_and_back_in_use_expected_again(scene):
    scene.schedule()
    planned_day(scene)
    room = scene.rooms[0]
    deactivate_location(scene.admin, room, now=at(11, 10))
    rows = visits(location_id=room.id, local_day=DAY)
    assert local_hours([row for row in rows if row.status == "cancelled"]) == [f"{hour}:00" for hour in range(12, 21)]
    assert {row.cancel_reason for row in rows if row.status == "cancelled"} == {"location_deactivated"}
    assert len(rows) == 13

    reactivate_location(scene.admin, room, now=at(15, 30))
    rows = visits(location_id=room.id, local_day=DAY)
    assert local_hours([row for row in rows if row.status == "pending" and row.due_at > at(15)]) == [
        "16:00",
        "17:00",
        "18:00",
        "19:00",
        "20:00",
    ]


def test_a_room_moved_to_another_kind_leaves_the_floor_rounds(scene):
    from patrol.setup.location_admin import form_values, update_location

    scene.schedule()
    planned_day(scene)
    room = scene.rooms[0]
    raw = form_values(room) | {"kind": "common_area"}
    assert update_location(scene.admin, room, raw, {scene.site.id}, now=at(9, 30)).ok
    later = [row for row in visits(location_id=room.id) if row.due_at > at(9, 30)]
    assert {(row.status, row.cancel_reason) for row in later} == {("cancelled", "location_changed")}


def test_a_night_round_from_22_to_6_runs_into_the_next_morning(scene):
    scene.schedule(start_time="22:00", end_time="06:00", location_kind="floor")
    plan_visits(at(21), ahead=timedelta(hours=12))
    db.session.commit()
    night = [row for row in visits() if at(21) <= row.due_at <= at(6, day=DAY + timedelta(days=1))]
    assert local_hours(night) == ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "22:00", "23:00"]
    assert len(night) == 90
    # Each round falls on the site's calendar day: the night's two evening rounds on the 2nd, the rest on the 3rd.
    assert {row.local_day for row in night if row.due_at < at(24)} == {DAY}
    assert {row.local_day for row in night if row.due_at >= at(24)} == {DAY + timedelta(days=1)}
    assert all(row.window_end - row.due_at == timedelta(minutes=30) for row in night)


def test_two_sites_in_different_time_zones_expect_their_rounds_on_their_own_clocks(scene, make):
    london = build(make, rooms=2, zone="Europe/London", name="Canary Wharf")
    scene.schedule(recurrence="daily", start_time="09:00")
    london.schedule(recurrence="daily", start_time="09:00")
    plan_visits(at(7), ahead=timedelta(hours=36))
    db.session.commit()
    shanghai = visits(site_id=scene.site.id, local_day=DAY)
    gmt = visits(site_id=london.site.id, local_day=DAY)
    assert {row.due_at for row in shanghai} == {at(9)}  # 01:00 UTC
    assert {row.due_at for row in gmt} == {at(9, zone=ZoneInfo("Europe/London"))}  # 09:00 UTC
    assert at(9).hour == 1 and at(9, zone=ZoneInfo("Europe/London")).hour == 9
    assert (len(shanghai), len(gmt)) == (10, 2)


def test_a_site_moved_to_another_time_zone_moves_the_rounds_still_to_come(scene):
    from patrol.setup.sites import update_site

    scene.schedule(recurrence="daily", start_time="09:00")
    plan_visits(at(0), ahead=timedelta(days=3))
    raw = {
        "name": scene.site.name,
        "timezone": "Asia/Tokyo",
        "opens_at": "08:30",
        "closes_at": "18:00",
        "first_response_minutes": "60",
    }
    assert update_site(scene.admin, scene.site, raw, now=at(10)).ok
    next_day = date(2026, 3, 3)
    rows = visits(local_day=next_day)
    pending = {row.due_at for row in rows if row.status == "pending"}
    assert pending == {at(9, day=next_day, zone=ZoneInfo("Asia/Tokyo"))}
    assert {row.due_at for row in visits(local_day=DAY)} == {at(9)}  # today's, already due, unchanged


def test_the_demo_expects_the_rounds_of_the_day_ahead(app):
    result = app.test_cli_runner().invoke(args=["patrol", "seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from sqlalchemy import func, select

        from patrol.models import ExpectedVisit, Schedule

        schedules = db.session.scalar(select(func.count()).select_from(Schedule))
        versions = db.session.scalar(select(func.count()).select_from(ScheduleVersion))
        hourly_floors = db.session.scalar(
            select(func.count()).select_from(ExpectedVisit).join(Schedule).where(Schedule.name == "每小时巡楼")
        )
        # Every demo schedule has its first version; the floors' hourly rounds of the next 24 h are there
        # (13 a day, at each of the garden's floors), whatever the hour the demo is seeded at.
        assert versions == schedules == 6  # floors, renovations, vacant units; the model room opens, hourly, closes
        assert hourly_floors >= 13 * 10


def test_the_worker_step_plans_at_most_once_a_minute(scene, make, app):
    from patrol.rounds.worker import PLANNED_AT, run_rounds

    scene.schedule()
    app.extensions.pop(PLANNED_AT, None)  # what an earlier test's worker step remembered
    run_rounds(at(7))
    added = make.location(scene.site, "floor", name="1栋 11F", active_since=at(7, 0, second=10))
    assert run_rounds(at(7, 0, second=30)).planned == 0
    assert run_rounds(at(7, 1)).planned == 13  # its rounds 08:00–20:00, a minute later at the latest
    assert len(visits(location_id=added.id, local_day=DAY)) == 13
