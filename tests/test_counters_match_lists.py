"""Counts agree with lists: for every role, each number on the home page is the number of rows its link opens.

Tasks in every state lie on two sites, one of which the person is not on — including work once assigned
to them there (they have since been taken off that site): the counters and the lists both leave it out.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from patrol.database import utcnow
from tests.conftest import Browser
from tests.test_paging import link
from tests.test_task_board import a_task, shown_ids

EN = {"Accept-Language": "en"}
ROUND_ROW = re.compile(r'href="/inspections/(\d+)" class="task-row inspection-row"')
COUNTER = re.compile(r'<a class="stat[^"]*" href="([^"]+)">\s*<strong>(\d+)</strong><span>([^<]+)</span>')


def counters_on_home(browser) -> list[tuple[str, int, str]]:
    page = browser.get("/", headers=EN)
    assert page.status_code == 200
    found = COUNTER.findall(page.get_data(as_text=True))
    return [(html.unescape(url), int(number), label) for url, number, label in found]


def rows_behind(browser, url: str) -> tuple[int | None, list[int]]:
    """The total the list says, and every row of every page its link opens (tasks, or past rounds)."""
    rounds = url.startswith("/inspections")
    ids = (lambda page: [int(n) for n in ROUND_ROW.findall(page)]) if rounds else shown_ids
    page = browser.get(url, headers=EN).get_data(as_text=True)
    found = re.search(r"(\d+) rounds?</p>" if rounds else r"(\d+) tasks?</p>", page)
    total = int(found.group(1)) if found else None
    rows = ids(page)
    while (following := link(page, "next")) is not None:
        page = browser.get(following, headers=EN).get_data(as_text=True)
        rows += ids(page)
    return total, rows


def a_spread_of_work(site, user, others, location, *, many: int = 0) -> None:
    """Tasks in every state on `site`: some assigned to `user`, late, due, unanswered, awaiting re-check, ended."""
    now, late = utcnow(), utcnow() - timedelta(hours=5)
    raiser = others[0]
    for who in (user, *others):
        a_task(site, raiser, "已分派", location=location, status="assigned", assignee_id=who.id)
        a_task(site, raiser, "逾期整改", status="in_progress", assignee_id=who.id, due_at=late)
        a_task(site, raiser, "待复查", status="fixed", assignee_id=who.id, due_at=late)
        a_task(site, raiser, "已关闭", status="closed", assignee_id=who.id, due_at=late)
        a_task(site, raiser, "已取消", status="cancelled", assignee_id=who.id)
    a_task(site, raiser, "无人响应", respond_by=now - timedelta(minutes=10))
    a_task(site, raiser, "无人响应且逾期", respond_by=late, due_at=late, place="大堂", source="report")
    a_task(site, raiser, "已确认", respond_by=late, acknowledged_at=late + timedelta(minutes=3))
    for n in range(many):  # enough of one kind to need a second page
        a_task(site, raiser, f"我的 {n}", status="assigned", assignee_id=user.id, due_at=late - timedelta(hours=n))


@pytest.mark.parametrize("role", ["butler", "steward", "supervisor", "admin"])
def test_every_home_counter_opens_a_list_of_exactly_that_many(app, make, role):
    mine, other = make.site("本项目"), make.site("别的项目")
    user = make.user(role, [mine], username="me", locale="en")
    colleague = make.user("butler", [mine])
    stranger = make.user("butler", [other])
    a_spread_of_work(mine, user, [colleague], make.location(mine), many=31)
    a_spread_of_work(other, user, [stranger], make.location(other))  # `user` was on it once
    browser = Browser(app.test_client())
    browser.login("me")

    counters = counters_on_home(browser)
    labels = [label for _url, _number, label in counters]
    own = ["My tasks", "My overdue"]
    managing = ["Overdue", "Feedback overdue", "Awaiting re-check", "All open"]
    # Butlers and stewards also see how many rounds they did today (supervisors: in the list of them).
    assert labels == (managing + own if role in ("supervisor", "admin") else [*own, "Inspections today"])
    for url, number, label in counters:
        total, rows = rows_behind(browser, url)
        assert total == number == len(rows) == len(set(rows)), (role, label, url, total, number, len(rows))
    numbers = {label: number for _url, number, label in counters}
    # Spelled out. Per site: each of two people has one assigned, one late, one late awaiting re-check;
    # two are unanswered past the hour (one of them late too); and 31 late ones are the user's own.
    # Only an administrator sees the other site, where the user also has three open (two late).
    sites = 2 if role == "admin" else 1
    assert (numbers["My tasks"], numbers["My overdue"]) == (3 + 31 + 3 * (sites - 1), 2 + 31 + 2 * (sites - 1))
    if role in ("supervisor", "admin"):
        expected = {"Overdue": 31 + 5 * sites, "Feedback overdue": 2 * sites, "Awaiting re-check": 2 * sites}
        assert {label: numbers[label] for label in expected} == expected


def test_a_butlers_list_shows_all_tasks_of_their_sites_like_the_task_page(app, make):
    site = make.site()
    butler = make.user("butler", [site], username="me", locale="en")
    someone_else = make.user("butler", [site])
    theirs = a_task(site, someone_else, "别人报的", assignee_id=someone_else.id, status="assigned")
    browser = Browser(app.test_client())
    browser.login("me")
    _total, rows = rows_behind(browser, "/tasks")
    assert rows == [theirs.id] and browser.get(f"/tasks/{theirs.id}").status_code == 200
    assert butler.id != someone_else.id


def test_the_home_page_lists_my_tasks_and_offers_a_report(app, make):
    site = make.site()
    make.user("butler", [site], username="me", locale="en")
    browser = Browser(app.test_client())
    browser.login("me")
    page = browser.get("/", headers=EN).get_data(as_text=True)
    assert "Nothing is assigned to you." in page and 'href="/report"' in page and "Scan a checkpoint" in page
