"""The supervisor's task board: every filter and order, pages that continue where they left off, rows that
say how urgent a task is, a fixed number of queries per page, and several tasks assigned at once."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Task, TaskEvent
from patrol.tasks.filters import TaskFilter
from tests.conftest import Browser
from tests.test_lists_at_scale import _task_rows_query, plan_of, statements
from tests.test_paging import link, make_tasks

EN = {"Accept-Language": "en"}
ROW = re.compile(r'<a href="/tasks/(\d+)" class="task-row">')


def a_task(site, raiser, title, *, location=None, **fields) -> Task:
    """A task as the workflow leaves it: `fields` override the state (status, assignee_id, due_at, ...)."""
    now = utcnow()
    values = {
        "severity": "medium",
        "status": "open",
        "due_at": now + timedelta(days=2),
        "respond_by": now + timedelta(hours=1),
        "created_at": now - timedelta(hours=1),
    }
    values.update(fields)
    if values["status"] in ("closed", "cancelled"):
        values.setdefault("closed_at", now - timedelta(minutes=5))
    task = Task(
        site_id=site.id, location_id=location.id if location else None, title=title, raised_by_id=raiser.id, **values
    )
    db.session.add(task)
    db.session.commit()
    return task


def shown_ids(page_html: str) -> list[int]:
    return [int(found) for found in ROW.findall(page_html)]


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def board(make):
    """Two sites; a supervisor on both, a butler on the first; a floor and a model room on the first."""
    east, west = make.site("东区"), make.site("西区")
    boss = make.user("supervisor", [east, west], username="boss", locale="en")
    butler = make.user("butler", [east], username="li", locale="en")
    floor = make.location(east, kind="floor", name="1栋 3F")
    room = make.location(east, kind="model_room", name="样板间A")
    far = make.location(west, kind="floor", name="9栋 1F")
    return {"east": east, "west": west, "boss": boss, "butler": butler, "floor": floor, "room": room, "far": far}


def open_board(browser, query: str = "") -> str:
    return body(browser.get("/tasks" + query, headers=EN))


# --- filters --------------------------------------------------------------------------------------


def test_each_state_lists_its_tasks(browser, board):
    east, boss, butler = board["east"], board["boss"], board["butler"]
    now = utcnow()
    t = {
        "waiting": a_task(east, butler, "待分派的"),
        "late_reply": a_task(east, butler, "没人理的", respond_by=now - timedelta(minutes=5)),
        "acknowledged": a_task(
            east, butler, "已确认的", respond_by=now - timedelta(minutes=5), acknowledged_at=now - timedelta(minutes=9)
        ),
        "assigned": a_task(east, butler, "已分派的", status="assigned", assignee_id=butler.id),
        "late": a_task(east, butler, "逾期的", status="in_progress", assignee_id=butler.id, due_at=now - timedelta(1)),
        "fixed": a_task(east, butler, "待复查的", status="fixed", assignee_id=butler.id),
        "closed": a_task(east, butler, "关闭的", status="closed"),
        "cancelled": a_task(east, butler, "取消的", status="cancelled"),
    }
    browser.login("boss")
    expected = {
        "open": {"waiting", "late_reply", "acknowledged", "assigned", "late", "fixed"},
        "overdue": {"late"},
        "feedback_overdue": {"late_reply"},
        "to_assign": {"waiting", "late_reply", "acknowledged"},
        "assigned": {"assigned"},
        "in_progress": {"late"},
        "fixed": {"fixed"},
        "closed": {"closed"},
        "cancelled": {"cancelled"},
        "all": set(t),
    }
    for state, names in expected.items():
        assert set(shown_ids(open_board(browser, f"?state={state}"))) == {t[name].id for name in names}, state
    assert boss.id  # the supervisor sees them all: both sites are theirs


def test_site_location_kind_assignee_and_severity_narrow_the_list(browser, board):
    east, west, butler, boss = board["east"], board["west"], board["butler"], board["boss"]
    on_floor = a_task(east, butler, "楼层", location=board["floor"], severity="high", assignee_id=butler.id)
    in_room = a_task(east, butler, "样板间", location=board["room"], severity="low", assignee_id=boss.id)
    reported = a_task(east, butler, "随手拍", place="大门口", source="report")
    far = a_task(west, boss, "西区的", location=board["far"], severity="high")
    browser.login("boss")
    cases = {
        f"?site={east.id}": {on_floor, in_room, reported},
        f"?site={west.id}": {far},
        f"?location={board['room'].id}": {in_room},
        "?kind=model_room": {in_room},
        "?kind=floor": {on_floor, far},
        "?assignee=me": {in_room},
        "?assignee=none": {reported, far},
        f"?assignee={butler.id}": {on_floor},
        "?severity=high": {on_floor, far},
        f"?severity=high&site={east.id}": {on_floor},
    }
    for query, tasks in cases.items():
        assert set(shown_ids(open_board(browser, query))) == {task.id for task in tasks}, query


def test_raised_dates_are_days_in_the_sites_zone(browser, board):
    east, butler = board["east"], board["butler"]
    # 17:00 UTC on 1 March is 01:00 on 2 March in Shanghai.
    late_evening = a_task(east, butler, "深夜", created_at=datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    a_task(east, butler, "前一天", created_at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    browser.login("boss")
    assert shown_ids(open_board(browser, f"?site={east.id}&from=2026-03-02&to=2026-03-02")) == [late_evening.id]
    assert late_evening.id not in shown_ids(open_board(browser, f"?site={east.id}&to=2026-03-01"))
    assert len(shown_ids(open_board(browser, f"?site={east.id}&from=2026-03-01&to=2026-03-02"))) == 2


def test_what_a_reader_may_not_ask_for_is_left_out(browser, board, make):
    east, west, butler = board["east"], board["west"], board["butler"]
    stranger = make.user("butler", [make.site()], username="stranger")
    mine = a_task(east, butler, "东区的")
    a_task(west, board["boss"], "西区的")
    browser.login("li")  # a butler of the east site only
    for query in [
        f"?site={west.id}",
        f"?location={board['far'].id}",
        f"?assignee={stranger.id}",
        "?state=nonsense&sort=sideways&severity=huge&kind=moon",
        "?from=2026-02-30&to=yesterday&assignee=-1",
        "?from=0001-01-01&to=9999-12-31",
    ]:
        page = open_board(browser, query)
        assert shown_ids(page) == [mine.id], query


def test_a_filter_reads_back_from_its_own_link(app, board):
    wanted = TaskFilter(
        state="fixed",
        site_id=board["east"].id,
        kind="floor",
        assignee=str(board["butler"].id),
        severity="high",
        raised_from=date(2026, 3, 1),
        raised_to=date(2026, 3, 31),
        sort="oldest",
        me=board["boss"].id,
        zone=board["east"].timezone,
    )
    assert TaskFilter.from_args(wanted.to_args(), board["boss"]) == wanted
    assert TaskFilter().to_args() == {}  # everything open, soonest due: the board's own address


# --- orders and pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["due", "newest", "oldest"])
def test_every_order_pages_by_key_without_gaps_or_repeats(browser, board, sort):
    east, butler = board["east"], board["butler"]
    start = utcnow() - timedelta(days=40)
    tasks = [
        # Raised in one order, due in the opposite: each sort gives its own sequence.
        a_task(east, butler, f"T{n:02d}", created_at=start + timedelta(hours=n), due_at=start + timedelta(days=80 - n))
        for n in range(35)
    ]
    browser.login("boss")
    first = open_board(browser, f"?sort={sort}")
    following = link(first, "next")
    assert "after=" in following and "35 tasks" in first
    assert (f"sort={sort}" in following) == (sort != "due")  # soonest due is the list's own order
    second = body(browser.get(following, headers=EN))
    by_raised = [task.id for task in tasks]
    expected = {"due": by_raised[::-1], "newest": by_raised[::-1], "oldest": by_raised}[sort]
    assert shown_ids(first) + shown_ids(second) == expected
    assert link(second, "next") is None and shown_ids(body(browser.get(link(second, "prev")))) == shown_ids(first)


def test_ended_tasks_page_latest_ended_first_or_by_when_raised(browser, board):
    east, butler = board["east"], board["butler"]
    start = utcnow() - timedelta(days=40)
    tasks = [
        a_task(
            east,
            butler,
            f"C{n:02d}",
            status="closed",
            created_at=start + timedelta(hours=n),
            closed_at=start + timedelta(days=10, hours=-n),
        )
        for n in range(32)
    ]
    browser.login("boss")
    ids = [task.id for task in tasks]
    for query, expected in [("?state=closed", ids), ("?state=closed&sort=newest", ids[::-1])]:
        first = open_board(browser, query)
        rest = shown_ids(body(browser.get(link(first, "next"))))
        assert shown_ids(first) + rest == expected, query
    # A closing order asked of open tasks (they have no closing time) falls back to soonest due.
    assert "Soonest due first" in open_board(browser, "?state=open&sort=closed")


def test_a_page_of_thirty_rows_costs_what_a_page_of_three_does(browser, board, make, queries):
    east, butler = board["east"], board["butler"]
    browser.login("boss")

    def grow(count: int) -> None:
        for task in make_tasks(make.location(east), butler, count):
            task.assignee_id = make.user("butler", [east]).id
            task.status = "assigned"
        for n in range(count):
            a_task(east, butler, f"R{n}", place=f"{n}号门", source="report", detail="门坏了", seen_count=n + 2)
        db.session.commit()

    counts = []
    for count in (2, 15):
        grow(count)
        db.session.expire_all()
        queries.statements.clear()
        page = open_board(browser, f"?site={east.id}")
        counts.append(len(queries))
        assert len(shown_ids(page)) == min(2 * count, 30)
    assert counts[0] == counts[1], counts


# --- rows -----------------------------------------------------------------------------------------


def test_a_row_says_how_urgent_it_is_and_what_it_is(browser, board):
    east, butler = board["east"], board["butler"]
    now = utcnow()
    a_task(east, butler, "逾期", location=board["floor"], due_at=now - timedelta(hours=3), assignee_id=butler.id)
    a_task(east, butler, "快到期", due_at=now + timedelta(hours=2), place="车库")
    a_task(east, butler, "没人理", respond_by=now - timedelta(minutes=1), seen_count=3)
    a_task(east, butler, "x", source="report", detail="电梯按钮失灵", category="repair")
    browser.login("boss")
    rows = {
        title: row
        for row in open_board(browser).split("<li>")[1:]
        for title in ("逾期", "快到期", "没人理", "电梯按钮失灵")
        if f">{title}" in row or f": {title}" in row
    }
    assert "overdue since" in rows["逾期"] and "1栋 3F" in rows["逾期"] and "butler 测试" in rows["逾期"]
    assert "due soon" in rows["快到期"] and "车库" in rows["快到期"] and "Not assigned" in rows["快到期"]
    assert "Feedback overdue" in rows["没人理"] and "seen 3 times" in rows["没人理"]
    assert "Spot report" in rows["电梯按钮失灵"] and "Repair: 电梯按钮失灵" in rows["电梯按钮失灵"]
    assert "Feedback overdue" not in rows["逾期"] and "Spot report" not in rows["逾期"]


def test_the_board_answers_htmx_with_its_results_and_keeps_the_filters_in_the_pager(browser, board):
    east, butler = board["east"], board["butler"]
    for n in range(31):
        a_task(east, butler, f"H{n:02d}", severity="high")
    browser.login("boss")
    response = browser.get(f"/tasks?severity=high&site={east.id}", headers={**EN, "HX-Request": "true"})
    fragment = body(response)
    assert fragment.lstrip().startswith('<section id="results"') and "<html" not in fragment
    following = link(fragment, "next")
    assert "severity=high" in following and f"site={east.id}" in following
    assert "High" in fragment and "Clear filters" in fragment


# --- assigning several at once ----------------------------------------------------------------------


@pytest.fixture
def two_waiting(board):
    east, butler = board["east"], board["butler"]
    return [a_task(east, butler, f"待分派 {n}", location=board["floor"]) for n in range(2)]


def assign(browser, tasks, assignee, **extra):
    return browser.post("/tasks/assign", data={"task": [str(t.id) for t in tasks], "assign_to": assignee.id, **extra})


def test_a_supervisor_assigns_the_ticked_tasks_to_one_person(browser, board, two_waiting):
    east, butler = board["east"], board["butler"]
    browser.login("boss")
    page = open_board(browser, f"?site={east.id}")
    assert page.count('type="checkbox" name="task"') == 2 and f'<option value="{butler.id}">' in page
    response = assign(browser, two_waiting, butler, site=east.id, state="to_assign")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tasks?state=to_assign&site={east.id}")
    assert "2 tasks assigned to butler 测试." in body(browser.get(response.headers["Location"], headers=EN))
    for task in two_waiting:
        db.session.refresh(task)
        assert (task.status, task.assignee_id) == ("assigned", butler.id)
    assert len(db.session.scalars(select(TaskEvent).where(TaskEvent.kind == "assigned")).all()) == 2


def test_ticking_needs_a_supervisor_and_one_site(app, browser, board, two_waiting):
    browser.login("boss")
    page = open_board(browser)  # two sites, none chosen: whose people would they go to?
    assert 'name="task"' not in page and "choose a site under Filters" in page
    butler = Browser(app.test_client())
    butler.login("li")
    assert 'name="task"' not in open_board(butler, f"?site={board['east'].id}")
    assert assign(butler, two_waiting, board["butler"]).status_code == 403


def _still_waiting(tasks) -> bool:
    for task in tasks:
        db.session.refresh(task)
    return all(task.status == "open" and task.assignee_id is None for task in tasks)


def test_assigning_is_all_or_nothing(browser, board, two_waiting, make):
    east, west, butler = board["east"], board["west"], board["butler"]
    browser.login("boss")
    elsewhere = make.user("butler", [west], username="wang")
    refused = assign(browser, two_waiting, elsewhere)
    assert refused.status_code == 422 and "does not work on this site" in body_of(refused)

    done = a_task(east, butler, "已复查", status="fixed", assignee_id=butler.id)
    refused = assign(browser, [*two_waiting, done], butler)
    assert refused.status_code == 409 and f"Task #{done.id}" in body_of(refused)
    assert _still_waiting(two_waiting)


def test_ids_that_are_not_the_readers_tasks_are_refused_not_skipped(browser, board, two_waiting, make):
    outsider_site = make.site()
    hidden = a_task(outsider_site, make.user("butler", [outsider_site]), "别人的")
    browser.login("boss")
    assert assign(browser, [*two_waiting, hidden], board["butler"]).status_code == 403
    missing = browser.post("/tasks/assign", data={"task": [str(two_waiting[0].id), "99999"], "assign_to": 1})
    assert missing.status_code == 404
    junk = browser.post("/tasks/assign", data={"task": [str(two_waiting[0].id), "1 OR 1=1"], "assign_to": 1})
    assert junk.status_code == 400
    nobody = browser.post("/tasks/assign", data={"task": [str(two_waiting[0].id)], "assign_to": "99999"})
    assert nobody.status_code == 422 and "Choose who should fix them" in body_of(nobody)
    assert browser.post("/tasks/assign", data={"assign_to": board["butler"].id}).status_code == 422
    assert _still_waiting(two_waiting)


def test_assigning_without_the_forms_token_is_refused(client, board, two_waiting):
    unsafe = Browser(client)
    unsafe.login("boss")
    unsafe.token = None
    response = unsafe.post("/tasks/assign", data={"task": [str(two_waiting[0].id)], "assign_to": board["butler"].id})
    assert response.status_code == 400 and _still_waiting(two_waiting)


def body_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- query plans ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["?state=closed&sort=newest", "?state=all&sort=oldest", "?state=all&sort=newest"])
def test_the_history_in_the_order_it_was_raised_reads_from_an_index(browser, board, query):
    """PostgreSQL pages the whole history by when it was raised from ix_tasks_created (migration 0007)
    instead of sorting every task. SQLite, without statistics, takes ix_tasks_site_id and sorts, as it
    does for "all" in due order (bench/README.md, "Left as it is"): there the index must at least exist."""
    make_tasks(board["floor"], board["butler"], 40, status="closed")
    make_tasks(board["room"], board["butler"], 5)
    browser.login("boss")
    with statements() as first_page:
        following = link(open_board(browser, query), "next")
    with statements() as next_page:
        assert browser.get(following).status_code == 200
    if db.engine.dialect.name != "postgresql":
        indexes = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("tasks")}
        assert indexes["ix_tasks_created"] == ["created_at", "id"]
        return
    for seen in (first_page, next_page):
        plan = plan_of(*_task_rows_query(seen))
        assert "ix_tasks_created" in plan and "Sort" not in plan, plan
