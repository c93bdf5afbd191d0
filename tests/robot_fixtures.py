"""The fixtures the robot tests share; a test module loads them with `pytest_plugins = ["tests.robot_fixtures"]`.

Only pytest imports this module (as a plugin), so that its asserts are rewritten like a test's.
"""

from __future__ import annotations

import os

import pytest

from patrol.alerts import jobs
from patrol.extensions import db
from tests.robot_receiver import start

REDIS_URL = os.environ.get("PATROL_TEST_REDIS_URL", "")
# The RQ mode runs where a Redis is named (CI's PostgreSQL run); the thread mode runs everywhere.
MODES = ["thread", "rq"] if REDIS_URL else ["thread"]


@pytest.fixture
def receiver(app, monkeypatch):
    found, server = start()
    monkeypatch.setitem(app.config, "PATROL_ROBOT_HOSTS", [found.origin])
    yield found
    found.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are kept here instead of run: the test sends with a clock of its own."""
    held = []
    monkeypatch.setattr(jobs, "_dispatch", lambda app, name, args: held.append(name))
    return held


@pytest.fixture(params=MODES)
def run_jobs(request, app, monkeypatch):
    """Where jobs go (the thread, or RQ on Redis) and a way to run every job queued so far."""
    if request.param == "rq":
        from rq import SimpleWorker

        monkeypatch.setitem(app.config, "PATROL_REDIS_URL", REDIS_URL)
        jobs.rq_queue(app).empty()

        def run():
            db.session.commit()
            SimpleWorker([jobs.rq_queue(app)], connection=jobs.redis_client(app)).work(burst=True)
            db.session.commit()

    else:
        monkeypatch.setitem(app.config, "PATROL_REDIS_URL", "")

        def run():
            db.session.commit()  # the job thread writes: this thread holds no transaction meanwhile
            assert jobs.thread_runner(app).drain()
            db.session.commit()  # and reads after its writes

    return run


@pytest.fixture
def robot_site(make):
    """星河湾花园, with a supervisor and the butler who raises the tasks (`raise_task`)."""
    site = make.site("星河湾花园")
    make.user("supervisor", [site], username="chief", locale="en")
    make.user("butler", [site], username="finder", locale="en")
    return site
