"""A missed hourly round, seen by the site's supervisor on a phone (390×844): it shows on the day's
coverage grid and on the missed-rounds list, where it is explained (first without a comment: refused).

The rounds are planned around the real clock (the live server reads it), on a site whose clock reads
about noon now, so the test's hours never cross midnight. Screenshots of both pages, in English and
Chinese, on a phone and on a desktop, go to SHOTS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import ExpectedVisit
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from tests import factories
from tests.browser_steps import sign_in
from tests.rounds_scene import build

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots16")


def zone_at_noon(now: datetime) -> str:
    """A fixed-offset zone whose clock reads between 11:00 and 13:00 at `now` (Etc/GMT-8 is UTC+8)."""
    offset = max(-12, min(14, 12 - now.hour))
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


@pytest.fixture
def missed_round(app):
    """Three floors, hourly from three hours ago to eight hours on (wider than a phone); floor 1 done on
    time at the first round, the others missed."""
    now = datetime.now(UTC)
    with app.app_context():
        scene = build(factories, rooms=3, zone=zone_at_noon(now))
        local = now.astimezone(ZoneInfo(scene.site.timezone))
        first = local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        last = f"{local.hour + 8:02d}:00"
        scene.schedule(now=now - timedelta(days=1), start_time=first.strftime("%H:%M"), end_time=last)
        plan_visits(now, behind=timedelta(hours=4))
        db.session.commit()
        scene.count(scene.rooms[0], first.astimezone(UTC) + timedelta(minutes=10))
        mark_missed(now)
        scene.supervisor.locale = "en"
        factories.user("supervisor", [scene.site], username="zhang", locale="zh_Hans")
        db.session.commit()
        missed = db.session.scalar(
            select(ExpectedVisit).where(
                ExpectedVisit.location_id == scene.rooms[1].id, ExpectedVisit.due_at == first.astimezone(UTC)
            )
        )
        assert missed.status == "missed"
        found = {"supervisor": scene.supervisor.username, "visit_id": missed.id, "slot": first.strftime("%H:%M")}
        found["due"] = first.strftime("%Y-%m-%d %H:%M")
        db.session.remove()
    return found


def test_a_missed_hourly_round_is_on_the_grid_and_explained_from_the_missed_list(
    app, chromium, phone: Page, missed_round
):
    page = phone
    sign_in(page, missed_round["supervisor"])
    page.get_by_role("link", name="Rounds: today’s coverage and missed rounds").tap()
    expect(page.locator("h1")).to_have_text("Coverage grid")
    expect(page.locator("thead th").nth(1)).to_have_text(missed_round["slot"])
    floor2 = page.locator("tbody tr", has=page.locator("th", has_text="1栋 2F"))
    expect(floor2.locator("td").first).to_contain_text("Missed · 每小时巡楼")
    floor1 = page.locator("tbody tr", has=page.locator("th", has_text="1栋 1F"))
    expect(floor1.locator("td").first).to_contain_text("On time · 每小时巡楼")
    # Twelve slots are wider than the phone: the grid scrolls sideways, the locations stay in view.
    scroller = page.locator(".grid-scroll")
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the grid scrolls, never the page"
    name_at = floor2.locator("th").bounding_box()["x"]
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    expect(floor2.locator("td").last).to_be_in_viewport()
    assert floor2.locator("th").bounding_box()["x"] == name_at

    page.get_by_role("link", name="Account for the missed rounds").tap()
    expect(page.locator("h1")).to_have_text("Missed rounds")
    row = page.locator(f"#visit-{missed_round['visit_id']}")
    expect(row).to_contain_text("每小时巡楼 · 1栋 2F")
    expect(row).to_contain_text(f"Due {missed_round['due']}")
    row.locator("summary").tap()
    row.get_by_role("button", name="Explain").tap()
    expect(row.get_by_role("alert")).to_have_text("Say why: a missed round is never closed without a comment.")
    row.get_by_label("Why was it missed?").fill("电梯停运，来不及上 2 楼")
    row.get_by_role("button", name="Explain").tap()
    expect(row.get_by_role("status")).to_have_text("Explanation saved.")
    expect(row.locator(".note")).to_have_text("电梯停运，来不及上 2 楼")
    page.screenshot(path=str(SHOTS / "missed-en-phone.png"), full_page=True, caret="initial")
    with app.app_context():
        assert db.session.get(ExpectedVisit, missed_round["visit_id"]).note == "电梯停运，来不及上 2 楼"
        db.session.remove()

    page.goto("/rounds/grid")
    page.screenshot(path=str(SHOTS / "grid-en-phone.png"), full_page=True, caret="initial")
    _screens(chromium, missed_round["supervisor"], "en", chromium.DESKTOP, "desktop")
    _screens(chromium, "zhang", "zh", chromium.PHONE, "phone")
    _screens(chromium, "zhang", "zh", chromium.DESKTOP, "desktop")


def _screens(chromium, username: str, language: str, size: dict, device: str) -> None:
    """Both pages, to look at: the grid (its first column stays while it scrolls) and the missed list."""
    page = chromium.new_page(size, locale="zh-CN" if language == "zh" else "en-GB")
    sign_in(page, username)
    page.goto("/rounds/grid")
    expect(page.locator("table.coverage-grid")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"grid-{language}-{device}.png"), full_page=True, caret="initial")
    page.goto("/rounds/missed")
    expect(page.locator(".missed-round").first).to_be_visible()
    page.screenshot(path=str(SHOTS / f"missed-{language}-{device}.png"), full_page=True, caret="initial")
