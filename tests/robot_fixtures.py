"""The fixtures the robot tests share; a test module loads them with `pytest_plugins = ["tests.robot_fixtures"]`.

Only pytest imports this module (as a plugin), so that its asserts are rewritten like a test's.
"""

from __future__ import annotations

import pytest

from patrol.alerts.worker import run_loop
from patrol.database import utcnow
from patrol.extensions import db
from tests.robot_receiver import start


@pytest.fixture
def receiver(app, monkeypatch):
    found, server = start()
    monkeypatch.setitem(app.config, "PATROL_ROBOT_HOSTS", [found.origin])
    yield found
    found.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_worker(app):
    """Passes of the worker as `patrol worker` runs them (an app context and session of their own), at `now`."""

    def run(now=None, passes: int = 1) -> int:
        db.session.commit()  # the worker writes: this session holds no transaction meanwhile
        ran = run_loop(app, interval=30, clock=lambda: now or utcnow(), sleep=lambda _seconds: None, passes=passes)
        db.session.commit()  # and reads after its writes
        return ran

    return run


@pytest.fixture
def robot_site(make):
    """星河湾花园, with a supervisor and the butler who raises the tasks (`raise_task`)."""
    site = make.site("星河湾花园")
    make.user("supervisor", [site], username="chief", locale="en")
    make.user("butler", [site], username="finder", locale="en")
    return site
