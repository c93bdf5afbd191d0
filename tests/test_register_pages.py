"""A supervisor keeps a model room's register from its pages: each change a new version and an event,
a quantity only with a reason and an approver, the same form sent twice one change."""

import re

import pytest
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import RegisterEvent


@pytest.fixture
def room(make, browser):
    site = make.site()
    room = make.location(site, kind="model_room", name="样板间A")
    boss = make.user("supervisor", sites=[site], username="boss", locale="en")
    make.register(room, [("客厅", "抱枕", 6), ("客厅", "茶几", 1), ("主卧", "台灯", 2)], boss)
    browser.login("boss")
    return room, boss


def _form(html: str, action_part: str) -> dict:
    """The hidden fields (client id, version) of the form posting to an address ending with `action_part`."""
    form = re.search(r'<form[^>]*action="[^"]*' + re.escape(action_part) + r'[^"]*"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form for {action_part}"
    return dict(re.findall(r'<input type="hidden" name="(client_id|version)" value="([^"]*)"', form.group(1)))


def _line(room, name):
    return next(line for line in lines_of(current_version(room.id).id) if line.name == name)


def _events(room):
    return list(
        db.session.scalars(select(RegisterEvent).where(RegisterEvent.location_id == room.id).order_by(RegisterEvent.id))
    )


def test_the_register_lists_each_zone_with_expected_quantities_and_its_version(room, browser):
    room, boss = room
    page = browser.get(f"/rooms/{room.id}/register").get_data(as_text=True)
    assert "Asset register" in page and "Version 1" in page and "3 assets" in page
    assert page.index("客厅") < page.index("抱枕") < page.index("茶几") < page.index("主卧") < page.index("台灯")
    assert "Last changed" in page and boss.display_name in page


def test_adding_an_item_makes_version_two_and_a_double_submit_adds_it_once(room, browser):
    room, _boss = room
    hidden = _form(browser.get(f"/rooms/{room.id}/register").get_data(as_text=True), "/register/lines")
    data = {**hidden, "zone": "客厅", "name": "装饰画", "expected": "3", "unit": "幅", "unit_value": "1,200.50"}
    first = browser.post(f"/rooms/{room.id}/register/lines", data=data)
    again = browser.post(f"/rooms/{room.id}/register/lines", data=data)
    assert first.status_code == again.status_code == 303
    assert current_version(room.id).number == 2
    names = [(line.zone, line.name, line.expected) for line in lines_of(current_version(room.id).id)]
    # Kept with its zone: a count goes zone by zone.
    assert names == [("客厅", "抱枕", 6), ("客厅", "茶几", 1), ("客厅", "装饰画", 3), ("主卧", "台灯", 2)]
    assert str(_line(room, "装饰画").unit_value) == "1200.50"
    assert [event.kind for event in _events(room)] == ["created", "added"]


def test_a_form_shown_before_another_change_is_refused_in_plain_words(room, browser):
    room, _boss = room
    hidden = _form(browser.get(f"/rooms/{room.id}/register").get_data(as_text=True), "/register/lines")
    browser.post(f"/rooms/{room.id}/register/lines", data={**hidden, "zone": "客厅", "name": "绿植", "expected": "4"})
    stale = {"version": "1", "client_id": "5c3e0f0e-8a3b-4d3c-9d7e-2f1a4b6c8d90"}
    response = browser.post(
        f"/rooms/{room.id}/register/lines", data={**stale, "zone": "主卧", "name": "床头柜", "expected": "2"}
    )
    assert response.status_code == 409 and "Someone changed this register meanwhile" in response.get_data(as_text=True)
    assert current_version(room.id).number == 2


def test_a_quantity_change_needs_a_reason_and_an_approver_of_the_site(room, browser, make):
    room, boss = room
    cushion = _line(room, "抱枕")
    url = f"/rooms/{room.id}/register/lines/{cushion.asset_id}"
    hidden = _form(browser.get(url).get_data(as_text=True), "/quantity")
    elsewhere = make.user("supervisor", sites=[make.site()])
    steward = make.user("steward", sites=[room.site])
    for approver in (elsewhere, steward):
        refused = browser.post(
            f"{url}/quantity",
            data={**hidden, "kind": "removal", "quantity": "2", "reason": "物品放行单 0012", "approver": approver.id},
        )
        assert refused.status_code == 422
        assert "Choose who approved it: a supervisor of this site." in refused.get_data(as_text=True)
    no_reason = browser.post(
        f"{url}/quantity", data={**hidden, "kind": "removal", "quantity": "2", "approver": boss.id}
    )
    assert no_reason.status_code == 422 and "Fill this in." in no_reason.get_data(as_text=True)
    assert current_version(room.id).number == 1

    done = browser.post(
        f"{url}/quantity",
        data={**hidden, "kind": "removal", "quantity": "2", "reason": "物品放行单 0012", "approver": boss.id},
    )
    assert done.status_code == 303 and _line(room, "抱枕").expected == 4
    event = _events(room)[-1]
    assert (event.kind, event.quantity_before, event.quantity_after, event.reason, event.approved_by_id) == (
        "removal",
        6,
        4,
        "物品放行单 0012",
        boss.id,
    )


def test_a_removal_of_more_than_the_register_holds_is_refused(room, browser):
    room, boss = room
    lamp = _line(room, "台灯")
    url = f"/rooms/{room.id}/register/lines/{lamp.asset_id}"
    hidden = _form(browser.get(url).get_data(as_text=True), "/quantity")
    response = browser.post(
        f"{url}/quantity", data={**hidden, "kind": "write_off", "quantity": "3", "reason": "损坏", "approver": boss.id}
    )
    assert response.status_code == 422 and "Only 2 of it are on the register." in response.get_data(as_text=True)


def test_editing_an_item_records_what_changed_and_the_history_shows_it(room, browser):
    room, _boss = room
    table = _line(room, "茶几")
    url = f"/rooms/{room.id}/register/lines/{table.asset_id}"
    hidden = _form(browser.get(url).get_data(as_text=True), "/edit")
    data = {**hidden, "zone": "客厅", "name": "大理石茶几", "unit": "张", "unit_value": "3800"}
    assert browser.post(f"{url}/edit", data=data).status_code == 303
    assert browser.post(f"{url}/edit", data=data).status_code == 303  # sent twice: one change
    assert [event.kind for event in _events(room)] == ["created", "edited"]
    history = browser.get(f"/rooms/{room.id}/register/history").get_data(as_text=True)
    assert "Item edited" in history and "茶几 → <strong>大理石茶几</strong>" in history
    assert "¥3,800.00" in history and "Register started" in history


def test_retiring_an_item_needs_a_reason_and_leaves_earlier_versions_alone(room, browser):
    room, _boss = room
    lamp = _line(room, "台灯")
    url = f"/rooms/{room.id}/register/lines/{lamp.asset_id}"
    hidden = _form(browser.get(url).get_data(as_text=True), "/retire")
    assert browser.post(f"{url}/retire", data={**hidden, "reason": " "}).status_code == 422
    assert browser.post(f"{url}/retire", data={**hidden, "reason": "归还厂家"}).status_code == 303
    assert [line.name for line in lines_of(current_version(room.id).id)] == ["抱枕", "茶几"]
    first = db.session.scalar(select(func.count()).select_from(RegisterEvent).where(RegisterEvent.kind == "retired"))
    assert first == 1
    gone = browser.get(url)
    assert gone.status_code == 404 and "not on the room" in gone.get_data(as_text=True)


def test_blind_counting_is_switched_on_and_off(room, browser):
    room, _boss = room
    browser.post(f"/rooms/{room.id}/register/blind", data={"blind": "1"})
    assert room.blind_count is True
    page = browser.get(f"/rooms/{room.id}/register").get_data(as_text=True)
    assert "Show the expected numbers" in page
    browser.post(f"/rooms/{room.id}/register/blind", data={"blind": ""})
    db.session.refresh(room)
    assert room.blind_count is False


def test_history_is_paged_newest_first(room, browser, make):
    room, boss = room
    from patrol.modelrooms.register import change_quantity

    cushion = _line(room, "抱枕")
    for expected in range(7, 7 + 31):
        change_quantity(
            room, cushion.asset_id, expected, kind="arrival", reason=f"到货 {expected}", approver=boss, actor=boss
        )
    db.session.commit()
    first = browser.get(f"/rooms/{room.id}/register/history").get_data(as_text=True)
    assert "Page 1 of 2" in first and "到货 37" in first and "Register started" not in first
    assert first.index("到货 37") < first.index("到货 36")
    second = browser.get(f"/rooms/{room.id}/register/history?page=2").get_data(as_text=True)
    assert "Register started" in second and "到货 7" in second and "到货 8" not in second


@pytest.mark.parametrize("who", ["butler", "steward", "other_site_supervisor"])
def test_only_a_supervisor_or_administrator_of_the_site_opens_the_register(app, make, who):
    from tests.conftest import Browser

    site = make.site()
    room = make.location(site, kind="model_room", name="样板间A")
    sites = [make.site()] if who == "other_site_supervisor" else [site]
    make.user("supervisor" if who == "other_site_supervisor" else who, sites=sites, username="someone", locale="en")
    person = Browser(app.test_client())
    person.login("someone")
    for url in (
        f"/rooms/{room.id}/register",
        f"/rooms/{room.id}/register/history",
        f"/rooms/{room.id}/register/import",
    ):
        response = person.get(url)
        assert response.status_code == 403 and "You do not have access to this" in response.get_data(as_text=True)


def test_a_location_that_is_not_a_model_room_has_no_register(make, admin, browser):
    floor = make.location(make.site(), kind="floor")
    response = browser.get(f"/rooms/{floor.id}/register")
    assert response.status_code == 404 and "This location is not a model room" in response.get_data(as_text=True)
    assert browser.get("/rooms/999999/register").status_code == 404


def test_the_location_page_links_a_model_room_to_its_register(room, browser):
    room, _boss = room
    page = browser.get(f"/locations/{room.id}").get_data(as_text=True)
    assert f"/rooms/{room.id}/register" in page
