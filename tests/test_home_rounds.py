"""The home page opens with the person's rounds, and the scan page offers the checklist due there now
first — through the test client, as a user reads them. The pages' clock is set to the fixture day's
(tests/rounds_scene) by replacing the clock the two views read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from patrol.extensions import db
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from tests.conftest import Browser
from tests.model_room_day import CLOSING, HOURLY, OPENING, model_room_day
from tests.rounds_scene import DAY, at, build

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def clock_at(monkeypatch, now):
    monkeypatch.setattr("patrol.views.home.utcnow", lambda: now)
    monkeypatch.setattr("patrol.inspections.scan.utcnow", lambda: now)


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def floors(make):
    """Three floors with the hourly round (on time 30 min, late 15 more); 2F done at 10:05; seen at 10:35."""
    scene = build(make, rooms=3)
    scene.schedule()
    plan_visits(at(7))
    mark_missed(at(10, 35))
    scene.count(scene.rooms[1], at(10, 5))
    db.session.commit()
    return scene


def home(browser, scene, headers=EN) -> str:
    browser.login(scene.butler.username)
    return text_of(browser.get("/", headers=headers).get_data(as_text=True))


def test_home_opens_with_the_round_due_now_in_walking_order_then_the_next_then_todays_missed(
    floors, browser, monkeypatch
):
    clock_at(monkeypatch, at(10, 35))
    page = home(browser, floors)
    due_now = page.index("Rounds due now")
    assert due_now < page.index("Report a problem") < page.index("My checkpoints")
    assert "Rounds due now 每小时巡楼 10:00–10:30 1 of 3 done" in page
    assert "1栋 1F Late, do it now 1栋 2F Done 1栋 3F Late, do it now" in page
    assert "Next round 每小时巡楼 11:00–11:30 3 checkpoints 1栋 1F Not yet due 1栋 2F Not yet due" in page
    # One line per missed round, latest first, its checkpoints in walking order.
    assert page[page.index("Missed today") :].startswith(
        "Missed today 每小时巡楼 09:00–09:30 3 checkpoints missed 1栋 1F · 1栋 2F · 1栋 3F"
        " 每小时巡楼 08:00–08:30 3 checkpoints missed 1栋 1F · 1栋 2F · 1栋 3F "
    )


def test_each_checkpoint_of_a_round_opens_its_scan_page_with_the_rounds_checklist(floors, browser, monkeypatch):
    clock_at(monkeypatch, at(10, 35))
    browser.login(floors.butler.username)
    html = browser.get("/", headers=EN).get_data(as_text=True)
    room = floors.rooms[0]
    link = f'href="/c/{room.qr_token}?checklist={floors.version.checklist_id}"'
    assert link in html
    scan = browser.get(f"/c/{room.qr_token}?checklist={floors.version.checklist_id}", headers=EN)
    assert scan.status_code == 200 and 'id="checklist"' in scan.get_data(as_text=True)


def test_home_reads_in_chinese_as_property_staff_say_it(floors, browser, monkeypatch):
    clock_at(monkeypatch, at(10, 35))
    page = home(browser, floors, ZH)
    for words in ("当前巡检", "下一轮", "今日漏检", "迟到，请尽快", "已完成", "漏检 3 处", "1/3 已完成", "3 个点位"):
        assert words in page, words


def test_before_the_first_round_home_says_nothing_is_due_and_shows_the_first(make, browser, monkeypatch):
    scene = build(make, rooms=3)
    scene.schedule()
    plan_visits(at(7))
    db.session.commit()
    clock_at(monkeypatch, at(7, 30))
    page = home(browser, scene)
    assert "No round is due for you now." in page
    assert "Next round 每小时巡楼 08:00–08:30" in page and "Missed today" not in page


def test_a_supervisor_without_rounds_sees_no_rounds_section(floors, browser, monkeypatch):
    clock_at(monkeypatch, at(10, 35))
    browser.login(floors.supervisor.username)
    page = text_of(browser.get("/", headers=EN).get_data(as_text=True))
    assert "Rounds due now" not in page and "Next round" not in page and "Missed today" not in page


def test_the_home_page_reads_its_rounds_in_the_same_number_of_queries_however_many(make, app, queries, monkeypatch):
    clock_at(monkeypatch, at(10, 35))
    counts = []
    for rooms in (2, 12):
        scene = build(make, rooms=rooms, name=f"小区{rooms}")
        scene.schedule()
        plan_visits(at(7))
        mark_missed(at(10, 35))
        scene.count(scene.rooms[0], at(10, 5))
        browser = Browser(app.test_client())
        browser.login(scene.butler.username)
        queries.statements.clear()
        page = text_of(browser.get("/", headers=EN).get_data(as_text=True))
        assert f"1 of {rooms} done" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def picker(html: str) -> list[str]:
    """The checklists the scan page offers, in order, with their marks."""
    section = html[html.index("Which checklist?") :]
    return [text_of(label).strip() for label in re.findall(r'<a class="button big[^"]*"[^>]*>(.*?)</a>', section)]


@pytest.mark.parametrize(
    "hour, minute, first",
    [(8, 40, OPENING), (12, 10, HOURLY), (18, 5, CLOSING)],
)
def test_scanning_the_model_room_offers_the_count_due_now_first(make, browser, monkeypatch, hour, minute, first):
    day = model_room_day(make)
    plan_visits(at(7))
    db.session.commit()
    clock_at(monkeypatch, at(hour, minute))
    browser.login(day.steward.username)
    offered = picker(browser.get(f"/c/{day.room.qr_token}", headers=EN).get_data(as_text=True))
    assert offered[0] == f"{first} Due now"
    assert sorted(offered[1:]) == sorted(name for name in (OPENING, HOURLY, CLOSING) if name != first)


def test_the_person_can_still_choose_another_checklist(make, browser, monkeypatch):
    day = model_room_day(make)
    plan_visits(at(7))
    db.session.commit()
    clock_at(monkeypatch, at(8, 40))
    browser.login(day.steward.username)
    closing = day.checklists[CLOSING]
    html = browser.get(f"/c/{day.room.qr_token}?checklist={closing.checklist_id}", headers=EN).get_data(as_text=True)
    assert 'id="checklist"' in html and f"{CLOSING}：物品齐全" in html


def test_between_rounds_no_checklist_is_marked_due(make, browser, monkeypatch):
    day = model_room_day(make)
    plan_visits(at(7, day=DAY - timedelta(days=1)))
    plan_visits(at(7))
    db.session.commit()
    clock_at(monkeypatch, at(7, 30))
    browser.login(day.steward.username)
    offered = picker(browser.get(f"/c/{day.room.qr_token}", headers=EN).get_data(as_text=True))
    assert len(offered) == 3 and not any("Due now" in label for label in offered)
