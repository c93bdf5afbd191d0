"""Fixtures: one app per run on the database under test, emptied before every test.

The database is SQLite in a temporary folder unless PATROL_TEST_DATABASE_URL names
another (CI runs the whole suite again on PostgreSQL that way). The schema is built by
the Alembic migrations, as in production, not by create_all. Under pytest-xdist each
worker has its own database and Redis database (tests/workers.py).
"""

from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from patrol import create_app
from patrol.extensions import db
from patrol.models.task import guard_timeline, unguard_timeline
from tests import factories, workers

# The phone-in-a-test-client fixtures (scene, butler) used by the bad-input tests, and the live
# server and Chromium of the browser tests.
# tests/hang_watch.py fails a hung test loudly instead of stalling the run.
pytest_plugins = ["tests.hang_watch", "tests.phone", "tests.browser_fixtures"]

TEST_SECRET = "test-secret-key-not-for-production"
TEST_BASE_URL = "https://patrol.test"


def pytest_collection_modifyitems(config, items):
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if count > 1:
        workers.deal_browser_tests_first(items, count)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("patrol")
    os.environ["PATROL_INSTANCE_PATH"] = str(root / "instance")  # uploads and catalogs stay out of the repo
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": workers.database_url(root),
            "PATROL_PHOTO_DIR": str(root / "photos"),
            "PATROL_BASE_URL": TEST_BASE_URL,
            "SERVER_NAME": None,
            # One cheap hash: scrypt's 150 ms per check would dominate the suite (production keeps
            # scrypt; tests/test_password_rules.py checks that default).
            "PATROL_PASSWORD_HASH": "pbkdf2:sha256:1000",
            # Sign-in throttling counts in Redis when the run names one (CI's PostgreSQL run), else memory.
            "PATROL_REDIS_URL": os.environ.get("PATROL_TEST_REDIS_URL", ""),
            "RATELIMIT_KEY_PREFIX": f"patrol-test-{os.getpid()}",
        }
    )
    with app.app_context():
        _reset_schema()
        upgrade()
    yield app
    with app.app_context():
        workers.forget_sign_ins(app)
        db.session.remove()
        db.engine.dispose()


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _clean_state(request, app, tmp_path):
    """Every test starts on empty tables and empty photo and export folders."""
    app.config["PATROL_PHOTO_DIR"] = str(tmp_path / "photos")
    app.config["PATROL_EXPORT_DIR"] = str(tmp_path / "exports")
    app.extensions.pop("patrol.has_users", None)  # the tables are emptied: it is a first run again
    with app.app_context():
        _empty_tables(db.session.connection())
        db.session.commit()
        db.session.remove()
        workers.forget_sign_ins(app)  # failed sign-ins of one test do not throttle the next
    yield


def _empty_tables(connection) -> None:
    """DELETE every row, children first, and start the ids at 1 again. On PostgreSQL one batch of DELETEs
    takes milliseconds where TRUNCATE takes a few hundred (it makes every table's files anew); a lock
    left by a request still running makes it fail after a while instead of waiting for ever."""
    deletes = [f"DELETE FROM {table.name}" for table in reversed(db.metadata.sorted_tables)]
    unguard_timeline(connection)  # the triggers would refuse DELETE FROM task_events
    if connection.dialect.name == "postgresql":
        schema = "relnamespace = current_schema()::regnamespace"
        restart_ids = f"SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S' AND {schema}"
        connection.exec_driver_sql("; ".join(["SET LOCAL lock_timeout = '30s'", *deletes, restart_ids]))
    else:
        for delete in deletes:
            connection.exec_driver_sql(delete)
    guard_timeline(connection)


@pytest.fixture
def ctx(app):
    """A request context (in English) for calling services directly."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app, ctx):
    """The factories, bound to the app context."""
    return factories


class Browser:
    """A signed-in test client that sends the CSRF token like the app's pages do."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, username: str, password: str = factories.PASSWORD):
        page = self.client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        self.token = token  # the session's CSRF secret outlives signing in
        return response

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, htmx: bool = False, **kwargs):
        headers = kwargs.pop("headers", {})
        headers["X-CSRFToken"] = self.token
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data or {}, headers=headers, **kwargs)


class SeparateBrowser(Browser):
    """Another person's phone: its requests run in an app context (and a database session) of their own.

    Test requests otherwise share the test's app context (Flask 3.1), and with it what
    Flask-Login and Flask-WTF cache in `g` (the signed-in user, the CSRF token). The test's own
    transaction is ended first, as it would be between two people's requests.
    """

    def _own(self, send, *args, **kwargs):
        db.session.commit()
        with self.client.application.app_context():
            return send(*args, **kwargs)

    def login(self, *args, **kwargs):
        return self._own(super().login, *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._own(super().get, *args, **kwargs)

    def post(self, *args, **kwargs):
        return self._own(super().post, *args, **kwargs)


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def admin(browser, make):
    """An administrator ("boss", English UI), signed in on `browser`."""
    user = make.user("admin", username="boss", locale="en")
    browser.login("boss")
    return user


@pytest.fixture
def queries(app):
    """Counts the SQL statements run while the fixture is active (transaction control excluded)."""

    class Counter:
        statements: list[str] = []

        def __len__(self):
            return len(self.statements)

    counter = Counter()
    counter.statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}:
            counter.statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    yield counter
    event.remove(engine, "before_cursor_execute", _count)


@pytest.fixture
def sheet_clock_stands_still(monkeypatch):
    """Uploaded sheets are read against a clock that never moves, so what refuses a sheet in a test is
    the limit it is about, never a busy machine running out of the 2-second reading budget. The budget
    itself is proved in tests/test_hostile_sheets.py with clocks that jump."""
    from patrol.setup import sheets

    monkeypatch.setattr(sheets, "_clock", lambda: 0.0)
