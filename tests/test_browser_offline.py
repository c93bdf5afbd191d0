"""The outbox in a real Chromium on a phone (OFFLINE.md §4): whatever the signal or the server does,
every answer and photo reaches the server, and the inspection exists exactly once.

Offline mid-checklist; the server failing (503, and once a response lost after it stored the submit)
then recovering; the same outbox flushed from two tabs; a location deactivated while items waited;
a session that ended while items waited. Screenshots: /tmp/h5-shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import delete

from patrol.extensions import db
from patrol.models import Location, Login
from tests import factories
from tests.browser_steps import sign_in
from tests.outbox_steps import (
    SUBMITTED,
    a_floor,
    answers_of,
    inspections,
    open_checklist,
    outbox,
    outbox_drained,
    save_state,
    tap,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/h5-shots")
OP = re.compile(rb'name="op"\r\n\r\n([0-9a-f-]{36})')


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def answer_the_rest(page: Page, items: dict[str, int]) -> None:
    """Everything but the door, as a butler would: taps, and numbers typed in."""
    tap(page, items["clean"], "4")
    page.locator(f"#value-{items['extinguishers']}").fill("2")
    page.locator(f"#value-{items['pressure']}").fill("0.4")
    page.locator(f"label[for='value-{items['bins']}-1']").tap()


def fail_the_door(page: Page, door: int) -> None:
    tap(page, door, "fail")
    page.locator(f"#note-{door}").fill("Door wedged open with an extinguisher")
    page.set_input_files(
        f"#photo-{door}",
        files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(1200, 900)}],
    )
    expect(page.locator(f"#item-{door} figure[data-photo-op]")).to_have_count(1)


def expected_answers(items: dict[str, int]) -> dict[int, object]:
    return {
        items["door"]: "fail",
        items["clean"]: 4.0,
        items["extinguishers"]: 2.0,
        items["pressure"]: 0.4,
        items["bins"]: "Tidy",
    }


def posted_ops(page: Page) -> list[str]:
    """The operation id of every outbox request the tabs of this page's context send from now on.

    A photo's body holds a file, which Chromium does not report: its upload counts as "photo".
    """
    ops = []

    def seen(request):
        if request.method != "POST":
            return
        if request.url.endswith("/photos"):
            ops.append("photo")
        elif match := OP.search(request.post_data_buffer or b""):
            ops.append(match.group(1).decode())

    page.context.on("request", seen)
    return ops


def exactly_one_inspection_with_everything(app, items) -> None:
    [inspection] = inspections(app)
    assert inspection.status == "submitted"
    assert answers_of(inspection) == expected_answers(items)
    door = next(a for a in inspection.answers if a.item_id == items["door"])
    assert door.note == "Door wedged open with an extinguisher"
    assert len(door.photos) == 1


def test_offline_mid_checklist_everything_arrives_once_back_online(app, phone: Page):
    floor = a_floor(app)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    listing = page.context.new_page()
    listing.goto("/outbox")
    tap(page, items["clean"], "4")
    save_state(page, items["clean"]).to_have_text("Saved")

    page.context.set_offline(True)
    fail_the_door(page, items["door"])
    answer_the_rest(page, items)
    door_photo = page.locator(f"#item-{items['door']} figure[data-photo-op]")
    expect(door_photo.locator(".photo-state")).to_have_text("Waiting to be sent")
    expect(page.locator(f"label[for='photo-{items['door']}']")).to_have_text("Take a photo")
    page.get_by_role("button", name="Submit inspection").tap()
    status = page.locator("[data-submit-status]")
    expect(status).to_have_text("Kept on this phone. The inspection will be sent by itself when there is signal.")
    expect(page.get_by_role("button", name="Change answers")).to_be_visible()
    expect(page.locator("[data-outbox-bar]")).to_contain_text("waiting · oldest 1 min")
    shot(page, "offline-01-submit-kept")

    kept = outbox(page)
    # The door's answer, its photo after it, the other answers, and the submit last.
    assert [(op["kind"], op.get("item")) for op in kept] == [
        ("answer", items["door"]),
        ("photo", items["door"]),
        *[("answer", items[name]) for name in ("extinguishers", "pressure", "bins")],
        ("submit", None),
    ]
    assert page.evaluate(
        "(id) => window.patrolOutbox.photo(id).then((p) => p.bytes instanceof ArrayBuffer && p.bytes.byteLength > 0)",
        kept[1]["photo"],
    )
    # The list (another tab) shows every item, what it is and since when.
    rows = listing.locator(".outbox-item")
    expect(rows).to_have_count(6)
    expect(rows.nth(0)).to_contain_text("Answer: Fire door closed · Tower 1, 12F")
    expect(rows.nth(1)).to_contain_text("Photo: Fire door closed · Tower 1, 12F")
    expect(rows.nth(5)).to_contain_text("Submit inspection: Tower 1, 12F")
    expect(rows.first.locator(".state")).to_have_text("Waiting for signal")
    shot(listing, "offline-02-outbox-list")

    page.context.set_offline(False)
    expect(page).to_have_url(SUBMITTED, timeout=20_000)
    expect(listing.locator("[data-outbox-empty]")).to_be_visible()
    exactly_one_inspection_with_everything(app, items)


def test_a_server_failing_during_the_flush_then_recovering_loses_nothing_and_stores_once(app, phone: Page):
    floor = a_floor(app)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    sent = posted_ops(page)
    failures = {"left": 3, "submits": 0}

    def flaky(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif route.request.url.endswith("/submit") and failures["submits"] == 0:
            failures["submits"] += 1
            route.fetch()  # the server stores it; the answer never reaches the phone
            route.abort("connectionreset")
        elif failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="text/html", body="<h1>Busy</h1>")
        else:
            route.continue_()

    page.context.route("**/inspect/**", flaky)
    fail_the_door(page, items["door"])
    answer_the_rest(page, items)
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page).to_have_url(SUBMITTED, timeout=30_000)

    exactly_one_inspection_with_everything(app, items)
    submit_op = sent[-1]
    assert sent.count(submit_op) == 2  # sent again with the same id after the lost response
    assert failures == {"left": 0, "submits": 1}


def test_the_same_outbox_flushed_from_two_tabs_sends_each_item_once(app, phone: Page):
    floor = a_floor(app)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    other_tab = page.context.new_page()
    other_tab.goto("/outbox")
    sent = posted_ops(page)

    page.context.set_offline(True)
    fail_the_door(page, items["door"])
    answer_the_rest(page, items)
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page.locator("[data-submit-status]")).to_contain_text("Kept on this phone")
    kept = ["photo" if op["kind"] == "photo" else op["op"] for op in outbox(page)]
    assert len(kept) == 7

    page.context.set_offline(False)  # both tabs hear "online" and flush at once
    other_tab.evaluate("() => Promise.all([1, 2, 3].map(() => window.patrolOutbox.flush(true)))")
    expect(page).to_have_url(SUBMITTED, timeout=20_000)
    outbox_drained(other_tab)

    assert sorted(sent) == sorted(kept), sent
    exactly_one_inspection_with_everything(app, items)


def test_a_location_deactivated_while_items_waited_is_shown_and_they_are_kept(app, phone: Page):
    floor = a_floor(app)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    page.context.set_offline(True)
    tap(page, items["door"], "pass")
    tap(page, items["clean"], "4")
    save_state(page, items["clean"]).to_have_text("Kept on this phone, will be sent")
    with app.app_context():
        db.session.get(Location, floor.location_id).active = False
        db.session.commit()
        db.session.remove()

    page.context.set_offline(False)
    refused = "This location takes no new inspections."
    save_state(page, items["door"]).to_have_text(refused)
    save_state(page, items["clean"]).to_have_text(refused)
    expect(page.locator("[data-outbox-bar]")).to_contain_text("2 waiting · oldest 1 min · 2 need your attention")
    shot(page, "offline-03-refused")

    page.evaluate("() => window.patrolOutbox.flush(true)")  # not sent again and again
    kept = outbox(page)
    assert [(op["state"], op["attempts"], op["error"]) for op in kept] == [("needs_user", 1, refused)] * 2
    page.goto("/outbox")
    rows = page.locator(".outbox-item")
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".state")).to_have_text("Not accepted")
    expect(rows.first.locator(".error")).to_have_text(refused)
    expect(rows.first.get_by_role("link", name="Open the checklist")).to_have_attribute("href", f"/c/{floor.token}")
    shot(page, "offline-04-outbox-refused")
    assert inspections(app) == []


def test_a_session_that_ended_while_items_waited_sends_them_after_signing_in_again(app, phone: Page):
    floor = a_floor(app)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    tap(page, items["clean"], "4")
    save_state(page, items["clean"]).to_have_text("Saved")
    page.context.set_offline(True)
    fail_the_door(page, items["door"])
    answer_the_rest(page, items)
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page.locator("[data-submit-status]")).to_contain_text("Kept on this phone")
    with app.app_context():
        db.session.execute(delete(Login))  # the password was reset meanwhile: every device signed out
        db.session.commit()
        db.session.remove()

    page.context.set_offline(False)
    signin = page.locator("[data-outbox-bar]").get_by_role("link", name="Sign in to send them")
    expect(signin).to_be_visible()
    expect(page.locator("[data-submit-status]")).to_have_text("Sign in to send them")
    shot(page, "offline-05-sign-in-to-send")
    assert {op["state"] for op in outbox(page)} == {"needs_signin"}
    assert inspections(app)[0].status == "draft"

    signin.tap()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.locator("#username").fill(floor.username)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form.stack button[type=submit]").tap()
    expect(page).to_have_url(SUBMITTED, timeout=20_000)
    exactly_one_inspection_with_everything(app, items)


def test_signing_out_with_items_waiting_asks_first(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    page.context.set_offline(True)
    tap(page, floor.items["door"], "pass")
    save_state(page, floor.items["door"]).to_have_text("Kept on this phone, will be sent")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("details.menu summary").tap()
    page.get_by_role("button", name="Sign out").tap()
    expect(page.locator("details.menu summary")).to_be_visible()
    assert asked and asked[0].startswith("Some answers or photos on this phone are not sent yet.")
    assert len(outbox(page)) == 1


def test_the_outbox_bar_is_hidden_when_nothing_waits(app, phone: Page):
    floor = a_floor(app)
    page = phone
    sign_in(page, floor.username)
    page.goto("/outbox")
    expect(page.locator("[data-outbox-bar]")).to_be_hidden()
    expect(page.locator("[data-outbox-empty]")).to_have_text("Nothing is waiting: everything was sent.")
