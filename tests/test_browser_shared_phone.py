"""A phone shared by a butler and a model-room steward: the butler queues a round offline and signs out
without signal; the steward signs in on the same phone and sees nothing of the butler's — on any page,
in the outbox, on the offline page or in Cache Storage — and nothing of his is sent as hers. When the
butler signs in again, his round is sent as his. Screenshots: /tmp/shared-phone-shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import Inspection, Login, User
from tests import factories
from tests.browser_steps import sign_in
from tests.outbox_steps import (
    a_floor,
    inspections,
    open_checklist,
    outbox,
    outbox_drained,
    tap,
    until_page_says,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shared-phone-shots")
NOTE = "Butler only: the lock on 12F is broken"

# Every text a cache holds (pages, the offline page, the prepared list), by cache name.
CACHED_TEXTS = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const texts = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const type = response.headers.get("Content-Type") || "";
      if (type.startsWith("text/html") || type.includes("json")) texts.push(await response.text());
    }
    found[name] = texts;
  }
  return found;
}"""

COUNT_PAGES_KEPT = """async () => {
  let kept = 0;
  for (const name of await caches.keys()) {
    if (name.startsWith("patrol-pages-")) kept += (await (await caches.open(name)).keys()).length;
  }
  return kept;
}"""


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial", full_page=True)


def a_steward_at_the_sales_office(app) -> int:
    """The model room's steward: the sales office is a site of its own, so nothing of the butler's
    estate is hers to see."""
    with app.app_context():
        office = factories.site("Harbour View sales office")
        factories.location(office, name="Model room A")
        steward = factories.user("steward", sites=[office], username="steward", locale="en")
        steward.display_name = "Mei the steward"
        db.session.commit()
        steward_id = steward.id
        db.session.remove()
    return steward_id


def worker_controls(page: Page) -> None:
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()  # the worker took charge after this page loaded; it controls the next load
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def butler_strings(app, floor) -> list[str]:
    """What must never reach the steward: his name, the place of his round, his note. (Its questions are
    on her checklists too.)"""
    with app.app_context():
        butler = db.session.scalar(select(User).where(User.username == floor.username))
        name = butler.display_name
        db.session.remove()
    return [name, "Tower 1, 12F", NOTE]


def shows_none_of(page: Page, strings: list[str]) -> None:
    text = page.content()
    for value in strings:
        assert value not in text, f"{value!r} is on {page.url}"


def caches_hold_none_of(page: Page, strings: list[str]) -> None:
    for name, texts in page.evaluate(CACHED_TEXTS).items():
        for value in strings:
            assert not any(value in text for text in texts), f"{value!r} is in the cache {name}"


def logins_of(app, user_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Login).where(Login.user_id == user_id))
        db.session.remove()
    return count


def queue_a_round_offline(page: Page, items: dict[str, int]) -> None:
    page.context.set_offline(True)
    tap(page, items["door"], "fail")
    page.locator(f"#note-{items['door']}").fill(NOTE)
    page.set_input_files(
        f"#photo-{items['door']}",
        files=[{"name": "lock.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(1200, 900)}],
    )
    expect(page.locator(f"#item-{items['door']} figure[data-photo-op]")).to_have_count(1)
    tap(page, items["clean"], "4")
    page.locator(f"#value-{items['extinguishers']}").fill("2")
    page.locator(f"#value-{items['pressure']}").fill("0.4")
    page.locator(f"label[for='value-{items['bins']}-1']").tap()
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page.locator("[data-submit-status]")).to_contain_text("Kept on this phone")


def sign_out_from_the_menu(page: Page) -> None:
    page.locator("details.menu summary").tap()
    page.get_by_role("button", name="Sign out").tap()


def posts_from_now_on(page: Page) -> list[str]:
    posted: list[str] = []
    page.context.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    return posted


def test_the_next_person_on_a_shared_phone_sees_and_sends_nothing_of_the_last(app, phone: Page):
    floor = a_floor(app)
    steward_id = a_steward_at_the_sales_office(app)
    secrets = butler_strings(app, floor)
    page = phone
    page.on("dialog", lambda dialog: dialog.accept())  # "sign out anyway?": yes

    # The butler's round: prepared on the phone, then filled in and submitted in a basement.
    open_checklist(page, floor)
    worker_controls(page)
    until_page_says(page, COUNT_PAGES_KEPT.replace("return kept;", "return kept > 1;"), "his round kept on the phone")
    queue_a_round_offline(page, floor.items)
    waiting = len(outbox(page))
    assert waiting >= 6

    # Still without signal, he signs out: the phone forgets his pages at once.
    sign_out_from_the_menu(page)
    expect(page.locator("h1")).to_have_text("No connection")
    expect(page.locator("[data-offline-signed-out]")).to_have_text(
        "You are signed out on this phone. What you kept here waits for you and is sent when you sign in again "
        "with signal."
    )
    expect(page.locator("details.menu")).to_have_count(0)
    expect(page.locator("[data-outbox-count]")).to_have_text(
        f"{waiting} waiting on this phone for whoever kept them to sign in"
    )
    shows_none_of(page, secrets)
    assert page.evaluate(COUNT_PAGES_KEPT) == 0
    caches_hold_none_of(page, secrets)
    shot(page, "01-signed-out-offline")

    # Signal again. The steward opens the app: the butler's login ends before anything else is asked.
    page.context.set_offline(False)
    posted = posts_from_now_on(page)
    butler_id = next(op["user"] for op in outbox(page))
    page.goto("/login")
    expect(page.locator("#username")).to_be_visible()
    assert logins_of(app, int(butler_id)) == 0
    sign_in(page, "steward")
    expect(page.locator("details.menu summary")).to_have_text("Mei the steward")

    bar = page.locator("[data-outbox-count]")
    expect(bar).to_have_text(f"{waiting} waiting for another person on this phone")
    expect(page.locator("[data-outbox-signin]")).to_be_hidden()
    shows_none_of(page, secrets)
    shot(page, "02-steward-home")

    page.goto("/outbox")
    expect(page.locator(".outbox-others")).to_have_text(
        f"{waiting} items are waiting for another person on this phone. They are sent when that person signs in here."
    )
    expect(page.locator(".outbox-item")).to_have_count(1)
    expect(page.locator(".outbox-list img")).to_have_count(0)
    shows_none_of(page, secrets)
    shot(page, "03-steward-outbox")

    # The offline page, as the steward would meet it, is nobody's.
    offline = page.evaluate("async () => (await (await caches.match('/offline')).text())")
    assert "Mei the steward" not in offline and "csrf" not in offline.lower()
    assert all(value not in offline for value in secrets)

    # Whatever makes the outbox try, nothing of the butler's leaves as the steward.
    page.evaluate("() => window.patrolOutbox.flush(true)")
    page.reload()
    until_page_says(page, "() => window.patrolOutbox.all().then((ops) => ops.length > 0)", "the outbox to be read")
    assert [url for url in posted if "/inspect/" in url] == []
    assert len(outbox(page)) == waiting
    until_page_says(
        page,
        "(id) => caches.keys().then((names) => names.some((name) => name.endsWith('-' + id)))",
        "her own pages cache",
        arg=str(steward_id),
    )
    caches_hold_none_of(page, secrets)
    assert not any(name.endswith(f"-{butler_id}") for name in page.evaluate("() => caches.keys()"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Inspection.inspector_id == steward_id)) == 0
        db.session.remove()

    # The steward signs out; the butler signs in again, and his round is sent as his.
    sign_out_from_the_menu(page)
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page, floor.username)
    outbox_drained(page)
    [inspection] = inspections(app)
    assert inspection.status == "submitted" and str(inspection.inspector_id) == str(butler_id)
    door = next(answer for answer in inspection.answers if answer.item_id == floor.items["door"])
    assert door.note == NOTE and len(door.photos) == 1
