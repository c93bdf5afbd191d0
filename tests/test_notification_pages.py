"""The bell and the notification list: the count is the list's unread rows; opening one reads it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Notification, user_sites
from tests.alert_people import do, make_crew, raise_task
from tests.conftest import SeparateBrowser


@pytest.fixture
def crew(make):
    return make_crew(make)


@pytest.fixture
def inbox(crew, browser):
    """The fixer with three notifications, one read; signed in."""
    site, location, people = crew
    tasks = [raise_task(site, location, people["finder"], severity="low") for _ in range(3)]
    for task in tasks:
        do(task, people["boss"], "assign", assignee=people["fixer"])
    first = db.session.scalar(select(Notification).order_by(Notification.id))
    first.read_at = utcnow()
    db.session.commit()
    browser.login("fixer")
    return tasks, people


def bell(browser) -> str:
    response = browser.get("/notifications/badge", headers={"HX-Request": "true"})
    assert response.status_code == 200
    match = re.search(r'class="bell-count"[^>]*>([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


def unread_rows(html: str) -> int:
    return len(re.findall(r'<li class="unread">', html))


def test_the_bell_counts_the_unread_rows_the_list_shows(inbox, browser, queries):
    tasks, _people = inbox
    page = browser.get("/notifications").get_data(as_text=True)
    assert unread_rows(page) == 2 and int(bell(browser)) == 2 and "2 unread" in page
    assert page.count("Assigned to you") == 3 and "消防通道无堵塞" in page and "1栋 9F 楼层" in page
    # Pages load the count on their own: the page itself runs no count.
    home = browser.get("/").get_data(as_text=True)
    assert 'hx-get="/notifications/badge"' in home and 'hx-trigger="load, every 60s"' in home
    queries.statements.clear()
    bell(browser)
    assert len(queries) <= 4  # the session's user, their sites, the count


def test_opening_one_marks_it_read_and_goes_to_its_task(inbox, browser):
    tasks, _people = inbox
    newest = db.session.scalar(select(Notification).order_by(Notification.id.desc()))
    response = browser.post(f"/notifications/{newest.id}/open")
    assert response.status_code == 303 and response.location == f"/tasks/{newest.task_id}"
    assert int(bell(browser)) == 1
    assert unread_rows(browser.get("/notifications").get_data(as_text=True)) == 1


def test_mark_all_read_empties_the_bell(inbox, browser):
    response = browser.post("/notifications/read")
    assert response.status_code == 303
    assert bell(browser) == ""
    page = browser.get("/notifications").get_data(as_text=True)
    assert unread_rows(page) == 0 and "All read." in page and "Mark all read" not in page


def test_another_persons_notification_is_not_found(inbox, app):
    theirs = db.session.scalar(select(Notification.id).order_by(Notification.id))
    boss = SeparateBrowser(app.test_client())
    boss.login("boss")
    assert boss.post(f"/notifications/{theirs}/open").status_code == 404
    assert db.session.scalar(select(func.count()).where(Notification.read_at.is_(None))) == 2


def test_notifications_of_a_site_taken_away_are_neither_listed_nor_counted(inbox, browser, crew):
    site, _location, people = crew
    db.session.execute(user_sites.delete().where(user_sites.c.user_id == people["fixer"].id))
    db.session.commit()
    assert bell(browser) == ""
    assert unread_rows(browser.get("/notifications").get_data(as_text=True)) == 0
    some = db.session.scalar(select(Notification.id).where(Notification.read_at.is_(None)))
    assert browser.post(f"/notifications/{some}/open").status_code == 404


def test_the_list_pages_newest_first(crew, browser):
    site, location, people = crew
    for _ in range(32):
        task = raise_task(site, location, people["finder"], severity="low")
        do(task, people["boss"], "assign", assignee=people["fixer"])
    browser.login("fixer")
    first = browser.get("/notifications").get_data(as_text=True)
    ids = [int(n) for n in re.findall(r"/notifications/(\d+)/open", first)]
    assert len(ids) == 30 and ids == sorted(ids, reverse=True)
    after = re.search(r'href="(/notifications\?[^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    rest = [int(n) for n in re.findall(r"/notifications/(\d+)/open", browser.get(after).get_data(as_text=True))]
    assert len(rest) == 2 and max(rest) < min(ids)
    assert unread_rows(first) + 2 == int(bell(browser)) == 32


def test_the_bell_takes_only_its_count_from_what_comes_back(inbox, browser, make):
    """A badge request sent elsewhere (signed out, a password to change first) must not put that page in the header."""
    page = browser.get("/").get_data(as_text=True)
    assert 'hx-select="#bell-badge"' in page
    assert '<span id="bell-badge">' in browser.get("/notifications/badge").get_data(as_text=True)
    make.user("butler", username="newcomer").must_change_password = True
    db.session.commit()
    newcomer = SeparateBrowser(browser.client.application.test_client())
    newcomer.login("newcomer")
    assert "/notifications/badge" not in newcomer.get("/account").get_data(as_text=True)


def test_signed_out_the_bell_swaps_in_nothing(crew, client):
    response = client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.data == b""


@pytest.mark.browser
def test_the_bell_on_a_phone_counts_opens_and_clears(app, chromium):
    """The header's bell loads its count with htmx (within the page's Content-Security-Policy), and a
    notification opened from the list is read: the bell of the task's page no longer counts it."""
    from playwright.sync_api import expect

    from tests import factories

    with app.app_context():
        site = factories.site()
        boss = factories.user("supervisor", [site], username="bellboss", locale="en")
        fixer = factories.user("butler", [site], username="bellfixer", locale="en")
        task = raise_task(site, factories.location(site, name="1栋 9F 楼层"), boss, severity="low")
        do(task, boss, "assign", assignee=fixer)
        task_id = task.id
        db.session.remove()
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB")
    page.goto("/login")
    page.locator("#username").fill("bellfixer")
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form.stack button[type=submit]").tap()
    expect(page.locator(".bell .bell-count")).to_have_text("1")
    page.locator(".bell").tap()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(page.locator("li.unread")).to_have_count(1)
    page.screenshot(path="/tmp/browser-shots/notifications-phone.png")
    with page.expect_response(lambda response: response.url.endswith("/notifications/badge")) as badge:
        page.locator("li.unread .notification-row").tap()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    assert badge.value.status == 200
    expect(page.locator(".bell .bell-count")).to_have_count(0)
