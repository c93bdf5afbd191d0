"""On a phone (390×844): a steward's home at "08:40" offers the opening count first, and its row opens
the opening count's checklist; a butler's home mid-round shows what is done, late and missed today.

The live server reads the real clock, so the schedules are set around it: the opening count fell due
40 minutes ago (on time for an hour), the hourly count starts in 20 minutes, the closing count in 9
hours. Screenshots of the home page, in English and Chinese, on a phone and a desktop, go to /tmp/shots16/.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.database import utcnow
from patrol.extensions import db
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from tests import factories
from tests.browser_steps import sign_in
from tests.model_room_day import CLOSING, HOURLY, OPENING, model_room_day
from tests.rounds_scene import SHANGHAI, build

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots16")


def clock(now: datetime, minutes: int) -> str:
    """The site's wall-clock time `minutes` from now, as a schedule's form takes it."""
    return (now + timedelta(minutes=minutes)).astimezone(SHANGHAI).strftime("%H:%M")


def shoot(chromium, username: str, name: str) -> None:
    """The home page in English and Chinese, on a phone and at desktop width."""
    for language, locale in (("en", "en-GB"), ("zh", "zh-CN")):
        for size, options in (("phone", {"is_mobile": True, "has_touch": True}), ("desktop", {})):
            viewport = chromium.PHONE if size == "phone" else chromium.DESKTOP
            page = chromium.new_page(viewport, locale=locale, **options)
            sign_in(page, username)
            page.goto("/")
            expect(page.locator(".round").first).to_be_visible()
            page.screenshot(path=str(SHOTS / f"home-{name}-{language}-{size}.png"), full_page=True, caret="initial")


def test_a_stewards_home_at_0840_offers_the_opening_count_first(app, chromium, phone: Page):
    now = utcnow()
    with app.test_request_context():
        hourly = (clock(now, 20), clock(now, 20 + 8 * 60))
        day = model_room_day(factories, opening=clock(now, -40), hourly=hourly, closing=clock(now, 540))
        plan_visits(now)
        db.session.commit()
        steward, token = day.steward.username, day.room.qr_token
        db.session.remove()
    page = phone
    sign_in(page, steward)
    page.goto("/")
    first = page.locator(".round").first
    expect(first.locator(".eyebrow")).to_have_text("Rounds due now")
    expect(first.locator("h2")).to_contain_text(OPENING)
    expect(first.locator(".round-stop")).to_have_count(1)
    expect(first.locator(".round-stop")).to_contain_text("样板间A")
    expect(first.locator(".state")).to_have_text("To do")
    following = page.locator(".round.upcoming h2")
    expect(following).to_have_count(2)
    expect(following.nth(0)).to_contain_text(HOURLY)
    expect(following.nth(1)).to_contain_text(CLOSING)
    # The round's checkpoint is a full-width row the thumb reaches, and it opens the opening count.
    box = first.locator(".round-stop").bounding_box()
    assert box["width"] > 300 and box["height"] >= 44, box
    first.locator(".round-stop").tap()
    expect(page).to_have_url(re.compile(rf"/c/{token}\?checklist=\d+$"))
    expect(page.locator(".checklist-head h2")).to_contain_text(OPENING)
    # Scanned without a choice, the room offers the opening count first, marked; the others stay there.
    page.goto(f"/c/{token}")
    choices = page.locator(".stack a.button")
    expect(choices).to_have_count(3)
    expect(choices.first).to_contain_text(OPENING)
    expect(choices.first.locator(".due-now")).to_have_text("Due now")
    page.screenshot(path=str(SHOTS / "scan-model-room-en-phone.png"), full_page=True, caret="initial")
    shoot(chromium, steward, "steward")


def test_a_butlers_home_mid_round_shows_done_late_and_missed(app, chromium, phone: Page):
    now = utcnow()
    with app.test_request_context():
        scene = build(factories, rooms=5, name="Harbour View")
        # Every hour from 2 h 20 min ago: on time for 15 min, late for 30 more. The current round fell
        # due 20 minutes ago, so it is late now; the two before it were missed.
        scene.schedule(start_time=clock(now, -140), end_time=clock(now, 6 * 60), window_minutes=15, grace_minutes=30)
        plan_visits(now, behind=timedelta(hours=3))
        mark_missed(now)
        scene.count(scene.rooms[1], now - timedelta(minutes=15))
        scene.count(scene.rooms[3], now - timedelta(minutes=3))
        db.session.commit()
        butler = scene.butler.username
        db.session.remove()
    page = phone
    sign_in(page, butler)
    page.goto("/")
    current = page.locator(".round").first
    expect(current.locator(".round-progress")).to_have_text("2 of 5 done")
    expect(current.locator(".state")).to_have_text(
        ["Late, do it now", "Done", "Late, do it now", "Done late", "Late, do it now"]
    )
    shoot(chromium, butler, "butler")
