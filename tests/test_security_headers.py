"""Every page tells the browser to run only our own files: the security headers on every GET route.

The walk covers each GET rule of the app's URL map, with ids from the demo estate, signed in as an
administrator and signed out, over HTTP and HTTPS. Each HTML answer must carry the exact
Content-Security-Policy and its companions, and hold nothing that policy would block: no inline
script, style attribute, event handler attribute or hx-on (Chromium would refuse them on the page).
"""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import ChecklistVersion, Inspection, Location, Schedule, Site, Task, User
from patrol.services.demo import DEMO_PASSWORD, seed_demo

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
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def sample_ids() -> dict[str, str]:
    """A value for every URL variable the app's routes take, from the demo estate in the database."""
    garden = db.session.scalar(select(Site).where(Site.name == "星河湾花园"))
    location = db.session.scalar(select(Location).where(Location.site_id == garden.id).order_by(Location.id))
    version = db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.published_at.is_not(None))
                                .order_by(ChecklistVersion.id))
    return {
        "site_id": garden.id,
        "location_id": location.id,
        "token": location.qr_token,
        "checklist_id": version.checklist_id,
        "number": version.number,
        "version_id": version.id,
        "user_id": db.session.scalar(select(User.id).where(User.username == "butler")),
        "schedule_id": db.session.scalar(select(Schedule.id).order_by(Schedule.id)),
        "inspection_id": db.session.scalar(select(Inspection.id).where(Inspection.status == "submitted")
                                           .order_by(Inspection.id)),
        "task_id": db.session.scalar(select(Task.id).order_by(Task.id)),
        "item_id": version.items[0].id,
        "sha256": "0" * 64,  # no such photo: its 404 page is checked too
        "filename": "css/app.css",
    }


def get_urls(app, ids: dict[str, str]) -> list[str]:
    """Every GET rule filled in with `ids`; an `any(...)` part gives one URL per choice."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods:
            continue
        filled = [rule.rule]
        for converter, arguments, name in PLACEHOLDER.findall(rule.rule):
            if converter == "any":
                choices = [choice.strip().strip("'\"") for choice in arguments.split(",")]
            else:
                assert name in ids, f"{rule.rule}: add a sample value for <{name}> to sample_ids()"
                choices = [str(ids[name])]
            part = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">")
            filled = [part.sub(choice, url) for url in filled for choice in choices]
        urls += filled
    return urls


def upload_id(browser, site_id) -> str:
    """A sheet kept for previewing, sent by the signed-in administrator; its id."""
    sheet = "name,kind\n大堂,floor\n".encode()
    sent = browser.post("/admin/locations/import", data={"site_id": str(site_id),
                                                          "file": (io.BytesIO(sheet), "locations.csv")})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    return sent.location.rsplit("/", 1)[1]


@pytest.fixture
def estate(ctx):
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
    return {part.split(None, 1)[0]: part.split(None, 1)[1] if " " in part.strip() else ""
            for part in (piece.strip() for piece in header.split(";")) if part}


def check(response, url: str, https: bool) -> list[str]:
    """What is wrong with one response's headers and, if it is HTML, its markup."""
    problems = []
    headers = response.headers
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
    for url in urls:
        response = browser.get(url, base_url=base_url, headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        problems += check(response, url, https)
        response.close()  # a file sent from disk stays open until then
    return problems, statuses


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_page_an_administrator_opens_carries_the_policy_and_keeps_to_it(app, browser, estate, https):
    assert browser.login("admin", DEMO_PASSWORD).status_code == 303
    ids = estate | {"upload_id": upload_id(browser, estate["site_id"])}
    urls = get_urls(app, ids)
    problems, statuses = walk(browser, urls, https)
    fragments, _ = walk(browser, urls, https, **{"HX-Request": "true"})
    assert problems + fragments == []
    # The walk saw the pages themselves, not a wall of redirects and errors.
    assert statuses.get(200, 0) >= 0.8 * len(urls), statuses


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_page_signed_out_carries_the_policy(app, browser, estate, https):
    urls = get_urls(app, estate | {"upload_id": "x" * 32})
    problems, statuses = walk(browser, urls, https)
    assert problems == []
    assert statuses.get(302, 0) + statuses.get(303, 0) >= len(urls) // 2, statuses  # most send you to sign in


def test_the_first_run_page_carries_the_policy(browser):
    response = browser.get("/setup", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Create administrator" in response.get_data(as_text=True)
    assert check(response, "/setup", https=False) == []


def test_a_file_served_to_download_carries_the_policy_too(app, browser, estate):
    browser.login("admin", DEMO_PASSWORD)
    for url in (f"/locations/{estate['location_id']}/qr.svg", "/admin/locations/export.csv", "/static/js/app.js"):
        response = browser.get(url)
        response.close()
        assert response.status_code == 200, url
        assert csp_directives(response.headers["Content-Security-Policy"]) == CSP, url


def test_a_page_with_inline_code_is_caught_by_the_check():
    page = ('<p style="color:red">x</p><script>alert(1)</script><a onclick="x()">y</a>'
            '<select hx-on:change="x()"></select><script src="/ok.js"></script><a href="javascript:x()">z</a>')
    assert inline_code(page) == ["<p style=…>", "<script> without src", "<a onclick=…>", "<select hx-on:change=…>",
                                 "<a href='javascript:x()'>"]
