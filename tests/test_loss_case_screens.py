"""A loss case and its loss/damage record on a phone (390×844), in Chinese and in English: a supervisor reads
where the loss falls and who held the room, fills the record and prints it on A4; a steward confirms found."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import LossCase, RegisterLine
from tests.browser_steps import sign_in
from tests.loss_scene import at, model_room

SHOTS = "/tmp/shots/cases"
FULL = {"抱枕": 6, "茶几": 1, "台灯": 2}


def a_day_with_a_loss(make, locale: str):
    scene = model_room(make, language=locale)
    for line in db.session.scalars(select(RegisterLine)):
        line.unit, line.unit_value = ("只", Decimal("180.00")) if line.name == "抱枕" else ("件", Decimal("900.00"))
    for person in (scene.boss, *scene.stewards):
        person.locale = locale
    first, second, third = scene.stewards
    scene.count(at(1), FULL, by=first)  # 09:00 in Shanghai
    scene.count(at(2), FULL, by=second)
    scene.count(at(3), {"茶几": 1, "台灯": 2}, by=third)  # the cushions skipped
    scene.handover(at(3, 30), third, scene.guard, kind="to_night")
    scene.count(at(4), {**FULL, "抱枕": 4}, by=first)
    scene.count(at(5), {**FULL, "抱枕": 4}, by=second)
    case = db.session.scalar(select(LossCase))
    db.session.commit()  # the live server's requests write: the test holds no transaction open
    return scene, case


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_a_supervisor_reads_the_case_and_prints_its_record(make, chromium, locale):
    scene, case = a_day_with_a_loss(make, locale)
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(page, scene.boss.username)
    page.goto(f"/cases/{case.id}")
    heading = "客厅 抱枕 缺少 2 只" if locale == "zh_Hans" else "客厅 抱枕: 2 只 missing"
    expect(page.locator("main h1")).to_have_text(heading)
    expect(page.locator(".custodians")).to_contain_text("保安老王")
    page.screenshot(path=f"{SHOTS}/case-{locale}.png", full_page=True)

    page.goto(f"/cases/{case.id}/record")
    page.locator("label[for=f-cause-human]").click()
    page.locator("label[for=f-management_at_fault-no]").click()
    page.locator("#f-responsible_party").fill("参观客户 张先生")
    page.locator("#f-compensation").fill("360")
    page.locator("#f-note").fill("客户承认误带走两只抱枕，同意照价赔偿。")
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator("#flashes .alert-success")).to_have_count(1)
    page.screenshot(path=f"{SHOTS}/record-form-{locale}.png", full_page=True)

    page.goto(f"/cases/{case.id}/record/print")
    title = "样板间资产丢失损坏备案表" if locale == "zh_Hans" else "Model room asset loss/damage record"
    expect(page.locator("h1")).to_have_text(title)  # the site's language (tests/test_loss_record.py: whoever prints)
    expect(page.locator(".record")).to_contain_text("¥360.00")
    page.screenshot(path=f"{SHOTS}/record-sheet-{locale}.png", full_page=True)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=f"{SHOTS}/record-print-{locale}.png", full_page=True)


def test_a_steward_confirms_what_a_full_count_found(make, chromium):
    scene, case = a_day_with_a_loss(make, "zh_Hans")
    scene.count(at(6), FULL, by=scene.stewards[2])
    steward = scene.stewards[0].username
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(page, steward)
    page.goto(f"/cases/{case.id}")
    expect(page.locator(".found-offer")).to_contain_text("管家3")
    page.screenshot(path=f"{SHOTS}/case-found-offered-zh_Hans.png", full_page=True)
    page.locator(".found-offer button[type=submit]").click()
    expect(page.locator(".case-head")).to_contain_text("已找回")
    db.session.expire_all()
    assert db.session.get(LossCase, case.id).outcome == "found"
