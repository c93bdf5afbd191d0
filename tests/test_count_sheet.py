"""Counting a model room is quick: the count sheet on the scan page, each line saved through the outbox,
pinned to the register its page showed, and what the submit records (issue 17, item 2–3)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.register import change_quantity, current_version, lines_of, next_version
from patrol.models import Answer, CountLine, Inspection, Task
from patrol.setup.catalogue import passfail
from tests.conftest import Browser
from tests.phone import send

EN = {"Accept-Language": "en"}
LINES = [("客厅", "沙发抱枕", 6), ("客厅", "茶几", 1), ("客厅", "落地灯", 2), ("主卧", "台灯", 2), ("主卧", "床旗", 1)]


def inventory(prompt: str = "资产清点") -> dict:
    return {"prompt": prompt, "item_type": "inventory", "required": True}


def a_room(make, lines=LINES, *, name="样板间A", blind=False, register=True, username="lina"):
    site = make.site()
    steward = make.user("steward", [site], username=username)
    boss = make.user("supervisor", [site])
    room = make.location(site, kind="model_room", name=name, blind_count=blind)
    version = make.checklist([passfail("入口整洁", photo=False), inventory()], name=f"{name} 每小时清点", location=room)
    if register:
        make.register(room, lines, boss)
    return room, version, steward, boss


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def opened(browser, room) -> tuple[str, dict]:
    html = browser.get(f"/c/{room.qr_token}", headers=EN).get_data(as_text=True)
    form = {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened")}
    if 'name="register_version"' in html:
        form["register_version"] = hidden(html, "register_version")
    return html, form


def asset(room, name: str) -> int:
    return next(line.asset_id for line in lines_of(current_version(room.id).id) if line.name == name)


def count(browser, room, version, form, asset_id, counted, **fields):
    data = {**form, "counted": str(counted), **{k: str(v) for k, v in fields.items()}}
    return send(browser, f"/inspect/{room.id}/{version.id}/count/{asset_id}", data, headers=EN)


def lines_counted() -> dict[int, tuple[int, int]]:
    return {row.asset_id: (row.counted, row.damaged) for row in db.session.scalars(select(CountLine))}


@pytest.fixture
def room(make, browser):
    room, version, _steward, boss = a_room(make)
    browser.login("lina")
    return room, version, boss


def test_the_sheet_goes_zone_by_zone_with_each_expected_number_once(room, browser):
    room, version, _boss = room
    html, form = opened(browser, room)
    assert form["register_version"] == str(current_version(room.id).id)
    zones = re.findall(r'<span class="zone-name">([^<]+)</span>', html)
    assert zones == ["客厅", "主卧"]
    assert "0/3 counted" in html and "0/2 counted" in html
    assert html.count("Expected 6") == 1 and html.count("All present") == 2
    assert html.count('inputmode="numeric"') == 2 * len(LINES)  # the count and the damaged count
    assert "css/count." in html  # its stylesheet comes only with a count sheet


def test_a_blind_count_hides_the_expected_numbers_and_all_present(make, browser):
    room, _version, _steward, _boss = a_room(make, blind=True, username="blind")
    browser.login("blind")
    html, _form = opened(browser, room)
    assert "Blind count" in html
    assert "Expected" not in html and "All present" not in html and "data-expected" not in html


def test_a_room_without_a_register_says_so_and_who_sets_it_up(make, browser):
    room, _version, _steward, _boss = a_room(make, register=False, username="noreg")
    browser.login("noreg")
    html, form = opened(browser, room)
    assert "This room has no asset register yet" in html and "A supervisor or an administrator" in html
    assert "register_version" not in form


def test_the_last_count_s_difference_is_shown_beside_the_line(room, browser):
    room, version, _boss = room
    _html, form = opened(browser, room)
    assert count(browser, room, version, form, asset(room, "沙发抱枕"), 5).status_code == 200
    submit = {**form, f"value-{version.items[0].id}": "pass"}
    assert send(browser, f"/inspect/{room.id}/{version.id}/submit", submit).status_code == 200
    html, _form = opened(browser, room)
    assert re.search(r"data-last-note>Last 5</span>", html)
    assert html.count("data-last-note hidden") == len(LINES) - 1  # not for lines never counted or found complete


def test_a_count_is_pinned_to_the_register_its_page_showed(room, browser):
    room, version, boss = room
    _html, form = opened(browser, room)
    cushion, lamp = asset(room, "沙发抱枕"), asset(room, "台灯")
    assert count(browser, room, version, form, cushion, 6).status_code == 200
    pinned = current_version(room.id).id
    # Meanwhile the register changes: a cushion written off, the lamp removed from the room.
    change_quantity(room, cushion, 5, kind="write_off", reason="丢失一只", approver=boss, actor=boss)
    next_version(room, boss, dropped=frozenset({lamp}))
    db.session.commit()

    assert count(browser, room, version, form, lamp, 2).status_code == 200  # still on this count's register
    [draft] = db.session.scalars(select(Inspection)).all()
    assert draft.register_version_id == pinned
    html, _form = opened(browser, room)  # the draft reopened: the sheet it started with
    assert hidden(html, "register_version") == str(pinned) and "台灯" in html and "Expected 6" in html


def test_a_line_not_on_the_pinned_register_is_refused_in_plain_words(room, browser, make):
    room, version, boss = room
    other, _other_version, _s, _b = a_room(make, [("大堂", "花瓶", 1)], name="样板间B", username="other")
    _html, form = opened(browser, room)
    response = count(browser, room, version, form, asset(other, "花瓶"), 1)
    assert response.status_code == 422
    assert response.json["message"].startswith("This item is not on the register this count started from.")
    assert lines_counted() == {}


def test_a_late_replay_never_wins_and_the_same_operation_twice_is_one_change(room, browser):
    room, version, _boss = room
    _html, form = opened(browser, room)
    cushion = asset(room, "沙发抱枕")
    first = count(browser, room, version, form, cushion, 4, op="6f1d3c2a-0000-4000-8000-000000000001", seq=1_000)
    assert first.status_code == 200 and first.json["seq"] == 1_000
    later = count(browser, room, version, form, cushion, 6, seq=3_000)
    assert (later.json["ok"], later.json["asset"], later.json["seq"], later.json["counted"]) == (
        True,
        cushion,
        3_000,
        6,
    )
    late = count(browser, room, version, form, cushion, 5, seq=2_000)  # sent before, arrived after
    assert late.status_code == 200 and late.json["seq"] == 3_000
    again = count(browser, room, version, form, cushion, 4, op="6f1d3c2a-0000-4000-8000-000000000001", seq=1_000)
    assert again.status_code == 200 and again.json["op"] == "6f1d3c2a-0000-4000-8000-000000000001"
    assert lines_counted() == {cushion: (6, 0)}


@pytest.mark.parametrize(
    ("counted", "damaged", "words"),
    [
        ("-1", "", "A count cannot be below zero."),
        ("\u22122", "", "A count cannot be below zero."),
        ("2.5", "", "Enter a whole number."),
        ("3", "4", "More are damaged than were counted."),
    ],
)
def test_a_count_that_cannot_be_is_refused(room, browser, counted, damaged, words):
    room, version, _boss = room
    _html, form = opened(browser, room)
    response = count(browser, room, version, form, asset(room, "沙发抱枕"), counted, damaged=damaged)
    assert response.status_code == 422 and response.json["message"] == words
    assert lines_counted() == {}


def test_a_count_far_above_expected_asks_for_confirmation(room, browser):
    room, version, _boss = room
    _html, form = opened(browser, room)
    table = asset(room, "茶几")  # expects 1
    assert count(browser, room, version, form, table, 6).status_code == 200  # above, but not far
    refused = count(browser, room, version, form, table, 60)
    assert refused.status_code == 422 and refused.json["error"] == "confirm"
    assert refused.json["errors"]["confirm"] == "Really 60? That is far more than expected."
    assert lines_counted() == {table: (6, 0)}
    assert count(browser, room, version, form, table, 60, confirmed=1).status_code == 200
    assert lines_counted() == {table: (60, 0)}


def test_clearing_a_line_skips_it_again(room, browser):
    room, version, _boss = room
    _html, form = opened(browser, room)
    cushion = asset(room, "沙发抱枕")
    count(browser, room, version, form, cushion, 6, damaged=1)
    assert lines_counted() == {cushion: (6, 1)}
    assert count(browser, room, version, form, cushion, "").status_code == 200
    assert lines_counted() == {}


def test_another_site_s_room_is_refused_and_so_is_a_butler(room, browser, make, app):
    room, version, _boss = room
    elsewhere, other_version, _s, _b = a_room(make, name="样板间C", username="far")
    _html, form = opened(browser, room)
    assert count(browser, elsewhere, other_version, form, asset(elsewhere, "茶几"), 1).status_code == 403
    make.user("butler", [room.site], username="wei")
    butler = Browser(app.test_client())
    butler.login("wei")
    assert count(butler, room, version, form, asset(room, "茶几"), 1).status_code == 403
    assert lines_counted() == {}


def test_a_partial_count_submits_and_its_item_records_the_lines_counted_without_a_task_of_its_own(room, browser):
    room, version, _boss = room
    _html, form = opened(browser, room)
    count(browser, room, version, form, asset(room, "沙发抱枕"), 4)  # two short
    count(browser, room, version, form, asset(room, "茶几"), 1)
    count(browser, room, version, form, asset(room, "台灯"), 2, damaged=1)
    check, sheet = version.items
    data = {**form, f"value-{check.id}": "pass", f"value-{sheet.id}": ""}
    response = send(browser, f"/inspect/{room.id}/{version.id}/submit", data)
    assert response.status_code == 200

    inspection = db.session.get(Inspection, response.json["inspection"])
    assert inspection.status == "submitted" and inspection.register_version_id == current_version(room.id).id
    answer = db.session.scalar(select(Answer).where(Answer.item_id == sheet.id))
    assert (answer.value_number, answer.is_finding) == (3, False)
    # The short and the damaged line each open their loss case's task; the sheet's own answer raises none.
    tasks = db.session.scalars(select(Task).order_by(Task.id)).all()
    assert [(task.source, task.problem_key) for task in tasks] == [
        ("loss", f"asset:{asset(room, '沙发抱枕')}:missing"),
        ("loss", f"asset:{asset(room, '台灯')}:damaged"),
    ]
    assert all(task.answer_id is None for task in tasks)

    page = browser.get(response.json["url"], headers=EN).get_data(as_text=True)
    assert re.search(r"data-count-counted>3 of 5<", page)
    assert re.search(r"data-count-short class=\"short\">1<", page) and re.search(r"data-count-skipped>2<", page)
    assert "沙发抱枕" in page and "counted 4 of 6, 2 missing" in page
    assert "台灯" in page and "1 damaged" in page
    assert "2 lines were not counted: this count is not complete for them." in page
    assert "3 lines counted" in page  # the item's own answer


def test_the_inventory_item_takes_no_answer_of_its_own(room, browser):
    room, version, _boss = room
    _html, form = opened(browser, room)
    sheet = version.items[1]
    response = send(
        browser,
        f"/inspect/{room.id}/{version.id}/items/{sheet.id}/answer",
        {**form, f"value-{sheet.id}": "3"},
        headers=EN,
    )
    assert response.status_code == 422
    assert response.json["message"] == "Count this room line by line on its count sheet."


def _room_of(make, app, size: int, username: str):
    room, version, _steward, _boss = a_room(
        make, [(f"区域{n // 10}", f"物品{n}", 2) for n in range(size)], name=f"样板间{size}", username=username
    )
    browser = Browser(app.test_client())
    browser.login(username)
    _html, form = opened(browser, room)
    for line in lines_of(current_version(room.id).id)[:3]:
        count(browser, room, version, form, line.asset_id, 2)
    return room, version, browser, form


def test_a_room_of_150_lines_opens_and_saves_in_as_many_queries_as_one_of_5(make, app, queries):
    opening, saving = {}, {}
    for size in (5, 150):
        room, version, browser, form = _room_of(make, app, size, f"count{size}")
        scan_url, last = f"/c/{room.qr_token}", lines_of(current_version(room.id).id)[-1].asset_id
        save_url = f"/inspect/{room.id}/{version.id}/count/{last}"
        db.session.expunge_all()  # each request reads as a fresh one does: nothing from the test's own session
        queries.statements.clear()
        assert browser.get(scan_url).status_code == 200
        opening[size] = len(queries)
        db.session.expunge_all()
        queries.statements.clear()
        assert send(browser, save_url, {**form, "counted": "1"}).status_code == 200
        saving[size] = len(queries)
    # The scan page's 11, and the sheet's four: the register version, its lines, the room's last count, this draft's.
    assert opening[5] == opening[150] <= 15, opening
    assert saving[5] == saving[150] <= 10, saving
