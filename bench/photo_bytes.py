"""Bytes a checklist's three 12 MP photos send, with and without shrinking them on the phone.

    python bench/photo_bytes.py            # prints the tables bench/README.md quotes

Three generated 4000×3000 camera-like JPEGs (tests/camera_photos.py: smooth light, hard edges,
texture and grain; about 3.5 MB each at quality 92, as a 12 MP phone photo) go through
static/js/photo-shrink.js (window.patrolShrinkPhoto, the function the outbox calls) in headless
Chromium at 390×844. The time to send them at 0.75 Mbit/s (a weak 3G/4G signal in a basement) is
computed from the bytes, not measured; each photo is its own multipart request, whose framing adds
about 300 bytes (counted).

Then the whole checklist through the app (the demo estate, as bench/page_weight.py serves it): the
butler answers the eleven questions of a floor's checklist, fails three of them with a note and one
of those photos each, and submits; every request body that reached the server is counted. Once as
the phone does it, once with patrolShrinkPhoto taken away (the outbox then sends the originals).
"""

from __future__ import annotations

import base64
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from page_weight import demo_app, sign_in  # noqa: E402  (bench/page_weight.py)

from tests.camera_photos import camera_jpeg  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.page_weight import KB, ServerLog  # noqa: E402

LINK_BITS_PER_SECOND = 750_000
MULTIPART_FRAMING = 300  # boundary lines, the part's headers (name, filename, type) and the photo's id field
ROUNDS = 3

SHRINK = """async ([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const file = new File([bytes], name, { type: "image/jpeg" });
  const started = performance.now();
  const result = await window.patrolShrinkPhoto(file);
  return { size: result.blob.size, width: result.width, height: result.height, shrunk: result.shrunk,
           ms: performance.now() - started };
}"""


def seconds_at_link(size: int) -> float:
    return (size + MULTIPART_FRAMING) * 8 / LINK_BITS_PER_SECOND


def measure() -> list[dict]:
    photos = [(f"IMG_{seed:04d}.JPG", camera_jpeg(seed=seed, taken="2026:11:20 09:15:00")) for seed in (11, 12, 13)]
    script = (ROOT / "static/js/photo-shrink.js").read_text()
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        page.set_content("<!doctype html><title>shrink</title>")
        page.add_script_tag(content=script)
        for name, data in photos:
            runs = [page.evaluate(SHRINK, [base64.b64encode(data).decode(), name]) for _ in range(ROUNDS)]
            first = runs[0]
            assert first["shrunk"], name
            rows.append(
                {
                    "name": name,
                    "original": len(data),
                    "shrunk": first["size"],
                    "size": f"{first['width']}×{first['height']}",
                    "ms": statistics.median(run["ms"] for run in runs),
                }
            )
        version = browser.version
        browser.close()
    print(f"Chromium {version}, {ROUNDS} rounds per photo (median time)")
    return rows


def report(rows: list[dict]) -> None:
    print("| photo | taken (4000×3000) | sent after shrinking | shrink time | at 0.75 Mbit/s: full | shrunk |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        full, small = seconds_at_link(row["original"]), seconds_at_link(row["shrunk"])
        print(
            f"| {row['name']} | {row['original'] / KB:.0f} KB | {row['shrunk'] / KB:.0f} KB ({row['size']}) "
            f"| {row['ms']:.0f} ms | {full:.1f} s | {small:.1f} s |"
        )
    full, small = sum(r["original"] for r in rows), sum(r["shrunk"] for r in rows)
    print(
        f"| **three photos** | **{full / KB:.0f} KB** | **{small / KB:.0f} KB** | "
        f"{sum(r['ms'] for r in rows):.0f} ms | **{sum(seconds_at_link(r['original']) for r in rows):.1f} s** "
        f"| **{sum(seconds_at_link(r['shrunk']) for r in rows):.1f} s** |"
    )
    print(f"\nshrunk to {small / full:.1%} of the bytes ({full / small:.1f}× fewer)")


# For the run without shrinking: photo-shrink.js's assignment is ignored, as on a page that lacks it.
NO_SHRINKING = "Object.defineProperty(window, 'patrolShrinkPhoto', { get() {}, set(_) {} });"
FAILED_ITEMS = 3


def fill_checklist(page, scan: str, photos: list[Path]) -> None:
    """Answer every question of the scan page: the first three fail, each with a note and a photo."""
    page.goto(scan)
    page.wait_for_load_state("networkidle")
    failed = 0
    for section in page.locator("section[id^=item-]").all():
        number = section.get_attribute("id").split("-")[1]
        if section.locator(f"#value-{number}-fail").count() and failed < FAILED_ITEMS:
            section.locator(f"label[for=value-{number}-fail]").click()
            section.locator(f"[name=note-{number}]").fill("漏水，地面有积水")
            section.locator(f"input[type=file][name=photo-{number}]").set_input_files(str(photos[failed]))
            failed += 1
        elif section.locator(f"#value-{number}-pass").count():
            section.locator(f"label[for=value-{number}-pass]").click()
        elif section.locator(f"input[type=radio][name=value-{number}]").count():  # a rating: the best
            choice = section.locator(f"input[type=radio][name=value-{number}]").last.get_attribute("id")
            section.locator(f"label[for='{choice}']").click()
        page.wait_for_load_state("networkidle")
    page.locator("form#checklist button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(3000)  # photos still uploading one by one, then the submit
    page.wait_for_load_state("networkidle")


def stored(app) -> tuple[int, int]:
    """(submitted inspections, photos) the server holds: each run must add one and three."""
    from sqlalchemy import func, select

    from patrol.extensions import db
    from patrol.models import Inspection, Photo

    with app.app_context():
        submitted = db.session.scalar(select(func.count()).where(Inspection.status == "submitted"))
        photos = db.session.scalar(select(func.count(Photo.id)))
        db.session.remove()
    return submitted, photos


def one_checklist(browser, base: str, app, log: ServerLog, photos: list[Path], label: str, init) -> str:
    """One butler's checklist on a fresh phone: a row of the table, from the request bodies received."""
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, is_mobile=True)
    if init:
        context.add_init_script(init)
    page = context.new_page()
    sign_in(page)
    before, mark = stored(app), log.mark()
    fill_checklist(page, scan_of(app), photos)
    sent = [s for s in log.since(mark) if s.method == "POST"]
    photo = sum(s.received for s in sent if "/photos" in s.path)
    other = sum(s.received for s in sent if "/photos" not in s.path)
    inspections, kept = (after - was for after, was in zip(stored(app), before, strict=True))
    context.close()
    return (
        f"| {label} ({len(sent)} POSTs) | {photo / KB:,.0f} KB | {other / KB:,.1f} KB "
        f"| {(photo + other) / KB:,.0f} KB | {(photo + other) * 8 / LINK_BITS_PER_SECOND:.1f} s "
        f"| {inspections} inspection, {kept} photos |"
    )


def scan_of(app) -> str:
    from sqlalchemy import select

    from patrol.extensions import db
    from patrol.models import Location

    with app.app_context():
        token = db.session.scalar(select(Location.qr_token).order_by(Location.id))
        db.session.remove()
    return f"/c/{token}"


def through_the_app(photos: list[Path]) -> None:
    import logging
    import threading

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        app, _scan = demo_app(Path(folder))
        log = ServerLog(app.wsgi_app)
        app.wsgi_app = log
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print("\n| the checklist | photos | answers, notes, submit | total | at 0.75 Mbit/s | stored |")
                print("|---|---:|---:|---:|---:|---|")
                for label, init in (("shrunk on the phone", None), ("originals (no shrinking)", NO_SHRINKING)):
                    print(one_checklist(browser, base, app, log, photos, label, init))
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    report(measure())
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for seed in (11, 12, 13):
            path = Path(folder) / f"IMG_{seed:04d}.JPG"
            path.write_bytes(camera_jpeg(seed=seed, taken="2026:11:20 09:15:00"))
            files.append(path)
        through_the_app(files)
