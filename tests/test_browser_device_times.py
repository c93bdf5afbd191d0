"""A round done offline keeps the phone's times (patrol/inspections/visit_times.py), in a real Chromium
whose clock the test moves (Playwright's page.clock), with the server's clock moved alongside.

The phone prepares its round in the morning; two hours later, in a basement without signal, the
butler opens the saved checkpoint, answers and submits ten minutes later; the phone finds signal
three hours after that. The inspection says when it happened there and how long it really took, in
the site's time zone. Screenshots: /tmp/shots14/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections import visit_times
from patrol.models import Answer, Inspection
from tests.browser_steps import sign_in
from tests.outbox_steps import SUBMITTED, outbox, save_state, tap
from tests.test_browser_pwa import prepared, round_scene, worker_in_charge  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def device_ms(at: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=at)


def local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def stored(app) -> tuple[Inspection, list[Answer]]:
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        answers = db.session.scalars(select(Answer).order_by(Answer.item_id)).all()
        db.session.expunge_all()
        return inspection, answers


def test_a_round_done_offline_keeps_the_phone_s_times(app, phone: Page, round_scene, monkeypatch):  # noqa: F811
    later = {"by": timedelta(0)}  # the server's clock follows the phone's
    monkeypatch.setattr(visit_times, "server_now", lambda: utcnow() + later["by"])

    def hours_pass(clock: str, by: timedelta) -> None:
        phone.clock.fast_forward(clock)
        later["by"] += by

    phone.clock.install(time=datetime.now(UTC))
    token = round_scene["token"]
    sign_in(phone, round_scene["username"])
    prepared(phone, worker_in_charge(phone), f"/c/{token}")

    phone.context.set_offline(True)
    hours_pass("02:00:00", timedelta(hours=2))
    opened = phone.evaluate("Date.now()")
    assert phone.goto(f"/c/{token}").from_service_worker
    expect(phone.locator("form#checklist[data-outbox-ready]")).to_have_count(1)
    items = phone.locator("section.item[data-item]").evaluate_all("sections => sections.map((s) => s.dataset.item)")
    drain, lights = (int(item) for item in items)
    tap(phone, drain, "pass")
    save_state(phone, drain).to_have_text("Kept on this phone, will be sent")
    hours_pass("10:00", timedelta(minutes=10))
    tap(phone, lights, "pass")
    save_state(phone, lights).to_have_text("Kept on this phone, will be sent")
    phone.get_by_role("button", name="Submit inspection").tap()
    expect(phone.locator("[data-submit-status]")).to_contain_text("Kept on this phone")
    kept = {op["kind"] + str(op.get("item", "")): op for op in outbox(phone)}
    completed = device_ms(kept["submit"]["created"])

    hours_pass("03:00:00", timedelta(hours=3))
    phone.context.set_offline(False)
    expect(phone).to_have_url(SUBMITTED, timeout=30_000)

    inspection, answers = stored(app)
    # Opened here, two hours after the copy was made, before the first answer; completed at the tap.
    scanned = inspection.scanned_at
    assert device_ms(opened) <= scanned <= device_ms(kept[f"answer{drain}"]["created"])
    took = int((completed - scanned).total_seconds())
    assert (inspection.submitted_at, inspection.duration_seconds) == (completed, took)
    assert 10 * 60 <= took < 60 * 60  # the ten minutes it took, not the five hours until there was signal
    assert inspection.received_at - completed > timedelta(hours=3)
    assert inspection.clock_flag is None
    assert [a.answered_at for a in answers] == [device_ms(kept[f"answer{item}"]["created"]) for item in (drain, lights)]

    expect(phone.locator("[data-visit-started]")).to_have_text(local(scanned))
    expect(phone.locator("[data-visit-finished]")).to_have_text(local(completed))
    expect(phone.locator("[data-visit-duration]")).to_have_text(f"{took // 60} min {took % 60} s")
    expect(phone.locator("[data-visit-received]")).to_have_text(local(inspection.received_at))
    expect(phone.locator("[data-clock-note]")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "times-inspection-en.png"), full_page=True, caret="initial")
