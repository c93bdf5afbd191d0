"""Fixtures the browser tests share: the app under a real HTTP server, and Chromium pages that fail
the test on any Content-Security-Policy violation.

tests/conftest.py registers this module as a plugin; tests reach what it offers through the fixtures
only: importing this module too would keep pytest from rewriting its asserts.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.chromium import CHROMIUM, CHROMIUM_ARGS

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Generous enough for a slow CI machine, short enough that a hang fails the test instead of the job.
TIMEOUT_MS = 15_000

# Runs in every page before its own scripts; the page reports each violation back through a binding,
# so none is lost when the page navigates away before the test looks.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.target instanceof Element ? event.target.outerHTML.slice(0, 160) : "";
  window.__patrolCspViolation([event.effectiveDirective, event.blockedURI || "inline",
    (event.sourceFile || "") + ":" + event.lineNumber, event.sample, where].join(" "));
});
"""


@pytest.fixture
def live_server(app):
    """The session app under a real threaded HTTP server on a free port; its base URL."""
    # The cookies stay Secure as in production: Chromium treats http://127.0.0.1 as a secure origin.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class PolicyWatch:
    """Every Content-Security-Policy violation any watched page met, as the page and the console tell it."""

    def __init__(self):
        self.violations: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding("__patrolCspViolation", self._reported)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)

    def _reported(self, source, text: str) -> None:
        self.violations.append(f"{source['page'].url}: securitypolicyviolation {text}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"{message.page.url if message.page else '?'}: console {message.text}")


class Chromium:
    """A test's view of the shared Chromium: each page it opens is in a fresh context (no cookies or
    storage from other tests) and watched for policy violations."""

    PHONE, DESKTOP = PHONE, DESKTOP

    def __init__(self, browser, base_url: str, policy: PolicyWatch):
        self.browser, self.base_url, self.policy = browser, base_url, policy
        self.contexts: list[BrowserContext] = []

    def new_page(self, size: dict, **options) -> Page:
        context = self.browser.new_context(viewport=size, base_url=self.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        self.policy.watch(context)
        self.contexts.append(context)
        return context.new_page()

    def close(self, shots: Path, name: str) -> None:
        """Keep where each page ended (whatever the test's outcome: most useful when it failed), then close."""
        for number, context in enumerate(self.contexts):
            for page_number, page in enumerate(context.pages):
                with suppress(PlaywrightError):  # a crashed page must not hide the test's own failure
                    page.screenshot(
                        path=str(shots / f"{name}-last-{number}{page_number or ''}.png"),
                        full_page=True,
                        caret="initial",
                    )
            context.close()


@pytest.fixture
def policy_watch():
    """Fails the test, after its pages are closed, if any of them broke the Content-Security-Policy."""
    watch = PolicyWatch()
    yield watch
    assert watch.violations == [], "Content-Security-Policy violations:\n" + "\n".join(watch.violations)


@pytest.fixture(scope="session")
def _chromium_process():
    """One Chromium for the whole run: starting it costs more than most browser tests take."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium(request, _chromium_process, live_server, policy_watch):
    """Chromium on the live server; screenshots of where it ended go to the test module's SHOTS folder."""
    shots = Path(getattr(request.module, "SHOTS", "/tmp/browser-shots"))
    shots.mkdir(parents=True, exist_ok=True)
    chromium = Chromium(_chromium_process, live_server, policy_watch)
    try:
        yield chromium
    finally:
        chromium.close(shots, request.node.name)


@pytest.fixture
def phone(chromium):
    """A fresh Chromium page the size of a phone, pointed at the live server; always closed again."""
    return chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB")
