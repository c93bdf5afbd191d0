"""The scan page is light on a weak signal: its first load stays within 40 KB on the wire (compressed
bodies and their headers), with one script of ours, and a repeat visit asks the server for the page
only — every file comes from the phone's cache.

Counted in the server (tests/page_weight.py) as a butler's Chromium at phone size opens a location's
scan URL with an empty HTTP cache (signed in, no service worker: what the page itself needs). The
numbers and the heavy parts are in bench/README.md (python bench/page_weight.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.setup.catalogue import passfail
from tests import factories
from tests.browser_steps import sign_in
from tests.page_weight import KB, ServerLog, clear_http_cache, table, weight

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")
BUDGET = 40 * KB  # the scan page's first load on the wire: compressed bodies and headers, HTML to icons


@pytest.fixture
def server_log(app, monkeypatch) -> ServerLog:
    log = ServerLog(app.wsgi_app)
    monkeypatch.setattr(app, "wsgi_app", log)
    return log


@pytest.fixture
def scan_url(app) -> str:
    with app.app_context():
        site = factories.site("Harbour View ")
        factories.user("butler", sites=[site], username="wei", locale="en")
        location = factories.location(site, name="Tower 1, B2 car park")
        factories.checklist(
            [
                passfail("Fire door closed", "high", photo=True),
                passfail("Emergency lights working", "high", photo=True),
                passfail("Drains clear", "medium", photo=True),
            ]
        )
        return f"/c/{location.qr_token}"


def open_cold(page: Page, scan_url: str, log: ServerLog):
    """Sign in, forget every cached file, then open the scan page: what that page alone fetched."""
    sign_in(page, "wei")
    page.wait_for_load_state("networkidle")
    clear_http_cache(page)
    mark = log.mark()
    page.goto(scan_url)
    expect(page.locator("h1")).to_contain_text("Tower 1, B2 car park")
    page.wait_for_load_state("networkidle")
    return log.since(mark)


def test_the_scan_page_first_load_is_within_40_kb_with_headers_in_one_script_of_ours(chromium, server_log, scan_url):
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, service_workers="block")

    sent = open_cold(page, scan_url, server_log)

    assert [s.path for s in sent if s.mimetype == "text/html"][0] == scan_url
    for part in ("/static/css/app.", "/static/vendor/htmx.", "/static/bundles/scan."):
        assert any(s.path.startswith(part) for s in sent), f"{part} was not loaded:\n{table(sent)}"
    # Our scripts come as the one bundle: the checklist's parts are in it, not fetched after it.
    scripts = [s.path for s in sent if s.mimetype == "text/javascript"]
    assert len(scripts) == 2, table(sent)
    expect(page.locator("form[data-outbox-form]")).to_have_attribute("data-outbox-ready", "1")
    assert [s.path for s in sent if s.status != 200] == []
    # Text is compressed unless it is too small to gain (Flask-Compress's 500 bytes).
    assert [s.path for s in sent if s.body >= 500 and not s.encoding and s.mimetype != "image/png"] == []
    bodies, headers = weight(sent)
    assert bodies + headers <= BUDGET, (
        f"the scan page's first load is {(bodies + headers) / KB:.1f} KB, over {BUDGET // KB} KB:\n{table(sent)}"
    )


def test_a_repeat_visit_asks_the_server_for_the_page_only(chromium, server_log, scan_url):
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, service_workers="block")
    first = open_cold(page, scan_url, server_log)
    assert any(s.is_asset for s in first)

    mark = server_log.mark()
    again = page.context.new_page()  # the sticker scanned again: a new tab, the same phone
    again.goto(scan_url)
    expect(again.locator("h1")).to_contain_text("Tower 1, B2 car park")
    again.wait_for_load_state("networkidle")

    reached = server_log.since(mark)
    assert scan_url in [s.path for s in reached]
    assert [s.path for s in reached if s.is_asset] == [], table(reached)
    assert all(s.mimetype in ("text/html", "application/json") for s in reached), table(reached)
