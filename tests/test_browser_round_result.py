"""On a phone (390×844): a butler's round that fails an item whose task is still open shows "added to
task #N (seen 2 times)", linking the task; a round that fails a fix awaiting re-check shows it sent back
to the person who did it. Screenshots in English and Chinese go to /tmp/shots14/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Task, User
from patrol.tasks.workflow import ActionInput, act
from tests.browser_steps import sign_in
from tests.task_crew import fix_photo, make_crew, patrol

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")


def _round_on_the_phone(page: Page, crew, door: str) -> None:
    """Scan the floor's code, answer the door `door` and the lights pass, submit; ends on the result page."""
    page.goto(f"/c/{crew.token}")
    items = page.locator("#checklist [id^='item-']")
    for index, value in ((0, door), (1, "pass")):
        item_id = items.nth(index).get_attribute("id").removeprefix("item-")
        with page.expect_response(lambda r, i=item_id: r.url.endswith(f"/items/{i}/answer")) as saved:
            page.locator(f"label[for='value-{item_id}-{value}']").tap()
        assert saved.value.status == 200, saved.value.text()
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    expect(page.locator(".success")).to_have_text("Submitted")


def _fix_it(app, crew) -> None:
    """The supervisor assigns the task to the fixer, who sends a fix with a photo."""
    with app.app_context():
        task = db.session.scalars(select(Task)).one()
        for who, action in (("supervisor", "assign"), ("fixer", "submit_fix")):
            given = ActionInput(action, task.version, note=f"{action} note")
            given.assignee = db.session.get(User, crew.ids["fixer"])
            if action == "submit_fix":
                given.uploads = [fix_photo()]
            act(task, db.session.get(User, crew.ids[who]), given, photo_dir=app.config["PATROL_PHOTO_DIR"])
        db.session.remove()


def test_a_round_shows_each_finding_joining_or_sending_back_its_task(app, chromium, phone: Page):
    crew = make_crew(app)
    with app.test_request_context():
        patrol(crew, "fail")  # this morning's round raised the task
        task_id = db.session.scalar(select(Task.id))
        db.session.remove()
    page = phone
    sign_in(page, crew.username("butler"))

    _round_on_the_phone(page, crew, "fail")
    seen_again = page.url
    expect(page.locator(".facts")).to_contain_text("Findings")
    expect(page.locator(".facts dd").last).to_have_text("1")
    findings = page.locator("#round-tasks .round-findings li")
    expect(findings).to_have_count(1)
    expect(findings).to_contain_text("Fire door closed: Fail")
    link = findings.get_by_role("link", name=f"Added to task #{task_id} (seen 2 times)")
    expect(link).to_have_attribute("href", f"/tasks/{task_id}")
    page.screenshot(path=str(SHOTS / "result-seen-again-en.png"), full_page=True, caret="initial")
    link.tap()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    expect(page.locator("main")).to_contain_text("Seen 2 times")

    _fix_it(app, crew)
    _round_on_the_phone(page, crew, "fail")
    findings = page.locator("#round-tasks .round-findings li")
    expect(findings).to_have_count(1)
    back = findings.get_by_role("link", name=f"Fix not accepted, back to Fixer Person (task #{task_id})")
    expect(back).to_have_attribute("href", f"/tasks/{task_id}")
    page.screenshot(path=str(SHOTS / "result-sent-back-en.png"), full_page=True, caret="initial")

    # A supervisor reading in Chinese sees the same round in Chinese.
    with app.app_context():
        db.session.get(User, crew.ids["supervisor"]).locale = "zh_Hans"
        db.session.commit()
        db.session.remove()
    chinese = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")
    sign_in(chinese, crew.username("supervisor"))
    chinese.goto(seen_again)
    expect(chinese.locator("#round-tasks")).to_contain_text(f"已并入任务 #{task_id}（第 2 次发现）")
    expect(chinese.locator(".facts dd").last).to_have_text("1")
    chinese.screenshot(path=str(SHOTS / "result-seen-again-zh.png"), full_page=True, caret="initial")
