"""Counting a model room on a phone (issue 17, item 2): a zone counted with one tap, a line stepped down,
a line changed without signal and still there after an offline reload, then the submit. The server ends
with exactly the counts the steward gave, and the count's page names what was short.

Screenshots: /tmp/shots/count/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.register import lines_of
from patrol.models import CountLine, Inspection
from patrol.setup.catalogue import passfail
from tests import factories
from tests.browser_steps import sign_in
from tests.outbox_steps import SUBMITTED, outbox, outbox_drained
from tests.test_browser_pwa import prepared, worker_in_charge

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/count")
LINES = [
    ("客厅", "Sofa cushion", 6),
    ("客厅", "Coffee table", 1),
    ("客厅", "Floor lamp", 2),
    ("主卧", "Bedside lamp", 2),
]
LINES += [("主卧", "Bed runner", 1)]


@dataclass(frozen=True)
class Room:
    username: str
    token: str
    assets: dict[str, int]  # by the line's name


def a_model_room(app) -> Room:
    with app.app_context():
        site = factories.site("Harbour View ")
        steward = factories.user("steward", sites=[site], locale="en")
        boss = factories.user("supervisor", sites=[site])
        room = factories.location(site, kind="model_room", name="Model room A")
        check = passfail("Entrance tidy", photo=False)
        factories.checklist(
            [check, {"prompt": "Asset count", "item_type": "inventory"}], name="Hourly count", location=room
        )
        version = factories.register(room, LINES, boss)
        found = Room(steward.username, room.qr_token, {line.name: line.asset_id for line in lines_of(version.id)})
        db.session.remove()
    return found


def line(page: Page, asset: int):
    return page.locator(f'li[data-line="{asset}"]')


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def counted_on_the_server(app) -> tuple[Inspection, dict[int, tuple[int, int]]]:
    with app.app_context():
        [inspection] = db.session.scalars(select(Inspection)).all()
        rows = {row.asset_id: (row.counted, row.damaged) for row in db.session.scalars(select(CountLine))}
        db.session.expunge_all()
        db.session.remove()
    return inspection, rows


def test_a_zone_counted_at_one_tap_a_line_changed_offline_and_the_server_has_exactly_the_counts(app, phone: Page):
    room = a_model_room(app)
    a = room.assets
    page = phone
    sign_in(page, room.username)
    prepared(page, worker_in_charge(page), f"/c/{room.token}")
    page.goto(f"/c/{room.token}")
    expect(page.locator("[data-count-sheet][data-count-ready]")).to_have_count(1)
    living = page.locator("details[data-zone]").first
    expect(living.locator("[data-zone-progress]")).to_have_text("0/3 counted")

    living.get_by_role("button", name="All present").tap()
    expect(living.locator("[data-zone-progress]")).to_have_text("3/3 counted")
    line(page, a["Sofa cushion"]).get_by_role("button", name="One fewer").tap()
    expect(page.locator(f"#count-{a['Sofa cushion']}")).to_have_value("5")
    for name in ("Sofa cushion", "Coffee table", "Floor lamp"):
        expect(line(page, a[name]).locator("[data-line-state]")).to_have_text("Saved")
    expect(line(page, a["Sofa cushion"])).to_have_class("count-line is-counted is-short")
    outbox_drained(page)
    shot(page, "count-sheet-en")

    # No signal: the bedside lamp counted one short, kept on the phone, and still there after a reload.
    listing = page.context.new_page()
    listing.goto("/outbox")
    page.context.set_offline(True)
    bedside = line(page, a["Bedside lamp"])
    bedside.get_by_role("button", name="One more").tap()
    expect(bedside.locator("[data-line-state]")).to_have_text("Kept on this phone, will be sent")
    assert [(op["kind"], op["item"], op["fields"]["counted"]) for op in outbox(page)] == [
        ("count", f"asset:{a['Bedside lamp']}", "1")
    ]
    expect(listing.locator(".outbox-item")).to_have_count(1)
    expect(listing.locator(".outbox-item .what")).to_have_text("Count: Bedside lamp · Model room A")
    page.reload()  # the copy the phone keeps of the page, made before anything was counted
    expect(page.locator("[data-count-sheet][data-count-ready]")).to_have_count(1)
    expect(page.locator(f"#count-{a['Bedside lamp']}")).to_have_value("1")
    expect(page.locator(f"#count-{a['Sofa cushion']}")).to_have_value("5")
    expect(line(page, a["Bedside lamp"]).locator("[data-line-state]")).to_have_text("Kept on this phone, will be sent")
    expect(page.locator("details[data-zone]").nth(1).locator("[data-zone-progress]")).to_have_text("1/2 counted")

    page.context.set_offline(False)
    outbox_drained(page)
    expect(line(page, a["Bedside lamp"]).locator("[data-line-state]")).to_have_text("Saved")
    page.locator("label[for$='-pass']").first.tap()
    # The second lamp turns up: tapped, and submitted in the same instant, before the stepper's pause is over.
    page.evaluate(
        """asset => {
            document.querySelector(`li[data-line="${asset}"] [data-step="1"]`).click();
            document.querySelector("form[data-submit-url] button[type=submit]").click();
        }""",
        a["Bedside lamp"],
    )
    expect(page).to_have_url(SUBMITTED, timeout=20_000)

    inspection, rows = counted_on_the_server(app)
    assert inspection.status == "submitted" and inspection.register_version_id is not None
    # The bed runner was never counted: skipped, not zero.
    assert rows == {
        a["Sofa cushion"]: (5, 0),
        a["Coffee table"]: (1, 0),
        a["Floor lamp"]: (2, 0),
        a["Bedside lamp"]: (2, 0),
    }
    summary = page.locator("#count-summary")
    expect(summary.locator("[data-count-counted]")).to_have_text("4 of 5")
    expect(summary.locator("[data-short-lines] li")).to_have_count(1)
    expect(summary).to_contain_text("Sofa cushion")
    expect(summary).to_contain_text("1 line was not counted")
    shot(page, "count-result-en")
