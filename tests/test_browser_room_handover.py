"""On a phone (390×844): the steward hands the model room to night security with the guard's PIN after the
closing count; at opening the handover goes to the guard's own phone, which confirms it from their home.

Screenshots of the room page, the handover with a PIN and the guard's home, in English and Chinese, go to
/tmp/shots/rooms/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.database import utcnow
from tests.browser_steps import htmx_settled, sign_in
from tests.room_scene import GUARD_PIN, all_present, count, room_scene

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/rooms")
WORDS = {
    "en": {
        "confirm": "Confirm with PIN",
        "send": "Send to their phone to confirm",
        "wrong": "That PIN is not right",
        "handed": "The room was handed over to night security.",
        "opening": "Opening handover from night security",
        "take": "Confirm the handover",
        "took": "You handed 样板间A back to the stewards.",
        "no count": "No count this day.",
    },
    "zh_Hans": {
        "confirm": "用 PIN 码确认",
        "send": "发送到对方手机确认",
        "wrong": "PIN 码不正确",
        "handed": "样板间已交接给夜间安保。",
        "opening": "开馆从夜间安保接班",
        "take": "确认交接",
        "took": "您已将样板间A交还给管家。",
        "no count": "当天没有清点。",
    },
}


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_closing_with_the_guards_pin_then_opening_confirmed_on_the_guards_phone(make, chromium, language):
    words = WORDS[language]
    scene = room_scene(make, locale=language)
    now = utcnow()
    count(scene, "每小时清点", now - timedelta(hours=2), scene.steward, {"抱枕": (5, 0), "茶几": (1, 1)})
    count(scene, "闭馆清点", now - timedelta(minutes=10), scene.steward, all_present())

    steward = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(steward, "lina")
    steward.goto(f"/rooms/{scene.room.id}")
    _shot(steward, f"room-{language}")
    handover = steward.locator("#handover")
    handover.locator("select[name=guard]").select_option(str(scene.guard.id))
    handover.locator("textarea[name=remarks]").fill("抱枕已归位，灯已关")
    handover.locator("input[name=pin]").fill("1397")
    handover.get_by_role("button", name=words["confirm"]).click()
    htmx_settled(steward)
    expect(steward.locator("#handover")).to_contain_text(words["wrong"])
    steward.locator("#handover input[name=pin]").fill(GUARD_PIN)
    _shot(steward, f"handover-pin-{language}")
    steward.locator("#handover").get_by_role("button", name=words["confirm"]).click()
    expect(steward.locator("body")).to_contain_text(words["handed"])
    expect(steward.locator("#handover h2")).to_have_text(words["opening"])

    # The next morning: the steward sends the opening handover to the guard's phone.
    steward.locator("#handover").get_by_role("button", name=words["send"]).click()
    expect(steward.locator("#handover .waiting")).to_be_visible()
    guard = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(guard, "wang")
    expect(guard.locator(".handover-waiting")).to_contain_text("样板间A")
    _shot(guard, f"guard-home-{language}")
    guard.get_by_role("button", name=words["take"]).click()
    expect(guard.locator("body")).to_contain_text(words["took"])
    steward.reload()
    expect(steward.locator("#day")).to_contain_text("王强 → 李娜")
    _shot(steward, f"room-after-{language}")
    steward.locator("#day input[name=day]").fill("2026-01-05")
    steward.locator("#day button[type=submit]").click()
    expect(steward.locator("#day")).to_contain_text(words["no count"])
    expect(steward.locator("#history")).to_be_visible()  # only the day's block was swapped
