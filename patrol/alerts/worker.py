"""The worker: the one way work runs outside a person's request.

Each pass sweeps for tasks whose first response or due time has passed (their notifications and
robot messages, each once: patrol.alerts.sweep), then sends the robot messages that are due
(patrol.alerts.sending), then builds the exports people asked for (patrol.exports), then pauses:
until the next message is due, at most `interval` seconds, and only a moment while work that is due
now is left. On PostgreSQL a commit that queues a message
ends the pause at once (patrol.alerts.wakeup). So late work is announced within `interval` of its
deadline whether or not anyone is using the app, and a new message leaves within a second.

`patrol worker` runs it beside the app, and any number may run at once: each delivery is claimed in
its own row before it is sent, and every notification and message the sweep writes has a unique
key, so passes at once add nothing twice. The demo runs it in a thread of its own process.
SIGTERM or SIGINT stop it once the message being sent is settled; the rest stay queued.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from patrol.alerts.sending import deliver_due, next_due
from patrol.alerts.sweep import Swept, sweep_alerts
from patrol.alerts.wakeup import Pause
from patrol.database import utcnow
from patrol.exports.building import build
from patrol.exports.jobs import build_waiting
from patrol.extensions import db
from patrol.rounds.worker import run_rounds

log = logging.getLogger(__name__)

SHORT = 1.0  # seconds between passes while work that is due now is left
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass
class Pass:
    swept: Swept
    sent: int
    next_due: datetime | None  # when the earliest waiting message is due
    exported: int = 0  # exports built (or failed) in this pass
    exports_waiting: bool = False  # the pass's time for exports ran out with more waiting


def run_pass(now: datetime, stopping: Callable[[], bool] = lambda: False) -> Pass:
    """Plan and settle the rounds, sweep, send what is due, then build the exports asked for, as of `now`.

    The rounds come first so that a missed round's robot messages leave in the same pass; exports
    come last, after the commit, so a long one never holds back an alert."""
    run_rounds(now)
    swept = sweep_alerts(now)
    sent = 0 if stopping() else deliver_due(now, stopping)
    due = next_due()
    db.session.commit()
    exported, waiting = build_waiting(now, build, stopping)
    return Pass(swept, sent, due, exported, waiting)


def pause_after(done: Pass, now: datetime, interval: float) -> float:
    """Seconds to wait before the next pass: until the next message is due, at most `interval`."""
    if done.swept.cut_short or done.exports_waiting:
        return SHORT
    if done.next_due is None:
        return interval
    return min(interval, max(SHORT, (done.next_due - now).total_seconds()))


def run_loop(
    app: Flask,
    *,
    interval: float,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], object] | None = None,
    stop: threading.Event | None = None,
    passes: int | None = None,
) -> int:
    """Pass, pause, pass… until `stop` is set (or, for tests, after `passes`); how many passes ran.

    `clock` and `sleep` are the loop's time: tests give it a clock of their own and a sleep that
    moves it on."""
    stop = stop or threading.Event()
    sleep = sleep or stop.wait
    interval = max(SHORT, interval)
    done = 0
    while not stop.is_set():
        pause = _one_pass(app, clock, stop.is_set, interval)
        done += 1
        if stop.is_set() or (passes is not None and done >= passes):
            break
        sleep(pause)
    return done


def _one_pass(app: Flask, clock: Callable[[], datetime], stopping: Callable[[], bool], interval: float) -> float:
    """One pass in an app context (and database session) of its own; the pause it asks for."""
    with app.app_context():
        try:
            done = run_pass(clock(), stopping)
        except Exception:  # the database may be down a while: the next pass tries again
            log.exception("a worker pass failed")
            return interval
        if done.sent or done.swept.feedback or done.swept.overdue or done.exported:
            log.info(
                "%d late first response(s), %d overdue task(s), %d robot message(s) sent, %d export(s) built",
                done.swept.feedback,
                done.swept.overdue,
                done.sent,
                done.exported,
            )
        return pause_after(done, clock(), interval)


def start_in_thread(app: Flask, *, interval: float) -> threading.Thread:
    """The demo's worker: a daemon thread of the app's own process, gone when the process ends."""
    stop = threading.Event()
    pause = Pause(_engine(app), stop)
    thread = threading.Thread(
        target=run_loop,
        kwargs={"app": app, "interval": interval, "sleep": pause, "stop": stop},
        name="patrol-worker",
        daemon=True,
    )
    thread.start()
    return thread


def serve(app: Flask, *, interval: float) -> int:
    """`patrol worker`: the loop in this process's main thread until SIGTERM or SIGINT; how many passes ran."""
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in STOP_SIGNALS}
    pause = Pause(_engine(app), stop)
    try:
        return run_loop(app, interval=interval, sleep=pause, stop=stop)
    finally:
        pause.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _engine(app: Flask):
    with app.app_context():
        return db.engine
