"""Staff scores on a phone (390×844): the supervisor opens the month's table from the task board,
reads a butler's deductions, follows one to the task behind it; the table printed is A4 with only the
table on it. Screenshots in English and Chinese, on a phone and a desktop, and printed, go to SHOTS."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.extensions import db
from tests import factories
from tests.browser_steps import sign_in
from tests.score_scene import month_scene

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-scores")
MONTH = "2026-03"
A4 = {"width": 688, "height": 1040}  # what an A4 sheet holds inside its 14 mm margins, at 96 dpi


@pytest.fixture
def scores(app):
    with app.app_context():
        scene = month_scene(factories, name="星河湾花园")
        butler, supervisor = scene.scene.butler, scene.scene.supervisor
        butler.display_name, supervisor.display_name = "王建国", "李主管"
        supervisor.locale = "en"
        crew = [factories.user("butler", [scene.site]) for _ in range(3)]
        for person, name in zip(crew, ("陈小红", "赵师傅", "刘海"), strict=True):
            person.display_name = name
        factories.user("supervisor", [scene.site], username="zhang", locale="zh_Hans").display_name = "张主管"
        factories.user("admin", [], username="boss", locale="zh_Hans").display_name = "周经理"
        db.session.commit()
        for day in (2, 9, 17):
            scene.round("missed", date(2026, 3, day), to=butler, hour=day)
        scene.round("late", date(2026, 3, 5), to=butler)
        scene.round("made_up", date(2026, 3, 6), to=crew[0], by=crew[0])
        scene.round("missed", date(2026, 3, 8))  # given to the butlers' role
        task = scene.task(
            butler, status="closed", due_at=scene.local(date(2026, 3, 9)), closed_at=scene.local(date(2026, 3, 10), 15)
        )
        late = scene.task(
            crew[1], respond_by=scene.local(date(2026, 3, 12), 9), acknowledged_at=scene.local(date(2026, 3, 12), 11)
        )
        scene.recheck_failed(late, scene.local(date(2026, 3, 14), 16))
        found = {"site": scene.site.id, "butler": butler.id, "task": task.id, "supervisor": supervisor.username}
        db.session.remove()
    return found


def test_a_supervisor_reads_the_months_scores_and_follows_a_deduction_to_its_task(app, chromium, phone: Page, scores):
    page = phone
    sign_in(page, scores["supervisor"])
    page.goto("/tasks")
    page.get_by_role("link", name="Staff scores").tap()
    expect(page.locator("h1")).to_have_text("Staff scores")
    page.goto(f"/scores?site={scores['site']}&month={MONTH}")
    row = page.locator(f'tr[data-person="{scores["butler"]}"]')
    expect(row.locator("[data-score]")).to_have_text("95")
    expect(page.locator('tr[data-person="none"]')).to_contain_text("By role, not given to a person")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the table scrolls, never the page"
    page.screenshot(path=str(SHOTS / "table-en-phone.png"), full_page=True, caret="initial")

    row.get_by_role("link", name="王建国").tap()
    expect(page.locator("h1")).to_have_text("王建国")
    expect(page.locator(".lapse")).to_have_count(5)
    expect(page.locator("[data-score]")).to_have_text("Score: 95")
    page.screenshot(path=str(SHOTS / "person-en-phone.png"), full_page=True, caret="initial")
    page.get_by_role("link", name=f"Open task #{scores['task']}").tap()
    expect(page).to_have_url(f"{chromium.base_url}/tasks/{scores['task']}")

    _screens(chromium, scores, scores["supervisor"], "en", chromium.DESKTOP, "desktop")
    _screens(chromium, scores, "zhang", "zh", chromium.PHONE, "phone")
    _screens(chromium, scores, "zhang", "zh", chromium.DESKTOP, "desktop")


def test_the_table_printed_is_the_table_alone(chromium, scores):
    page = chromium.new_page(A4, locale="zh-CN")
    sign_in(page, "zhang")
    page.goto(f"/scores?site={scores['site']}&month={MONTH}")
    page.emulate_media(media="print")
    for hidden in (".topbar", ".tabbar", "form.day-form", "nav.day-nav"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".sign-lines")).to_be_visible()
    expect(page.locator("table.score-table")).to_be_visible()
    page.screenshot(path=str(SHOTS / "table-zh-print.png"), full_page=True, caret="initial")
    page.pdf(path=str(SHOTS / "table-zh.pdf"), format="A4", print_background=True)
    page.goto(f"/scores/{scores['butler']}?site={scores['site']}&month={MONTH}")
    page.screenshot(path=str(SHOTS / "person-zh-print.png"), full_page=True, caret="initial")
    page.pdf(path=str(SHOTS / "person-zh.pdf"), format="A4", print_background=True)


def _screens(chromium, scores, username: str, language: str, size: dict, device: str) -> None:
    page = chromium.new_page(size, locale="zh-CN" if language == "zh" else "en-GB")
    sign_in(page, username)
    page.goto(f"/scores?site={scores['site']}&month={MONTH}")
    expect(page.locator("table.score-table")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"table-{language}-{device}.png"), full_page=True, caret="initial")
    page.goto(f"/scores/{scores['butler']}?site={scores['site']}&month={MONTH}")
    expect(page.locator(".lapse").first).to_be_visible()
    page.screenshot(path=str(SHOTS / f"person-{language}-{device}.png"), full_page=True, caret="initial")


def test_an_administrator_sets_a_sites_points_per_lapse(app, chromium, scores):
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    sign_in(page, "boss")
    page.goto(f"/admin/sites/{scores['site']}")
    page.get_by_role("link", name="考核扣分规则").tap()
    page.get_by_label("每次漏检扣分").fill("2")
    page.get_by_label("每次整改逾期关闭扣分").fill("101")
    assert not page.get_by_label("每次整改逾期关闭扣分").evaluate(
        "input => input.validity.valid"
    )  # the phone says so first
    page.locator("#deductions-form").evaluate("form => form.setAttribute('novalidate', '')")  # the server too
    page.get_by_role("button", name="保存").tap()
    expect(page.locator("#e-closed_late")).to_have_text("请输入 0 到 100 之间的数字。")
    page.screenshot(path=str(SHOTS / "rules-zh-phone.png"), full_page=True, caret="initial")
    page.get_by_label("每次整改逾期关闭扣分").fill("3")
    page.get_by_role("button", name="保存").tap()
    expect(page.locator("#flashes")).to_contain_text("考核扣分规则已保存。")
    page.goto(f"/scores?site={scores['site']}&month={MONTH}")
    expect(page.locator('[data-rule="missed_visit"]')).to_have_text("漏检：每次扣2分")
