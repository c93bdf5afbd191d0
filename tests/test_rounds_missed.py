"""Missed is final at grace_end: one alert per missed round, never twice, to the people responsible, the
site's supervisors and its group robots; and a missed round is never closed without a comment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from patrol.alerts.notifications import unread_count
from patrol.extensions import db
from patrol.models import Delivery, ExpectedVisit, Notification, Robot
from patrol.outcome import Refused
from patrol.rounds.coverage import coverage
from patrol.rounds.dispositions import excuse, explain
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from patrol.rounds.worker import run_rounds
from tests.rounds_scene import DAY, at, build, visits


@pytest.fixture
def scene(make):
    """Two rooms, a daily 10:00 round given to the butlers (on time until 10:30, late until 10:45), a
    second butler and a second supervisor on the site, people of other sites, and two robots."""
    scene = build(make, rooms=2)
    scene.other_butler = make.user("butler", [scene.site], username="wang")
    scene.deputy = make.user("supervisor", [scene.site], username="deputy")
    scene.steward = make.user("steward", [scene.site], username="steward")
    elsewhere = make.site("别处")
    scene.outsider = make.user("supervisor", [elsewhere], username="outsider")
    scene.retired = make.user("supervisor", [scene.site], username="retired", active=False)
    for provider in ("wecom", "dingtalk"):
        url = (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
            if provider == "wecom"
            else "https://oapi.dingtalk.com/robot/send?access_token=t"
        )
        db.session.add(Robot(site=scene.site, provider=provider, name=provider, url=url))
    db.session.add(Robot(site=elsewhere, provider="wecom", name="别处群", url="https://qyapi.weixin.qq.com/x"))
    db.session.commit()
    scene.schedule(recurrence="daily", start_time="10:00")
    plan_visits(at(7))
    db.session.commit()
    return scene


def notified() -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(Notification.user_id, Notification.kind, Notification.key).order_by(Notification.user_id)
    )
    return sorted((str(user_id), kind, key) for user_id, kind, key in rows)


def test_a_missed_round_is_alerted_once_to_the_right_people_and_robots(scene):
    assert run_rounds(at(10, 44)).missed == 0
    assert run_rounds(at(10, 45)).missed == 2
    assert run_rounds(at(10, 46)).missed == 0
    mark_missed(at(10, 47))  # a second sweep at once, or later: nothing new
    db.session.commit()
    rounds = visits(local_day=DAY)
    assert {(row.status, row.missed_alerted_at) for row in rounds} == {("missed", at(10, 45))}
    people = {scene.butler.id, scene.other_butler.id, scene.supervisor.id, scene.deputy.id}
    expected = sorted((str(person), "missed_visit", f"missed:{row.id}") for person in people for row in rounds)
    assert notified() == expected  # not the steward, the administrator, the retired or another site's
    deliveries = list(db.session.scalars(select(Delivery).order_by(Delivery.id)))
    assert sorted((d.robot.name, d.key) for d in deliveries) == sorted(
        (name, f"missed:{row.id}") for name in ("wecom", "dingtalk") for row in rounds
    )


def test_the_robots_message_says_which_round_where_and_when_in_the_sites_language(scene):
    run_rounds(at(10, 45))
    message = db.session.scalar(select(Delivery).join(Robot).where(Robot.provider == "wecom").limit(1))
    assert message.title.startswith("漏检：每小时巡楼 · 1栋 ")
    assert "2026-03-02 10:00" in message.text and "10:45" in message.text and "管家" in message.text
    assert "https://patrol.test/locations/" in message.text


def test_a_round_given_to_one_person_alerts_that_person_and_the_supervisors(make):
    scene = build(make, rooms=1)
    scene.other_butler = make.user("butler", [scene.site], username="wang")
    scene.schedule(
        recurrence="daily", start_time="10:00", responsible_by="person", responsible_user=str(scene.butler.id)
    )
    plan_visits(at(7))
    run_rounds(at(11))
    row = visits(local_day=DAY)[0]
    assert {user for user, _kind, _key in notified()} == {str(scene.butler.id), str(scene.supervisor.id)}
    assert row.responsible_user_id == scene.butler.id


def test_the_notification_list_shows_a_missed_round_and_opens_its_day_on_the_missed_list(scene, browser):
    run_rounds(at(10, 45))
    scene.supervisor.locale = "en"
    db.session.commit()
    browser.login(scene.supervisor.username)
    page = browser.get("/notifications").get_data(as_text=True)
    assert "Round missed" in page and "每小时巡楼 · 1栋 " in page and "Due 2026-03-02 10:00" in page
    assert unread_count(scene.supervisor) == 2
    note = db.session.scalar(select(Notification).where(Notification.user_id == scene.supervisor.id).limit(1))
    response = browser.post(f"/notifications/{note.id}/open")
    assert response.status_code in (302, 303)
    assert response.location.endswith(f"/rounds/missed?site={scene.site.id}&day=2026-03-02")
    assert f'id="visit-{note.expected_visit_id}"' in browser.get(response.location).get_data(as_text=True)


def test_a_butler_opens_a_missed_rounds_notification_on_its_location(scene, browser):
    run_rounds(at(10, 45))
    browser.login(scene.butler.username)
    note = db.session.scalar(select(Notification).where(Notification.user_id == scene.butler.id).limit(1))
    response = browser.post(f"/notifications/{note.id}/open")
    assert response.location.endswith(f"/locations/{note.expected_visit.location_id}")
    assert browser.get(response.location).status_code == 200


def test_a_missed_round_is_never_closed_without_a_comment(scene):
    run_rounds(at(10, 45))
    row = visits(local_day=DAY)[0]
    for empty in ("", "   \n "):
        with pytest.raises(Refused) as refused:
            explain(row, scene.butler, empty, at(11))
        assert refused.value.status == 422
        with pytest.raises(Refused) as refused:
            excuse(row, scene.supervisor, empty, at(11))
        assert refused.value.status == 422
    db.session.rollback()
    assert (db.session.get(ExpectedVisit, row.id).status, db.session.get(ExpectedVisit, row.id).note) == ("missed", "")


def test_the_person_responsible_explains_a_missed_round_and_it_still_counts_as_missed(scene, ctx):
    run_rounds(at(10, 45))
    row = visits(local_day=DAY)[0]
    explain(row, scene.butler, "电梯困人，协助处理", at(11))
    row = db.session.get(ExpectedVisit, row.id)
    assert (row.status, row.note, row.noted_by_id, row.noted_at) == (
        "missed",
        "电梯困人，协助处理",
        scene.butler.id,
        at(11),
    )
    with pytest.raises(Refused) as refused:
        explain(row, scene.steward, "不是我的", at(11))  # a steward was not responsible for a butler's round
    assert refused.value.status == 403
    figures = coverage({scene.site.id}, DAY, DAY, at(23))[0]
    assert (figures.missed, figures.excused, figures.counted) == (2, 0, 2)


def test_only_a_supervisor_excuses_a_missed_round_and_it_leaves_the_denominator(scene, ctx):
    run_rounds(at(10, 45))
    first, second = visits(local_day=DAY)
    for who in (scene.butler, scene.admin, scene.outsider):
        with pytest.raises(Refused) as refused:
            excuse(first, who, "停电", at(11))
        assert refused.value.status == 403
    excuse(first, scene.supervisor, "全楼停电，无法巡查", at(11))
    assert db.session.get(ExpectedVisit, first.id).status == "excused"
    with pytest.raises(Refused) as refused:
        excuse(first, scene.supervisor, "again", at(11))
    assert refused.value.status == 409
    # The other room's visit, done at 10:05 and sent late: that round was on time after all.
    scene.count(next(room for room in scene.rooms if room.id == second.location_id), at(10, 5))
    figures = coverage({scene.site.id}, DAY, DAY, at(23))[0]
    assert (figures.on_time, figures.excused, figures.expected, figures.counted, figures.rate) == (1, 1, 2, 1, 1.0)


def test_a_round_not_yet_missed_cannot_be_explained_or_excused(scene, ctx):
    row = visits(local_day=DAY)[0]
    with pytest.raises(Refused) as refused:
        explain(row, scene.supervisor, "提前说明", at(10))
    assert refused.value.status == 409
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert at(10) + timedelta(minutes=45) == row.grace_end


def test_the_worker_alone_raises_a_missed_round_within_a_minute_of_its_grace_end(app, scene):
    """No request at all: the worker's loop, on a clock of its own, marks and alerts the round."""
    from patrol.alerts import worker

    class Clock:
        def __init__(self, start):
            self.now, self.seen = start, []

        def __call__(self):
            return self.now

        def sleep(self, seconds):
            self.seen.append((self.now, sorted(key for _user, kind, key in notified() if kind == "missed_visit")))
            db.session.commit()  # the test's read ends here: the worker's next pass writes
            self.now += timedelta(seconds=seconds)

    clock = Clock(at(10, 44))
    worker.run_loop(app, interval=30, clock=clock, sleep=clock.sleep, passes=4)
    rounds = visits(local_day=DAY)
    keys = sorted({f"missed:{row.id}" for row in rounds})
    first_alerted = next(moment for moment, seen in clock.seen if seen)
    assert at(10, 45) <= first_alerted < at(10, 46)
    assert {row.status for row in rounds} == {"missed"}
    assert sorted(set(clock.seen[-1][1])) == keys and len(clock.seen[-1][1]) == len(keys) * 4  # four people, once
    assert db.session.scalar(select(func.count(Delivery.id))) == 2 * len(keys)  # each robot once per round
