"""The task board in a real Chromium on a phone: the state chips and the folded filters update the list in
place (and the address), the order changes it, and a supervisor ticks two tasks and assigns them at once."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Task
from tests import factories
from tests.browser_steps import htmx_settled, sign_in
from tests.test_task_board import a_task

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")


def test_a_supervisor_filters_the_board_and_assigns_two_tasks_at_once(app, phone: Page):
    with app.app_context():
        east, west = factories.site("East "), factories.site("West ")
        boss = factories.user("supervisor", [east, west], username="boss", locale="en")
        butler = factories.user("butler", [east], username="li", locale="en")
        floor = factories.location(east, name="Tower 1, 3F")
        late = utcnow() - timedelta(hours=2)
        for title in ("Exit sign off", "Fire door open"):
            a_task(east, boss, title, location=floor)
        a_task(east, boss, "Leaking pipe", location=floor, due_at=late, severity="high")
        a_task(west, boss, "Lift light out")
        butler_id, butler_name, east_name = butler.id, butler.display_name, east.name
        db.session.remove()
    page = phone
    sign_in(page, "boss")
    page.goto("/tasks")
    rows = page.locator("#results .task-row")
    expect(rows).to_have_count(4)
    # Two sites and none chosen: nothing to tick yet.
    expect(page.locator("#results input[name=task]")).to_have_count(0)

    page.locator("label[for=state-overdue]").tap()
    expect(page).to_have_url(re.compile(r"/tasks\?state=overdue$"))  # the filters as a link says them
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Leaking pipe")
    expect(rows.first.locator(".overdue")).to_contain_text("overdue since")

    page.locator("label[for=state-to_assign]").tap()
    htmx_settled(page)
    page.locator("details.more-filters summary").tap()
    page.locator("#f-site").select_option(label=east_name)
    expect(page).to_have_url(re.compile(r"site="))
    expect(rows).to_have_count(3)
    htmx_settled(page)
    page.locator("#results select[name=sort]").select_option("newest")
    expect(page).to_have_url(re.compile(r"sort=newest"))
    expect(rows.first).to_contain_text("Leaking pipe")  # raised last

    boxes = page.locator("#results input[name=task]")
    expect(boxes).to_have_count(3)
    boxes.nth(1).check()
    boxes.nth(2).check()
    page.locator("#bulk-assignee").select_option(str(butler_id))
    page.screenshot(path=str(SHOTS / "board-ticked.png"), full_page=True, caret="initial")
    page.get_by_role("button", name="Assign").tap()
    expect(page.locator(".alert-success")).to_contain_text(f"2 tasks assigned to {butler_name}.")
    expect(page).to_have_url(re.compile(r"state=to_assign.*site=.*sort=newest"))
    expect(rows).to_have_count(1)  # still waiting for someone: the one left unticked
    with app.app_context():
        assigned = db.session.scalars(select(Task.title).where(Task.assignee_id == butler_id)).all()
        db.session.remove()
    assert sorted(assigned) == ["Exit sign off", "Fire door open"]
