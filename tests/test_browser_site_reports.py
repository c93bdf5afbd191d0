"""A site's report in a real Chromium: on a phone (390×844) and a desktop, in English and Chinese, its
charts drawn without breaking the Content-Security-Policy (the chromium fixture fails on a violation),
their numbers one tap away; and the 日报 printed on one A4 page in the site's language.
Screenshots go to SHOTS for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.extensions import db
from tests.browser_steps import sign_in
from tests.report_scene import add_findings, add_tasks, busy_day
from tests.rounds_scene import DAY
from tests.test_rounds_coverage import day, excuse_two  # noqa: F401  (day: the fixture)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-reports")
A4_WIDTH = {"width": 794, "height": 1123}  # A4 at 96 dpi: the print screenshot is the sheet's size


@pytest.fixture
def reported(day, make):  # noqa: F811
    excuse_two(day)
    add_findings(day, make)
    add_tasks(day, make)
    day.supervisor.locale = "en"
    make.user("supervisor", [day.site], username="zhangzg", locale="zh_Hans")
    db.session.commit()
    return {"site": day.site.id, "en": day.supervisor.username, "zh": "zhangzg"}


def report_url(site: int, period: str) -> str:
    return f"/reports?site={site}&period={period}&date={DAY.isoformat()}"


def test_the_report_on_a_phone_shows_its_charts_with_the_numbers_a_tap_away(chromium, phone: Page, reported):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone
    sign_in(page, reported["en"])
    page.goto("/tasks")
    page.get_by_role("link", name="Reports").tap()
    expect(page.locator("h1")).to_contain_text("Report: ")
    page.goto(report_url(reported["site"], "day"))
    expect(page.locator('[data-figure="coverage"] strong')).to_have_text("51%")
    items = page.locator('[data-chart="items"]')
    expect(items.locator("svg .chart-value").first).to_have_text("4")
    table = items.locator("details table")
    expect(table).to_be_hidden()
    items.locator("summary").tap()
    expect(table).to_be_visible()
    expect(table.locator("td").first).to_have_text("4")
    # No chart is wider than the phone: nothing scrolls sideways but the people's table.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "report-day-phone-en.png"), full_page=True)
    page.goto(report_url(reported["site"], "month"))
    expect(page.locator('[data-chart="days"] svg rect.bar')).to_have_count(31)
    page.screenshot(path=str(SHOTS / "report-month-phone-en.png"), full_page=True)


@pytest.mark.parametrize(("who", "size"), [("zh", "PHONE"), ("zh", "DESKTOP"), ("en", "DESKTOP")])
def test_the_report_in_each_language_and_width(chromium, reported, who, size):
    page = chromium.new_page(getattr(chromium, size), locale="zh-CN" if who == "zh" else "en-GB")
    sign_in(page, reported[who])
    for period in ("day", "week"):
        page.goto(report_url(reported["site"], period))
        expect(page.locator("h1")).to_contain_text("报表" if who == "zh" else "Report")
        expect(page.locator('[data-chart="coverage"] svg')).to_be_visible()
        page.screenshot(path=str(SHOTS / f"report-{period}-{size.lower()}-{who}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_daily_report_prints_on_one_a4_page_in_the_sites_language(app, chromium, day, make, reported, language):  # noqa: F811
    busy_day(day, make)  # thirteen people and findings at every item of the checklist
    with app.app_context():
        from patrol.models import Site

        db.session.get(Site, reported["site"]).language = language
        db.session.commit()
        db.session.remove()
    page = chromium.new_page(A4_WIDTH, locale="en-GB")
    sign_in(page, reported["en"])
    page.goto(f"/reports/daily?site={reported['site']}&date={DAY.isoformat()}")
    expect(page.locator(".toolbar")).to_be_visible()
    expect(page.locator("main h1")).to_have_text("日报" if language == "zh_Hans" else "Daily report")
    expect(page.locator("main table.people tbody tr")).to_have_count(13)
    # The sheet names the day's five most frequent items and adds up the rest.
    expect(page.locator('[data-chart="items"] svg .chart-row')).to_have_count(6)
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    page.screenshot(path=str(SHOTS / f"daily-print-{language}.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / f"daily-{language}.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
