"""A butler's patrol in a real Chromium on a phone-sized screen: scan, sign in, answer, reload, submit.

The app runs under a real WSGI server in a background thread, so every htmx request, redirect,
cookie and photo upload goes over HTTP exactly as it would from a phone. Screenshots of each
step are written to /tmp/browser-shots/ (outside the repo) for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from patrol.demo.seed import DEMO_PASSWORD, seed_demo
from patrol.extensions import db
from patrol.models import Answer, Inspection, Location, Photo, Schedule, Task
from patrol.setup.catalogue import count, note, passfail, rating
from tests import factories
from tests.browser_steps import sign_in
from tests.route_walk import get_urls, sample_ids, upload_id

# The live server and a Chromium whose pages fail the test on any Content-Security-Policy violation.
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")


def shot(page: Page, name: str) -> None:
    """What the phone's screen shows now, and the whole page from the top (fixed bars in place)."""
    # caret="initial": hiding the caret would leave style="" on inputs, which htmx's swaps then trip over.
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")
    scrolled = page.evaluate("window.scrollY")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True, caret="initial")
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
    page.wait_for_function(
        "(sel) => { const img = document.querySelector(sel); return img && img.complete && img.naturalWidth > 0; }",
        arg=selector,
    )


def test_butler_patrols_a_floor_on_a_phone(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site, name="Tower 1, 12F")
        version = factories.checklist(
            [
                passfail("Corridor lights work", "low"),
                passfail("Fire door closed and unlocked", "high", photo=True),
                rating("Floors and walls clean"),
                count("Fire extinguishers in place", 2),
                note("Anything else"),
            ],
            name="Floor patrol",
        )
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
    expect(door_item.locator(".finding-detail")).to_be_hidden()
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
        page.set_input_files(
            f"#photo-{door}",
            files=[
                {"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes()},
            ],
        )
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
    raised = page.locator("#round-tasks", has=page.get_by_role("heading", name="1 finding"))
    task_link = raised.get_by_role("link", name=re.compile(r"New task #\d+: Fire door closed and unlocked"))
    expect(task_link).to_have_count(1)
    expect(raised.locator("li")).to_have_count(1)
    image_loaded(page, "ol.answers li.finding .photos img")
    shot(page, "06-submitted")

    task_link.tap()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    # The title says what is wrong, not only the rule that was broken.
    expect(page.locator("main h1")).to_have_text("Fire door closed and unlocked: Fail")
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
            lights: ("pass", None),
            door: ("fail", None),
            clean: (None, 4.0),
            extinguishers: (None, 2.0),
            other: ("Stairwell B smells of paint", None),
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
        'kept <body class="login"> from the login page, and body.login .tabbar is display:none'
    )


def test_unanswered_required_item_is_pointed_out_in_place(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site, name="Tower 2, 3F")
        version = factories.checklist(
            [
                passfail("Corridor lights work", "low"),
                passfail("Fire door closed and unlocked", "high"),
            ],
            name="Floor patrol",
        )
        lights, door = (item.id for item in version.items)
        token, username = location.qr_token, butler.username
        db.session.remove()
    page = phone

    sign_in_from_scan(page, token, username)
    expect(page.locator(".location-head h1")).to_have_text("Tower 2, 3F")
    tap_answer(page, lights, "pass")
    scan_url = page.url

    submits = posts_to(page, "/submit")
    page.get_by_role("button", name="Submit inspection").tap()
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
    # The phone judged it with the server's own rule and words: nothing was sent to be refused.
    assert submits == []

    with app.app_context():
        statuses = db.session.scalars(select(Inspection.status)).all()
        assert statuses == ["draft"]
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1
        db.session.remove()


# --- behaviour that lives in static/js/app.js (the Content-Security-Policy allows no inline script) -------


def posts_to(page: Page, path: str) -> list[str]:
    """The POSTs the page sends to URLs ending in `path` from now on."""
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and r.url.endswith(path) else None)
    return sent


def answer_dialogs(page: Page, *accept: bool) -> list[str]:
    """Answer the next confirm dialogs no or yes in turn; their questions, as asked."""
    asked, answers = [], list(accept)

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    return asked


def test_every_page_an_administrator_opens_keeps_to_the_content_security_policy(app, browser, phone: Page):
    """The demo estate, page by page in a real Chromium: any refused script or style fails the test."""
    with app.app_context():
        seed_demo()
        ids = sample_ids()
        db.session.remove()
    browser.login("admin", DEMO_PASSWORD)
    urls = [
        url
        for url in get_urls(app, ids | {"upload_id": upload_id(browser, ids["site_id"])})
        if not re.search(r"\.(csv|png|svg|jpg|js|css|ico)$", url)
    ]
    page = phone
    sign_in(page, "admin", DEMO_PASSWORD)
    statuses = {}
    for url in urls:
        response = page.goto(url)
        statuses[url] = response.status
    assert [url for url, status in statuses.items() if status >= 500] == []
    assert sum(status == 200 for status in statuses.values()) >= 0.8 * len(urls), statuses


def test_reissuing_a_code_asks_first_and_no_keeps_the_code(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        factories.user("admin", username="boss", locale="en")
        location = factories.location(site, name="Tower 1, 12F")
        location_id, first_token = location.id, location.qr_token
        db.session.remove()
    page = phone
    sign_in(page, "boss")
    page.goto(f"/locations/{location_id}")
    posts = posts_to(page, f"/locations/{location_id}/reissue")
    asked = answer_dialogs(page, False, True)

    button = page.get_by_role("button", name="Re-issue code")
    button.tap()  # "no"
    expect(page.locator(".alert-success")).to_have_count(0)
    with page.expect_response(lambda r: r.url.endswith(f"/locations/{location_id}") and r.request.method == "GET"):
        button.tap()  # "yes"
    expect(page.locator(".alert-success")).to_contain_text("A new code was issued.")
    shot(page, "20-reissued")

    assert asked == ["Issue a new code? The sticker now on the wall will stop working."] * 2
    assert len(posts) == 1, posts  # the "no" sent nothing, even though the page's forms are boosted by htmx
    with app.app_context():
        assert db.session.get(Location, location_id).qr_token != first_token
        db.session.remove()


def test_removing_a_checklist_item_asks_first(app, phone: Page):
    with app.app_context():
        factories.user("admin", username="boss", locale="en")
        version = factories.checklist(
            [passfail("Corridor lights work", "low"), passfail("Fire door closed and unlocked", "high")],
            name="Floor patrol",
        )
        checklist_id, first = version.checklist_id, version.items[0].id
        db.session.remove()
    page = phone
    sign_in(page, "boss")
    page.goto(f"/admin/checklists/{checklist_id}")
    items = page.locator("#items ol.editor-items > li")
    expect(items).to_have_count(2)
    posts = posts_to(page, "/remove")
    asked = answer_dialogs(page, False, True)

    page.locator(f"#item-{first} summary", has_text="Edit").tap()
    remove = page.locator(f"#item-{first}").get_by_role("button", name="Remove this item")
    remove.tap()  # "no"
    expect(items).to_have_count(2)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/remove")):
        remove.tap()  # "yes": a draft without the item
    expect(items).to_have_count(1)
    expect(items.first.locator(".prompt")).to_have_text("Fire door closed and unlocked")
    assert asked == ["Remove “Corridor lights work”?"] * 2
    assert len(posts) == 1, posts


def test_the_label_sheet_print_button_prints(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        factories.user("admin", username="boss", locale="en")
        factories.location(site, name="Tower 1, 12F")
        site_id = site.id
        db.session.remove()
    page = phone
    sign_in(page, "boss")
    # Chromium's own print dialog cannot be answered from a test: count the calls instead.
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto(f"/labels?site={site_id}")
    expect(page.locator("article.label")).to_have_count(1)
    page.get_by_role("button", name="Print").tap()
    page.wait_for_function("window.printed === 1")
    shot(page, "21-label-sheet")


def test_enter_in_the_schedule_location_search_searches_without_saving(app, phone: Page):
    with app.app_context():
        site = factories.site("Harbour View ")
        factories.user("admin", username="boss", locale="en")
        for name in ("Tower 1, 3F", "Tower 1, 4F", "Tower 2, 3F"):
            factories.location(site, name=name)
        factories.checklist(name="Floor patrol")
        site_id = site.id
        db.session.remove()
    page = phone
    sign_in(page, "boss")
    page.goto("/admin/schedules/new")
    posts = posts_to(page, "/admin/schedules/new")
    with page.expect_response(lambda r: "/admin/schedules/new?" in r.url):
        page.locator("#f-site").select_option(str(site_id))
    with page.expect_response(lambda r: "scope=picked" in r.url):
        page.locator("label[for='f-scope-picked']").tap()
    options = page.locator("#location-options li")
    expect(options).to_have_count(3)

    search = page.locator("#f-location_search")
    search.tap()
    search.press_sequentially("Tower 2")
    search.press("Enter")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Tower 2, 3F")
    expect(page).to_have_url(re.compile(r"/admin/schedules/new$"))
    expect(page.locator("#schedule-form .alert-error")).to_have_count(0)
    shot(page, "22-schedule-search")
    assert posts == []  # Enter searched; it did not send the half-filled form
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Schedule)) == 0
        db.session.remove()
