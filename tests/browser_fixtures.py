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
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.hang_watch import deadline, kill_children

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Generous enough for a slow CI machine, short enough that a hang fails the test instead of the job.
TIMEOUT_MS = 15_000
# The assertions wait as long as the actions: expect()'s own 5 s runs out on a machine busy with
# several workers while the page is still on its way.
expect.set_options(timeout=TIMEOUT_MS)
# Closing a test's pages, or Chromium at the end, takes a second; past this Chromium is killed instead.
CLOSE_SECONDS = 45

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

    def __init__(self, process: ChromiumProcess, base_url: str, policy: PolicyWatch):
        self.process, self.browser, self.base_url, self.policy = process, process.browser, base_url, policy
        self.contexts: list[BrowserContext] = []

    def new_page(self, size: dict, **options) -> Page:
        context = self.browser.new_context(viewport=size, base_url=self.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        self.policy.watch(context)
        self.contexts.append(context)
        return context.new_page()

    def close(self, shots: Path, name: str) -> None:
        """Keep where each page ended (whatever the test's outcome: most useful when it failed), then close."""
        with deadline(CLOSE_SECONDS, self.process.kill):
            for number, context in enumerate(self.contexts):
                for page_number, page in enumerate(context.pages):
                    with suppress(PlaywrightError):  # a crashed page must not hide the test's own failure
                        page.screenshot(
                            path=str(shots / f"{name}-last-{number}{page_number or ''}.png"),
                            full_page=True,
                            caret="initial",
                            timeout=TIMEOUT_MS,
                        )
                with suppress(PlaywrightError):  # reported below if Chromium had to be killed for it
                    context.close()
        assert not self.process.killed, f"Chromium did not close the test's pages within {CLOSE_SECONDS} s: killed"


@pytest.fixture
def policy_watch():
    """Fails the test, after its pages are closed, if any of them broke the Content-Security-Policy."""
    watch = PolicyWatch()
    yield watch
    assert watch.violations == [], "Content-Security-Policy violations:\n" + "\n".join(watch.violations)


class ChromiumProcess:
    """One Chromium for the whole run (per xdist worker): starting it costs more than most browser tests
    take. Closing it never hangs the run: what does not close within CLOSE_SECONDS is killed, and the
    next test that needs Chromium starts a new one."""

    def __init__(self):
        self._playwright = self._browser = None
        self.killed = False

    @property
    def browser(self) -> Browser:
        if self._browser is None or self.killed or not self._browser.is_connected():
            self.stop()
            self.killed = False
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self._browser

    def kill(self) -> None:
        """Called from a deadline's timer thread: the main thread's waiting Playwright call then fails."""
        self.killed = True
        kill_children()

    def stop(self) -> None:
        playwright, browser, self._playwright, self._browser = self._playwright, self._browser, None, None
        if playwright is None:
            return
        with deadline(CLOSE_SECONDS, self.kill):
            if browser is not None and not self.killed:
                with suppress(PlaywrightError):
                    browser.close()
            with suppress(PlaywrightError):
                playwright.stop()


@pytest.fixture(scope="session")
def _chromium():
    process = ChromiumProcess()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def _chromium_process(_chromium) -> Browser:
    """The run's Chromium, started again if a test before had to kill it."""
    return _chromium.browser


@pytest.fixture
def chromium(request, _chromium, live_server, policy_watch):
    """Chromium on the live server; screenshots of where it ended go to the test module's SHOTS folder."""
    shots = Path(getattr(request.module, "SHOTS", "/tmp/browser-shots"))
    shots.mkdir(parents=True, exist_ok=True)
    chromium = Chromium(_chromium, live_server, policy_watch)
    try:
        yield chromium
    finally:
        chromium.close(shots, request.node.name)


@pytest.fixture
def phone(chromium):
    """A fresh Chromium page the size of a phone, pointed at the live server; always closed again."""
    return chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB")
