"""Waking the workers when a robot message is queued, so that it leaves within a second of its commit
rather than at the worker's next pass.

On PostgreSQL the transaction that queues a message also sends NOTIFY on CHANNEL, and PostgreSQL
passes that on only if the transaction commits: a rolled-back change wakes nobody, and a woken
worker never looks for rows that are not there yet. A worker LISTENs while it pauses between
passes. SQLite has nothing to listen to; the demo's worker is a thread of the app's own process, so
there a commit that queued work sets a process-local event its pause waits on (a worker in another
process over SQLite is not woken: its pause runs out).
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from patrol.extensions import db

log = logging.getLogger(__name__)

CHANNEL = "patrol_work"
SLICE = 1.0  # seconds: how often a pause looks whether the worker is stopping
WAKE_ON_COMMIT = "patrol.wake_on_commit"
_woken_here = threading.Event()  # this process committed work (SQLite: the demo's worker thread waits on it)


def wake_workers() -> None:
    """Called in the transaction that queued work: the workers wake when (and if) it commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"NOTIFY {CHANNEL}"))
    else:
        db.session.info[WAKE_ON_COMMIT] = True


@event.listens_for(Session, "after_commit")
def _wake_here(session: Session) -> None:
    if session.info.pop(WAKE_ON_COMMIT, False):
        _woken_here.set()


@event.listens_for(Session, "after_rollback")
def _not_after_all(session: Session) -> None:
    session.info.pop(WAKE_ON_COMMIT, None)


class Pause:
    """The worker's sleep: `pause(seconds)` ends early when `stop` is set or, on PostgreSQL, when a
    commit queued work. True when work woke it."""

    def __init__(self, engine: Engine, stop: threading.Event):
        self.engine = engine
        self.stop = stop
        self.connection: Connection | None = None
        _woken_here.clear()  # a worker starts with a pass: what was committed before it is seen then

    def __call__(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        listener = self._listener()
        while not self.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if listener is None:
                if _woken_here.wait(min(left, SLICE)):
                    _woken_here.clear()
                    return True
                continue
            try:
                if any(True for _ in listener.notifies(timeout=min(left, SLICE), stop_after=1)):
                    for _ in listener.notifies(timeout=0):  # several commits meanwhile: one pass sees them all
                        pass
                    return True
            except psycopg.Error:  # the database went away: poll, and listen again from the next pause
                log.warning("lost the connection the worker listens on", exc_info=True)
                self.close()
                listener = None
        return False

    def _listener(self) -> psycopg.Connection | None:
        """The psycopg connection that LISTENs (opened on first use), or None where there is none."""
        if self.engine.dialect.name != "postgresql":
            return None
        if self.connection is None:
            connection = None
            try:
                connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql(f"LISTEN {CHANNEL}")
            except SQLAlchemyError:
                log.warning("could not LISTEN for queued work; the worker only polls for now", exc_info=True)
                if connection is not None:
                    connection.invalidate()
                    connection.close()
                return None
            self.connection = connection
        return self.connection.connection.driver_connection

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            try:
                connection.invalidate()  # a LISTENing connection does not go back to the pool
                connection.close()
            except SQLAlchemyError:
                log.debug("closing the listening connection failed", exc_info=True)
