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
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.photos import PhotoLimits, attach_photo
from patrol.inspections.submission import submit_inspection
from patrol.models import ChecklistVersion, Inspection, Location, Task, User
from patrol.tasks.workflow import ActionInput, act
from tests import factories
from tests.browser_steps import sign_in
from tests.task_crew import make_crew

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")
SHOTS14 = Path("/tmp/shots14")
REQUIREMENT = (
    "立即移除顶门物品，防火门保持常闭、不得上锁；闭门器失效的，请于期限内更换，并在楼层张贴“防火门请随手关闭”提示。"
)
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


def _round_with_a_photo(app, crew, note: str) -> int:
    """A round at the crew's floor failing the door, with a photo of it; the task it raised."""
    with app.test_request_context():
        location, version = (
            db.session.get(Location, crew.location_id),
            db.session.get(ChecklistVersion, crew.version_id),
        )
        key = DraftKey(db.session.get(User, crew.ids["butler"]), location, version, str(uuid.uuid4()), utcnow())
        door, lights = version.items
        save_answer(key, door, AnswerInput("fail", note=note))
        limits = PhotoLimits(app.config["PATROL_PHOTO_DIR"], 10**7, 5 * 10**7)
        assert attach_photo(key, door, factories.jpeg_bytes(1600, 1200), limits, factories.photo_op()).ok
        save_answer(key, lights, AnswerInput("pass"))
        assert submit_inspection(key, {}).ok
        task_id = db.session.scalar(select(Task.id))
        db.session.remove()
        return task_id


def test_a_supervisor_issues_a_notice_to_the_contractor_with_a_requirement_and_prints_it_on_one_a4_page(app, chromium):
    """The form above the notice (screen only, in the reader's language) says whom it goes to and what it
    requires; the notice, in the site's language, carries them apart from the finder's note, with a large
    photo and the seal's place, on one A4 page."""
    crew = make_crew(app)
    note = "门被灭火器顶住，无法自动关闭。楼梯间烟感报警时防火门起不到隔烟作用，已告知保洁勿再顶门。"
    task_id = _round_with_a_photo(app, crew, note)
    with app.app_context():  # assigned: the notice names the assignee too
        task = db.session.get(Task, task_id)
        given = ActionInput("assign", task.version, assignee=db.session.get(User, crew.ids["fixer"]))
        act(task, db.session.get(User, crew.ids["supervisor"]), given, photo_dir=app.config["PATROL_PHOTO_DIR"])
        db.session.remove()
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB")
    sign_in(page, crew.username("supervisor"))
    page.goto(f"/tasks/{task_id}/notice")
    form = page.locator("form.issue-form")
    requirement = form.get_by_label("Requirement (printed on the notice)")
    expect(form.get_by_label("Owner / resident")).to_be_checked()  # a floor: the owner, unless chosen
    expect(requirement).to_have_value("Fire door closed")
    expect(page.locator("article.notice .requirement")).to_have_text("Fire door closed")
    form.get_by_label("Contractor").check()
    requirement.fill(REQUIREMENT)
    form.get_by_role("button", name="Save the notice").tap()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}/notice\?saved=1$"))
    expect(page.locator(".toolbar")).to_contain_text("Saved. One notice: print on A4.")
    notice = page.locator("article.notice")
    expect(notice.locator(".notice-to")).to_have_text("致：施工单位")
    expect(notice.locator(".requirement")).to_have_text(REQUIREMENT)
    expect(notice.locator(".notice-found")).to_contain_text(note)
    expect(notice.locator(".seal")).to_have_text("盖章处")
    photo = notice.locator("img.photo-main")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    page.screenshot(path=str(SHOTS14 / "notice-phone-en.png"), full_page=True, caret="initial")

    # Printed: the form and the toolbar stay on screen, the notice fills one A4 page. The supervisor
    # reads Chinese now: the form is in Chinese too.
    with app.app_context():
        db.session.get(User, crew.ids["supervisor"]).locale = "zh_Hans"
        db.session.commit()
        db.session.remove()
    paper = chromium.new_page(chromium.DESKTOP, locale="zh-CN")
    sign_in(paper, crew.username("supervisor"))
    paper.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    paper.goto(f"/tasks/{task_id}/notice")
    expect(paper.locator("form.issue-form").get_by_label("施工单位")).to_be_checked()
    paper.screenshot(path=str(SHOTS14 / "notice-screen-zh.png"), full_page=True)
    paper.emulate_media(media="print")
    expect(paper.locator("form.issue-form")).to_be_hidden()
    expect(paper.locator(".toolbar")).to_be_hidden()
    paper.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=paper.locator("img.photo-main").element_handle()
    )
    paper.screenshot(path=str(SHOTS14 / "notice-print-a4.png"), full_page=True)
    pdf = paper.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
