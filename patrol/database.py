"""Database plumbing: UTC timestamps, SQLite pragmas, write transactions that lock up front, and an
insert that skips rows already there."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path

from sqlalchemy import DateTime, event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from patrol.extensions import db
from patrol.private_files import create_private_file

# True while the current unit of work only reads (a GET). Everything else — POSTs,
# CLI commands, tests — begins its SQLite transaction with BEGIN IMMEDIATE, so two
# writers queue on busy_timeout instead of failing with "database is locked" when a
# deferred read lock cannot be upgraded.
read_only_work: contextvars.ContextVar[bool] = contextvars.ContextVar("read_only_work", default=False)


def begin_reading() -> None:
    """From here, a new SQLite transaction is a plain BEGIN: a read that neither waits for nor blocks writers."""
    read_only_work.set(True)


def reads_first(view: Callable) -> Callable:
    """A view that begins by only reading — signing in, checks, a photo's upload and decode — and
    writes, if at all, in a transaction of its own (after end_reading): no write lock is held meanwhile,
    which on SQLite would make every other writer wait for a slow phone."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        begin_reading()
        return view(*args, **kwargs)

    return wrapped


def end_reading() -> None:
    """End the read transaction, so nothing is held while slow work runs; the next one locks up front."""
    db.session.rollback()
    read_only_work.set(False)


def insert_ignoring_duplicates(model, rows: dict | list[dict], *, unique: list[str]) -> int:
    """INSERT the rows, skipping each whose `unique` columns match a row already there (ON CONFLICT DO
    NOTHING, on PostgreSQL and SQLite alike): a repeat is not an error. Returns how many were inserted.

    Counted from RETURNING, which gives back only the rows inserted: on PostgreSQL the cursor's
    rowcount for this statement is -1."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(rows).on_conflict_do_nothing(index_elements=unique)
    return len(db.session.execute(statement.returning(literal_column("1"))).all())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC — the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def make_sqlite_file_private(engine: Engine) -> None:
    """Create the database file 0600 before SQLite does (it would follow the umask, usually 0644)."""
    path = engine.url.database
    if path and path != ":memory:" and not path.startswith("file:"):
        create_private_file(Path(path))


def configure_sqlite(engine: Engine) -> None:
    """WAL, a 5 s busy timeout, NORMAL sync, foreign keys, and BEGIN IMMEDIATE for writers."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if read_only_work.get() else "BEGIN IMMEDIATE")
