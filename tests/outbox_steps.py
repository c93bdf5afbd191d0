"""Steps the outbox's browser tests share: a floor to patrol, opening its checklist, reading the phone's
outbox (IndexedDB, through the page) and what the database holds."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Inspection
from patrol.setup.catalogue import choice, count, note, passfail, rating, reading
from tests import factories
from tests.browser_steps import sign_in


@dataclass(frozen=True)
class Floor:
    username: str
    token: str
    location_id: int
    version_id: int
    items: dict[str, int]  # by a short name


def a_floor(app, *, photo_on_fail: bool = True, extra: int = 0, locale: str = "en") -> Floor:
    """A butler and a floor with one item of every kind (and `extra` pass/fail items after them)."""
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale=locale)
        location = factories.location(site, name="Tower 1, 12F")
        items = [
            passfail("Fire door closed", "high", photo=photo_on_fail),
            rating("Floors clean"),
            count("Extinguishers in place", 2, photo=False),
            reading("Water pressure", 0.2, 0.6, "MPa"),
            choice("Bin room", ["Tidy", "Overflowing"], failing=["Overflowing"]),
            note("Anything else"),
            *[passfail(f"Check {n}", "low", photo=False) for n in range(extra)],
        ]
        version = factories.checklist(items, name="Floor patrol")
        names = ["door", "clean", "extinguishers", "pressure", "bins", "other"] + [f"check{n}" for n in range(extra)]
        floor = Floor(
            butler.username,
            location.qr_token,
            location.id,
            version.id,
            dict(zip(names, (item.id for item in version.items), strict=True)),
        )
        db.session.remove()
    return floor


def open_checklist(page: Page, floor: Floor) -> None:
    sign_in(page, floor.username)
    page.goto(f"/c/{floor.token}")
    expect(page.locator("form#checklist[data-outbox-ready]")).to_have_count(1)


def outbox(page: Page) -> list[dict]:
    """The operations waiting in this phone's outbox, oldest first."""
    return page.evaluate("() => window.patrolOutbox.all()")


def until_page_says(page: Page, script: str, what: str, timeout: int = 20_000, arg=None) -> None:
    """Waits until an (async) script run in the page gives something truthy. Polled from here:
    wait_for_function takes a returned promise for a truthy answer and would not wait at all."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"waited {timeout} ms for {what}"
        page.wait_for_timeout(100)


# True once the outbox is empty, looked at again at each change it announces (its "patrol-outbox"
# events, relayed from the other tabs too); false after `seconds`, which only bounds a failure.
DRAINED = """async (seconds) => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), seconds * 1000));
  for (;;) {
    const changed = new Promise((resolve) => window.addEventListener("patrol-outbox", resolve, { once: true }));
    if ((await window.patrolOutbox.all()).length === 0) return true;
    if ((await Promise.race([changed, timeout])) === "timeout") return false;
  }
}"""


def outbox_drained(page: Page, seconds: int = 60) -> None:
    """Waits until every operation on the phone has been acknowledged and let go."""
    # Not wait_for_function: it takes the Promise an async check returns as a truthy answer at once.
    assert page.evaluate(DRAINED, seconds), f"after {seconds} s the outbox still holds {outbox(page)}"


def save_state(page: Page, item_id: int):
    return expect(page.locator(f"#item-{item_id} [data-save-state]"))


def tap(page: Page, item_id: int, value: str) -> None:
    page.locator(f"label[for='value-{item_id}-{value}']").tap()


def inspections(app) -> list[Inspection]:
    """Every inspection with its answers and their photos loaded, detached from the session."""
    with app.app_context():
        rows = db.session.scalars(select(Inspection).order_by(Inspection.id)).all()
        for row in rows:
            for answer in row.answers:
                list(answer.photos)
        db.session.expunge_all()
        db.session.remove()
    return rows


def answers_of(inspection: Inspection) -> dict[int, tuple]:
    return {a.item_id: (a.value_text if a.value_number is None else a.value_number) for a in inspection.answers}


SUBMITTED = re.compile(r"/inspections/\d+$")
