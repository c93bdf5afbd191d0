"""Every list pages with the one pager: the next page holds the next rows, links keep the filters,
the last page offers no next, and the keyset lists continue after the last row they showed."""

import html
import re
import uuid
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import (
    Answer,
    AuditEvent,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    Location,
    Schedule,
    Task,
    User,
)
from patrol.paging import Keyset, Page, page_of_list
from patrol.setup.audit import record

LINK = {
    "next": re.compile(r'<a [^>]*rel="next"[^>]*href="([^"]+)"'),
    "prev": re.compile(r'<a [^>]*rel="prev"[^>]*href="([^"]+)"'),
}


def link(page_html: str, to: str) -> str | None:
    found = LINK[to].search(page_html)
    return html.unescape(found.group(1)) if found else None


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- building a history of tasks ------------------------------------------------------------------


def _finding_items(prompts: list[str]) -> list[ChecklistItem]:
    """A pass/fail item per task, so that each task's title (built from its item: "<prompt>: Fail") is its own."""
    version = ChecklistVersion(checklist=Checklist(name="巡楼检查"), number=1, name="巡楼检查", published_at=utcnow())
    items = [
        ChecklistItem(version=version, position=position, prompt=prompt, item_type="passfail")
        for position, prompt in enumerate(prompts, start=1)
    ]
    db.session.add_all(items)
    db.session.flush()
    return items


def make_tasks(
    location: Location, raiser: User, count: int, *, status: str = "open", title: str = "任务", first_due=None
) -> list[Task]:
    """`count` tasks at `location`, each raised by its own inspection and titled "<title> NN: Fail" from its
    own item; due (and closed) an hour apart, in order."""
    start = first_due or utcnow() - timedelta(days=30)
    items = _finding_items([f"{title} {number:02d}" for number in range(count)])
    tasks = []
    for number, item in enumerate(items):
        when = start + timedelta(hours=number)
        inspection = Inspection(
            client_id=str(uuid.uuid4()),
            status="submitted",
            location_id=location.id,
            checklist_version_id=item.version_id,
            inspector_id=raiser.id,
            scanned_at=when,
            submitted_at=when,
        )
        answer = Answer(inspection=inspection, item_id=item.id, value_text="fail", is_finding=True)
        tasks.append(
            Task(
                site_id=location.site_id,
                location_id=location.id,
                inspection=inspection,
                answer=answer,
                title=item.prompt,
                severity="medium",
                status=status,
                raised_by_id=raiser.id,
                due_at=when,
                created_at=when,
                closed_at=when if status == "closed" else None,
            )
        )
    db.session.add_all(tasks)
    db.session.commit()
    return tasks


@pytest.fixture
def two_sites(make):
    east, west = make.site("东区"), make.site("西区")
    make.user("admin", username="boss", locale="en")
    butler = make.user("butler", [east], username="li", locale="en")
    return east, west, butler


# --- the Page and its keys ------------------------------------------------------------------------


def test_links_keep_the_filters_and_the_first_page_has_one_address():
    page = Page(rows=[1], number=2, size=1, total=3, has_prev=True, has_next=True)
    assert page.link("next", {"q": "A座", "site": 3, "role": None, "kind": ""}) == {"q": "A座", "site": 3, "page": 3}
    assert page.link("prev", {"q": "A座"}) == {"q": "A座"}  # page 1 is the list's own address
    keyed = Page(rows=[1], number=3, size=1, has_prev=True, has_next=True, prev_cursor="5", next_cursor="4")
    assert keyed.link("next", {}) == {"page": 4, "after": "4"} and keyed.link("prev", {}) == {"page": 2, "before": "5"}


def test_a_list_in_memory_pages_and_a_number_past_the_end_shows_the_last_page():
    assert page_of_list(list(range(7)), number=2, size=3).rows == [3, 4, 5]
    last = page_of_list(list(range(7)), number=99, size=3)
    assert (last.rows, last.number, last.pages, last.has_next, last.has_prev) == ([6], 3, 3, False, True)


def test_a_task_key_reads_back_as_what_it_was_and_anything_else_is_ignored(make, two_sites):
    east, _west, butler = two_sites
    (task,) = make_tasks(make.location(east), butler, 1, status="closed")
    order = Keyset((Task.closed_at, Task.id), descending=True)
    assert order.decode(order.encode(task)) == (task.closed_at, task.id)
    for junk in ["", "abc", "1", "1.2.3", "1.99999999999", "9" * 19 + ".1", "1.-5", "1. 2", "１.２"]:
        assert order.decode(junk) is None, junk


# --- the keyset lists -----------------------------------------------------------------------------


def test_closed_tasks_page_by_key_keep_the_site_and_stay_put_when_more_close(browser, make, two_sites):
    east, west, butler = two_sites
    make_tasks(make.location(east), butler, 35, status="closed", title="东")
    make_tasks(make.location(west), butler, 3, status="closed", title="西")
    browser.login("boss")

    first = text(browser.get(f"/tasks?state=closed&site={east.id}"))
    assert first.count("东 ") == 30 and "东 34" in first and "东 05" in first and "东 04" not in first
    assert "西 " not in first
    assert link(first, "prev") is None and "Page 1" in first
    following = link(first, "next")
    assert f"site={east.id}" in following and "state=closed" in following and "after=" in following

    # A task closed meanwhile goes on top of page 1; the next page still continues after what was shown.
    make_tasks(make.location(east), butler, 1, status="closed", title="新", first_due=utcnow())
    second = text(browser.get(following))
    assert second.count("东 ") == 5 and "东 04" in second and "东 00" in second and "东 05" not in second
    assert link(second, "next") is None and "Page 2" in second
    back = text(browser.get(link(second, "prev")))
    assert "新 00" in back and back.count("东 ") == 29


def test_going_back_from_the_third_page_shows_the_second_again(browser, make, two_sites):
    east, _west, butler = two_sites
    make_tasks(make.location(east), butler, 65, status="closed")
    browser.login("boss")
    second = text(browser.get(link(text(browser.get("/tasks?state=closed")), "next")))
    third = text(browser.get(link(second, "next")))
    assert third.count("任务 ") == 5 and "Page 3" in third
    earlier = link(third, "prev")
    assert "before=" in earlier and "page=2" in earlier
    again = text(browser.get(earlier))
    shown = re.findall(r"任务 \d+", again)
    assert shown == re.findall(r"任务 \d+", second) and len(shown) == 30


def test_an_odd_key_or_page_in_a_task_link_shows_a_page(browser, make, two_sites):
    east, _west, butler = two_sites
    make_tasks(make.location(east), butler, 3, status="closed")
    browser.login("boss")
    for query in ["after=abc&page=2", "before=1.2&page=2", f"after={'9' * 19}.1&page=3", "after=-5.-5", "page=1"]:
        page = text(browser.get(f"/tasks?state=closed&{query}"))
        assert "任务 02" in page and "任务 00" in page and link(page, "prev") is None, query


def test_a_location_list_names_its_location_as_text(browser, make, two_sites):
    east, _west, butler = two_sites
    location = make.location(east, name="<b>7栋</b>")
    make_tasks(location, butler, 1)
    browser.login("boss")
    page = text(browser.get(f"/tasks?location={location.id}"))
    assert "At &lt;b&gt;7栋&lt;/b&gt;" in page and "<b>7栋</b>" not in page and "1 task" in page


def test_open_tasks_are_counted_and_paged_soonest_due_first(browser, make, two_sites):
    east, _west, butler = two_sites
    make_tasks(make.location(east), butler, 31)
    browser.login("boss")
    first = text(browser.get("/tasks"))
    assert "31 tasks" in first and "Page 1 of 2" in first and "任务 00" in first and "任务 30" not in first
    second = text(browser.get(link(first, "next")))
    assert "Page 2 of 2" in second and "任务 30" in second and second.count("任务 ") == 1
    assert link(second, "next") is None


def test_the_audit_log_pages_older_with_its_filters_kept(browser, make, two_sites):
    east, _west, _butler = two_sites
    boss = db.session.scalar(select(User).where(User.username == "boss"))
    location = make.location(east)
    for _ in range(51):
        record(boss, "qr.reissued", location)
    record(boss, "location.updated", location)
    db.session.commit()
    browser.login("boss")
    first = text(browser.get(f"/admin/audit/?action=qr.reissued&person={boss.id}"))
    older = link(first, "next")
    assert "action=qr.reissued" in older and f"person={boss.id}" in older and "after=" in older
    second = text(browser.get(older)).split('id="results"')[1]
    assert second.count("QR code re-issued") == 1 and link(second, "next") is None
    newest = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert str(newest) not in older  # the newest entry (another action) is not what page 2 continues from


# --- the offset lists -----------------------------------------------------------------------------


def _sites(make, _east):
    for number in range(31):
        make.site(f"基准 {number:02d} ")
    return "/admin/sites/?q=基准", "基准 "


def _people(make, east):
    db.session.add_all(
        User(username=f"temp{n:02d}", display_name=f"临时工 {n:02d}", password_hash="!", role="butler")
        for n in range(31)
    )
    db.session.commit()
    return "/admin/people/?q=临时工&role=butler", "临时工 "


def _checklists(make, _east):
    db.session.add_all(Checklist(name=f"清单 {n:02d}") for n in range(31))
    db.session.commit()
    return "/admin/checklists/?q=清单", "清单 "


def _schedules(make, east):
    checklist = Checklist(name="巡楼检查")
    db.session.add_all(
        Schedule(
            site_id=east.id,
            name=f"计划 {n:02d}",
            checklist=checklist,
            location_kind="floor",
            recurrence="daily",
            start_time=time(9),
        )
        for n in range(31)
    )
    db.session.commit()
    return f"/admin/schedules/?q=计划&site={east.id}", "计划 "


def _admin_locations(make, east):
    for floor in range(1, 32):
        make.location(east, name=f"7栋 {floor}F", floor=f"{floor}F")
    return f"/admin/locations/?site={east.id}&q=7栋", "7栋 "


def _locations(make, east):
    for floor in range(1, 52):
        make.location(east, name=f"7栋 {floor}F", floor=f"{floor}F")
    return f"/locations?site={east.id}&q=7栋", "7栋 "


@pytest.mark.parametrize("build", [_sites, _people, _checklists, _schedules, _admin_locations, _locations])
def test_each_list_pages_with_its_filters_kept(browser, make, two_sites, build):
    east, west, _butler = two_sites
    make.location(west, name="别处")
    url, marker = build(make, east)
    browser.login("boss")
    first = text(browser.get(url))
    following = link(first, "next")
    assert "Page 1 of 2" in first and link(first, "prev") is None
    for name, value in re.findall(r"[?&](\w+)=([^&]+)", url):
        assert f"{name}={value}" in html.unescape(following) or f"{name}=" in following, (name, following)
    second = text(browser.get(following))
    assert "Page 2 of 2" in second and link(second, "next") is None and second.count(marker) >= 1
    shown_first = set(re.findall(re.escape(marker) + r"\d+F?", first))
    shown_second = set(re.findall(re.escape(marker) + r"\d+F?", second))
    assert shown_first and shown_second and not shown_first & shown_second
    assert text(browser.get(link(second, "prev"))).count(marker) == first.count(marker)


def test_a_page_number_past_the_end_shows_the_last_page(browser, make, two_sites):
    url, marker = _checklists(make, two_sites[0])
    browser.login("boss")
    last = text(browser.get(url + "&page=99"))
    assert "Page 2 of 2" in last and marker + "30" in last and link(last, "next") is None
