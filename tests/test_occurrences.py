"""When a schedule's rounds fall due: computed on the site's clock, handed back in UTC."""

from datetime import UTC, datetime, time, timedelta

from patrol.extensions import db
from patrol.models import Schedule, Site
from patrol.setup.occurrences import next_occurrences, occurrences, schedule_locations

UTC = UTC


def _schedule(zone: str = "Asia/Shanghai", **fields) -> Schedule:
    """An unsaved schedule: the occurrence functions need nothing from the database."""
    defaults = {
        "recurrence": "daily",
        "start_time": time(9, 0),
        "window_minutes": 60,
        "grace_minutes": 15,
        "weekdays": [],
    }
    return Schedule(site=Site(name="测试小区", timezone=zone), name="巡楼", **{**defaults, **fields})


def _utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_every_two_hours_from_8_to_20_is_seven_rounds_a_day_on_shanghai_time():
    schedule = _schedule(recurrence="hourly", every_hours=2, start_time=time(8, 0), end_time=time(20, 0))
    # 2026-03-02 00:00 to 2026-03-03 00:00 in Shanghai (UTC+8).
    found = occurrences(schedule, _utc(2026, 3, 1, 16), _utc(2026, 3, 2, 16))
    assert [o.due_at for o in found] == [_utc(2026, 3, 2, hour) for hour in (0, 2, 4, 6, 8, 10, 12)]


def test_hourly_rounds_start_at_the_start_minute_and_stop_by_the_end_time():
    schedule = _schedule(recurrence="hourly", every_hours=3, start_time=time(8, 30), end_time=time(18, 0))
    found = occurrences(schedule, _utc(2026, 3, 1, 16), _utc(2026, 3, 2, 16))
    local = [o.due_at.astimezone(schedule.site.zone).strftime("%H:%M") for o in found]
    assert local == ["08:30", "11:30", "14:30", "17:30"]


def test_daily_at_nine_in_shanghai_is_one_in_the_morning_utc_every_day():
    found = occurrences(_schedule(), _utc(2026, 3, 1), _utc(2026, 3, 4))
    assert [o.due_at for o in found] == [_utc(2026, 3, 1, 1), _utc(2026, 3, 2, 1), _utc(2026, 3, 3, 1)]


def test_a_round_early_in_the_local_morning_falls_on_the_previous_utc_day():
    schedule = _schedule(start_time=time(5, 0))  # 05:00 in Shanghai is 21:00 UTC the day before
    found = occurrences(schedule, _utc(2026, 3, 2), _utc(2026, 3, 3))
    assert [o.due_at for o in found] == [_utc(2026, 3, 2, 21)]


def test_weekly_on_monday_and_thursday_falls_on_those_local_days():
    schedule = _schedule(recurrence="weekly", weekdays=[0, 3], start_time=time(10, 0))
    # 2026-03-02 is a Monday; two weeks of Shanghai days.
    found = occurrences(schedule, _utc(2026, 3, 1, 16), _utc(2026, 3, 15, 16))
    local = [o.due_at.astimezone(schedule.site.zone) for o in found]
    assert [(d.strftime("%a %d"), d.hour) for d in local] == [
        ("Mon 02", 10),
        ("Thu 05", 10),
        ("Mon 09", 10),
        ("Thu 12", 10),
    ]
    assert found[0].due_at == _utc(2026, 3, 2, 2)


def test_weekly_with_no_days_has_no_rounds():
    schedule = _schedule(recurrence="weekly", weekdays=[])
    assert occurrences(schedule, _utc(2026, 3, 1), _utc(2026, 4, 1)) == []


def test_each_round_is_on_time_for_the_window_then_late_for_the_grace_then_missed():
    schedule = _schedule(window_minutes=30, grace_minutes=20)
    (round_,) = occurrences(schedule, _utc(2026, 3, 2), _utc(2026, 3, 3))
    assert round_.window_end == round_.due_at + timedelta(minutes=30)
    assert round_.grace_end == round_.due_at + timedelta(minutes=50)
    assert round_.state_at(round_.due_at - timedelta(seconds=1)) == "upcoming"
    assert round_.state_at(round_.due_at + timedelta(minutes=29)) == "open"
    assert round_.state_at(round_.due_at + timedelta(minutes=30)) == "late"
    assert round_.state_at(round_.due_at + timedelta(minutes=50)) == "missed"


def test_a_site_in_another_zone_keeps_its_wall_clock_across_daylight_saving():
    schedule = _schedule("Europe/London")
    winter = occurrences(schedule, _utc(2026, 1, 15), _utc(2026, 1, 16))
    summer = occurrences(schedule, _utc(2026, 7, 15), _utc(2026, 7, 16))
    assert [o.due_at for o in winter] == [_utc(2026, 1, 15, 9)]
    assert [o.due_at for o in summer] == [_utc(2026, 7, 15, 8)]


def test_an_hour_skipped_by_daylight_saving_is_not_counted_twice():
    schedule = _schedule(
        "America/New_York", recurrence="hourly", every_hours=1, start_time=time(1, 0), end_time=time(4, 0)
    )
    # On 2026-03-08 New York's clocks jump from 02:00 to 03:00.
    found = occurrences(schedule, _utc(2026, 3, 8, 5), _utc(2026, 3, 9, 5))
    assert [o.due_at for o in found] == [_utc(2026, 3, 8, 6), _utc(2026, 3, 8, 7), _utc(2026, 3, 8, 8)]


def test_the_range_includes_its_start_and_excludes_its_end():
    found = occurrences(_schedule(), _utc(2026, 3, 2, 1), _utc(2026, 3, 3, 1))
    assert [o.due_at for o in found] == [_utc(2026, 3, 2, 1)]


def test_the_next_five_rounds_of_a_weekly_schedule_span_five_weeks():
    schedule = _schedule(recurrence="weekly", weekdays=[6], start_time=time(18, 0))
    found = next_occurrences(schedule, _utc(2026, 3, 2), 5)
    assert len(found) == 5
    assert found[-1].due_at - found[0].due_at == timedelta(weeks=4)
    assert all(o.due_at.astimezone(schedule.site.zone).weekday() == 6 for o in found)


def test_a_kind_schedule_covers_the_active_locations_of_that_kind_on_its_site(make):
    site, other = make.site(), make.site()
    tenth = make.location(site, name="1栋 10F")
    second = make.location(site, name="1栋 2F")
    make.location(site, name="1栋 3F", active=False)
    make.location(site, kind="vacant_unit", name="3-1201")
    make.location(other, name="2栋 1F")
    version = make.checklist()
    schedule = Schedule(
        site=site,
        name="巡楼",
        checklist_id=version.checklist_id,
        location_kind="floor",
        recurrence="daily",
        start_time=time(9, 0),
    )
    db.session.add(schedule)
    db.session.commit()
    assert schedule_locations(schedule) == [second, tenth]


def test_a_hand_picked_schedule_covers_only_its_active_picks(make):
    site = make.site()
    kept = make.location(site, kind="vacant_unit", name="3-1201")
    closed = make.location(site, kind="vacant_unit", name="3-1202")
    make.location(site, kind="vacant_unit", name="3-1203")
    version = make.checklist(kind="vacant_unit")
    schedule = Schedule(
        site=site,
        name="空置房",
        checklist_id=version.checklist_id,
        locations=[kept, closed],
        recurrence="weekly",
        weekdays=[0],
        start_time=time(9, 0),
    )
    db.session.add(schedule)
    closed.active = False
    db.session.commit()
    assert schedule_locations(schedule) == [kept]
