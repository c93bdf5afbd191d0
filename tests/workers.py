"""What each pytest-xdist worker keeps to itself: its database and its sign-in counts.

scripts/test.sh runs the suite in several worker processes (`-n`). Every worker has a session app of its
own, and what is emptied between two of its tests must not be another worker's: so each worker has

- on SQLite, a file in its own temporary folder (pytest gives every worker one);
- on PostgreSQL, a database of its own next to the one PATROL_TEST_DATABASE_URL names (`test` →
  `test_gw0`, `test_gw1`, …), created on first use;
- in Redis (PATROL_TEST_REDIS_URL), keys under a prefix of its own (RATELIMIT_KEY_PREFIX names the
  process), and only those are forgotten between tests. Flask-Limiter's reset() would empty every
  limit in the Redis database: another worker's, or another run's sharing the server.

Without xdist (`-n 0`, or a single test file run by hand) the one process uses the database as given.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from patrol.accounts.throttle import limiter


def worker_number() -> int | None:
    """This xdist worker's number (gw3 → 3), or None outside xdist."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(match.group(1)) if match else None


def database_url(tmp_root: Path) -> str:
    """The database this process tests on; a worker's own PostgreSQL database is created if missing."""
    url = os.environ.get("PATROL_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.sqlite3'}"
    number = worker_number()
    parsed = make_url(url)
    if number is None or not parsed.drivername.startswith("postgresql"):
        return url
    own = parsed.set(database=f"{parsed.database}_gw{number}")
    _create_database(parsed, own.database)
    return own.render_as_string(hide_password=False)


def _create_database(server_url, name: str) -> None:
    """CREATE DATABASE outside a transaction, through the database the run was given."""
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


def forget_sign_ins(app) -> None:
    """Forget the failed sign-ins this process counted (its key prefix only), so none throttles the next test."""
    storage = limiter.storage
    if type(storage).__name__ == "MemoryStorage":  # this process's own memory
        limiter.reset()
        return
    client = storage.storage  # the Redis client of limits' RedisStorage
    pattern = storage.prefixed_key(f"*/{app.config['RATELIMIT_KEY_PREFIX']}/*")
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)


def deal_browser_tests_first(items: list, workers: int) -> None:
    """Reorder the collected tests so that each worker starts on its share of the browser tests.

    xdist (--dist worksteal) hands each worker one block of the collection, in order, and a worker that
    runs dry takes tests from the end of another's block. In collection order the long browser journeys
    bunch up and the run ends waiting on one started last; with each block's browser tests at its start,
    the run ends on quick ones. Browser tests stay in collection order (a module's tests together)."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    quick = [item for item in items if not item.get_closest_marker("browser")]
    ordered, left = [], len(items)
    for worker in range(workers):
        size = left // (workers - worker)  # the block xdist's first distribution gives this worker
        left -= size
        own = browser[worker * len(browser) // workers : (worker + 1) * len(browser) // workers]
        take = max(0, size - len(own))
        ordered += own + quick[:take]
        del quick[:take]
    items[:] = ordered + quick
