"""Exports as jobs: asked for on a page, built by the worker, downloaded by the person who asked and
nobody else. A repeat is one export; a failure says so plainly; a killed worker's export is taken again
once its lease runs out; the waiting page polls until it is done, at a fixed number of queries."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from patrol.database import utcnow
from patrol.exports import jobs
from patrol.exports.jobs import LEASE, MAX_ATTEMPTS, claim_next, export_dir
from patrol.extensions import db
from patrol.models import Export
from patrol.presenters.export_tasks import TaskExport
from tests import factories
from tests.conftest import SeparateBrowser
from tests.export_steps import CLIENT_ID, ask, board, csv_rows, download, export_id, export_row, run_worker, xlsx


@pytest.fixture
def scene(app, ctx):
    return board(locale="zh_Hans")


@pytest.fixture
def boss(scene, browser):
    browser.login("boss")
    return scene.boss


def test_an_export_waits_for_the_worker_then_downloads_and_opens(scene, boss, browser):
    number = export_id(ask(browser, "tasks.xlsx", state="open"))
    waiting = browser.get(f"/exports/{number}").get_data(as_text=True)
    assert "正在生成…" in waiting and 'hx-trigger="every 2s"' in waiting
    assert export_row(number).status == "queued"

    assert run_worker().exported == 1
    row = export_row(number)
    assert (row.status, row.row_count, row.attempts) == ("ready", 2, 1)
    assert row.file_name.startswith("任务-") and row.file_name.endswith(".xlsx")
    stored = export_dir() / row.stored_name
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600

    ready = browser.get(f"/exports/{number}").get_data(as_text=True)
    assert "every 2s" not in ready and f"/exports/{number}/download" in ready and "已就绪" in ready
    status, headers, data = download(browser, number)
    assert status == 200 and headers["Cache-Control"] == "private, no-store"
    assert "attachment" in headers["Content-Disposition"]
    book = xlsx(data)
    assert book.sheetnames == ["任务", "处理记录"]
    titles = [row[1] for row in book["任务"].iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(task.title for task in scene.tasks)  # east's open tasks, not west's
    events = list(book["处理记录"].iter_rows(min_row=2, values_only=True))
    assert [(event[0], event[3], event[9]) for event in events] == [(scene.tasks[0].id, "留言", "-2 楼道\t有杂物")]


def test_the_same_request_twice_is_one_export(scene, boss, browser):
    first, again = ask(browser, "tasks.csv"), ask(browser, "tasks.csv")
    assert export_id(first) == export_id(again)
    assert db.session.scalar(select(func.count(Export.id))) == 1
    other = export_id(ask(browser, "tasks.csv", client_id="0d5a8a7e-7d1b-4f64-a0a3-7b0b59c3b0f2"))
    assert other != export_id(first)


def test_a_form_that_is_not_one_of_ours_is_refused(scene, boss, browser):
    assert ask(browser, "tasks.pdf").status_code == 400
    assert ask(browser, "salaries.xlsx").status_code == 400
    assert ask(browser, "tasks.xlsx", client_id="not-an-id").status_code == 400
    assert ask(browser, "task_timeline.xlsx").status_code == 400  # the timelines alone are a .csv
    assert browser.client.post("/exports", data={"export": "tasks.xlsx", "client_id": CLIENT_ID}).status_code == 400


def test_a_build_that_breaks_is_failed_with_a_plain_message(scene, boss, browser, monkeypatch):
    def broken(self, params, user, now, fmt):
        raise RuntimeError("disk on fire")
        yield

    monkeypatch.setattr(TaskExport, "tables", broken)
    number = export_id(ask(browser, "tasks.xlsx"))
    run_worker()
    row = export_row(number)
    assert row.status == "failed" and row.stored_name == "" and row.finished_at is not None
    assert row.error == "导出没能完成。请再试一次；如果还是失败，请告诉管理员。"
    page = browser.get(f"/exports/{number}").get_data(as_text=True)
    assert row.error in page and "disk on fire" not in page and "every 2s" not in page
    assert download(browser, number)[0] == 404
    assert not list(export_dir().glob(".*.part"))  # the half-written file is gone


def test_someone_who_lost_the_site_since_asking_gets_a_failure_not_its_rows(scene, boss, browser):
    number = export_id(ask(browser, "coverage.csv", site=str(scene.east.id), day="2026-03-02"))
    scene.boss.sites = []
    db.session.commit()
    run_worker()
    row = export_row(number)
    assert (row.status, row.error) == ("failed", "你没有这个项目的权限。")


def test_a_killed_workers_export_is_taken_again_once_its_lease_runs_out(scene, boss, browser):
    number = export_id(ask(browser, "tasks.csv"))
    now = utcnow()
    claimed = claim_next(now)
    assert claimed.id == number and claimed.status == "running"
    # The worker that claimed it dies here. Within its lease nobody takes it.
    assert claim_next(now + LEASE - timedelta(seconds=1)) is None
    assert run_worker(now + LEASE - timedelta(seconds=1)).exported == 0
    later = now + LEASE + timedelta(seconds=1)
    assert run_worker(later).exported == 1
    row = export_row(number)
    assert (row.status, row.attempts) == ("ready", 2)


def test_an_export_every_worker_died_on_is_given_up(scene, boss, browser):
    number = export_id(ask(browser, "tasks.csv"))
    old = utcnow() - LEASE * 2
    db.session.execute(update(Export).values(status="running", claimed_at=old, attempts=MAX_ATTEMPTS))
    db.session.commit()
    run_worker()
    row = export_row(number)
    assert row.status == "failed" and "3" in row.error and row.attempts == MAX_ATTEMPTS + 1


def test_a_worker_whose_export_was_taken_over_lets_it_go(scene, boss, browser, monkeypatch):
    number = export_id(ask(browser, "tasks.csv"))
    monkeypatch.setattr(jobs.Lease, "RENEW_SECONDS", 0.0)
    monkeypatch.setattr("patrol.exports.building.CHUNK", 1)
    leased = jobs.Lease.__init__

    def thought_dead(lease, export_id, claimed_at):
        leased(lease, export_id, claimed_at)
        with db.engine.begin() as connection:  # meanwhile another worker took it over
            connection.execute(update(Export).values(claimed_at=claimed_at + timedelta(seconds=1)))

    monkeypatch.setattr(jobs.Lease, "__init__", thought_dead)
    assert run_worker().exported == 1
    row = export_row(number)
    assert (row.status, row.stored_name) == ("running", "")  # left to the other worker to finish
    assert not list(export_dir().glob(".*.part")) and not list(export_dir().glob("*.csv"))


def test_only_the_person_who_asked_finds_it(scene, boss, browser, app):
    number = export_id(ask(browser, "tasks.csv"))
    run_worker()
    factories.user("supervisor", [scene.east], username="colleague")
    factories.user("admin", username="root")
    for name in ("colleague", "root"):
        other = SeparateBrowser(app.test_client())
        other.login(name)
        assert other.get(f"/exports/{number}").status_code == 404
        assert download(other, number)[0] == 404
        assert f"/exports/{number}" not in other.get("/exports").get_data(as_text=True)
    assert download(browser, number)[0] == 200
    assert browser.get("/exports/99999").status_code == 404


def test_a_supervisor_exports_only_the_sites_they_see(scene, boss, browser):
    number = export_id(ask(browser, "tasks.csv", state="all", site=str(scene.west.id)))
    run_worker()
    rows = csv_rows(download(browser, number)[2])
    titles = [row[1] for row in rows[1:]]
    assert scene.far.title not in titles and len(titles) == 2  # west is not theirs: east's tasks only
    refused = ask(browser, "coverage.xlsx", client_id="1b7e0c55-1f3e-4d8e-8b8e-1d7e0c551f3e", site=str(scene.west.id))
    assert refused.status_code == 403 and "你没有这个项目的权限。" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Export.id))) == 1


def test_a_butler_exports_the_board_but_not_the_rounds(scene, browser):
    factories.user("butler", [scene.east], username="li")
    browser.login("li")
    assert ask(browser, "tasks.csv").status_code == 303
    assert ask(browser, "missed.csv", client_id="2c8f1d66-2a4f-4e9f-9c9f-2e8f1d662a4f").status_code == 403
    assert ask(browser, "coverage.csv", client_id="3d9a2e77-3b5a-4fa0-ad0a-3f9a2e773b5a").status_code == 403


def test_the_waiting_page_costs_the_same_queries_waiting_and_ready(scene, boss, browser, queries):
    number = export_id(ask(browser, "tasks.csv"))

    def cost(htmx: bool) -> int:
        queries.statements.clear()
        headers = {"HX-Request": "true"} if htmx else {}
        assert browser.get(f"/exports/{number}", headers=headers).status_code == 200
        return len(queries)

    waiting = (cost(False), cost(True))
    run_worker()
    assert (cost(False), cost(True)) == waiting
    assert waiting[1] <= 4  # the login, the person, the export


def test_my_exports_pages_newest_first(scene, boss, browser, monkeypatch):
    monkeypatch.setattr("patrol.views.exports.PAGE_SIZE", 2)
    ids = [export_id(ask(browser, "tasks.csv", client_id=f"00000000-0000-4000-8000-00000000000{n}")) for n in range(3)]
    first = browser.get("/exports").get_data(as_text=True)
    assert [f"/exports/{n}" in first for n in ids] == [False, True, True] and 'rel="next"' in first
    assert "等待开始" in first


def test_the_alerts_command_from_cron_makes_the_waiting_exports(scene, boss, browser, app):
    number = export_id(ask(browser, "tasks.csv"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["patrol", "alerts"])
    assert result.exit_code == 0, result.output
    assert "1 export(s) made." in result.output
    assert export_row(number).status == "ready"


def test_a_file_is_removed_a_week_after_it_was_made(scene, boss, browser):
    old, recent = (
        export_id(ask(browser, "tasks.csv", client_id=f"00000000-0000-4000-8000-00000000001{n}")) for n in (1, 2)
    )
    run_worker()
    files = {number: export_dir() / export_row(number).stored_name for number in (old, recent)}
    made = utcnow()
    db.session.execute(
        update(Export).where(Export.id == old).values(finished_at=made - jobs.KEEP - timedelta(minutes=1))
    )
    db.session.execute(
        update(Export).where(Export.id == recent).values(finished_at=made - jobs.KEEP + timedelta(hours=1))
    )
    db.session.commit()
    run_worker(made)
    assert (export_row(old).status, export_row(recent).status) == ("expired", "ready")
    assert not files[old].exists() and files[recent].exists()
    assert download(browser, old)[0] == 404
    page = browser.get(f"/exports/{old}").get_data(as_text=True)
    assert "文件在生成一周后已删除。需要的话请重新导出。" in page and "every 2s" not in page
