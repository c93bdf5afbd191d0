"""Time the list pages on a generated history (bench/history.py), as an administrator through the test client.

    python bench/lists.py --database sqlite:////tmp/history-1m.sqlite3
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/patrol_h2 python bench/lists.py

First brings the database to the newest migration of the imported tree (as a deploy would; the
time that takes is reported), then asks each page once to warm up and `--repeat` times more, and
prints a Markdown table: the median and the 95th percentile time in ms and the size of the HTML.
"Page 100" is reached by following the list's own "Next"/"Older" link 99 times, so it is whatever
that tree's links make of it.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from history import ADMIN, PASSWORD, SHANGHAI, _app
from sqlalchemy import select

BUTLER_ID = 2
BUTLER = f"butler-{BUTLER_ID}"  # the first butler of site 1 (bench/history.py numbers people in order)
NEXT_LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*>\s*(?:Next|Older)\s*</a>')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print the plan of every SELECT each page runs")
    args = parser.parse_args()
    if not args.database:
        parser.error("give --database or set DATABASE_URL")
    app = _app(args.database)
    with app.app_context():
        from flask_migrate import upgrade

        started = time.perf_counter()
        upgrade()
        print(f"migrations to the newest: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        hot_token, inspection_id = _targets()
    client = app.test_client()
    _sign_in(client)
    local_today = datetime.now(UTC).astimezone(SHANGHAI).date()
    yesterday = (local_today - timedelta(days=1)).isoformat()
    month_ago = (local_today - timedelta(days=30)).isoformat()
    last_month = (local_today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    pages = [
        ("location list /locations", "/locations"),
        ("location list /admin/locations", "/admin/locations/"),
        ("open tasks, page 1", "/tasks"),
        ("open tasks of one site, page 1", "/tasks?site=1"),
        ("closed tasks, page 1", "/tasks?state=closed"),
        ("closed tasks, page {} (its own links)", *_follow(client, "/tasks?state=closed", 99)),
        ("closed tasks, ?page=100 typed", "/tasks?state=closed&page=100"),
        ("all tasks, page 1", "/tasks?state=all"),
        ("audit log, page 1", "/admin/audit/"),
        ("audit log, page {} (its own links)", *_follow(client, "/admin/audit/", 99)),
        (f"scan page, {_open_count(app, hot_token)} open tasks there", f"/c/{hot_token}"),
        ("inspection page (10 findings)", f"/inspections/{inspection_id}"),
        ("missed rounds, page 1", "/rounds/missed"),
        ("missed rounds of one site, page 1", "/rounds/missed?site=1"),
        ("missed rounds, page {} (its own links)", *_follow(client, "/rounds/missed", 99)),
        ("coverage grid, one site's yesterday", f"/rounds/grid?site=1&day={yesterday}"),
        ("past rounds, page 1", "/inspections"),
        ("past rounds, page {} (its own links)", *_follow(client, "/inspections", 99)),
        ("past rounds of one site, with findings only", "/inspections?site=1&findings=1"),
        ("past rounds of one person", f"/inspections?person={BUTLER_ID}"),
        ("past rounds at one location", "/inspections?location=2"),
        ("past rounds of one kind of place, a month", f"/inspections?kind=model_room&from={month_ago}&to={yesterday}"),
        ("site report, yesterday", f"/reports?site=1&period=day&date={yesterday}"),
        ("site report, a month", f"/reports?site=1&period=month&date={yesterday}"),
        ("日报 (daily report sheet), yesterday", f"/reports/daily?site=1&date={yesterday}"),
        ("staff scores of one site, last month", f"/scores?site=1&month={last_month}"),
        ("one person's lapses, last month", f"/scores/{BUTLER_ID}?site=1&month={last_month}"),
    ]
    butler = app.test_client()
    _sign_in(butler, BUTLER)
    people = [("a butler's home: rounds now, next, missed today", "/")]
    if args.explain:
        for label, *reached, url in pages:
            _explain(app, client, label.format(*reached), url)
        return
    print(f"| page | ms, median of {args.repeat} | ms, p95 | HTML bytes |\n|---|---:|---:|---:|")
    for who, listed in ((client, pages), (butler, people)):
        for label, *reached, url in listed:
            median, p95, size = _measure(who, url, args.repeat)
            print(f"| {label.format(*reached)} | {median:.1f} | {p95:.1f} | {size:,} |")


def _targets() -> tuple[str, int]:
    """The hot location's QR token, and its latest inspection (ten findings)."""
    from patrol.extensions import db
    from patrol.models import Inspection, Location

    location = db.session.get(Location, 1)
    latest = db.session.scalar(
        select(Inspection.id).where(Inspection.location_id == 1).order_by(Inspection.submitted_at.desc()).limit(1)
    )
    return location.qr_token, latest


def _open_count(app, token: str) -> int:
    from patrol.extensions import db
    from patrol.models import Location, Task
    from patrol.models.task import OPEN_STATUSES

    with app.app_context():
        location = db.session.scalar(select(Location).where(Location.qr_token == token))
        return len(
            db.session.scalars(
                select(Task.id).where(Task.location_id == location.id, Task.status.in_(OPEN_STATUSES))
            ).all()
        )


def _sign_in(client, username: str = ADMIN) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), f"signing in failed: {response.status_code}"


def _follow(client, url: str, times: int) -> tuple[int, str]:
    """The page number and URL reached by following the next link up to `times` times (not timed)."""
    for done in range(times):
        found = NEXT_LINK.search(client.get(url).get_data(as_text=True))
        if found is None:
            return done + 1, url
        url = html.unescape(found.group(1))
    return times + 1, url


def _measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    """Median and 95th percentile in ms (the nearest rank: with 20 requests, the second slowest)."""
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    ranked = sorted(times)
    p95 = ranked[min(len(ranked) - 1, -(-95 * len(ranked) // 100) - 1)]
    return statistics.median(times), p95, len(response.get_data())


def _explain(app, client, label: str, url: str) -> None:
    """The query plan of each SELECT the page runs, with the parameters it ran with."""
    from sqlalchemy import event

    from patrol.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    client.get(url)
    event.remove(engine, "before_cursor_execute", keep)
    print(f"\n## {label} — {url}")
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        for statement, parameters in seen:
            plan = connection.exec_driver_sql(
                ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters
            ).all()
            print("\n" + " ".join(statement.split())[:160] + " …")
            for row in plan:
                print("    " + (row[-1] if sqlite else row[0]))


if __name__ == "__main__":
    main()
