"""The job queue: jobs leave only after the commit, run in an app context of their own, and never fail a request."""

from __future__ import annotations

import logging
import os

import pytest
from sqlalchemy import func, select

from patrol.alerts import jobs
from patrol.extensions import db
from patrol.models import Site

REDIS_URL = os.environ.get("PATROL_TEST_REDIS_URL", "")
MODES = ["thread", "rq"] if REDIS_URL else ["thread"]
RAN: list = []


def see_sites(label: str) -> None:
    """A job: what it can read of the database, and that it has a session of its own."""
    RAN.append((label, db.session.scalar(select(func.count(Site.id))), id(db.session())))


def fail(label: str) -> None:
    RAN.append((label, "failing"))
    raise ValueError("a job that breaks")


def chain(label: str) -> None:
    RAN.append((label, "first"))
    jobs.enqueue("tests.test_jobs:see_sites", label + " then")


@pytest.fixture(params=MODES)
def run_jobs(request, app, monkeypatch):
    RAN.clear()
    if request.param == "rq":
        from rq import SimpleWorker

        monkeypatch.setitem(app.config, "PATROL_REDIS_URL", REDIS_URL)
        jobs.rq_queue(app).empty()

        def run():
            db.session.commit()
            SimpleWorker([jobs.rq_queue(app)], connection=jobs.redis_client(app)).work(burst=True)

    else:
        monkeypatch.setitem(app.config, "PATROL_REDIS_URL", "")

        def run():
            db.session.commit()
            assert jobs.thread_runner(app).drain()

    return run


def test_a_job_leaves_after_the_commit_and_sees_what_was_committed(make, run_jobs):
    db.session.add(Site(name="星河湾"))
    jobs.enqueue_after_commit("tests.test_jobs:see_sites", "after commit")
    assert RAN == []  # nothing leaves before the commit
    db.session.commit()
    run_jobs()
    [(label, sites, session)] = RAN
    assert (label, sites) == ("after commit", 1) and session != id(db.session())


def test_a_rolled_back_transaction_drops_its_jobs(make, run_jobs):
    db.session.add(Site(name="星河湾"))
    jobs.enqueue_after_commit("tests.test_jobs:see_sites", "rolled back")
    db.session.rollback()
    make.site()  # the next transaction's commit does not carry the dropped job
    run_jobs()
    assert RAN == []


def test_a_failing_job_is_logged_and_the_next_one_still_runs(make, run_jobs, caplog):
    with caplog.at_level(logging.ERROR, logger="patrol.alerts.jobs"):
        jobs.enqueue_after_commit("tests.test_jobs:fail", "broken")
        jobs.enqueue_after_commit("tests.test_jobs:see_sites", "next")
        db.session.commit()
        run_jobs()
    assert [entry[0] for entry in RAN] == ["broken", "next"]
    assert "job tests.test_jobs:fail failed" in caplog.text


def test_drain_waits_for_the_jobs_a_job_queues(make, run_jobs):
    jobs.enqueue("tests.test_jobs:chain", "chained")
    run_jobs()
    assert [entry[0] for entry in RAN] == ["chained", "chained then"]


def test_a_queue_that_is_down_does_not_fail_the_commit(make, app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "PATROL_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    with caplog.at_level(logging.ERROR, logger="patrol.alerts.jobs"):
        db.session.add(Site(name="星河湾"))
        jobs.enqueue_after_commit("tests.test_jobs:see_sites", "lost")
        db.session.commit()
    assert db.session.scalar(select(func.count(Site.id))) == 1
    assert "could not queue job tests.test_jobs:see_sites" in caplog.text


def test_a_forked_process_starts_its_own_thread(make, app, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_REDIS_URL", "")
    RAN.clear()
    runner = jobs.thread_runner(app)
    runner.pid = -1  # as if this process were a fork of the one that started the thread
    jobs.enqueue("tests.test_jobs:see_sites", "forked", app=app)
    assert runner.drain() and [entry[0] for entry in RAN] == ["forked"] and runner.pid == os.getpid()


def test_the_alerts_command_sweeps_and_sends_itself(app, make, monkeypatch):
    """From cron: the command does the sending; no job is handed to a thread that would die with it."""
    from datetime import timedelta

    from patrol.database import utcnow
    from patrol.models import Delivery, Robot, Task

    submitted = []
    monkeypatch.setitem(app.config, "PATROL_REDIS_URL", "")
    monkeypatch.setattr(jobs.ThreadRunner, "submit", lambda runner, name, args: submitted.append(name))
    site, butler = make.site(), make.user("butler")
    db.session.add(
        Robot(site=site, provider="wecom", name="群", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    )
    late = utcnow() - timedelta(hours=1)
    db.session.add(Task(site=site, place="大堂", title="x", severity="low", raised_by_id=butler.id, due_at=late))
    db.session.commit()
    monkeypatch.setattr("patrol.alerts.sending.post", lambda robot, delivery: None)  # accepted
    result = app.test_cli_runner().invoke(args=["patrol", "alerts"])
    assert result.exit_code == 0, result.output
    assert "1 overdue task(s) found" in result.output and "1 robot message(s) sent" in result.output
    assert db.session.scalar(select(Delivery.status)) == "sent" and submitted == []


def test_the_worker_command_needs_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_REDIS_URL", "")
    result = app.test_cli_runner().invoke(args=["patrol", "worker", "--burst"])
    assert result.exit_code != 0 and "PATROL_REDIS_URL is not set" in result.output


@pytest.mark.parametrize("mode", MODES)
def test_the_sweep_starts_once_a_minute_per_process_and_with_redis_once_across_them(app, monkeypatch, mode):
    from patrol.alerts import sweep as alerts

    monkeypatch.setitem(app.config, "PATROL_REDIS_URL", REDIS_URL if mode == "rq" else "")
    if mode == "rq":
        jobs.redis_client(app).delete("patrol:alert-sweep")
    monkeypatch.setitem(alerts._last_local, "at", float("-inf"))
    assert alerts._claim_sweep(app, 60) is True
    assert alerts._claim_sweep(app, 60) is False  # this process, within the minute
    monkeypatch.setitem(alerts._last_local, "at", float("-inf"))  # another process: its own clock
    assert alerts._claim_sweep(app, 60) is (mode == "thread")  # with Redis, the minute is everyone's
    if mode == "rq":
        assert 0 < jobs.redis_client(app).ttl("patrol:alert-sweep") <= 60
