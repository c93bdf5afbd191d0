"""The demo estate the README's first command starts with."""

import os
import socket

from flask import Flask
from sqlalchemy import func, select

from patrol import cli
from patrol.extensions import db
from patrol.models import ChecklistAssignment, Handover, Location, LossCase, Schedule, Task, User
from patrol.setup.checklists import current_versions_for
from qr import qr_svg
from tests.conftest import Browser


def test_seed_demo_builds_the_estate_from_the_domain(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["patrol", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "butler" in result.output and "patrol-demo" in result.output
    with app.app_context():
        kinds = dict(db.session.execute(select(Location.kind, func.count()).group_by(Location.kind)).all())
        assert kinds["floor"] >= 10 and kinds["renovation"] == 2 and kinds["model_room"] == 1
        assert kinds["vacant_unit"] >= 2
        assert {u.role for u in db.session.scalars(select(User))} == {
            "butler",
            "steward",
            "supervisor",
            "admin",
            "guard",
        }
        room = db.session.scalar(select(Location).where(Location.kind == "model_room"))
        names = [v.name for v in current_versions_for(room)]
        assert len(names) == 3 and any("开馆" in n for n in names) and any("闭馆" in n for n in names)
        assert db.session.scalar(select(func.count()).select_from(Task)) >= 3
        assert db.session.scalar(select(func.count()).select_from(ChecklistAssignment)) == 6
        recurrences = sorted(db.session.scalars(select(Schedule.recurrence)))
        # Floors hourly, renovations daily, vacant units weekly; the model room opens, is counted hourly, closes.
        assert recurrences == ["daily", "daily", "daily", "hourly", "hourly", "weekly"]
        db.session.remove()


def test_seed_demo_refuses_a_database_that_has_data(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["patrol", "seed-demo"]).exit_code == 0
    again = runner.invoke(args=["patrol", "seed-demo"])
    assert again.exit_code != 0 and "empty" in again.output


def _start_demo(monkeypatch, tmp_path, host):
    """Run `patrol demo --host HOST` up to the point it would listen; return what it printed, encoded and served."""
    # run_demo sets PATROL_DEMO and PATROL_BASE_URL in the environment, as the demo process should:
    # a copy of it here keeps them out of the tests that run after this one.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    monkeypatch.setattr(cli, "lan_address", lambda: LAN)
    monkeypatch.delenv("PATROL_BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    encoded, started = [], {}
    monkeypatch.setattr(cli, "qr_terminal", lambda url: encoded.append(url) or "")
    monkeypatch.setattr(Flask, "run", lambda self, **kwargs: started.update(app=self, **kwargs))
    monkeypatch.setattr(cli, "start_in_thread", lambda app, interval: started.update(worker=(app, interval)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli.run_demo(host, port)
    return port, encoded, started


LAN = "192.168.31.7"


def test_the_demo_bound_to_loopback_announces_and_links_loopback(app, monkeypatch, tmp_path, capsys):
    port, encoded, started = _start_demo(monkeypatch, tmp_path, "127.0.0.1")
    printed = capsys.readouterr().out
    here = f"http://127.0.0.1:{port}"
    assert encoded == [f"{here}/"] and f"running on {here}/" in printed and LAN not in printed
    demo = started["app"]
    assert started["host"] == "127.0.0.1" and demo.config["PATROL_BASE_URL"] == here
    # Alerts and robot messages: the worker runs in the demo's own process, looking every 5 s.
    assert started["worker"] == (demo, 5.0)
    with demo.app_context():
        person = Browser(demo.test_client())
        person.login("admin", cli.DEMO_PASSWORD)
        location = db.session.scalar(select(Location).order_by(Location.id))
        page = person.get(f"/locations/{location.id}").get_data(as_text=True)
        db.session.remove()
    # The sticker's QR code holds the loopback scan URL, which a browser on this machine opens.
    assert qr_svg(f"{here}/c/{location.qr_token}") in page and LAN not in page


def test_the_demo_on_every_interface_announces_the_lan_address(app, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "upgrade", lambda: None)
    monkeypatch.setattr(cli, "has_data", lambda: True)
    port, encoded, started = _start_demo(monkeypatch, tmp_path, "0.0.0.0")
    printed = capsys.readouterr().out
    assert encoded == [f"http://{LAN}:{port}/"] and f"running on http://{LAN}:{port}/" in printed
    assert started["app"].config["PATROL_BASE_URL"] == f"http://{LAN}:{port}"


def test_demo_people_carry_plain_names_and_the_pages_add_the_role_once(app, browser):
    assert app.test_cli_runner().invoke(args=["patrol", "seed-demo"]).exit_code == 0
    browser.login("supervisor", cli.DEMO_PASSWORD)
    with app.app_context():
        unassigned = db.session.scalar(select(Task).where(Task.assignee_id.is_(None)).order_by(Task.id))
        task_id, site_id = unassigned.id, unassigned.site_id
        db.session.remove()
    task_page = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    board = browser.get(f"/tasks?site={site_id}").get_data(as_text=True)
    people = browser.get("/admin/people/").get_data(as_text=True)
    # The task's assignee picker and the board's bulk picker show "name (role)" with the role once.
    for page in (task_page, board):
        assert "<option value" in page and "张伟（管家）" in page and "（管家）（管家）" not in page
    assert "王强" in people and "王强（主管）" not in people


def test_the_demo_model_room_lost_a_cushion_yesterday_between_two_hourly_counts(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["patrol", "seed-demo"]).exit_code == 0
    with app.app_context():
        (case,) = db.session.scalars(select(LossCase)).all()
        zone = case.location.site.zone
        assert (case.kind, case.status, case.quantity) == ("missing", "open", 1)
        assert case.last_complete.submitted_at.astimezone(zone).strftime("%H:%M") == "11:06"
        assert case.first_short.submitted_at.astimezone(zone).strftime("%H:%M") == "12:03"
        assert [sighting.counted for sighting in case.sightings] == [5, 5, 5]
        assert case.task.source == "loss" and case.task.status == "open"
        assert db.session.scalar(select(func.count()).select_from(Handover)) == 2
        db.session.remove()
