"""随手拍 in a real Chromium on a phone: from the home page to a saved report in four taps and a photo
(seed 000: a repair ticket within 3 minutes); and the rectification notice printed on A4, one a page.
Screenshots go to /tmp/browser-shots/ (outside the repo) for a human to look at.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Inspection, Task
from tests import factories
from tests.browser_steps import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")
MAX_TAPS = 4


def test_a_butler_reports_a_problem_from_home_in_four_taps_and_a_photo(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], username="amy", locale="en")
        floor = factories.location(site, name="Tower 1, 12F")
        # The butler patrolled this floor this morning: it is offered as a recent location.
        version = factories.checklist()
        db.session.add(
            Inspection(
                client_id=str(uuid.uuid4()),
                status="submitted",
                location=floor,
                checklist_version=version,
                inspector=butler,
                scanned_at=utcnow() - timedelta(hours=1),
                submitted_at=utcnow() - timedelta(hours=1),
            )
        )
        db.session.commit()
        floor_id = floor.id
        db.session.remove()
    page = phone
    sign_in(page, "amy")
    page.goto("/")
    taps = 0
    started = time.monotonic()

    page.locator('a[href="/report"]').first.tap()  # 1: the home page's report button
    taps += 1
    expect(page).to_have_url(re.compile(r"/report$"))
    expect(page.locator("h1")).to_have_text("Report a problem")
    with page.expect_file_chooser() as chooser:
        page.locator("label.camera[for='f-photos']").tap()  # 2: the camera
    taps += 1
    chooser.value.set_files({"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes()})
    expect(page.locator(".report-photo figure[data-photo-op] img")).to_have_count(1)
    page.locator(f"label[for='f-location-{floor_id}']").tap()  # 3: where — the floor patrolled this morning
    taps += 1
    expect(page.locator(f"#f-location-{floor_id}")).to_be_checked()
    expect(page.locator("#f-severity-medium")).to_be_checked()  # the default severity
    page.screenshot(path=str(SHOTS / "report-form-filled.png"), caret="initial")
    page.get_by_role("button", name="Send report").tap()  # 4: send
    taps += 1
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    elapsed = time.monotonic() - started
    print(f"\n随手拍: {taps} taps and a photo, {elapsed:.2f} s from the home page to the saved report")

    assert taps <= MAX_TAPS
    expect(page.locator(".alert-success")).to_contain_text("Reported.")
    expect(page.locator("h1")).to_have_text("Problem reported at Tower 1, 12F")
    expect(page.locator("main")).to_contain_text("Tower 1, 12F")
    thumb = page.locator("main .photos img").first
    expect(thumb).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    page.screenshot(path=str(SHOTS / "report-saved.png"), full_page=True, caret="initial")
    with app.app_context():
        task = db.session.scalar(select(Task))
        assert (task.source, task.location_id, task.severity) == ("report", floor_id, "medium")
        assert len(task.events[0].photos) == 1
        db.session.remove()


def test_the_notice_prints_one_a4_page_per_open_task(app, chromium):
    with app.app_context():
        site = factories.site("Harbour View ")
        supervisor = factories.user("supervisor", sites=[site], username="sue")
        unit = factories.location(site, kind="renovation", name="1栋 1201 装修", contractor="宏达装饰")
        for title in ("阳台堆放建筑垃圾", "消防栓被遮挡，需立即清理" * 6):
            db.session.add(
                Task(
                    site_id=site.id,
                    location_id=unit.id,
                    source="report",
                    title=title[:200],
                    detail=title,
                    severity="high",
                    raised_by_id=supervisor.id,
                    due_at=utcnow() + timedelta(hours=4),
                )
            )
        db.session.commit()
        site_id, unit_id = site.id, unit.id
        db.session.remove()
    page = chromium.new_page(chromium.DESKTOP, locale="en-GB")
    sign_in(page, "sue")
    page.goto(f"/notices?site={site_id}&location={unit_id}")
    expect(page.locator("article.notice")).to_have_count(2)
    expect(page.locator(".toolbar")).to_be_visible()
    page.screenshot(path=str(SHOTS / "notice-screen.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "notice-print.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 2, f"{pages} printed pages for 2 notices"
