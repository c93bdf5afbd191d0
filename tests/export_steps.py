"""What the export tests share: a board of tasks on two sites, asking for an export as a page's form
does, letting the worker build it, and reading the file back."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from flask import current_app
from openpyxl import load_workbook

from patrol.alerts import worker
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Export, Site, Task, TaskEvent, User
from tests import factories
from tests.test_task_board import a_task

CLIENT_ID = "6f1c2a52-4d1e-4b8a-9d43-3c1f0f6e2a01"


@dataclass
class Board:
    east: Site
    west: Site
    boss: User  # supervisor of east only
    tasks: list[Task]  # on east
    far: Task  # on west


def board(*, locale: str | None = "en") -> Board:
    east, west = factories.site("东区"), factories.site("西区")
    boss = factories.user("supervisor", [east], username="boss", locale=locale)
    floor = factories.location(east, name="1栋 3F")
    tasks = [
        a_task(east, boss, '=HYPERLINK("http://evil.example","点我")', location=floor, detail="+1 在门口"),
        a_task(east, boss, "消防门未关", location=floor, severity="high", detail="@SUM(A1)"),
    ]
    far = a_task(west, boss, "西区电梯灯不亮")
    db.session.add(TaskEvent(task_id=tasks[0].id, kind="comment", actor_id=boss.id, note="-2 楼道\t有杂物"))
    db.session.commit()
    return Board(east, west, boss, tasks, far)


def ask(browser, choice: str, client_id: str = CLIENT_ID, **args):
    """POST an export as the offer's form does; the response (a 303 to the export's page)."""
    return browser.post("/exports", data={"export": choice, "client_id": client_id, **args})


def export_id(response) -> int:
    assert response.status_code == 303, response.status_code
    return int(re.search(r"/exports/(\d+)$", response.headers["Location"]).group(1))


def run_worker(now=None):
    """One pass of the worker, as `patrol worker` runs it: in an app context (and session) of its own."""
    db.session.commit()
    with current_app.app_context():
        done = worker.run_pass(now or utcnow())
    db.session.expire_all()
    return done


def download(browser, number: int):
    """The export's download: (status, headers, bytes), the file closed again."""
    response = browser.get(f"/exports/{number}/download")
    try:
        return response.status_code, response.headers, response.get_data()
    finally:
        response.close()


def export_row(number: int) -> Export:
    return db.session.get(Export, number, populate_existing=True)


def xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
