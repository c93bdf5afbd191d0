"""A finding fixed on phones, in a real Chromium at 390×844: a butler's failed item on a round → the
supervisor assigns it → the assignee submits a fix with a photo → the re-check (offered on the scan
page) fails → fixed again → the supervisor's re-check passes → closed; the timeline tells all of it.

Each person has a phone of their own (a browser context: their own cookies). Screenshots of each step
go to /tmp/browser-shots/tasks-*.png for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Task
from patrol.setup.catalogue import passfail
from tests import factories
from tests.browser_steps import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")


def phone_for(chromium, username: str) -> Page:
    """A phone of this person's own, signed in."""
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB")
    sign_in(page, username)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"tasks-{name}.png"), full_page=True, caret="initial")


def status_of(page: Page):
    return page.locator(".task-head .badge[class*=status-]")


def fix_it(page: Page, task_url: str, note: str, color) -> None:
    """The assignee's fix: a note and a photo from the camera, sent from the task page."""
    page.goto(task_url)
    page.locator("#f-submit_fix-note").fill(note)
    photo = {"name": "fix.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(color=color)}
    page.set_input_files("#f-submit_fix-photos", files=[photo])
    page.get_by_role("button", name="Submit fix").tap()
    expect(page.locator(".alert-success")).to_have_text("Fix submitted: it now awaits a re-check.")
    expect(status_of(page)).to_have_text("Awaiting re-check")


def test_a_finding_is_assigned_fixed_rechecked_and_closed_on_phones(app, chromium):
    with app.app_context():
        site = factories.site("Harbour View ")
        people = {
            who: factories.user(role, [site], locale="en")
            for who, role in (("butler", "butler"), ("fixer", "butler"), ("supervisor", "supervisor"))
        }
        for who, user in people.items():
            user.display_name = f"{who.title()} Li"
        db.session.commit()
        names = {who: user.username for who, user in people.items()}
        fixer_id = people["fixer"].id
        location = factories.location(site, name="Tower 1, 12F")
        version = factories.checklist([passfail("Fire door closed", "high", photo=False)], name="Floor patrol")
        token, door = location.qr_token, version.items[0].id
        db.session.remove()

    # 1. The butler's round: the fire door fails, with a note; submitted, it raises a task.
    butler = phone_for(chromium, names["butler"])
    butler.goto(f"/c/{token}")
    with butler.expect_response(lambda r: r.url.endswith(f"/items/{door}/answer")):
        butler.locator(f"label[for='value-{door}-fail']").tap()
    butler.locator(f"#note-{door}").fill("Door wedged open")
    with butler.expect_response(lambda r: r.url.endswith(f"/items/{door}/answer")):
        butler.locator(f"#item-{door} h3.prompt").tap()
    butler.get_by_role("button", name="Submit inspection").tap()
    expect(butler.locator(".success")).to_have_text("Submitted")
    with app.app_context():
        task_id = db.session.scalar(select(Task.id))
        db.session.remove()
    task_url = f"/tasks/{task_id}"

    # 2. The supervisor assigns it to the fixer, with a note.
    supervisor = phone_for(chromium, names["supervisor"])
    supervisor.goto(task_url)
    expect(supervisor.locator("main h1")).to_have_text("Fire door closed: Fail")
    expect(status_of(supervisor)).to_have_text("Open")
    shot(supervisor, "01-open-as-supervisor")
    supervisor.locator("#f-assign-assignee").select_option(str(fixer_id))
    supervisor.locator("#f-assign-note").fill("Today please")
    supervisor.get_by_role("button", name="Assign", exact=True).tap()
    expect(supervisor.locator(".alert-success")).to_have_text("Assigned.")
    expect(status_of(supervisor)).to_have_text("Assigned")

    # 3. The assignee starts, then submits the fix with a photo.
    fixer = phone_for(chromium, names["fixer"])
    fixer.goto(task_url)
    shot(fixer, "02-assigned-as-assignee")
    fixer.get_by_role("button", name="Start fixing").tap()
    expect(status_of(fixer)).to_have_text("Being fixed")
    fix_it(fixer, task_url, "Wedge removed, closer adjusted", (30, 160, 30))

    # 4. The butler scans the location again: the fix is offered for re-check there, and is not passed.
    butler.goto(f"/c/{token}")
    offer = butler.locator(".recheck-offer")
    expect(offer).to_have_count(1)
    expect(offer.locator(".note")).to_have_text("Wedge removed, closer adjusted")
    expect(offer.locator(".photos img")).to_have_count(1)
    shot(butler, "03-recheck-offered-on-scan")
    offer.locator("textarea").fill("Closes too slowly")
    offer.get_by_role("button", name="Not passed").tap()
    expect(butler.locator(".alert-success")).to_have_text(
        "Re-check not passed: the task goes back to the person fixing it."
    )
    expect(butler.locator(".recheck-offer")).to_have_count(0)
    expect(butler).to_have_url(re.compile(f"/c/{token}$"))

    # 5. Fixed again; the supervisor re-checks it on the task page: passed, closed.
    fix_it(fixer, task_url, "Closer replaced", (30, 30, 160))
    supervisor.goto(task_url)
    shot(supervisor, "04-fixed-as-rechecker")
    supervisor.get_by_role("button", name="Passed", exact=True).tap()
    expect(supervisor.locator(".alert-success")).to_have_text("Re-check passed: the task is closed.")
    expect(status_of(supervisor)).to_have_text("Closed")
    expect(supervisor.locator("dl.facts")).to_contain_text("Failed re-check 1 time")

    # 6. The timeline shows every step: what, who, from → to, the notes and the fix photos.
    steps = supervisor.locator("ol.timeline > li")
    expect(steps).to_have_count(7)
    expected = [
        ["Raised from inspection", "Butler Li", "Door wedged open"],
        ["Assigned", "Supervisor Li", "Open → Assigned", "To Fixer Li", "Today please"],
        ["Fix started", "Fixer Li", "Assigned → Being fixed"],
        ["Fix submitted", "Fixer Li", "Being fixed → Awaiting re-check", "Wedge removed, closer adjusted"],
        ["Re-check failed", "Butler Li", "Awaiting re-check → Assigned", "Closes too slowly"],
        ["Fix submitted", "Fixer Li", "Assigned → Awaiting re-check", "Closer replaced"],
        ["Re-check passed", "Supervisor Li", "Awaiting re-check → Closed"],
    ]
    texts = [steps.nth(n).inner_text() for n in range(7)]
    for n, words in enumerate(expected):
        for word in words:
            assert word in texts[n], f"step {n + 1}: {word!r} not in {texts[n]!r}"
    expect(steps.nth(3).locator(".photos img")).to_have_count(1)
    expect(steps.nth(5).locator(".photos img")).to_have_count(1)
    for n in (3, 5):
        steps.nth(n).locator(".photos img").scroll_into_view_if_needed()
    # Nothing is left to do to a closed task but comment on it.
    expect(supervisor.locator("#task-actions form")).to_have_count(1)
    shot(supervisor, "05-closed")
