"""Work done after a request, never during it: sending robot messages, sweeping for overdue tasks.

A job names a function by its dotted path ("patrol.alerts.sending:deliver_due") and plain
arguments. `enqueue_after_commit` keeps it on the database session and hands it on only once the
transaction commits — a change rolled back sends nothing, and a job never reads rows that are not
there yet. `enqueue` hands it on at once.

Where jobs run:
- PATROL_REDIS_URL set: an RQ queue named "patrol", worked by `flask patrol worker` (any number
  of them, on any machine).
- unset (the demo, the SQLite tests): one daemon thread inside the app, fed by a queue.Queue.

Either way a job runs in an app context of its own, and nothing it does — nor a Redis that is
down — is raised into the request that asked for it: failures are logged.
"""

from __future__ import annotations

import importlib
import logging
import os
import queue
import threading
import time
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from patrol.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "patrol"
PENDING = "patrol.alerts.jobs"  # the session.info key of the jobs waiting for the commit
RUNNER = "patrol.alerts.jobs.thread"  # app.extensions: the thread runner
REDIS = "patrol.alerts.jobs.redis"  # app.extensions: (url, client)
HELD = "patrol.alerts.jobs.held"  # app.extensions: True while a command does the jobs' work itself
JOB_TIMEOUT = 600  # seconds: an RQ job that runs longer is stopped


def enqueue_after_commit(name: str, *args) -> None:
    """Run the job `name` after the current transaction commits; forget it if it rolls back."""
    session = db.session()
    session.info.setdefault(PENDING, []).append((current_app._get_current_object(), name, args))


def enqueue(name: str, *args, app: Flask | None = None) -> None:
    """Hand the job on now (outside a transaction: e.g. after a request, or from another job)."""
    _dispatch(app or current_app._get_current_object(), name, args)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for app, name, args in session.info.pop(PENDING, None) or ():
        _dispatch(app, name, args)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (a commit has dispatched them already).
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _dispatch(app: Flask, name: str, args: tuple) -> None:
    try:
        if app.extensions.get(HELD):
            return
        if app.config.get("PATROL_REDIS_URL"):
            rq_queue(app).enqueue_call("patrol.alerts.jobs.run_rq_job", args=(name, *args), timeout=JOB_TIMEOUT)
        else:
            thread_runner(app).submit(name, args)
    except Exception:  # a job queue that is down must not fail the request that committed
        log.exception("could not queue job %s", name)


# ---------------------------------------------------------------------------------------------
# Running a job


@contextmanager
def held(app: Flask):
    """No jobs leave meanwhile: a command run from cron does their work itself, and a thread it
    started would die with the command, perhaps halfway through a message."""
    app.extensions[HELD] = True
    try:
        yield
    finally:
        app.extensions.pop(HELD, None)


def resolve(name: str):
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def run_job(app: Flask, name: str, args: tuple) -> bool:
    """Run one job in an app context (and so a database session) of its own; False if it failed."""
    with app.app_context():
        try:
            resolve(name)(*args)
            return True
        except Exception:
            log.exception("job %s failed", name)
            db.session.rollback()
            return False


def run_rq_job(name: str, *args) -> None:
    """What RQ runs: `flask patrol worker` has pushed the app's context."""
    if not run_job(current_app._get_current_object(), name, args):
        raise RuntimeError(f"job {name} failed (see the log)")  # RQ lists it among its failed jobs


def redis_client(app: Flask):
    import redis

    url = app.config["PATROL_REDIS_URL"]
    cached = app.extensions.get(REDIS)
    if cached is None or cached[0] != url:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        cached = app.extensions[REDIS] = (url, client)
    return cached[1]


def rq_queue(app: Flask):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_client(app))


class ThreadRunner:
    """One daemon thread that runs the app's jobs in turn (started on the first job, again after a fork)."""

    def __init__(self, app: Flask):
        self.app = app
        self.jobs: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()

    def submit(self, name: str, args: tuple) -> None:
        self._ensure_thread()
        self.jobs.put((name, args))

    def _ensure_thread(self) -> None:
        with self.lock:
            if self.pid != os.getpid():  # a forked worker process: the parent's thread is not here
                self.jobs, self.thread, self.pid = queue.Queue(), None, os.getpid()
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="patrol-jobs", daemon=True)
                self.thread.start()

    def _work(self) -> None:
        while True:
            name, args = self.jobs.get()
            try:
                run_job(self.app, name, args)
            finally:
                self.jobs.task_done()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every job queued so far (and any it queued) has run; False on timeout. For tests."""
        deadline = time.monotonic() + timeout
        with self.jobs.all_tasks_done:
            while self.jobs.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.jobs.all_tasks_done.wait(left)
        return True


def thread_runner(app: Flask) -> ThreadRunner:
    runner = app.extensions.get(RUNNER)
    if runner is None:
        runner = app.extensions.setdefault(RUNNER, ThreadRunner(app))
    return runner


def work(app: Flask, *, burst: bool = False) -> None:
    """`flask patrol worker`: run RQ jobs in this process, one at a time, in the app's context.

    SimpleWorker runs each job in this process rather than a forked child: a fork would share the
    database connections of its parent.
    """
    from rq import SimpleWorker

    connection = redis_client(app)
    with app.app_context():
        SimpleWorker([rq_queue(app)], connection=connection).work(burst=burst)
