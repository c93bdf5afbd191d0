"""A butler's patrol in a real Chromium on a phone-sized screen: scan, sign in, answer, reload, submit.

The app runs under a real WSGI server in a background thread, so every htmx request, redirect,
cookie and photo upload goes over HTTP exactly as it would from a phone. Screenshots of each
step are written to /tmp/browser-shots/ (outside the repo) for a human to look at.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from patrol.extensions import db
from patrol.models import Answer, Inspection, Photo, Task
from patrol.services.catalogue import count, note, passfail, rating
from tests import factories

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/browser-shots")
# Generous enough for a slow CI machine, short enough that a hang fails the test instead of the job.
TIMEOUT_MS = 15_000


@pytest.fixture
def live_server(app):
    """The session app under a real threaded HTTP server on a free port; its base URL."""
    # The cookies stay Secure as in production: Chromium treats http://127.0.0.1 as a secure origin.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def phone(request, live_server):
    """A fresh Chromium page the size of a phone, pointed at the live server; always closed again.

    Closed before the server stops (this fixture depends on live_server), and whatever the test's
    outcome: the screen it ended on is kept as <test name>-last.png, which helps most when it failed.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, base_url=live_server, is_mobile=True,
                                          has_touch=True, device_scale_factor=2, locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            yield page
            page.screenshot(path=str(SHOTS / f"{request.node.name}-last.png"), full_page=True)
            context.close()
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    """What the phone's screen shows now, and the whole page from the top (fixed bars in place)."""
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    scrolled = page.evaluate("window.scrollY")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)
    page.evaluate("(y) => window.scrollTo(0, y)", scrolled)


def sign_in_from_scan(page: Page, token: str, username: str) -> None:
    page.goto(f"/c/{token}")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fc%2F" + re.escape(token) + "$"))
    expect(page.locator("h1")).to_have_text("Sign in")
    shot(page, "01-login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form.stack button[type=submit]").tap()
    expect(page).to_have_url(re.compile(r"/c/" + re.escape(token) + "$"))


def tap_answer(page: Page, item_id: int, value: str) -> None:
    """Tap the label of one segmented option and wait for the save to come back and be swapped in."""
    radio = page.locator(f"#value-{item_id}-{value}")
    with page.expect_response(lambda r: r.url.endswith(f"/items/{item_id}/answer")) as saved:
        page.locator(f"label[for='value-{item_id}-{value}']").tap()
    assert saved.value.status == 200, saved.value.text()
    expect(radio).to_be_checked()


def image_loaded(page: Page, selector: str) -> None:
    """Wait until the image exists, is scrolled into view (thumbnails may be lazy) and has decoded."""
    image = page.locator(selector)
    expect(image).to_have_count(1)
    image.scroll_into_view_if_needed()
    page.wait_for_function("(sel) => { const img = document.querySelector(sel);"
                           " return img && img.complete && img.naturalWidth > 0; }", arg=selector)


def test_butler_patrols_a_floor_on_a_phone(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site, name="Tower 1, 12F")
        version = factories.checklist([
            passfail("Corridor lights work", "low"),
            passfail("Fire door closed and unlocked", "high", photo=True),
            rating("Floors and walls clean"),
            count("Fire extinguishers in place", 2),
            note("Anything else"),
        ], name="Floor patrol")
        lights, door, clean, extinguishers, other = (item.id for item in version.items)
        token, username = location.qr_token, butler.username
        location_id, version_id, butler_id = location.id, version.id, butler.id
        db.session.remove()
    page = phone

    # 1. The QR code opens the location; signed out, the butler signs in first and comes back.
    sign_in_from_scan(page, token, username)
    expect(page.locator(".location-head h1")).to_have_text("Tower 1, 12F")
    expect(page.locator("#checklist")).to_be_visible()
    # Signed in now, so the Home / Tasks / Locations bar belongs on screen. Checked at the very end,
    # so that the rest of the walk is still exercised while this is wrong.
    tab_bar_after_sign_in = page.get_by_role("navigation", name="Main").is_visible()
    expect(page.locator(".notice")).to_have_count(0)
    shot(page, "02-checklist")

    # 2. Answer by tapping the segmented labels; a fail opens the finding's note, severity and camera.
    tap_answer(page, lights, "pass")
    door_item = page.locator(f"#item-{door}")
    expect(door_item.locator(".finding-detail")).to_have_count(0)
    tap_answer(page, door, "fail")
    expect(door_item).to_have_class(re.compile(r"\bfinding\b"))
    note_box = door_item.locator(f"#note-{door}")
    expect(note_box).to_be_visible()
    expect(door_item.locator(f"#severity-{door}-high")).to_be_checked()  # the item's default
    expect(door_item.locator(f"label[for='severity-{door}-high']")).to_be_visible()
    camera = door_item.locator(f"label[for='photo-{door}']")
    expect(camera).to_be_visible()
    expect(camera).to_have_text("Take a photo (required)")
    note_box.tap()
    note_box.fill("Door wedged open with a fire extinguisher")
    # Tapping elsewhere blurs the note, which saves it.
    with page.expect_response(lambda r: r.url.endswith(f"/items/{door}/answer")) as saved:
        door_item.locator("h3.prompt").tap()
    assert saved.value.status == 200
    with page.expect_response(lambda r: r.url.endswith(f"/items/{door}/photos")) as uploaded:
        page.set_input_files(f"#photo-{door}", files=[
            {"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes()},
        ])
    assert uploaded.value.status == 200, uploaded.value.text()
    image_loaded(page, f"#item-{door} .photos figure img")
    expect(door_item.locator(f"label[for='photo-{door}']")).to_have_text("Take a photo")
    expect(door_item.locator(f"#note-{door}")).to_have_value("Door wedged open with a fire extinguisher")
    tap_answer(page, clean, "4")
    door_item.scroll_into_view_if_needed()
    shot(page, "03-finding-with-photo")

    # 3. A reload mid-way (a locked phone, a lost tab) resumes the same draft with every answer.
    page.reload()
    expect(page.locator(".notice")).to_contain_text("Resuming what you started")
    expect(page.locator(f"#value-{lights}-pass")).to_be_checked()
    expect(page.locator(f"#value-{door}-fail")).to_be_checked()
    expect(page.locator(f"#value-{clean}-4")).to_be_checked()
    expect(page.locator(f"#value-{extinguishers}")).to_have_value("")
    expect(page.locator(f"#note-{door}")).to_have_value("Door wedged open with a fire extinguisher")
    image_loaded(page, f"#item-{door} .photos figure img")
    shot(page, "04-resumed")

    # The rest of the checklist.
    count_box = page.locator(f"#value-{extinguishers}")
    count_box.tap()
    count_box.fill("2")
    with page.expect_response(lambda r: r.url.endswith(f"/items/{extinguishers}/answer")) as saved:
        page.locator(f"#item-{extinguishers} h3.prompt").tap()
    assert saved.value.status == 200
    expect(page.locator(f"#value-{extinguishers}")).to_have_value("2")
    page.locator(f"#value-{other}").fill("Stairwell B smells of paint")
    shot(page, "05-before-submit")

    # 4. Submit: the inspection page says so and lists the follow-up task raised from the fail.
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    expect(page.locator(".success")).to_have_text("Submitted")
    raised = page.locator("section.card", has=page.get_by_role("heading", name="Follow-up tasks raised"))
    task_link = raised.get_by_role("link", name=re.compile("Fire door closed and unlocked"))
    expect(task_link).to_have_count(1)
    expect(raised.locator("li")).to_have_count(1)
    image_loaded(page, "ol.answers li.finding .photos img")
    shot(page, "06-submitted")

    task_link.tap()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page.locator("main h1")).to_have_text("Fire door closed and unlocked")
    expect(page.locator("main .card p.note").first).to_have_text("Door wedged open with a fire extinguisher")
    expect(page.locator(".sev-high").first).to_have_text("High")
    image_loaded(page, "main .card .photos img")
    expect(page.locator("ol.timeline li")).to_have_count(1)
    expect(page.locator("ol.timeline li strong")).to_have_text("Raised from inspection")
    shot(page, "07-task")

    # 5. And in the database: one submitted inspection, one task, its answer holding the one photo.
    with app.app_context():
        inspections = db.session.scalars(select(Inspection)).all()
        assert [i.status for i in inspections] == ["submitted"]
        inspection = inspections[0]
        assert (inspection.location_id, inspection.checklist_version_id) == (location_id, version_id)
        answers = {a.item_id: a for a in inspection.answers}
        assert {item: (a.value_text, a.value_number) for item, a in answers.items()} == {
            lights: ("pass", None), door: ("fail", None), clean: (None, 4.0),
            extinguishers: (None, 2.0), other: ("Stairwell B smells of paint", None),
        }
        tasks = db.session.scalars(select(Task)).all()
        assert len(tasks) == 1
        task = tasks[0]
        assert (task.inspection_id, task.answer_id, task.severity) == (inspection.id, answers[door].id, "high")
        assert task.title == "Fire door closed and unlocked"
        assert task.detail == "Door wedged open with a fire extinguisher"
        assert len(task.answer.photos) == 1
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
        assert task.answer.photos[0].uploaded_by_id == butler_id
        task_id = task.id
        db.session.remove()
    assert page.url.endswith(f"/tasks/{task_id}")

    assert tab_bar_after_sign_in, (
        "the tab bar was hidden on the location page right after signing in: the boosted sign-in "
        "kept <body class=\"login\"> from the login page, and body.login .tabbar is display:none"
    )


def test_unanswered_required_item_is_pointed_out_in_place(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site, name="Tower 2, 3F")
        version = factories.checklist([
            passfail("Corridor lights work", "low"),
            passfail("Fire door closed and unlocked", "high"),
        ], name="Floor patrol")
        lights, door = (item.id for item in version.items)
        token, username = location.qr_token, butler.username
        db.session.remove()
    page = phone

    sign_in_from_scan(page, token, username)
    expect(page.locator(".location-head h1")).to_have_text("Tower 2, 3F")
    tap_answer(page, lights, "pass")
    scan_url = page.url

    with page.expect_response(lambda r: r.url.endswith("/submit")) as sent:
        page.get_by_role("button", name="Submit inspection").tap()
    assert sent.value.status == 422
    door_item = page.locator(f"#item-{door}")
    expect(door_item).to_have_class(re.compile(r"\bhas-error\b"))
    expect(door_item.locator(".field-error")).to_have_text("This item needs an answer.")
    expect(page.locator(f"#item-{lights} .field-error")).to_have_count(0)
    expect(page.locator("#checklist .alert-error")).to_contain_text("1 item needs attention")
    # Still on the checklist, with the answer already given kept.
    expect(page.locator(f"#value-{lights}-pass")).to_be_checked()
    assert page.url == scan_url
    door_item.scroll_into_view_if_needed()
    shot(page, "10-required-missing")

    with app.app_context():
        statuses = db.session.scalars(select(Inspection.status)).all()
        assert statuses == ["draft"]
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1
        db.session.remove()
