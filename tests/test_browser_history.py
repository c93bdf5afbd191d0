"""Past rounds in a real Chromium: on a phone a supervisor unfolds the filters, narrows the list in place
(the address says the filter), opens a round and its checklist version, and the page never scrolls
sideways; the list and a round in English and Chinese, on a phone and a desktop, to look at."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.database import utcnow
from patrol.extensions import db
from tests import factories
from tests.browser_steps import htmx_settled, sign_in
from tests.test_inspection_history import Scene, submitted

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-history")


@pytest.fixture
def rounds(app):
    with app.app_context():
        scene = Scene(factories)
        factories.user("supervisor", [scene.a, scene.b], username="zhang", locale="zh_Hans")
        now = utcnow()
        for hours in range(8):
            person = scene.li if hours % 2 else scene.wang
            submitted(scene.floor, scene.floor_list, person, now - timedelta(hours=hours), findings=hours % 3)
        submitted(scene.vacant, scene.vacant_list, scene.li, now - timedelta(days=1, hours=2))
        submitted(scene.elsewhere, scene.floor_list, scene.wang, now - timedelta(hours=3), findings=1)
        names = {"li": scene.li.display_name, "floor": scene.floor.name, "li_id": scene.li.id}
        db.session.remove()
    return names


def test_a_supervisor_narrows_past_rounds_on_a_phone(app, phone: Page, rounds):
    page = phone
    sign_in(page, "boss")
    page.goto("/")
    page.get_by_role("link", name="Past rounds").tap()
    expect(page.locator("h1")).to_have_text("Past rounds")
    rows = page.locator("#results .inspection-row")
    expect(rows).to_have_count(9)  # site A's rounds: the supervisor is not on site B
    page.locator("details.more-filters summary").tap()
    page.get_by_label("With findings only").check()
    expect(page).to_have_url(re.compile(r"/inspections\?findings=1$"))
    expect(rows).to_have_count(5)
    htmx_settled(page)
    page.locator("#f-person").select_option(str(rounds["li_id"]))
    expect(page).to_have_url(re.compile(rf"person={rounds['li_id']}"))
    expect(rows).to_have_count(3)  # li's rounds an hour, three and seven hours ago
    expect(page.locator(".active-filters")).to_contain_text("With findings only")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "list-filtered-en-phone.png"), full_page=True, caret="initial")

    rows.first.tap()
    expect(page.locator("[data-checklist-version]")).to_contain_text("Version 1, published")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "inspection-en-phone.png"), full_page=True, caret="initial")
    page.get_by_role("link", name="Other rounds here").tap()
    expect(page.locator(".muted", has_text=f"At {rounds['floor']}")).to_be_visible()
    expect(rows).to_have_count(8)


@pytest.mark.parametrize(
    ("language", "device"), [("en", "phone"), ("zh", "phone"), ("en", "desktop"), ("zh", "desktop")]
)
def test_screens_to_look_at(chromium, rounds, language, device):
    size = chromium.PHONE if device == "phone" else chromium.DESKTOP
    page = chromium.new_page(size, locale="zh-CN" if language == "zh" else "en-GB")
    sign_in(page, "zhang" if language == "zh" else "root")
    page.goto("/inspections")
    page.locator("details.more-filters summary").click()
    expect(page.locator("#results .inspection-row")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.screenshot(path=str(SHOTS / f"list-{language}-{device}.png"), full_page=True, caret="initial")
    page.locator("#results .inspection-row").first.click()
    expect(page.locator("[data-checklist-version]")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"inspection-{language}-{device}.png"), full_page=True, caret="initial")
    page.goto("/")
    page.screenshot(path=str(SHOTS / f"home-{language}-{device}.png"), full_page=True, caret="initial")
