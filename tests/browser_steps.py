"""Steps the browser tests share: signing in on a page, waiting for htmx to finish a swap."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

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
