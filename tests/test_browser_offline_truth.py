"""Offline, the checklist says only what is true (issue 14, items 6–8), on a phone, in English and Chinese.

- An offline reload of a saved copy raises no "your change was not saved" alarm, and shows the draft as it
  is: answers the server acknowledged after the copy was made ("Saved"), and those only on the phone.
- A submit the server would refuse is refused on the phone, in the server's words, and nothing is kept
  to be sent as a submit.
- A submit the server refused stays listed at /outbox until the person acts; "all sent" only when
  nothing waits.

Screenshots: /tmp/shots14/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import gettext
from playwright.sync_api import Page, expect

from patrol.extensions import db
from patrol.inspections.answers import rule_words
from patrol.models import ChecklistItem
from tests import factories
from tests.browser_steps import sign_in
from tests.outbox_steps import SUBMITTED, a_floor, answers_of, inspections, open_checklist, outbox, outbox_drained, tap
from tests.test_browser_pwa import prepared, worker_in_charge

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")
LOCALES = ["en", "zh_Hans"]
# Counts the htmx requests that found no network, before app.js hears of them (an init script runs first).
COUNT_SEND_ERRORS = """document.addEventListener("htmx:sendError", () => {
  window.__patrolSendErrors = (window.__patrolSendErrors || 0) + 1;
});"""


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def server_words(app, locale: str) -> dict:
    """What the server says, in the person's language: the rule words, and the page's own lines."""
    with app.test_request_context(headers={"Accept-Language": "zh-CN" if locale == "zh_Hans" else "en"}):
        words = rule_words(10)
        words["saved"] = gettext("Saved")
        words["kept"] = gettext("Kept on this phone, will be sent")
        words["not_saved"] = gettext("No connection. Your last change was not saved; try again when you have signal.")
        words["submit_waiting"] = gettext(
            "Kept on this phone. The inspection will be sent by itself when there is signal."
        )
        words["not_accepted"] = gettext("Not accepted")
        words["nothing"] = gettext("Nothing is waiting: everything was sent.")
        words["take_photo"] = gettext("Take a photo")
    return words


def state_of(page: Page, item: int):
    return expect(page.locator(f"#item-{item} [data-save-state]"))


def take_photo(page: Page, item: int) -> None:
    page.set_input_files(
        f"#photo-{item}",
        files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(640, 480)}],
    )


def answer_the_rest(page: Page, items: dict[str, int]) -> None:
    tap(page, items["clean"], "4")
    page.locator(f"#value-{items['extinguishers']}").fill("2")
    page.locator(f"#value-{items['pressure']}").fill("0.4")
    page.locator(f"label[for='value-{items['bins']}-1']").tap()


def reload_offline(page: Page) -> None:
    """Reloads (offline: the worker's saved copy) and waits until the header's bell has failed to load."""
    page.evaluate("() => { window.__patrolSendErrors = 0; }")
    page.reload()
    expect(page.locator("form#checklist[data-outbox-ready]")).to_have_count(1)
    page.wait_for_function("() => window.__patrolSendErrors >= 1")


def submit_button(page: Page):
    return page.locator("#checklist button[type=submit]")


@pytest.mark.parametrize("locale", LOCALES)
def test_an_offline_reload_shows_the_draft_as_it_is_and_raises_no_false_alarm(app, phone: Page, locale):
    words = server_words(app, locale)
    floor = a_floor(app, locale=locale)
    items = floor.items
    page = phone
    page.context.add_init_script(COUNT_SEND_ERRORS)
    sign_in(page, floor.username)
    prepared(page, worker_in_charge(page), f"/c/{floor.token}")
    page.goto(f"/c/{floor.token}")  # the copy on the phone is this page: nothing answered yet
    expect(page.locator("form#checklist[data-outbox-ready]")).to_have_count(1)

    # With signal: the server takes these after the copy was made.
    tap(page, items["door"], "fail")
    take_photo(page, items["door"])
    expect(page.locator(f"#item-{items['door']} figure[data-photo]")).to_have_count(1)
    tap(page, items["clean"], "4")
    page.locator(f"#value-{items['extinguishers']}").fill("2")
    page.locator(f"#item-{items['other']} h3").tap()
    for name in ("door", "clean", "extinguishers"):
        state_of(page, items[name]).to_have_text(words["saved"])
    outbox_drained(page)

    page.context.set_offline(True)
    reload_offline(page)
    expect(page.locator(".saved-copy")).to_be_visible()  # the service worker's copy, made before the answers
    expect(page.locator(f"#value-{items['door']}-fail")).to_be_checked()
    expect(page.locator(f"#value-{items['clean']}-4")).to_be_checked()
    expect(page.locator(f"#value-{items['extinguishers']}")).to_have_value("2")
    for name in ("door", "clean", "extinguishers"):
        state_of(page, items[name]).to_have_text(words["saved"])
    expect(page.locator(f"#item-{items['door']} figure[data-photo]")).to_have_count(1)
    expect(page.locator(f"label[for='photo-{items['door']}']")).to_have_text(words["take_photo"])
    expect(page.locator(f"#value-{items['pressure']}")).to_have_value("")
    expect(page.locator("#messages .alert")).to_have_count(0)

    # Offline: one more answer, kept on the phone; reloaded again, each says where it is.
    page.locator(f"#value-{items['pressure']}").fill("0.4")
    page.locator(f"#item-{items['other']} h3").tap()
    state_of(page, items["pressure"]).to_have_text(words["kept"])
    reload_offline(page)
    expect(page.locator(f"#value-{items['pressure']}")).to_have_value("0.4")
    state_of(page, items["pressure"]).to_have_text(words["kept"])
    state_of(page, items["clean"]).to_have_text(words["saved"])
    expect(page.locator(f"#value-{items['door']}-fail")).to_be_checked()
    expect(page.locator("#messages .alert")).to_have_count(0)
    expect(page.get_by_text(words["not_saved"])).to_have_count(0)
    page.evaluate("() => window.scrollTo(0, document.querySelector('#checklist').offsetTop - 120)")
    shot(page, f"offline-reload-{locale}")

    # Back online, the rest answered: one inspection, with everything given before and after the copy.
    page.context.set_offline(False)
    page.locator(f"label[for='value-{items['bins']}-1']").tap()
    submit_button(page).tap()
    expect(page).to_have_url(SUBMITTED, timeout=20_000)
    [inspection] = inspections(app)
    assert answers_of(inspection) == {
        items["door"]: "fail",
        items["clean"]: 4.0,
        items["extinguishers"]: 2.0,
        items["pressure"]: 0.4,
        items["bins"]: "Tidy",
    }
    assert [len(answer.photos) for answer in inspection.answers if answer.item_id == items["door"]] == [1]


@pytest.mark.parametrize("locale", LOCALES)
def test_an_offline_submit_missing_a_required_photo_is_refused_on_the_phone(app, phone: Page, locale):
    words = server_words(app, locale)
    floor = a_floor(app, locale=locale)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    page.context.set_offline(True)
    tap(page, items["door"], "fail")  # its photo is required, and not taken
    answer_the_rest(page, items)
    submit_button(page).tap()

    door = page.locator(f"#item-{items['door']}")
    expect(door.locator(".field-error")).to_have_text(words["photo"])
    expect(page.locator("#checklist [data-checklist-alert] .alert-error")).to_have_text(words["attention"][0])
    expect(door).to_be_in_viewport()
    expect(page.locator("[data-submit-status]")).to_be_hidden()
    expect(page.get_by_text(words["submit_waiting"])).to_have_count(0)
    shot(page, f"refused-offline-submit-{locale}")
    kinds = [op["kind"] for op in outbox(page)]
    assert "submit" not in kinds and kinds.count("answer") == 5  # the answers are kept, no submit

    take_photo(page, items["door"])
    expect(door.locator("figure[data-photo-op]")).to_have_count(1)
    submit_button(page).tap()
    expect(page.locator("[data-submit-status]")).to_have_text(words["submit_waiting"])
    page.context.set_offline(False)
    expect(page).to_have_url(SUBMITTED, timeout=20_000)
    assert [i.status for i in inspections(app)] == ["submitted"]


def test_a_submit_the_server_refused_stays_listed_until_the_person_acts(app, phone: Page):
    words = server_words(app, "en")
    floor = a_floor(app)
    items = floor.items
    page = phone
    open_checklist(page, floor)
    listing = page.context.new_page()
    listing.goto("/outbox")
    page.bring_to_front()
    page.context.set_offline(True)
    tap(page, items["door"], "pass")
    answer_the_rest(page, items)
    submit_button(page).tap()
    expect(page.locator("[data-submit-status]")).to_have_text(words["submit_waiting"])
    # Meanwhile the note became required on the server: the phone's page could not know it.
    with app.app_context():
        db.session.get(ChecklistItem, items["other"]).required = True
        db.session.commit()
        db.session.remove()

    page.context.set_offline(False)
    other = page.locator(f"#item-{items['other']}")
    expect(other.locator(".field-error")).to_have_text(words["needed"])
    expect(page.locator("[data-outbox-bar]")).to_contain_text("1 waiting")
    listing.reload()
    rows = listing.locator(".outbox-item")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Submit inspection: Tower 1, 12F")
    expect(rows.first.locator(".state")).to_have_text(words["not_accepted"])
    expect(rows.first.locator(".error")).to_have_text(words["attention"][0])
    expect(listing.locator("[data-outbox-empty]")).to_be_hidden()
    expect(listing.get_by_text(words["nothing"])).to_be_hidden()
    shot(listing, "refused-submit-listed-en")
    assert inspections(app)[0].status == "draft"

    # The person opens it from the list, answers what is missing and submits again.
    rows.first.get_by_role("link", name="Open the checklist").tap()
    expect(listing.locator(f"#item-{items['other']} .field-error")).to_have_text(words["needed"])
    listing.locator(f"#value-{items['other']}").fill("All fine")
    submit_button(listing).tap()
    expect(listing).to_have_url(SUBMITTED, timeout=20_000)
    outbox_drained(listing)
    listing.goto("/outbox")
    expect(listing.locator("[data-outbox-empty]")).to_have_text(words["nothing"])
    assert [i.status for i in inspections(app)] == ["submitted"]
