"""A schedule for a site with nobody on it: the administrator goes off to add a person to that site and
comes back to the schedule form as they left it, with the new person chosen as responsible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Schedule, User
from tests import factories
from tests.browser_steps import htmx_settled, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")


def test_an_empty_sites_schedule_sends_the_admin_to_add_someone_and_keeps_what_was_typed(app, chromium, phone: Page):
    with app.app_context():
        factories.site("Busy ")
        empty = factories.site("Empty ")
        factories.user("admin", username="boss", locale="en")
        factories.user("admin", username="chen", locale="zh_Hans")
        factories.checklist(name="Vacant unit check")
        empty_id, empty_name = empty.id, empty.name
        db.session.remove()
    page = phone
    _chinese_screens(chromium, empty_name)
    sign_in(page, "boss")
    page.goto("/admin/schedules/new")
    # The site and the recurrence each bring the form back from the server: wait for it before going on.
    page.locator("#f-site").select_option(label=empty_name)
    htmx_settled(page)
    page.locator("label[for=f-recurrence-weekly]").tap()
    htmx_settled(page)
    page.locator("label[for=f-weekdays-2]").tap()
    page.locator("#f-name").fill("Weekly vacant-unit round")
    page.locator("#f-checklist").select_option(label="Vacant unit check")
    page.locator("#f-location_kind").select_option("vacant_unit")
    page.locator("#f-window_minutes").fill("90")
    expect(page.locator("#schedule-form")).to_contain_text("Nobody is given this site yet")
    page.get_by_role("button", name="Add a person to this site").tap()

    # The invite form, with the schedule's site already ticked.
    expect(page.locator("h1")).to_have_text("Add a person")
    expect(page.locator(f"#f-sites-{empty_id}")).to_be_checked()
    page.locator("#f-username").fill("wang.fang")
    page.locator("#f-display_name").fill("王芳")
    page.screenshot(path=str(SHOTS / "schedule-add-person.png"), full_page=True, caret="initial")
    page.get_by_role("button", name="Add person").tap()
    expect(page.locator("h1")).to_have_text("王芳 was added")
    page.get_by_role("link", name="Back to the schedule").tap()

    # Back on the schedule form: everything typed is still there, and 王芳 is the one responsible.
    expect(page).to_have_url(re.compile(r"/admin/schedules/new\?"))
    expect(page.locator("#f-name")).to_have_value("Weekly vacant-unit round")
    expect(page.locator("#f-site")).to_have_value(str(empty_id))
    expect(page.locator("#f-recurrence-weekly")).to_be_checked()
    expect(page.locator("#f-weekdays-2")).to_be_checked()
    expect(page.locator("#f-location_kind")).to_have_value("vacant_unit")
    expect(page.locator("#f-window_minutes")).to_have_value("90")
    expect(page.locator("#f-responsible_user option:checked")).to_have_text("王芳")
    expect(page.locator("#schedule-form")).not_to_contain_text("Nobody is given this site yet")
    page.screenshot(path=str(SHOTS / "schedule-back.png"), full_page=True, caret="initial")
    page.get_by_role("button", name="Save schedule").tap()
    expect(page).to_have_url(re.compile(r"/admin/schedules/\d+$"))
    with app.app_context():
        schedule = db.session.scalar(select(Schedule))
        wang = db.session.scalar(select(User).where(User.username == "wang.fang"))
        assert (schedule.name, schedule.responsible_user_id, schedule.window_minutes) == (
            "Weekly vacant-unit round",
            wang.id,
            90,
        )
        db.session.remove()


def _chinese_screens(chromium, empty_name: str) -> None:
    """The same way in Chinese, to look at: the hint and button in the form, and the invite form."""
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    sign_in(page, "chen")
    page.goto("/admin/schedules/new")
    page.locator("#f-site").select_option(label=empty_name)
    htmx_settled(page)
    page.locator("label[for=f-responsible_by-person]").tap()
    htmx_settled(page)
    expect(page.locator("#f-responsible_user")).to_be_visible()
    expect(page.locator("#schedule-form")).to_contain_text("为此项目添加人员")
    page.locator("#schedule-form section").last.screenshot(path=str(SHOTS / "schedule-empty-site-zh.png"))
    page.get_by_role("button", name="为此项目添加人员").tap()
    expect(page.locator("h1")).to_have_text("添加人员")
    page.screenshot(path=str(SHOTS / "schedule-add-person-zh.png"), full_page=True, caret="initial")
