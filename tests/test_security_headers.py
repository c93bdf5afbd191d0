"""Every page tells the browser to run only our own files: the security headers on every GET route.

The walk covers each GET rule of the app's URL map, with ids from the demo demo_ids, signed in as an
administrator and signed out, over HTTP and HTTPS. Each HTML answer must carry the exact
Content-Security-Policy and its companions, and hold nothing that policy would block: no inline
script, style attribute, event handler attribute or hx-on (Chromium would refuse them on the page).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from patrol.demo.seed import DEMO_PASSWORD, seed_demo
from tests.route_walk import get_urls, sample_ids, upload_id

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
}
# A fragment htmx swaps into a page (the page's policy governs it there) and our static images.
NOTHING = {"default-src": "'none'", "frame-ancestors": "'none'"}


@pytest.fixture
def demo_ids(ctx):
    seed_demo()
    return sample_ids()


class InlineCode(HTMLParser):
    """What a page holds that a policy without 'unsafe-inline' or 'unsafe-eval' would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and not dict(attrs).get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on") or re.match(r"(data-)?hx-on", name):
                self.found.append(f"<{tag} {name}=…>")
            elif (value or "").strip().lower().startswith(("javascript:", "js:")):
                self.found.append(f"<{tag} {name}={value!r}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def csp_directives(header: str) -> dict[str, str]:
    return {
        part.split(None, 1)[0]: part.split(None, 1)[1] if " " in part.strip() else ""
        for part in (piece.strip() for piece in header.split(";"))
        if part
    }


def runs_nothing(response, url: str) -> list[str]:
    """A fragment htmx swaps into a page, or one of our static images: it may load and run nothing."""
    problems = []
    if csp_directives(response.headers.get("Content-Security-Policy", "")) != NOTHING:
        problems.append(f"Content-Security-Policy: {response.headers.get('Content-Security-Policy')!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options missing")
    if response.mimetype == "text/html":
        problems += inline_code(response.get_data(as_text=True))
    return [f"{url} ({response.status_code}): {problem}" for problem in problems]


def check(response, url: str, https: bool, fragment: bool = False) -> list[str]:
    """What is wrong with one response's headers and, if it is HTML, its markup."""
    if fragment:  # what htmx asked for, whatever it is
        return runs_nothing(response, url)
    problems = []
    headers = response.headers
    if url.startswith("/static/") and response.mimetype in ("text/javascript", "text/css"):
        # Our scripts and stylesheets are never a document: nosniff only (see the test below).
        nosniff = headers.get("X-Content-Type-Options") == "nosniff"
        return [] if nosniff else [f"{url} ({response.status_code}): X-Content-Type-Options missing"]
    if csp_directives(headers.get("Content-Security-Policy", "")) != CSP:
        problems.append(f"Content-Security-Policy: {headers.get('Content-Security-Policy')!r}")
    expected = {"Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
    problems += [f"{name}: {headers.get(name)!r}" for name, value in expected.items() if headers.get(name) != value]
    permissions = [part.strip() for part in headers.get("Permissions-Policy", "").split(",")]
    if "camera=(self)" not in permissions:
        problems.append(f"Permissions-Policy: {headers.get('Permissions-Policy')!r}")
    hsts = headers.get("Strict-Transport-Security")
    if https and not re.fullmatch(r"max-age=(\d+)(; includeSubDomains)?", hsts or ""):
        problems.append(f"Strict-Transport-Security over HTTPS: {hsts!r}")
    if https and hsts and int(re.search(r"\d+", hsts).group()) < 180 * 24 * 3600:
        problems.append(f"Strict-Transport-Security too short: {hsts!r}")
    if not https and hsts is not None:
        problems.append(f"Strict-Transport-Security over plain HTTP: {hsts!r}")
    if response.mimetype == "text/html":
        problems += inline_code(response.get_data(as_text=True))
    return [f"{url} ({response.status_code}): {problem}" for problem in problems]


def walk(browser, urls, https: bool, **headers) -> tuple[list[str], dict[int, int]]:
    problems, statuses = [], {}
    base_url = "https://localhost" if https else "http://localhost"
    fragment = "HX-Request" in headers
    for url in urls:
        response = browser.get(url, base_url=base_url, headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        problems += check(response, url, https, fragment)
        response.close()  # a file sent from disk stays open until then
    return problems, statuses


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_page_an_administrator_opens_carries_the_policy_and_keeps_to_it(app, browser, demo_ids, https):
    assert browser.login("admin", DEMO_PASSWORD).status_code == 303
    ids = demo_ids | {"upload_id": upload_id(browser, demo_ids["site_id"])}
    urls = get_urls(app, ids)
    problems, statuses = walk(browser, urls, https)
    fragments, _ = walk(browser, urls, https, **{"HX-Request": "true"})
    assert problems + fragments == []
    # The walk saw the pages themselves, not a wall of redirects and errors.
    assert statuses.get(200, 0) >= 0.8 * len(urls), statuses


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_page_signed_out_carries_the_policy(app, browser, demo_ids, https):
    urls = get_urls(app, demo_ids | {"upload_id": "x" * 32})
    problems, statuses = walk(browser, urls, https)
    assert problems == []
    assert statuses.get(302, 0) + statuses.get(303, 0) >= len(urls) // 2, statuses  # most send you to sign in


def test_the_first_run_page_carries_the_policy(browser):
    response = browser.get("/setup", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Create administrator" in response.get_data(as_text=True)
    assert check(response, "/setup", https=False) == []


def test_a_file_served_to_download_carries_the_policy_too(app, browser, demo_ids):
    browser.login("admin", DEMO_PASSWORD)
    qr = f"/locations/{demo_ids['location_id']}/qr.svg"
    for url in (qr, "/admin/locations/export.csv"):
        response = browser.get(url)
        response.close()
        assert response.status_code == 200, url
        assert csp_directives(response.headers["Content-Security-Policy"]) == CSP, url
    # Our own image, opened on its own, may load and run nothing at all.
    icon = browser.get("/static/icons/icon.svg")
    icon.close()
    assert runs_nothing(icon, "/static/icons/icon.svg") == []


def test_our_scripts_and_stylesheets_carry_nosniff_but_not_the_document_only_headers(browser):
    """They are never a document (a browser shows one opened directly as text): the policy would only
    weigh on a phone's first load. The service worker's script, run as a worker, keeps its policy."""
    for url in ("/static/js/app.js", "/static/css/app.css", "/static/bundles/scan.js", "/static/vendor/htmx.min.js"):
        response = browser.get(url)
        response.close()
        assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff", url
        assert not {"Content-Security-Policy", "Permissions-Policy", "X-Frame-Options"} & set(response.headers.keys())
    worker = browser.get("/sw.js")
    assert csp_directives(worker.headers["Content-Security-Policy"]) == CSP


def test_a_page_with_inline_code_is_caught_by_the_check():
    page = (
        '<p style="color:red">x</p><script>alert(1)</script><a onclick="x()">y</a>'
        '<select hx-on:change="x()"></select><script src="/ok.js"></script><a href="javascript:x()">z</a>'
    )
    assert inline_code(page) == [
        "<p style=…>",
        "<script> without src",
        "<a onclick=…>",
        "<select hx-on:change=…>",
        "<a href='javascript:x()'>",
    ]
