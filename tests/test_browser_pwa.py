"""The installable app in a real Chromium on a phone-sized screen: the service worker installs, keeps a
butler's checkpoints, opens them without a connection, gives way to a new version, and the Scan button
reads a sticker where the browser can.

Screenshots of where each test ended go to /tmp/h6-shots/ (outside the repo).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patrol.extensions import db
from patrol.models import Site
from patrol.setup.catalogue import passfail
from tests import factories
from tests.browser_steps import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/h6-shots")
# Only bounds a failure: every wait below ends on an event in the page, as soon as it happens.
WAIT_S = 120

# The version of the worker controlling the page once it is `wanted` (any, when null) and activated
# (its activate step, which removes older versions' caches, is done): asked again each time a worker
# takes over (controllerchange). "timeout" after `seconds`, which only bounds a failure.
CONTROLLED_BY = """async ([wanted, seconds]) => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), seconds * 1000));
  const activated = (worker) => new Promise((resolve) => {
    if (worker.state === "activated") resolve();
    worker.addEventListener("statechange", () => { if (worker.state === "activated") resolve(); });
  });
  const versionOf = (worker) => activated(worker).then(() => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data.version);
    worker.postMessage({ type: "patrol-version" }, [channel.port2]);
  }));
  for (;;) {
    const changed = new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    const worker = navigator.serviceWorker.controller;
    const seen = worker ? await Promise.race([versionOf(worker), timeout]) : null;
    if (seen === "timeout" || (seen && (wanted === null || seen === wanted))) return seen;
    if ((await Promise.race([changed, timeout])) === "timeout") return "timeout";
  }
}"""

# The caches once `path` is kept under `version`, looked at again each time pwa.js hears the worker
# has kept the round (it sets <html data-patrol-prepared>); with "timeout" set after `seconds`.
KEPT = """async ([version, path, seconds]) => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), seconds * 1000));
  const cached = async () => {
    const found = {};
    for (const name of await caches.keys()) {
      found[name] = (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
    }
    return found;
  };
  for (;;) {
    const kept = new Promise((resolve) => {
      const watch = new MutationObserver(() => { watch.disconnect(); resolve(); });
      watch.observe(document.documentElement, { attributeFilter: ["data-patrol-prepared"] });
    });
    const found = await cached();
    // One pages cache per person and version: "patrol-pages-<version>-<person>".
    const pages = Object.keys(found).find((name) => name.startsWith("patrol-pages-" + version + "-"));
    if (pages && found[pages].includes(path)) return found;
    if ((await Promise.race([kept, timeout])) === "timeout") return { timeout: found };
  }
}"""

# A camera and a QR reader for a browser that has neither (Chromium on Linux has no BarcodeDetector):
# the reader "sees" whatever the test puts in window.__patrolQr.
FAKE_CAMERA = """
window.__patrolQr = [];
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  async detect() { return window.__patrolQr.map((rawValue) => ({ rawValue })); }
};
if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 320; canvas.height = 240;
  const pen = canvas.getContext("2d");
  let shade = 0;
  setInterval(() => {
    shade = (shade + 16) % 256;
    pen.fillStyle = `rgb(40, ${shade}, 90)`;
    pen.fillRect(0, 0, 320, 240);
  }, 100);
  return canvas.captureStream(10);
};
"""
NO_READER = "delete window.BarcodeDetector;"
CAMERA_REFUSED = """
window.BarcodeDetector = class { static async getSupportedFormats() { return ["qr_code"]; } };
if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = async () => {
  throw new DOMException("Permission denied", "NotAllowedError");
};
"""


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def controlling_version(page: Page, wanted: str | None = None) -> str:
    """The version of the worker controlling the page, once one (the `wanted` one) does."""
    seen = page.evaluate(CONTROLLED_BY, [wanted, WAIT_S])
    assert seen != "timeout", f"no worker{' of version ' + wanted if wanted else ''} took charge in {WAIT_S} s"
    return seen


def worker_in_charge(page: Page) -> str:
    """Waits until an activated worker controls the page; its version."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        # The worker took charge while this page was on its way (signing in loads the next page at once):
        # it claims the pages open then, and controls every page loaded after.
        page.reload()
    return controlling_version(page)


def versioned(caches: dict) -> list[str]:
    """The caches that belong to a version (not "patrol-person", which remembers whom the phone is with),
    each named by its kind and version: "patrol-pages-<version>", "patrol-shell-<version>"."""
    names = [name for name in caches if name != "patrol-person"]
    return sorted(re.sub(r"^(patrol-pages-[0-9a-f]+)-.*$", r"\1", name) for name in names)


def prepared(page: Page, version: str, path: str) -> dict[str, list[str]]:
    """Waits until `path` is kept on the phone under `version`; every cache and what it holds."""
    found = page.evaluate(KEPT, [version, path, WAIT_S])
    assert "timeout" not in found, f"{path} was not kept under {version} in {WAIT_S} s; the caches: {found}"
    return found


def sw_version(page: Page) -> str:
    return re.search(r'^const VERSION = "([0-9a-f]+)";$', page.request.get("/sw.js").text(), re.M).group(1)


@pytest.fixture
def round_scene(app):
    """A butler and one checkpoint with a two-question checklist; plain values only."""
    with app.app_context():
        site = factories.site("Harbour View ")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site, name="Tower 1, B2 car park")
        factories.checklist([passfail("Drain is clear", "high"), passfail("Lights work", "low")])
        return {
            "username": butler.username,
            "token": location.qr_token,
            "code": location.short_code,
            "site_id": site.id,
        }


def new_checkpoint(app, site_id: int, name: str) -> str:
    with app.app_context():
        location = factories.location(db.session.get(Site, site_id), name=name)
        return location.qr_token


def test_chromium_finds_the_app_installable(phone: Page, round_scene):
    phone.goto("/login")
    worker_in_charge(phone)
    cdp = phone.context.new_cdp_session(phone)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    data = json.loads(manifest["data"])
    assert data["name"] == "巡检" and data["display"] == "standalone"
    # A Playwright context is incognito, where Chrome offers no install: that is the only objection allowed.
    objections = [error["errorId"] for error in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert [objection for objection in objections if objection != "in-incognito"] == []
    for icon in data["icons"]:
        size = phone.evaluate(
            "async (src) => { const img = new Image(); img.src = src; await img.decode();"
            " return img.naturalWidth + 'x' + img.naturalHeight; }",
            icon["src"],
        )
        assert size == icon["sizes"], icon
    assert "maskable" in {icon["purpose"] for icon in data["icons"]}


def test_a_prepared_checkpoint_opens_offline_and_an_unprepared_one_says_what_to_do(app, phone: Page, round_scene):
    token = round_scene["token"]
    sign_in(phone, round_scene["username"])
    version = worker_in_charge(phone)
    prepared(phone, version, f"/c/{token}")
    prepared(phone, version, "/")
    # Installed after the phone prepared its round: this one it does not have.
    late = new_checkpoint(app, round_scene["site_id"], "Tower 2, plant room")

    phone.context.set_offline(True)
    response = phone.goto(f"/c/{token}")
    assert response.from_service_worker
    expect(phone.locator("h1")).to_have_text("Tower 1, B2 car park")
    expect(phone.get_by_text("Drain is clear")).to_be_visible()
    expect(phone.locator(".saved-copy")).to_contain_text("No connection: this page was saved on this phone at")
    assert phone.evaluate("document.documentElement.dataset.patrolSavedAt")  # outbox.js mints a new id from this
    shot(phone, "offline-prepared")

    phone.goto(f"/c/{late}")
    expect(phone.locator("h1")).to_have_text("No connection")
    expect(phone.locator("[data-offline-not-prepared]")).to_have_text(
        "This checkpoint was not prepared on this phone, so it cannot open without a connection."
    )
    expect(phone.get_by_text("Scan a prepared checkpoint, or open one from the list below.")).to_be_visible()
    expect(phone.locator("[data-prepared-list] .title")).to_have_text(["Tower 1, B2 car park"])
    shot(phone, "offline-unprepared")
    phone.locator("[data-prepared-list] a").tap()
    expect(phone).to_have_url(re.compile(re.escape(f"/c/{token}") + "$"))
    expect(phone.get_by_text("Drain is clear")).to_be_visible()

    # The installed app starts at its home page: offline it is the saved copy, and its links still open
    # the checkpoints the phone keeps (a boosted link without network becomes a whole-page load).
    phone.goto("/")
    expect(phone.locator(".saved-copy")).to_be_visible()
    phone.get_by_role("link", name=re.compile("Tower 1, B2 car park")).tap()
    expect(phone).to_have_url(re.compile(re.escape(f"/c/{token}") + "$"))
    expect(phone.get_by_text("Lights work")).to_be_visible()

    # A sticker that will not scan: its code, typed offline, opens the checkpoint the phone keeps.
    phone.goto("/")
    phone.locator("#code").fill(round_scene["code"].lower())
    phone.locator(".code-form button[type=submit]").tap()
    expect(phone).to_have_url(re.compile(re.escape(f"/c/{token}") + "$"))
    expect(phone.get_by_text("Drain is clear")).to_be_visible()
    phone.context.set_offline(False)


def test_a_new_version_takes_over_and_leaves_no_old_cache(app, phone: Page, round_scene):
    token = round_scene["token"]
    sign_in(phone, round_scene["username"])
    old = worker_in_charge(phone)
    assert versioned(prepared(phone, old, f"/c/{token}")) == [f"patrol-pages-{old}", f"patrol-shell-{old}"]

    app.config["PATROL_SW_VERSION_SALT"] = "the next build"  # as a deploy that changed a file would
    try:
        new = sw_version(phone)
        assert new != old
        phone.reload()
        controlling_version(phone, new)
        # The round is kept again, under the new version; the old worker's caches went as it took over.
        kept = prepared(phone, new, f"/c/{token}")
        assert versioned(kept) == [f"patrol-pages-{new}", f"patrol-shell-{new}"], (old, kept)

        phone.context.set_offline(True)
        response = phone.goto(f"/c/{token}")
        assert response.from_service_worker
        expect(phone.get_by_text("Drain is clear")).to_be_visible()
        phone.context.set_offline(False)
    finally:
        app.config.pop("PATROL_SW_VERSION_SALT", None)


def test_the_scan_button_reads_a_sticker_and_opens_its_checkpoint(phone: Page, round_scene):
    phone.context.add_init_script(FAKE_CAMERA)
    sign_in(phone, round_scene["username"])
    # The camera's script is fetched by pages with the button only, also when reached by a boosted link.
    phone.goto(f"/c/{round_scene['token']}")
    expect(phone.get_by_text("Drain is clear")).to_be_visible()
    assert phone.locator("script[data-patrol-scan]").count() == 0
    phone.locator(".tabbar").get_by_role("link", name="Home").tap()
    scan = phone.get_by_role("button", name="Scan")
    expect(scan).to_be_visible()
    shot(phone, "scan-button")
    scan.tap()
    scanner = phone.locator("[data-scanner]")
    expect(scanner).to_be_visible()
    phone.wait_for_function("() => document.querySelector('[data-scanner-video]').readyState >= 2")

    phone.evaluate("window.__patrolQr = ['https://example.com/pay?id=1']")
    expect(phone.locator("[data-scanner-status]")).to_have_text(
        "That is not a patrol code. Point the camera at the checkpoint's QR sticker."
    )
    shot(phone, "scan-not-patrol")
    # The sticker names the public address (PATROL_BASE_URL); the page opens on this one.
    phone.evaluate("(token) => { window.__patrolQr = ['https://patrol.test/c/' + token]; }", round_scene["token"])
    expect(phone).to_have_url(re.compile(re.escape(f"/c/{round_scene['token']}") + "$"))
    expect(phone.get_by_text("Drain is clear")).to_be_visible()


def test_without_a_qr_reader_the_scan_button_says_to_use_the_camera_or_wechat(phone: Page, round_scene):
    phone.context.add_init_script(NO_READER)
    sign_in(phone, round_scene["username"])
    phone.get_by_role("button", name="Scan").tap()
    help_panel = phone.locator("[data-scan-help]")
    expect(help_panel).to_contain_text("This browser cannot read QR codes itself.")
    expect(help_panel).to_contain_text("WeChat's Scan")
    expect(phone.locator("[data-scanner]")).to_be_hidden()
    shot(phone, "scan-unsupported")
    help_panel.get_by_role("button", name="OK").tap()
    expect(help_panel).to_be_hidden()


def test_a_refused_camera_is_explained(phone: Page, round_scene):
    phone.context.add_init_script(CAMERA_REFUSED)
    sign_in(phone, round_scene["username"])
    phone.get_by_role("button", name="Scan").tap()
    expect(phone.locator("[data-scan-help-refused]")).to_have_text(
        "The camera could not be opened. Allow the camera for this app, "
        "or use the phone's camera or WeChat's Scan instead."
    )
    expect(phone.locator("[data-scanner]")).to_be_hidden()


def test_wechat_without_a_service_worker_says_to_open_a_browser_and_still_works(chromium, round_scene):
    """WeChat on iOS: a WKWebView with no service worker. Online, everything works as in any browser."""
    page = chromium.new_page(
        chromium.PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
        service_workers="block",
    )
    page.context.add_init_script("delete Navigator.prototype.serviceWorker;")
    sign_in(page, round_scene["username"])
    hint = page.locator("[data-wechat-hint]")
    expect(hint).to_be_visible()
    expect(hint).to_have_text(
        "To use the app without signal, open it in a browser: tap ··· at the top right, then Open in Browser."
    )
    assert page.evaluate("() => document.getElementById('main').firstElementChild.hasAttribute('data-wechat-hint')")
    shot(page, "wechat-hint")
    page.get_by_role("link", name=re.compile("Tower 1, B2 car park")).tap()
    expect(page.get_by_text("Drain is clear")).to_be_visible()
