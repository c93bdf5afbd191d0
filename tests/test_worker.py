"""The worker: one loop announces late work and sends robot messages with nobody using the app; loops at
once send each message once; a send killed before it was marked is sent again once its claim expires;
SIGTERM and SIGINT stop it after the step in hand."""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from patrol.alerts import sending, sweep, worker
from patrol.alerts.sweep import Swept
from patrol.alerts.wakeup import Pause
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Delivery, Notification, Robot, Task
from tests.robot_receiver import add_robot, raise_task

# receiver, run_worker and robot_site
pytest_plugins = ["tests.robot_fixtures"]


class Clock:
    """The loop's time: `sleep` moves it on, and looks at what the pass before it left."""

    def __init__(self, start, look=lambda: None):
        self.now, self.look, self.pauses, self.seen = start, look, [], []

    def __call__(self):
        return self.now

    def sleep(self, seconds: float) -> None:
        self.seen.append((self.now, self.look()))
        db.session.commit()  # the test's reads end here: the worker's next pass writes
        self.pauses.append(seconds)
        self.now += timedelta(seconds=seconds)


def late_keys() -> tuple[list[str], int]:
    """The late-work notifications so far, and how many robot messages the worker has sent."""
    keys = sorted(
        db.session.scalars(select(Notification.key).where(Notification.kind.in_(["feedback_overdue", "overdue"])))
    )
    sent = db.session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent"))
    return keys, sent


def test_late_work_is_announced_on_time_with_no_traffic_at_all(app, robot_site, receiver):
    """No request at all: the loop alone notices a first response and then a due time passing."""
    add_robot(robot_site, url=receiver.url("wecom"), min_severity="high")
    task = raise_task(robot_site, severity="low")  # below the robot's level: only late work is posted
    start = utcnow()
    task.respond_by, task.due_at = start + timedelta(seconds=20), start + timedelta(seconds=80)
    db.session.commit()
    clock = Clock(start, late_keys)
    assert worker.run_loop(app, interval=30, clock=clock, sleep=clock.sleep, passes=5) == 5
    feedback, overdue = f"feedback:{task.id}", f"overdue:{task.id}"
    assert [(moment - start, found) for moment, found in clock.seen] == [
        (timedelta(0), ([], 0)),
        (timedelta(seconds=30), ([feedback], 1)),  # the first pass after the first-response time
        (timedelta(seconds=60), ([feedback], 1)),
        (timedelta(seconds=90), ([feedback, overdue], 2)),  # the first pass after the due time
    ]
    assert clock.pauses == [30, 30, 30, 30]
    assert late_keys() == ([feedback, overdue], 2)  # the fifth pass added nothing
    assert len(receiver.received) == 2 and all(robot_site.name in message.text for message in receiver.received)


def test_two_workers_at_once_announce_and_send_each_message_once(app, robot_site, receiver):
    add_robot(robot_site, url=receiver.url("wecom"), min_severity="high")
    tasks = [raise_task(robot_site, severity="low") for _ in range(5)]
    now = utcnow() + timedelta(seconds=10)  # the messages the sweep queues (at the real time) are due by then
    for task in tasks:
        task.respond_by = task.due_at = now - timedelta(minutes=1)
    db.session.commit()
    together = threading.Barrier(2, timeout=30)

    def in_step():
        together.wait()  # both passes start (and end) together
        return now

    loops = [
        threading.Thread(
            target=worker.run_loop,
            args=(app,),
            kwargs={"interval": 30, "clock": in_step, "sleep": lambda _seconds: None, "passes": 2},
        )
        for _ in range(2)
    ]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join()
    assert len(receiver.received) == 10  # each task: first response late, and overdue
    deliveries = db.session.execute(select(Delivery.key, Delivery.status, Delivery.attempts)).all()
    assert len(deliveries) == 10 and {(status, attempts) for _key, status, attempts in deliveries} == {("sent", 1)}
    late = db.session.scalars(select(Notification.key).where(Notification.kind.in_(["feedback_overdue", "overdue"])))
    assert sorted(late) == sorted(f"{kind}:{task.id}" for task in tasks for kind in ("feedback", "overdue"))


class Killed(BaseException):
    """The worker's process ends here (kill -9): nothing after it runs."""


def test_a_send_killed_before_it_was_marked_is_sent_again_once_its_claim_expires(
    robot_site, receiver, run_worker, monkeypatch
):
    add_robot(robot_site, url=receiver.url("wecom"))
    raise_task(robot_site)
    real_post, start = sending.post, utcnow()

    def post_then_die(robot, delivery):
        real_post(robot, delivery)  # the robot has it...
        raise Killed  # ...and the worker dies before marking it sent

    monkeypatch.setattr(sending, "post", post_then_die)
    with pytest.raises(Killed):
        run_worker(start)
    monkeypatch.setattr(sending, "post", real_post)
    run_worker(start + sending.STUCK - timedelta(seconds=1))  # still claimed by the dead worker
    delivery = db.session.scalar(select(Delivery))
    assert (delivery.status, delivery.attempts, len(receiver.received)) == ("sending", 1, 1)
    run_worker(start + sending.STUCK + timedelta(seconds=1))  # its claim expired: sent again
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, len(receiver.received)) == ("sent", 2, 2)
    assert receiver.received[0].body == receiver.received[1].body  # at least once: the same message twice


def test_the_loop_pauses_until_the_next_message_is_due_and_briefly_while_more_is_due(app, robot_site, receiver):
    add_robot(robot_site, url=receiver.url("wecom"))
    for _ in range(22):  # two over the robot's 20 a minute
        raise_task(robot_site)
    clock = Clock(utcnow())
    worker.run_loop(app, interval=300, clock=clock, sleep=clock.sleep, passes=3)
    # The first pass sends 20 and the rest wait for the robot's minute; the second sends those two.
    assert clock.pauses == [60, 300] and len(receiver.received) == 22


def test_a_full_batch_leaves_the_rest_for_a_pass_a_moment_later(app, robot_site, receiver, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 2)
    add_robot(robot_site, url=receiver.url("wecom"))
    for _ in range(3):
        raise_task(robot_site)
    clock = Clock(utcnow())
    worker.run_loop(app, interval=30, clock=clock, sleep=clock.sleep, passes=2)
    assert clock.pauses == [worker.SHORT] and len(receiver.received) == 3


def test_a_sweep_that_stopped_at_its_limit_goes_on_a_moment_later(app, robot_site, monkeypatch):
    monkeypatch.setattr(sweep, "BATCH", 1)
    monkeypatch.setattr(sweep, "MAX_BATCHES", 1)  # one task of each kind a sweep
    tasks = [raise_task(robot_site, severity="low") for _ in range(2)]
    start = utcnow()
    for task in tasks:
        task.due_at = start - timedelta(minutes=1)
    db.session.commit()
    clock = Clock(start, late_keys)
    worker.run_loop(app, interval=30, clock=clock, sleep=clock.sleep, passes=4)
    # A sweep that reached its limit cannot tell whether more is left: the next pass looks at once.
    assert clock.pauses == [worker.SHORT, worker.SHORT, 30]
    assert [len(keys) for _moment, (keys, _sent) in clock.seen] == [1, 2, 2]


def test_a_failing_pass_is_logged_and_the_next_one_runs(app, ctx, monkeypatch, caplog):
    calls, real = [], worker.sweep_alerts

    def sweep(now):
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return real(now)

    monkeypatch.setattr(worker, "sweep_alerts", sweep)
    db.session.commit()
    clock = Clock(utcnow())
    with caplog.at_level(logging.ERROR, logger="patrol.alerts.worker"):
        assert worker.run_loop(app, interval=30, clock=clock, sleep=clock.sleep, passes=2) == 2
    assert len(calls) == 2 and clock.pauses == [30]
    assert "a worker pass failed" in caplog.text and "the database went away" in caplog.text


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_the_worker_after_the_step_in_hand(app, monkeypatch, signum):
    steps = []

    def stopped_midway(now, stopping):
        os.kill(os.getpid(), signum)
        steps.append(("the pass goes on to its end", stopping()))
        return worker.Pass(Swept(), 0, None)

    monkeypatch.setattr(worker, "run_pass", stopped_midway)
    before = signal.getsignal(signum)
    assert worker.serve(app, interval=30) == 1  # no second pass, no pause
    assert steps == [("the pass goes on to its end", True)]
    assert signal.getsignal(signum) is before


def test_stopping_leaves_the_rest_of_a_batch_queued(robot_site, receiver, run_worker):
    add_robot(robot_site, url=receiver.url("wecom"))
    for _ in range(3):
        raise_task(robot_site)
    db.session.commit()
    assert sending.deliver_due(stopping=lambda: len(receiver.received) >= 1) == 1  # told to stop after the first
    statuses = sorted(db.session.scalars(select(Delivery.status).execution_options(populate_existing=True)))
    assert statuses == ["pending", "pending", "sent"]
    run_worker()
    assert len(receiver.received) == 3


def test_a_pause_ends_when_the_worker_stops(app):
    stop = threading.Event()
    stop.set()
    pause = Pause(worker._engine(app), stop)
    assert pause(3600) is False  # at once: the test would hang otherwise
    pause.close()


def test_a_committed_message_wakes_a_pausing_worker_and_a_rolled_back_one_does_not(app, robot_site):
    """On PostgreSQL by NOTIFY; on SQLite only a worker in the same process (the demo's thread) is woken."""
    robot = add_robot(robot_site, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    pause = Pause(worker._engine(app), threading.Event())
    try:
        assert pause(0.01) is False  # listening from here
        raise_task(robot_site, fail=False)  # committed: its message wakes the worker on PostgreSQL
        assert pause(30) is True
        with pytest.raises(RuntimeError):
            raise_task(robot_site, fail=True)
        db.session.rollback()
        assert pause(0.2) is False
    finally:
        pause.close()
    assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.robot_id == robot.id)) == 1


# ---------------------------------------------------------------------------------------------
# The commands


def test_the_worker_commands_run_the_loop_until_stopped(app, monkeypatch):
    from patrol import cli

    served = []
    monkeypatch.setattr(logging, "basicConfig", lambda **_settings: None)  # the test run's logging stays as it is
    monkeypatch.setattr(cli, "serve", lambda app, interval: served.append((app, interval)) or 3)
    result = app.test_cli_runner().invoke(args=["patrol", "worker"])
    assert result.exit_code == 0, result.output
    assert "a pass at least every 30 s" in result.output and "stopped after 3 pass(es)" in result.output
    assert app.test_cli_runner().invoke(args=["patrol", "worker", "--interval", "0"]).exit_code != 0
    monkeypatch.setattr("patrol.create_app", lambda: app)
    cli.main(["worker", "--interval", "5"])  # the `patrol worker` script
    assert served == [(app, 30.0), (app, 5.0)]


def test_the_alerts_command_runs_one_pass(app, make, monkeypatch):
    """From cron, where no worker runs: the command sweeps and sends itself."""
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
    assert db.session.scalar(select(Delivery.status)) == "sent"
