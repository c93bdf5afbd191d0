"""The checklist never says "saved" before the server has the answer, in a real Chromium on a phone.

A failing answer opens its note, severity and camera at once, with or without signal; text and counts
are kept as they are typed; a note typed just before a reload is still there; a refused submit keeps
what it carried and puts the first item that needs attention in view, focused; a stale "no
connection" message goes once the signal is back. Screenshots: /tmp/h5-shots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories
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
WHITE, GREEN, RED = "rgb(255, 255, 255)", "rgb(21, 128, 61)", "rgb(185, 28, 28)"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def colour_of(page: Page, item_id: int, value: str) -> str:
    return page.locator(f"label[for='value-{item_id}-{value}']").evaluate(
        "(label) => getComputedStyle(label).backgroundColor"
    )


def test_an_answer_shows_as_saved_only_once_the_server_has_it(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    door, clean = floor.items["door"], floor.items["clean"]

    # The server has not answered yet: kept on the phone, not green.
    parked = []
    page.context.route(f"**/items/{door}/answer", lambda route: parked.append(route))
    tap(page, door, "pass")
    save_state(page, door).to_have_text("Sending…")
    expect(page.locator(f"#item-{door}")).to_have_attribute("data-save", "sending")
    assert colour_of(page, door, "pass") == WHITE
    shot(page, "saving-01-sending")
    parked[0].continue_()
    save_state(page, door).to_have_text("Saved")
    assert colour_of(page, door, "pass") == GREEN
    page.context.unroute(f"**/items/{door}/answer")

    # No signal: kept on this phone and said so; saved once the signal is back.
    page.context.set_offline(True)
    tap(page, clean, "2")
    save_state(page, clean).to_have_text("Kept on this phone, will be sent")
    assert colour_of(page, clean, "2") == WHITE
    expect(page.locator("[data-outbox-bar]")).to_contain_text("1 waiting · oldest 1 min")
    shot(page, "saving-02-offline")
    assert [(op["kind"], op["item"], op["state"]) for op in outbox(page)] == [("answer", clean, "queued")]
    page.context.set_offline(False)
    save_state(page, clean).to_have_text("Saved")
    expect(page.locator("[data-outbox-bar]")).to_be_hidden()
    assert answers_of(inspections(app)[0]) == {door: "pass", clean: 2.0}


def test_a_failing_answer_opens_its_note_severity_and_camera_at_once_without_signal(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    items = floor.items
    page.context.set_offline(True)

    def detail(name):
        return expect(page.locator(f"#item-{items[name]} .finding-detail"))

    tap(page, items["door"], "fail")
    detail("door").to_be_visible()
    expect(page.locator(f"#severity-{items['door']}-high")).to_be_checked()
    expect(page.locator(f"label[for='photo-{items['door']}']")).to_have_text("Take a photo (required)")
    tap(page, items["clean"], "2")
    detail("clean").to_be_visible()
    tap(page, items["clean"], "4")
    detail("clean").to_be_hidden()
    count_box = page.locator(f"#value-{items['extinguishers']}")
    count_box.tap()
    count_box.press_sequentially("1")  # no need to leave the field
    detail("extinguishers").to_be_visible()
    count_box.press("Backspace")
    count_box.press_sequentially("2")
    detail("extinguishers").to_be_hidden()
    pressure = page.locator(f"#value-{items['pressure']}")
    pressure.tap()
    pressure.press_sequentially("0.9")
    detail("pressure").to_be_visible()
    page.locator(f"label[for='value-{items['bins']}-2']").tap()  # Overflowing
    detail("bins").to_be_visible()
    page.locator(f"#item-{items['door']}").scroll_into_view_if_needed()
    shot(page, "saving-03-findings-offline")

    page.locator(f"#item-{items['other']} h3").tap()  # leaves the reading: it is kept at once
    expect(page.locator(f"#item-{items['pressure']} [data-save-state]")).to_have_text(
        "Kept on this phone, will be sent"
    )
    kept = {op["item"]: op["fields"][f"value-{op['item']}"] for op in outbox(page)}
    assert kept == {
        items["door"]: "fail",
        items["clean"]: "4",
        items["extinguishers"]: "2",
        items["pressure"]: "0.9",
        items["bins"]: "Overflowing",
    }


def test_text_and_counts_are_kept_as_they_are_typed(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    other, extinguishers = floor.items["other"], floor.items["extinguishers"]

    box = page.locator(f"#value-{other}")
    box.tap()
    with page.expect_response(lambda r: r.url.endswith(f"/items/{other}/answer")) as saved:
        box.press_sequentially("Stairwell B smells of paint", delay=20)
    assert saved.value.status == 200
    expect(box).to_be_focused()  # sent while the person is still in the field
    count_box = page.locator(f"#value-{extinguishers}")
    count_box.tap()
    with page.expect_response(lambda r: r.url.endswith(f"/items/{extinguishers}/answer")):
        count_box.press_sequentially("2")
    save_state(page, extinguishers).to_have_text("Saved")
    outbox_drained(page)
    assert answers_of(inspections(app)[0]) == {other: "Stairwell B smells of paint", extinguishers: 2.0}


def test_a_note_typed_and_reloaded_at_once_is_still_there(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    door = floor.items["door"]
    tap(page, door, "fail")
    save_state(page, door).to_have_text("Saved")

    page.locator(f"#note-{door}").fill("Door wedged open")
    page.reload()
    expect(page.locator(f"#note-{door}")).to_have_value("Door wedged open")
    expect(page.locator(f"#item-{door} .finding-detail")).to_be_visible()
    outbox_drained(page)

    # The server out of reach: the note is kept on the phone, put back after a reload, sent later.
    page.context.route("**/answer", lambda route: route.abort("internetdisconnected"))
    page.locator(f"#note-{door}").fill("Door wedged open with an extinguisher")
    page.reload()
    expect(page.locator(f"#note-{door}")).to_have_value("Door wedged open with an extinguisher")
    save_state(page, door).to_have_text("Kept on this phone, will be sent")
    shot(page, "saving-04-note-after-reload")
    page.context.unroute("**/answer")
    save_state(page, door).to_have_text("Saved", timeout=20_000)
    [inspection] = inspections(app)
    assert [(a.item_id, a.note) for a in inspection.answers] == [(door, "Door wedged open with an extinguisher")]


def test_a_refused_submit_keeps_its_answers_and_shows_the_first_item_needing_attention(app, phone: Page):
    floor = a_floor(app, photo_on_fail=False, extra=6)
    page = phone
    open_checklist(page, floor)
    items = floor.items
    tap(page, items["clean"], "4")
    page.locator(f"#value-{items['extinguishers']}").fill("2")
    page.locator(f"#value-{items['pressure']}").fill("0.4")
    page.locator(f"label[for='value-{items['bins']}-1']").tap()
    for n in range(6):
        tap(page, items[f"check{n}"], "pass")
    # The door, first on the list, is left unanswered, far above what is on screen now.
    door_item = page.locator(f"#item-{items['door']}")
    expect(door_item).not_to_be_in_viewport()

    submits = []
    page.on("request", lambda request: submits.append(request) if request.url.endswith("/submit") else None)
    page.get_by_role("button", name="Submit inspection").tap()
    expect(door_item).to_be_in_viewport()
    expect(door_item.locator(".field-error")).to_have_text("This item needs an answer.")
    expect(door_item.locator(".field-error")).to_be_in_viewport()
    assert page.evaluate("() => document.activeElement.closest('section.item').id") == f"item-{items['door']}"
    expect(page.locator("#checklist [data-checklist-alert] .alert-error")).to_have_text(
        "1 item needs attention before you can submit."
    )
    shot(page, "saving-05-refused-submit")

    assert submits == []  # refused on the phone, by the server's own rule and words: nothing sent
    outbox_drained(page)
    [inspection] = inspections(app)
    assert inspection.status == "draft"
    assert len(inspection.answers) == 10  # everything given, the door excepted
    tap(page, items["door"], "pass")
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page).to_have_url(SUBMITTED)
    assert [i.status for i in inspections(app)] == ["submitted"]


def test_a_stale_no_connection_message_goes_when_the_signal_is_back(app, chromium):
    # No service worker (WeChat on iOS): a boosted link finds no network and the page stays where it is.
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, locale="en-GB", service_workers="block")
    floor = a_floor(app)
    open_checklist(page, floor)
    page.context.set_offline(True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").tap()
    message = page.locator("#messages .alert-error")
    # Only what is true: the page did not open; nothing was changed, so nothing is said to be lost.
    expect(message).to_have_text("No connection: this page cannot open until there is signal.")
    page.context.set_offline(False)
    expect(message).to_have_count(0)


def test_each_photo_goes_alone_with_a_progress_bar_and_a_failed_one_is_retried_alone(app, phone: Page):
    floor = a_floor(app)
    page = phone
    open_checklist(page, floor)
    door = floor.items["door"]
    tap(page, door, "fail")
    save_state(page, door).to_have_text("Saved")
    uploads = {"count": 0}
    parked = []

    def photos(route):
        uploads["count"] += 1
        if uploads["count"] == 1:
            route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="text/html", body="<h1>Busy</h1>")
        elif uploads["count"] == 2:
            parked.append(route)  # the second photo, held on its way: it shows its progress bar
        else:
            route.continue_()

    page.context.route(f"**/items/{door}/photos", photos)
    for colour in ((200, 30, 30), (30, 30, 200)):
        page.set_input_files(
            f"#photo-{door}",
            files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(color=colour)}],
        )
    figures = page.locator(f"#item-{door} figure[data-photo-op]")
    expect(figures).to_have_count(2)
    expect(page.locator(f"#item-{door} figure[data-state='sending'] progress")).to_be_visible()
    page.locator(f"#photos-{door}").scroll_into_view_if_needed()
    shot(page, "saving-06-photo-progress")
    parked[0].continue_()
    expect(figures.locator(".photo-state:visible")).to_have_count(0, timeout=20_000)  # both arrived
    expect(page.locator(f"#item-{door} figure[data-photo]")).to_have_count(2)
    outbox_drained(page)

    [inspection] = inspections(app)
    assert [len(a.photos) for a in inspection.answers] == [2]
    assert uploads["count"] == 3  # the refused photo was sent again, alone; the other once
