"""Lists that stay fast: the indexes the list queries need exist on both databases and are used,
the scan page names a few urgent tasks and counts the rest truthfully, and no list page runs more
queries because there are more rows. (Timings are bench/lists.py's business, not the tests'.)"""

import re
from contextlib import contextmanager
from datetime import time, timedelta

import pytest
from sqlalchemy import event, inspect, select, text

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Checklist, Inspection, Schedule, User
from patrol.setup.audit import record
from tests.test_paging import link, make_tasks

EN = {"Accept-Language": "en"}


@pytest.fixture
def site_and_butler(make):
    site = make.site("星河湾")
    make.user("admin", username="boss", locale="en")
    butler = make.user("butler", [site], username="li", locale="en")
    return site, butler


# --- the migration --------------------------------------------------------------------------------


def _index_sql(name: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": name})
    return db.session.scalar(
        text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"), {"name": name}
    )


def test_the_migration_creates_the_list_indexes(app, ctx):
    indexes = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("tasks")}
    assert indexes["ix_tasks_inspection_id"] == ["inspection_id"]
    assert indexes["ix_tasks_closed"] == ["status", "closed_at", "id"]
    assert indexes["ix_tasks_open_due"] == ["due_at", "id"]
    assert indexes["ix_tasks_open_by_site"] == ["site_id", "due_at", "id", "status"]
    assert indexes["ix_tasks_open_at_location"] == ["location_id", "site_id", "due_at", "id"]
    # Partial: only closed, or only open tasks (PostgreSQL words it as ((status)::text = 'closed'::text)).
    closed = _index_sql("ix_tasks_closed")
    assert re.search(r"WHERE \(*status\)*(::text)? = 'closed'", closed), closed
    for open_ in map(_index_sql, ("ix_tasks_open_due", "ix_tasks_open_by_site", "ix_tasks_open_at_location")):
        assert re.search(r"WHERE .*status.*'open'.*'assigned'.*'fixed'", open_), open_


# --- the query plans ------------------------------------------------------------------------------


@contextmanager
def statements():
    """The SELECTs run meanwhile, with their parameters, to ask the database how it runs them."""
    seen = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def plan_of(statement: str, parameters) -> str:
    """How the database runs `statement`. PostgreSQL is told to avoid reading whole tables and sorting,
    which it rightly prefers for a handful of test rows: the question is whether an index fits the query."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_sort = off")
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            return "\n".join(row[0] for row in rows)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(row[-1] for row in rows)


def _task_rows_query(seen) -> tuple[str, object]:
    (found,) = [(sql, params) for sql, params in seen if sql.lstrip().startswith("SELECT tasks.id")]
    return found


def test_the_closed_list_and_its_next_page_read_from_the_closed_index(browser, make, site_and_butler):
    site, butler = site_and_butler
    make_tasks(make.location(site), butler, 40, status="closed")
    make_tasks(make.location(site), butler, 5)
    browser.login("boss")
    with statements() as first_page:
        following = link(browser.get("/tasks?state=closed").get_data(as_text=True), "next")
    with statements() as next_page:
        assert browser.get(following).status_code == 200
    for seen in (first_page, next_page):
        plan = plan_of(*_task_rows_query(seen))
        assert "ix_tasks_closed" in plan and "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_open_list_and_the_scan_page_read_from_the_open_indexes(browser, make, site_and_butler):
    site, butler = site_and_butler
    location = make.location(site)
    make_tasks(location, butler, 8)
    make_tasks(make.location(site), butler, 3, status="closed")
    browser.login("boss")
    with statements() as open_list:
        assert browser.get("/tasks?state=open").status_code == 200
    with statements() as scan:
        assert browser.get(f"/c/{location.qr_token}").status_code == 200
    assert re.search("ix_tasks_open_(due|by_site)", plan_of(*_task_rows_query(open_list)))
    # The open tasks the page counts and names, and the fixes awaiting re-check there it offers.
    at_location = [(sql, params) for sql, params in scan if re.search(r"FROM tasks\b", sql) and "'assigned'" in sql]
    assert len(at_location) == 3
    for query in at_location:
        assert "ix_tasks_open_at_location" in plan_of(*query)


def test_what_a_round_did_to_tasks_is_found_by_the_inspection_index(browser, make, site_and_butler):
    site, butler = site_and_butler
    (task,) = make_tasks(make.location(site), butler, 1)
    browser.login("boss")
    with statements() as seen:
        assert browser.get(f"/inspections/{task.inspection_id}").status_code == 200
    (query,) = [(sql, params) for sql, params in seen if re.search(r"WHERE task_events.inspection_id = ", sql)]
    plan = plan_of(*query)
    assert "ix_task_events_inspection_id" in plan


# --- the scan page --------------------------------------------------------------------------------


def test_the_scan_page_shows_the_most_urgent_and_counts_what_its_link_opens(browser, make, site_and_butler):
    site, butler = site_and_butler
    location, elsewhere = make.location(site), make.location(site)
    raiser = make.user("butler", [site], username="wang")
    make_tasks(location, raiser, 8, title="此处", first_due=utcnow() - timedelta(days=2))
    make_tasks(location, raiser, 2, status="closed", title="已关")
    make_tasks(elsewhere, raiser, 3, title="别处")
    browser.login("li")  # a butler who raised none of them sees them all at the location

    scan = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    assert "8 open tasks here" in scan
    assert re.findall(r"此处 \d+", scan) == [f"此处 0{n}" for n in range(5)]  # overdue first, soonest due first
    found = re.search(r'href="([^"]+)">See all (\d+) open tasks in the task list', scan)
    assert found and found.group(2) == "8"

    listed = browser.get(found.group(1).replace("&amp;", "&"), headers=EN).get_data(as_text=True)
    assert "8 tasks" in listed and len(re.findall(r"此处 \d+", listed)) == 8
    assert "已关" not in listed and "别处" not in listed


def test_the_location_page_lists_its_open_tasks_the_same_way(browser, make, site_and_butler):
    site, _butler = site_and_butler
    location = make.location(site)
    make_tasks(location, make.user("butler", [site], username="wang"), 7, title="此处")
    browser.login("li")
    page = browser.get(f"/locations/{location.id}", headers=EN).get_data(as_text=True)
    assert "7 open tasks here" in page and len(re.findall(r"此处 \d+", page)) == 5
    assert "See all 7 open tasks in the task list" in page


def test_a_location_with_few_open_tasks_lists_them_all_without_a_link(browser, make, site_and_butler):
    site, _butler = site_and_butler
    location = make.location(site)
    make_tasks(location, make.user("butler", [site]), 5)
    browser.login("li")
    scan = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    assert "5 open tasks here" in scan and len(re.findall(r"任务 \d+: Fail", scan)) == 5 and "See all" not in scan


# --- query counts ---------------------------------------------------------------------------------


def _grow(make, site, butler, location, count: int) -> None:
    """`count` more rows in every list."""
    make_tasks(location, butler, count)
    make_tasks(location, butler, count, status="closed")
    boss = db.session.scalar(select(User).where(User.username == "boss"))
    checklist = Checklist(name="巡楼检查")
    for number in range(count):
        make.site()
        make.location(site)
        record(boss, "qr.reissued", location)
        db.session.add_all(
            [
                User(
                    username=f"u{number}-{utcnow().timestamp()}",
                    display_name="临时工",
                    password_hash="!",
                    role="butler",
                    sites=[site],
                ),
                Checklist(name=f"清单 {number}"),
                Schedule(
                    site_id=site.id,
                    name=f"计划 {number}",
                    checklist=checklist,
                    location_kind="floor",
                    recurrence="daily",
                    start_time=time(9),
                    locations=[location],
                ),
            ]
        )
    db.session.commit()


def test_list_pages_run_as_many_queries_with_many_rows_as_with_few(app, browser, make, site_and_butler, queries):
    site, butler = site_and_butler
    location = make.location(site)
    browser.login("boss")
    urls = [
        "/tasks",
        "/tasks?state=closed",
        "/tasks?state=all",
        f"/tasks?state=open&location={location.id}",
        "/admin/audit/",
        "/admin/sites/",
        "/admin/people/",
        "/admin/checklists/",
        "/admin/schedules/",
        "/admin/locations/",
        "/locations",
        f"/c/{location.qr_token}",
    ]
    counts = {}
    for size, more in (("few", 2), ("many", 60)):
        _grow(make, site, butler, location, more)
        inspection = db.session.scalar(select(Inspection.id).order_by(Inspection.id.desc()).limit(1))
        for url in [*urls, f"/inspections/{inspection}"]:
            db.session.expire_all()  # what the setup left loaded (or not yet collected) saves no request a query
            queries.statements.clear()
            assert browser.get(url).status_code == 200, url
            counts.setdefault(url.split("/inspections/")[0] or "inspection", {})[size] = len(queries)
    grown = {url: count for url, count in counts.items() if count["few"] != count["many"]}
    assert not grown, grown
