"""随手拍 through the outbox, in a real Chromium on a phone (390×844): the photo is never thrown away (a
report refused for its place keeps its thumbnail and goes once the place is given); the checklist's
camera button and thumbnail; the place filled in from a scan page, and proposed from home after a scan;
offline, the report and its photo are kept on the phone and arrive exactly once, titled by category and
place. Screenshots of the refused form in English and Chinese: /tmp/shots14/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Photo, ReportPhoto, Task
from tests import factories
from tests.browser_steps import sign_in
from tests.outbox_steps import a_floor, open_checklist, outbox, outbox_drained, save_state, tap

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")
TASK = re.compile(r"/tasks/\d+$")
OP = re.compile(rb'name="op"\r\n\r\n([0-9a-f-]{36})')


def a_butler(app, username="amy", locale="en") -> int:
    with app.app_context():
        site = factories.site("Harbour View ")
        factories.user("butler", sites=[site], username=username, locale=locale)
        garage = factories.location(site, name="Tower 3 B2 car park")
        garage_id = garage.id
        db.session.remove()
    return garage_id


def take_photo(page: Page, color=(200, 30, 30)) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator("label.camera[for='f-photos']").tap()
    chooser.value.set_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(color=color)}
    )


def thumbnail_shown(page: Page) -> None:
    thumb = page.locator(".report-photo figure[data-photo-op] img")
    expect(thumb).to_have_count(1)
    expect(thumb).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())


def refused_for_its_place(page: Page, button: str, alert: str, where_error: str) -> None:
    """A photo and a category, no place: sent, refused by the server, the photo still there."""
    page.goto("/report")
    expect(page.locator("form[data-report-form][data-outbox-ready]")).to_have_count(1)
    take_photo(page)
    thumbnail_shown(page)
    outbox_drained(page)  # the photo is on the server, waiting for its report
    page.locator("#f-category").select_option("safety")
    page.get_by_role("button", name=button).tap()
    expect(page.locator("[data-report-alert] .alert-error")).to_have_text(alert)
    expect(page.locator("fieldset.where .field-error")).to_have_text(where_error)
    thumbnail_shown(page)
    expect(page.get_by_role("button", name=button)).to_be_enabled()


def test_a_report_refused_for_its_place_keeps_its_photo_and_is_sent_once_the_place_is_given(app, phone: Page):
    a_butler(app)
    page = phone
    sign_in(page, "amy")
    refused_for_its_place(
        page, "Send report", "Please check what you entered", "Say where: pick a location or type the place."
    )
    page.screenshot(path=str(SHOTS / "report-refused-en.png"), full_page=True, caret="initial")
    with app.app_context():
        assert db.session.scalar(select(Task)) is None
        assert len(db.session.scalars(select(ReportPhoto)).all()) == 1
        db.session.remove()

    page.locator("#f-place").fill("East gate")
    page.get_by_role("button", name="Send report").tap()
    expect(page).to_have_url(TASK)
    expect(page.locator("h1")).to_have_text("Fire and safety: East gate")
    expect(page.locator(".alert-success")).to_contain_text("Reported.")
    shown = page.locator("main .photos img").first
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=shown.element_handle())
    assert outbox(page) == []
    assert page.evaluate("() => window.patrolOutbox.transact(['photos'], (tx) => tx.all('photos', tx.done))") == []
    with app.app_context():
        (task,) = db.session.scalars(select(Task)).all()
        assert (task.place, task.category, len(task.events[0].photos)) == ("East gate", "safety", 1)
        assert db.session.scalars(select(ReportPhoto)).all() == []
        db.session.remove()


def test_the_refused_form_in_chinese(app, phone: Page):
    a_butler(app, username="li", locale="zh_Hans")
    page = phone
    sign_in(page, "li")
    refused_for_its_place(page, "提交上报", "请检查填写的内容", "请说明位置：选择点位或填写具体位置。")
    page.screenshot(path=str(SHOTS / "report-refused-zh.png"), full_page=True, caret="initial")


def test_the_camera_and_thumbnail_are_the_checklists(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    door = floor.items["door"]
    tap(page, door, "fail")
    page.set_input_files(
        f"#photo-{door}", files=[{"name": "d.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes()}]
    )
    expect(page.locator(f"#item-{door} figure[data-photo-op] img")).to_have_count(1)
    look = """(selector) => { const s = getComputedStyle(document.querySelector(selector));
      return [s.minHeight, s.minWidth, s.borderStyle, s.borderColor, s.color, s.fontWeight]; }"""
    size = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
      return [r.width, r.height]; }"""
    checklist_camera = page.evaluate(look, f"label.camera[for='photo-{door}']")
    checklist_thumb = page.evaluate(size, f"#item-{door} figure img")

    page.goto("/report")
    expect(page.locator("form[data-report-form][data-outbox-ready]")).to_have_count(1)
    # Not the browser's own file input: hidden as the checklist's is, its label is the button.
    expect(page.locator("#f-photos")).to_have_class("visually-hidden")
    expect(page.locator("label.camera[for='f-photos']")).to_have_text("Take a photo")
    take_photo(page)
    thumbnail_shown(page)
    assert page.evaluate(look, "label.camera[for='f-photos']") == checklist_camera
    assert page.evaluate(size, ".report-photo figure img") == checklist_thumb == [96, 96]
    expect(page.locator(".report-photo figure .remove")).to_be_visible()


def test_the_place_is_filled_in_from_a_scan_page_and_proposed_from_home_after_a_scan(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    tap(page, floor.items["clean"], "4")
    save_state(page, floor.items["clean"]).to_have_text("Saved")  # the draft: the server knows this scan
    page.get_by_role("link", name="Report a problem here").tap()
    expect(page).to_have_url(re.compile(rf"/report\?location={floor.location_id}$"))
    expect(page.locator(f"#f-location-{floor.location_id}")).to_be_checked()

    page.goto("/")
    page.locator('a[href="/report"]').first.tap()
    expect(page.locator(f"#f-location-{floor.location_id}")).to_be_checked()
    expect(page.locator("fieldset.where .proposed")).to_have_text(
        re.compile(r"Picked for you: you scanned it 1 minute ago\.")
    )


def test_offline_the_report_and_its_photo_are_kept_and_arrive_exactly_once(app, phone: Page):
    a_butler(app)
    page = phone
    sign_in(page, "amy")
    page.goto("/report")
    expect(page.locator("form[data-report-form][data-outbox-ready]")).to_have_count(1)
    listing = page.context.new_page()
    listing.goto("/outbox")
    posted = []

    def seen(request):
        if request.method == "POST":
            found = OP.search(request.post_data_buffer or b"") if not request.url.endswith("/photos") else None
            posted.append(found.group(1).decode() if found else request.url.rsplit("/", 1)[-1])

    page.context.on("request", seen)
    page.context.set_offline(True)
    take_photo(page)
    thumbnail_shown(page)
    expect(page.locator(".report-photo figure .photo-state")).to_have_text("Waiting to be sent")
    page.locator("#f-category").select_option("safety")
    page.locator("#f-place").fill("Tower 3 B2 car park")
    page.get_by_role("button", name="Send report").tap()
    expect(page.locator("[data-report-status]")).to_have_text(
        "Kept on this phone. The report will be sent by itself when there is signal."
    )
    kept = outbox(page)
    assert [(op["kind"], op["state"]) for op in kept] == [("photo", "queued"), ("report", "queued")]
    assert kept[1]["fields"]["photo_ops"] == kept[0]["op"]
    rows = listing.locator(".outbox-item")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Photo of a report: Tower 3 B2 car park")
    expect(rows.nth(1)).to_contain_text("Report a problem: Tower 3 B2 car park")
    page.screenshot(path=str(SHOTS / "report-offline-kept-en.png"), full_page=True, caret="initial")

    page.context.set_offline(False)
    expect(page).to_have_url(TASK, timeout=20_000)
    expect(page.locator("h1")).to_have_text("Fire and safety: Tower 3 B2 car park")
    expect(listing.locator("[data-outbox-empty]")).to_be_visible()
    assert sorted(posted) == sorted(["photos", kept[1]["op"]]), posted
    with app.app_context():
        assert len(db.session.scalars(select(Task)).all()) == 1
        assert len(db.session.scalars(select(Photo)).all()) == 1
        db.session.remove()
