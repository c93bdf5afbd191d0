"""Steps the browser tests share: signing in on a page."""

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
