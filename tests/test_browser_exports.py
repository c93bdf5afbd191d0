"""Exports in a real Chromium on a phone (390×844): a supervisor exports the board, the page waits while
the worker (running as `patrol worker` runs it, woken by the request's commit) makes the file, and the
download opens with openpyxl. And how the export's page looks, in Chinese and in English."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from patrol.alerts import worker
from patrol.alerts.wakeup import Pause
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Export
from tests import factories
from tests.browser_steps import htmx_settled, sign_in
from tests.test_task_board import a_task

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-exports")


@pytest.fixture
def running_worker(app):
    """The worker loop in a thread, pausing 30 s between passes unless a commit wakes it."""
    stop = threading.Event()
    pause = Pause(worker._engine(app), stop)
    thread = threading.Thread(
        target=worker.run_loop, kwargs={"app": app, "interval": 30, "sleep": pause, "stop": stop}, daemon=True
    )
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)
    pause.close()


def test_a_supervisor_exports_the_board_and_opens_the_file(app, phone: Page, running_worker, tmp_path):
    with app.app_context():
        east, west = factories.site("东区"), factories.site("西区")
        boss = factories.user("supervisor", [east], username="boss", locale="zh_Hans")
        floor = factories.location(east, name="1栋 3F")
        a_task(east, boss, "消防门未关", location=floor, severity="high")
        a_task(east, boss, "=1+1", location=floor)
        a_task(west, boss, "西区电梯灯不亮")
        db.session.remove()
    page = phone
    sign_in(page, "boss")
    page.goto("/tasks")
    htmx_settled(page)
    page.locator(".export-offer summary").tap()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-offer-zh.png"), full_page=True)
    page.get_by_role("button", name="Excel：任务和处理记录").tap()
    expect(page).to_have_url(re.compile(r"/exports/\d+$"))
    expect(page.locator("h1")).to_have_text("导出：任务")
    link = page.locator("#export-status a.download")
    expect(link).to_be_visible(timeout=20_000)  # polled in place: no reload
    expect(page.locator("#export-status")).to_contain_text("已就绪：共 2 行。")
    with page.expect_download() as waiting:
        link.tap()
    saved = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(saved)
    assert saved.name.startswith("任务-") and saved.suffix == ".xlsx"
    book = load_workbook(saved)
    assert book.sheetnames == ["任务", "处理记录"]
    rows = list(book["任务"].iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "问题", "状态") and sorted(row[1] for row in rows[1:]) == ["=1+1", "消防门未关"]
    assert book["任务"]["B2"].data_type == "s" or book["任务"]["B3"].data_type == "s"
    page.screenshot(path=str(SHOTS / "export-ready-zh.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_export_pages_in_each_language(app, chromium, language):
    with app.app_context():
        east = factories.site("东区")
        person = factories.user("supervisor", [east], username="boss", locale=language)
        now = utcnow()
        rows = {}
        for number, (status, extra) in enumerate(
            [
                ("queued", {}),
                ("ready", {"row_count": 1284, "file_name": "任务-20261207-0930.xlsx", "stored_name": "x.xlsx"}),
                (
                    "failed",
                    {
                        "error": "导出没能完成。请再试一次；如果还是失败，请告诉管理员。"
                        if language != "en"
                        else "The export could not be made. Try again; if it fails again, tell an administrator."
                    },
                ),
            ]
        ):
            export = Export(
                user_id=person.id,
                client_id=f"00000000-0000-4000-8000-00000000000{number}",
                kind="tasks" if number != 2 else "coverage",
                format="xlsx" if number != 1 else "csv",
                params={},
                locale=language,
                status=status,
                created_at=now - timedelta(minutes=3 - number),
                **extra,
            )
            db.session.add(export)
            db.session.commit()
            rows[status] = export.id
        db.session.remove()
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB")
    sign_in(page, "boss")
    short = "zh" if language == "zh_Hans" else "en"
    page.goto(f"/exports/{rows['queued']}")
    expect(page.locator("#export-status")).to_contain_text("正在生成…" if short == "zh" else "Making the export…")
    page.screenshot(path=str(SHOTS / f"export-waiting-{short}.png"), full_page=True)
    page.goto(f"/exports/{rows['failed']}")
    page.screenshot(path=str(SHOTS / f"export-failed-{short}.png"), full_page=True)
    page.goto("/exports")
    expect(page.locator(".list.exports li")).to_have_count(3)
    page.screenshot(path=str(SHOTS / f"my-exports-{short}.png"), full_page=True)
    page.goto("/rounds/grid")
    page.locator(".export-offer summary").tap()
    expect(page.locator(".export-offer button[name=export]")).to_have_count(2)
    page.screenshot(path=str(SHOTS / f"grid-offer-{short}.png"), full_page=True)
