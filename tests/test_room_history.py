"""A model room's page: the history of its counts, each with what it found and who counted it, and a
day's summary — the first count against the last, the cases open at the day's end and the handovers."""

from __future__ import annotations

import re
import uuid

import pytest

from patrol.extensions import db
from patrol.modelrooms.history import count_page, day_summary
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import Handover, LossCase
from tests.conftest import SeparateBrowser
from tests.room_scene import all_present, count, room_scene, shanghai


@pytest.fixture
def scene(make):
    return room_scene(make)


@pytest.fixture
def day(scene, make):
    """09:00 complete, 10:00 skips the lamps, 11:00 two cushions short and a damaged table, 18:00 closing
    with the cushions still short; a night handover at 19:05; and the next day's opening."""
    other = make.user("steward", sites=[scene.site], username="mei")
    other.display_name = "张梅"
    short = {"抱枕": (4, 0), "茶几": (1, 0), "台灯": (2, 0)}
    counts = {
        "09:00": count(scene, "开馆清点", shanghai(9), scene.steward, all_present()),
        "10:00": count(scene, "每小时清点", shanghai(10), scene.steward, {"抱枕": (6, 0), "茶几": (1, 0)}),
        "11:00": count(scene, "每小时清点", shanghai(11), other, {"抱枕": (4, 0), "茶几": (1, 1), "台灯": (2, 0)}),
        "18:00": count(scene, "闭馆清点", shanghai(18), scene.steward, short),
        "next": count(scene, "开馆清点", shanghai(8, 40, day=8), scene.steward, all_present()),
    }
    cushion = lines_of(current_version(scene.room.id).id)[0]
    db.session.add(
        LossCase(
            site_id=scene.site.id,
            location_id=scene.room.id,
            asset_id=cushion.asset_id,
            kind="missing",
            expected=6,
            quantity=2,
            last_complete_inspection_id=counts["09:00"].id,
            first_short_inspection_id=counts["11:00"].id,
            opened_at=shanghai(11),
        )
    )
    db.session.add(
        Handover(
            client_id=str(uuid.uuid4()),
            site_id=scene.site.id,
            location_id=scene.room.id,
            kind="to_night",
            from_user_id=scene.steward.id,
            to_user_id=scene.guard.id,
            handed_at=shanghai(19, 5),
            remarks="抱枕少两个，已报",
            confirmed_by="pin",
            inspection_id=counts["18:00"].id,
        )
    )
    db.session.commit()
    return counts


def test_the_history_lists_each_count_newest_first_with_what_it_found_and_who(scene, day):
    page = count_page(scene.room)

    rows = [(row.inspection.id, row.lines, row.short, row.damaged, row.skipped) for row in page]
    assert rows == [
        (day["next"].id, 3, 0, 0, 0),
        (day["18:00"].id, 3, 1, 0, 0),
        (day["11:00"].id, 3, 1, 1, 0),
        (day["10:00"].id, 3, 0, 0, 1),
        (day["09:00"].id, 3, 0, 0, 0),
    ]
    eleven = page.rows[2]
    assert [(seen.name, seen.counted, seen.missing, seen.damaged) for seen in eleven.seen] == [
        ("抱枕", 4, 2, 0),
        ("茶几", 1, 0, 1),
    ]
    assert eleven.inspection.inspector.display_name == "张梅"


def test_the_room_page_shows_in_which_hour_the_cushions_went_missing_and_who_counted_them(steward_page):
    history = steward_page.split('id="history"')[1]
    assert re.search(r"11:00</strong>\s*<span>张梅</span>\s*<span class=\"muted\">每小时清点", history)
    assert "抱枕: 4 of 6, 2 missing" in history
    assert "1 short · 1 damaged of 3 lines" in history
    assert "1 skipped of 3 lines" in history
    assert "Complete: all 3 lines present" in history


@pytest.fixture
def steward_page(app, scene, day):
    phone = SeparateBrowser(app.test_client())
    phone.login("lina")
    return phone.get(f"/rooms/{scene.room.id}?day=2026-12-07").get_data(as_text=True)


def test_the_day_summary_sets_the_first_count_against_the_last_and_keeps_to_the_sites_day(scene, day):
    summary = day_summary(scene.room, shanghai(12).astimezone(scene.site.zone).date())

    assert [row.inspection.id for row in summary.counts] == [day[t].id for t in ("09:00", "10:00", "11:00", "18:00")]
    assert [(change.name, change.first, change.last) for change in summary.changes] == [("抱枕", (6, 0), (4, 0))]
    assert [(case.kind, name) for case, name in summary.cases] == [("missing", "抱枕")]
    assert [handover.remarks for handover in summary.handovers] == ["抱枕少两个，已报"]


def test_the_day_summary_on_the_page_names_the_handover_and_the_open_case(steward_page):
    summary = steward_page.split('id="day"')[1].split('id="history"')[0]
    assert "Closing handover to night security" in summary
    assert "19:05 李娜 → 王强, confirmed with their PIN" in summary
    assert "抱枕 · Missing · 2 of 6" in summary


def test_a_day_with_no_count_says_so(app, scene, day):
    summary = day_summary(scene.room, shanghai(12, day=5).astimezone(scene.site.zone).date())
    assert (summary.counts, summary.changes, summary.handovers) == ([], [], [])


def test_night_security_reads_the_day_summary_but_not_the_room_page(app, scene, day):
    guard = SeparateBrowser(app.test_client())
    guard.login("wang")
    assert guard.get(f"/rooms/{scene.room.id}").status_code == 403
    summary = guard.get(f"/rooms/{scene.room.id}/day?day=2026-12-07")
    assert summary.status_code == 200
    assert "19:05 李娜 → 王强" in summary.get_data(as_text=True)


def test_the_room_page_reads_as_many_queries_for_many_counts_as_for_few(app, make, scene, queries):
    phone = SeparateBrowser(app.test_client())
    phone.login("lina")

    def cost() -> int:
        queries.statements.clear()
        assert phone.get(f"/rooms/{scene.room.id}?day=2026-12-07").status_code == 200
        return len(queries)

    count(scene, "开馆清点", shanghai(9), scene.steward, all_present())
    count(scene, "闭馆清点", shanghai(18), scene.steward, all_present())
    few = cost()
    for hour in range(10, 18):
        count(scene, "每小时清点", shanghai(hour), scene.steward, {"抱枕": (hour % 6, 1), "茶几": (1, 0)})
    for hour in range(9, 19):
        count(scene, "每小时清点", shanghai(hour, day=6), scene.steward, {"抱枕": (3, 0)})
    many = cost()
    assert many == few
