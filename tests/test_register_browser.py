"""On a phone (390×844) a supervisor keeps model room A's register: adds an item with its reference photo,
records an approved removal, and reads the history. Screenshots in Chinese and English go to /tmp/shots/register/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.extensions import db
from patrol.modelrooms.register import LineInput, start_register
from patrol.setup import catalogue
from tests import factories
from tests.browser_steps import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/register")


def _room():
    site = factories.site("星河湾花园")
    room = factories.location(site, "model_room", name="售楼处 样板间A（89㎡）")
    boss = factories.user("supervisor", [site], username="wangqiang")
    boss.display_name = "王强"
    lines = [
        LineInput(zone, name, n, unit, Decimal(value)) for zone, name, n, unit, value in catalogue.MODEL_ROOM_ASSETS
    ]
    start_register(room, lines, boss)
    db.session.commit()
    return room.id


def test_a_supervisor_keeps_the_register_on_a_phone(app, chromium, phone: Page):
    with app.test_request_context():
        room_id = _room()
        db.session.remove()
    page = phone
    sign_in(page, "wangqiang")
    page.goto(f"/rooms/{room_id}/register")
    expect(page.locator("h1")).to_have_text("Asset register")
    expect(page.locator(".register-zone h2").first).to_contain_text("大堂")

    page.locator("summary", has_text="Add an asset").click()
    page.locator("#f-zone").fill("客厅")
    page.locator("#f-name").fill("花瓶")
    page.locator("#f-expected").fill("2")
    page.locator("#f-unit").fill("个")
    page.locator("#f-unit_value").fill("450")
    page.locator("#f-photo").set_input_files(
        files=[{"name": "vase.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(color=(40, 120, 90))}]
    )
    page.locator("button", has_text="Add to the register").click()
    expect(page.locator("#flashes")).to_contain_text("The item is on the register.")
    vase = page.locator(".register-lines a", has_text="花瓶")
    expect(vase.locator("img.register-thumb")).to_be_visible()
    expect(page.locator(".register-head .badge")).to_have_text("Version 2")

    page.locator(".register-lines a", has_text="餐椅").click()
    page.locator("label", has_text="Approved removal").click()
    page.locator("#f-q-quantity").fill("1")
    page.locator("#f-q-reason").fill("物品放行单 0012：送修")
    page.locator("#f-approver").select_option(label="王强 (Supervisor)")
    page.locator("button", has_text="Change the quantity").click()
    expect(page.locator("#flashes")).to_contain_text("The expected quantity was changed.")
    expect(page.locator(".facts")).to_contain_text("3 把")

    page.goto(f"/rooms/{room_id}/register/history")
    first = page.locator(".register-event").first
    expect(first).to_contain_text("Approved removal (goods release)")
    expect(first).to_contain_text("4 → 3")
    expect(first).to_contain_text("王强")

    for language, locale in (("en", "en-GB"), ("zh", "zh-CN")):
        shot = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, locale=locale)
        sign_in(shot, "wangqiang")
        for name, url in (
            ("register", f"/rooms/{room_id}/register"),
            ("history", f"/rooms/{room_id}/register/history"),
        ):
            shot.goto(url)
            shot.screenshot(path=str(SHOTS / f"{name}-{language}.png"), full_page=True, caret="initial")
        shot.goto(f"/rooms/{room_id}/register")
        shot.locator(".register-lines a").nth(4).click()
        shot.screenshot(path=str(SHOTS / f"line-{language}.png"), full_page=True, caret="initial")
