"""The report form (随手拍) without signal, in a real Chromium on a phone (390×844): the phone that prepared
its round keeps one copy of /report, and "Report a problem here" on a saved scan page opens it in a
basement with that checkpoint picked by name. The phone checks a report with the server's own rules and
words before keeping it: one missing its place is refused at once, nothing kept to be refused hours
later; a whole one is kept and arrives once there is signal. Screenshots: /tmp/shots14/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Task
from patrol.setup.catalogue import passfail
from tests import factories
from tests.browser_steps import sign_in
from tests.outbox_steps import outbox, outbox_drained
from tests.test_browser_pwa import prepared, worker_in_charge

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")
PLACE = "Tower 1, B2 car park"


def a_basement(app, locale: str) -> dict:
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale=locale)
        location = factories.location(site, name=PLACE)
        factories.checklist([passfail("Drain is clear", "high")])
        scene = {"username": butler.username, "token": location.qr_token, "location": location.id}
        db.session.remove()
        return scene


def report_form_offline(phone: Page, scene: dict, here: str) -> None:
    """Signed in, the round prepared; then no signal: from the saved scan page to the saved report form."""
    sign_in(phone, scene["username"])
    version = worker_in_charge(phone)
    prepared(phone, version, f"/c/{scene['token']}")
    prepared(phone, version, "/report")
    phone.context.set_offline(True)
    assert phone.goto(f"/c/{scene['token']}").from_service_worker
    phone.get_by_role("link", name=here).tap()
    expect(phone).to_have_url(re.compile(rf"/report\?location={scene['location']}$"))
    expect(phone.locator("form[data-report-form][data-outbox-ready]")).to_have_count(1)
    expect(phone.locator(".saved-copy")).to_be_visible()
    picked = phone.locator(f"#f-location-{scene['location']}")
    expect(picked).to_be_checked()
    expect(phone.locator(f"label[for='f-location-{scene['location']}']")).to_have_text(PLACE)


def test_a_saved_scan_page_opens_the_report_form_offline_for_its_place_and_the_phone_checks_it(app, phone: Page):
    scene = a_basement(app, "en")
    report_form_offline(phone, scene, "Report a problem here")
    phone.screenshot(path=str(SHOTS / "report-offline-en.png"), full_page=True, caret="initial")

    # Somewhere else, said nowhere, and nothing written: refused on the phone in the server's words.
    phone.locator("label[for='f-location-none']").tap()
    phone.get_by_role("button", name="Send report").tap()
    expect(phone.locator("[data-report-alert] .alert-error")).to_have_text("Please check what you entered")
    expect(phone.locator("fieldset.where .field-error")).to_have_text("Say where: pick a location or type the place.")
    expect(phone.locator(".report-photo .field-error")).to_have_text("Take a photo or write what is wrong.")
    expect(phone.get_by_role("button", name="Send report")).to_be_enabled()
    assert outbox(phone) == []  # nothing kept to be refused hours later

    phone.locator(f"label[for='f-location-{scene['location']}']").tap()
    phone.locator("#f-note").fill("Water on the floor by the ramp")
    phone.get_by_role("button", name="Send report").tap()
    expect(phone.locator("[data-report-status]")).to_have_text(
        "Kept on this phone. The report will be sent by itself when there is signal."
    )
    expect(phone.locator(".field-error")).to_have_count(0)
    assert [op["kind"] for op in outbox(phone)] == ["report"]

    phone.context.set_offline(False)
    outbox_drained(phone)
    with app.app_context():
        (task,) = db.session.scalars(select(Task)).all()
        assert (task.location_id, task.detail) == (scene["location"], "Water on the floor by the ramp")
        db.session.remove()


def test_the_report_form_offline_in_chinese(app, phone: Page):
    scene = a_basement(app, "zh_Hans")
    report_form_offline(phone, scene, "在这里随手拍")
    expect(phone.locator("h1")).to_have_text("随手拍")
    phone.screenshot(path=str(SHOTS / "report-offline-zh.png"), full_page=True, caret="initial")
    # Past the field's maxlength (a script or an old browser may put it there): the server's limit, in its words.
    phone.evaluate("() => { document.getElementById('f-note').value = 'x'.repeat(2001); }")
    phone.locator("label[for='f-location-none']").tap()
    phone.get_by_role("button", name="提交上报").tap()
    expect(phone.locator("fieldset.where .field-error")).to_have_text("请说明位置：选择点位或填写具体位置。")
    expect(phone.locator("#e-note")).to_have_text("请不要超过 2000 个字。")
    assert outbox(phone) == []
    phone.context.set_offline(False)
