"""What an export holds: formula-safe cells (an .xlsx's text is string cells, a .csv's gets a leading '),
headers and values in the requester's language, times on the site's clock, the coverage grid's own
percentages for the fixture day, and rows read a chunk at a time (memory holds one chunk)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from patrol.exports import kinds
from patrol.extensions import db
from patrol.models import Task
from tests import factories
from tests.export_steps import ask, board, csv_rows, download, export_id, run_worker, xlsx
from tests.rounds_scene import DAY
from tests.test_paging import make_tasks
from tests.test_rounds_coverage import day, excuse_two  # noqa: F401  (day: the fixture)

FORMULAS = ('=HYPERLINK("http://evil.example","点我")', "@SUM(A1)", "+1 在门口", "-2 楼道\t有杂物")


def built(browser, choice: str, **args) -> bytes:
    number = export_id(ask(browser, choice, **args))
    run_worker()
    status, _headers, data = download(browser, number)
    assert status == 200
    return data


@pytest.fixture
def scene(app, ctx):
    return board(locale="en")


def test_an_xlsx_writes_every_text_as_a_string_never_a_formula(scene, browser):
    browser.login("boss")
    book = xlsx(built(browser, "tasks.xlsx"))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    texts = {cell.value: cell.data_type for cell in cells if cell.value in FORMULAS}
    assert texts == dict.fromkeys(FORMULAS, "s")  # all four found, none a formula ("f")
    assert not [cell for cell in cells if cell.data_type == "f"]
    numbers = [row[0].value for row in book["Tasks"].iter_rows(min_row=2)]
    assert numbers == sorted(task.id for task in scene.tasks) and all(isinstance(n, int) for n in numbers)


def test_a_csv_quotes_a_cell_that_would_start_a_formula(scene, browser):
    browser.login("boss")
    tasks = csv_rows(built(browser, "tasks.csv"))
    timeline = csv_rows(built(browser, "task_timeline.csv", client_id="7e0a7c1e-5b8f-4c0e-9d3e-7e0a7c1e5b8f"))
    texts = [cell for row in tasks[1:] + timeline[1:] for cell in row]
    for formula in FORMULAS:
        assert "'" + formula in texts and formula not in texts
    assert not [cell for cell in texts if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert [row[0] for row in tasks[1:]] == [str(task.id) for task in scene.tasks]  # numbers stay numbers


def test_headers_and_values_are_in_the_requesters_language(scene, browser):
    browser.login("boss")
    english = csv_rows(built(browser, "tasks.csv"))
    assert english[0][:4] == ["No.", "Title", "Status", "Severity"]
    assert english[2][2:4] == ["Open", "High"]
    scene.boss.locale = "zh_Hans"
    db.session.commit()
    chinese = xlsx(built(browser, "tasks.xlsx", client_id="8f1b8d2f-6c9a-4d1f-8e4f-8f1b8d2f6c9a"))
    assert chinese.sheetnames == ["任务", "处理记录"]
    header, _first, second = list(chinese["任务"].iter_rows(max_row=3, values_only=True))
    assert header[:6] == ("编号", "问题", "状态", "严重程度", "项目", "点位")
    assert second[2:4] == ("待分派", "高") and second[8] == "supervisor 测试"
    assert not [cell for cell in header if re.search(r"[A-Za-z]", cell or "")]
    timeline_header = next(chinese["处理记录"].iter_rows(max_row=1, values_only=True))
    assert timeline_header[:4] == ("任务编号", "任务", "时间", "处理步骤")


def test_times_are_on_the_sites_clock(scene, browser):
    scene.east.timezone = "Asia/Urumqi"  # UTC+6, not the app's zone
    db.session.commit()
    browser.login("boss")
    book = xlsx(built(browser, "tasks.xlsx"))
    header, first = list(book["Tasks"].iter_rows(max_row=2, values_only=True))
    due = first[header.index("Due")]
    task = db.session.get(Task, first[0])
    assert due == task.due_at.astimezone(scene.east.zone).replace(tzinfo=None, microsecond=due.microsecond)
    assert book["Tasks"].cell(row=2, column=header.index("Due") + 1).number_format == "yyyy-mm-dd hh:mm"


def grid_figure(browser, site_id: int) -> str:
    html = browser.get(f"/rounds/grid?site={site_id}&day={DAY.isoformat()}").get_data(as_text=True)
    return re.search(r'<p class="figure"><strong>([^<]+)</strong>', html).group(1)


def test_the_grid_the_report_and_the_export_give_the_fixture_day_the_same_coverage(day, browser):  # noqa: F811
    excuse_two(day)
    day.supervisor.locale = "en"
    db.session.commit()
    browser.login(day.supervisor.username)
    shown = grid_figure(browser, day.site.id)
    assert shown == "51%"
    report = browser.get(f"/reports?site={day.site.id}&period=day&date={DAY.isoformat()}").get_data(as_text=True)
    headline = re.search(r'data-figure="coverage"><strong>([^<]+)</strong>', report).group(1)
    assert headline == shown and "on time: 56 of 110" in report
    rows = csv_rows(built(browser, "coverage.csv", site=str(day.site.id), day=DAY.isoformat()))
    assert rows[0][0] == "Location" and rows[0][-1] == "Coverage"
    total = rows[-1]
    assert total[0] == "Total" and total[-1] == shown
    assert total[1:-1] == ["132", "56", "11", "1", "42", "2", "20", "0", "110"]  # as the grid counts them
    assert [row[0] for row in rows[1:-1]] == sorted(room.name for room in day.rooms)
    book = xlsx(
        built(
            browser,
            "coverage.xlsx",
            client_id="9a2c9e3a-7dab-4e2a-9f5a-9a2c9e3a7dab",
            site=str(day.site.id),
            day=DAY.isoformat(),
        )
    )
    by_day = list(book["By day"].iter_rows(values_only=True))
    assert by_day[1][0] == DAY.isoformat() and by_day[1][-1] == shown and by_day[-1][-1] == shown
    week = csv_rows(
        built(
            browser,
            "coverage.csv",
            client_id="0b3dae4b-8ebc-4f3b-a06b-0b3dae4b8ebc",
            site=str(day.site.id),
            day=(DAY + timedelta(days=2)).isoformat(),
            span="week",
        )
    )
    assert week[-1][-1] == shown  # the fixture day is the only day of its week with rounds


def test_the_missed_rounds_export_has_each_rounds_disposition(day, browser):  # noqa: F811
    excuse_two(day)
    day.supervisor.locale = "en"
    db.session.commit()
    browser.login(day.supervisor.username)
    rows = csv_rows(built(browser, "missed.csv", site=str(day.site.id), day=DAY.isoformat()))
    assert rows[0][:6] == ["Site", "Location", "Round", "Due", "Given to", "Status"]
    statuses = [row[5] for row in rows[1:]]
    assert (statuses.count("Missed"), statuses.count("Excused"), statuses.count("Made up")) == (42, 2, 1)
    excused = [row for row in rows[1:] if row[5] == "Excused"]
    assert {row[7] for row in excused} == {"十层装修封闭"} and {row[8] for row in excused} == {
        day.supervisor.display_name
    }


def test_rows_are_read_a_chunk_at_a_time_and_let_go(scene, browser, app, monkeypatch):
    """The builder never holds the list: each chunk is one keyset query, and the session holds at most one
    chunk of tasks while rows are written (openpyxl's write-only sheets stream each row to disk)."""
    make_tasks(factories.location(scene.east), scene.boss, 45)
    monkeypatch.setattr(kinds, "CHUNK", 10)
    held: list[int] = []
    from patrol.exports import writing

    written = writing.XlsxWriter.row

    def watching(self, values):
        held.append(sum(1 for obj in db.session.identity_map.values() if isinstance(obj, Task)))
        written(self, values)

    monkeypatch.setattr(writing.XlsxWriter, "row", watching)
    chunks: list[str] = []
    building: list[bool] = []
    from patrol.exports import building as builder

    write = builder._write

    def writing_now(*args):
        building.append(True)
        try:
            return write(*args)
        finally:
            building.clear()

    monkeypatch.setattr(builder, "_write", writing_now)

    def count(_conn, _cursor, statement, *_args):
        if building and statement.lstrip().upper().startswith("SELECT") and "FROM tasks" in statement:
            chunks.append(statement)

    browser.login("boss")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        book = xlsx(built(browser, "tasks.xlsx", state="all"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert book["Tasks"].max_row == 1 + 47
    assert len(chunks) == 2 * 5 and all(
        "LIMIT" in statement for statement in chunks
    )  # 47 tasks, 10 a chunk, each sheet
    assert max(held) <= 10 and len(held) >= 47
