"""The scan page's weight on the wire: its first load on a phone that has never opened the app, and
what a repeat visit asks the server for.

    python bench/page_weight.py                 # prints the tables bench/README.md quotes
    python bench/page_weight.py --shots /tmp/x  # and a screenshot of the page measured

The demo estate (patrol.demo.seed) on SQLite in a temporary folder, served by werkzeug in this
process; headless Chromium at 390×844 signs in as the demo butler, forgets its HTTP cache, and opens
the scan page of the demo's first location (/c/<token>), as scanning its sticker does. Sizes are
counted as the server sends them (tests/page_weight.py): each body as sent, compressed, and its
header block as HTTP/1.1 writes it.

1. First load, service worker blocked: the page and what it needs, nothing else.
2. Repeat visit (a new tab on the same URL, as a second scan of the sticker): what reached the server.
3. A new phone with the service worker allowed, from its first page: signing in, the worker's
   install (its precache of the app shell, the prepared round's pages), and what of it is the pages
   kept for offline use.
4. A repeat visit of the scan page with the worker.
5. As 3, the browser asking to save data (`Save-Data: on`): nothing is prepared.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.page_weight import KB, ServerLog, clear_http_cache, table, weight  # noqa: E402

BUDGET = 40 * KB


def demo_app(folder: Path):
    os.environ.update(PATROL_INSTANCE_PATH=str(folder), PATROL_DEMO="1", PATROL_BASE_URL="http://127.0.0.1")
    os.environ["PATROL_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    from flask_migrate import upgrade
    from sqlalchemy import select

    from patrol import create_app
    from patrol.demo.seed import seed_demo
    from patrol.extensions import db
    from patrol.models import Location

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}"})
    with app.app_context():
        upgrade()
        seed_demo()
        token = db.session.scalar(select(Location.qr_token).order_by(Location.id))
        db.session.remove()
    return app, f"/c/{token}"


def sign_in(page, username: str = "butler", password: str = "patrol-demo") -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def first_load(browser, base: str, scan: str, log: ServerLog, service_workers: str, shots: Path | None):
    context = browser.new_context(
        base_url=base, viewport={"width": 390, "height": 844}, is_mobile=True, service_workers=service_workers
    )
    page = context.new_page()
    sign_in(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)  # a service worker installs and precaches after the page has loaded
    clear_http_cache(page)
    mark = log.mark()
    page.goto(scan)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    if shots:
        page.screenshot(path=str(shots / f"scan-first-load-sw-{service_workers}.png"), full_page=True)
    return context, log.since(mark)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=Path)
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the server's request lines are not the report
    with tempfile.TemporaryDirectory() as folder:
        app, scan = demo_app(Path(folder))
        log = ServerLog(app.wsgi_app)
        app.wsgi_app = log
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print(f"Chromium {browser.version}; scan page {scan}\n")
                measure(browser, base, scan, log, args.shots)
                browser.close()
        finally:
            server.shutdown()


def measure(browser, base: str, scan: str, log: ServerLog, shots: Path | None) -> None:
    context, sent = first_load(browser, base, scan, log, "block", shots)
    print("## 1. First load, no service worker\n")
    print(table(sent))
    body, head = weight(sent)
    on_wire = body + head
    verdict = "within" if on_wire <= BUDGET else "OVER"
    print(f"budget {BUDGET / KB:.0f} KB with headers: {verdict} ({on_wire / BUDGET:.0%})\n")

    mark = log.mark()
    again = context.new_page()
    again.goto(scan)
    again.wait_for_load_state("networkidle")
    print("## 2. Repeat visit (a new tab on the same URL), no service worker\n")
    print(table(log.since(mark)) + "\n")
    context.close()

    context, page = with_worker(browser, base, log, "## 3. A new phone with the service worker", {})
    page.goto(scan)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    mark = log.mark()
    again = context.new_page()
    again.goto(scan)
    again.wait_for_load_state("networkidle")
    print("## 4. Repeat visit with the service worker\n")
    print(table(log.since(mark)) + "\n")
    context.close()
    context, _page = with_worker(browser, base, log, "## 5. The same, the browser set to save data", SAVE_DATA)
    context.close()


SAVE_DATA = {"Save-Data": "on"}  # what Chrome's Lite mode / Android's Data Saver add to every request


def with_worker(browser, base: str, log: ServerLog, heading: str, headers: dict):
    """A new phone signs in and its worker installs: what it fetched, and the pages kept for offline use."""
    context = browser.new_context(
        base_url=base,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        service_workers="allow",
        extra_http_headers=headers,
    )
    page = context.new_page()
    mark = log.mark()
    sign_in(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(3000)  # the worker installs, precaches the shell and prepares the round
    sent = log.since(mark)
    print(f"{heading}: sign in, the worker installs and prepares the round\n")
    print(table(sent) + "\n")
    kept = [s for s in sent if s.path.startswith("/c/") or s.path == "/prepare.json"]
    body, head = weight(kept)
    pages = sum(1 for s in kept if s.path.startswith("/c/"))
    print(f"kept for offline use: {pages} scan pages and the plan, {(body + head) / KB:.1f} KB on the wire\n")
    return context, page


if __name__ == "__main__":
    main()
