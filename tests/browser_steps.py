"""Steps the browser tests share: signing in on a page, waiting for htmx to finish a swap."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests import factories


def sign_in(page: Page, username: str, password: str = factories.PASSWORD) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form.stack button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page: Page) -> None:
    """Wait until htmx has no request in flight and has settled what it swapped in.

    A control swapped in by one request only listens once htmx has processed it; acting on it before
    that loses the event (a select changed during the settle of the list it sits in sends nothing)."""
    expect(page.locator(HTMX_BUSY)).to_have_count(0)


def follow(page: Page, link: Locator, heading: str | re.Pattern) -> None:
    """Click a link htmx boosts and wait for the page it opens: its heading shown and htmx settled, so the
    next click lands on that page's controls, never on a like-named one of the page it left."""
    link.click()
    expect(page.locator("main h1")).to_have_text(heading)
    htmx_settled(page)
