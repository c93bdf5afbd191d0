"""Group robots post markdown after the commit, retried with back-off and kept under 20 a minute.

A local HTTP server (tests/robot_receiver.py) stands in for WeCom and DingTalk: it checks each
payload's shape and DingTalk's signature, and answers what a test tells it to.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from patrol.alerts import sending as robot_sending
from patrol.alerts.sending import BACKOFF, attempt, deliver_due
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Delivery
from patrol.presenters.robot_messages import md
from tests.robot_receiver import SECRET, add_robot, raise_task

# receiver, run_worker and robot_site
pytest_plugins = ["tests.robot_fixtures"]


@pytest.fixture
def site(robot_site):
    return robot_site


# ---------------------------------------------------------------------------------------------
# Sent by the worker after the commit


def test_a_new_finding_reaches_a_wecom_group_after_the_commit(site, receiver, run_worker):
    add_robot(site, url=receiver.url("wecom"))
    task = raise_task(site)
    run_worker()
    [message] = receiver.received
    text = message.text
    # In the site's language (简体中文), whoever raised it and whatever their own language.
    assert "楼梯间堆放纸箱" in text and "星河湾花园" in text and "1栋 9F 楼层" in text
    assert "地点" in text and "严重程度" in text and "截止时间" in text
    assert f"(https://patrol.test/tasks/{task.id})" in text
    assert db.session.scalar(select(Delivery.status)) == "sent"


def test_a_signed_dingtalk_robot_posts_with_a_valid_signature(site, receiver, run_worker):
    add_robot(site, "dingtalk", url=receiver.url("dingtalk-signed"), secret=SECRET)
    raise_task(site)
    run_worker()
    assert receiver.refused == []
    [message] = receiver.received
    assert message.body["markdown"]["title"] and "楼梯间堆放纸箱" in message.text
    assert {"timestamp", "sign", "access_token"} <= set(message.query)


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(site, receiver, run_worker):
    add_robot(site, "dingtalk", url=receiver.url("dingtalk-signed"), secret="SEC-not-the-right-one")
    raise_task(site)
    run_worker()
    assert receiver.refused == ["sign not match"]
    delivery = db.session.scalar(select(Delivery))
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error == "errcode 310000: sign not match"


def test_a_rolled_back_change_sends_nothing(site, receiver, run_worker):
    add_robot(site, url=receiver.url("wecom"))
    with pytest.raises(RuntimeError):
        raise_task(site, fail=True)
    db.session.rollback()
    site.name = site.name + "（改）"  # a later, unrelated commit does not bring the message back either
    db.session.commit()
    run_worker()
    assert receiver.received == [] and db.session.scalar(select(func.count(Delivery.id))) == 0


def test_only_findings_at_the_robots_level_are_posted(site, receiver, run_worker):
    add_robot(site, url=receiver.url("wecom", "high"), min_severity="high")
    add_robot(site, url=receiver.url("wecom", "any"), min_severity="low", name="全部")
    add_robot(site, url=receiver.url("wecom", "off"), min_severity="low", name="停用").active = False
    db.session.commit()
    raise_task(site, severity="medium")
    run_worker()
    assert [message.query["key"] for message in receiver.received] == [["any"]]


def test_overdue_work_is_posted_once_whatever_the_robots_level(site, receiver, run_worker):
    add_robot(site, url=receiver.url("wecom"), min_severity="high")
    task = raise_task(site, severity="low")
    task.due_at = utcnow() - timedelta(minutes=5)
    task.respond_by = utcnow() - timedelta(minutes=5)
    db.session.commit()
    run_worker(passes=2)
    texts = sorted(message.text.splitlines()[0] for message in receiver.received)
    assert len(texts) == 2  # first response overdue, and overdue: each once
    keys = sorted(db.session.scalars(select(Delivery.key)))
    assert keys == [f"feedback:{task.id}", f"overdue:{task.id}"]


# ---------------------------------------------------------------------------------------------
# Retries and the limit (a fixed clock: nobody waits minutes)


def test_failures_are_retried_with_back_off_then_given_up(site, receiver):
    add_robot(site, url=receiver.url("wecom"))
    raise_task(site)
    now = utcnow()
    receiver.answers.extend([(500, {})] + [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})] * 5)
    clock, seen = now, []
    for wait in (timedelta(0), *BACKOFF):
        clock += wait
        assert deliver_due(clock - timedelta(seconds=1)) == 0  # not due a second early
        deliver_due(clock)
        delivery = db.session.scalar(select(Delivery).execution_options(populate_existing=True))
        seen.append((delivery.status, delivery.attempts))
    assert seen == [("pending", n) for n in range(1, 6)] + [("failed", 6)]
    assert delivery.last_error == "errcode 45009: api freq out of limit" and len(receiver.received) == 6


def test_twenty_a_minute_per_robot_the_rest_wait_without_an_attempt(site, receiver):
    busy = add_robot(site, url=receiver.url("wecom", "busy"))
    calm = add_robot(site, url=receiver.url("wecom", "calm"), name="另一个群")
    for _ in range(25):
        raise_task(site)
    now = utcnow()
    deliver_due(now)
    sent = [message.query["key"][0] for message in receiver.received]
    assert sent.count("busy") == 20 and sent.count("calm") == 20
    waiting = list(db.session.scalars(select(Delivery).where(Delivery.status == "pending")))
    assert len(waiting) == 10 and {delivery.attempts for delivery in waiting} == {0}
    assert {delivery.robot_id for delivery in waiting} == {busy.id, calm.id}
    assert all(delivery.next_attempt_at == now + timedelta(minutes=1) for delivery in waiting)
    assert deliver_due(now + timedelta(seconds=59)) == 0
    assert deliver_due(now + timedelta(seconds=61)) == 10


@pytest.mark.parametrize(
    "failure",
    [(500, {}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"}), "no answer"],
    ids=["http-error", "provider-refusal", "timeout"],
)
def test_failed_attempts_count_toward_twenty_a_minute_and_no_message_is_dropped(site, receiver, monkeypatch, failure):
    add_robot(site, url=receiver.url("wecom"))
    for _ in range(25):
        raise_task(site)
    if failure == "no answer":
        receiver.hang = True
        monkeypatch.setattr(robot_sending, "TIMEOUT", 0.05)
    else:
        receiver.answers.extend([failure] * 40)  # the robot fails the first 40 requests, then accepts
    start, seconds, attempts = utcnow(), [0], []  # when (seconds after start) each request left
    real_post = robot_sending.post

    def post(robot, delivery):
        attempts.append(seconds[0])
        return real_post(robot, delivery)

    monkeypatch.setattr(robot_sending, "post", post)
    for seconds[0] in range(0, 600, 5):
        if len(attempts) >= 40:  # the robot answers again
            receiver.hang = False
            monkeypatch.setattr(robot_sending, "TIMEOUT", 5)
        deliver_due(start + timedelta(seconds=seconds[0]))
    busiest_minute = max(sum(begin <= second < begin + 60 for second in attempts) for begin in range(0, 600, 5))
    assert busiest_minute == 20
    assert len(attempts) == 65 and db.session.scalar(select(func.sum(Delivery.attempts))) == 65
    assert list(db.session.scalars(select(Delivery.status).distinct())) == ["sent"]


def test_workers_at_once_send_a_delivery_once(site, receiver, app):
    add_robot(site, url=receiver.url("wecom"))
    raise_task(site)
    delivery_id = db.session.scalar(select(Delivery.id))
    db.session.commit()
    outcomes = []

    def worker():
        with app.app_context():
            outcomes.append(attempt(delivery_id))

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"] and len(receiver.received) == 1


def test_a_redirect_is_not_followed(site, receiver):
    add_robot(site, url=receiver.url("wecom"))
    raise_task(site)
    receiver.answers.append((302, {}))
    deliver_due()
    delivery = db.session.scalar(select(Delivery))
    assert (delivery.status, delivery.last_error) == ("pending", "HTTP 302") and len(receiver.received) == 1


def test_typed_text_starts_no_markup(site, receiver):
    add_robot(site, url=receiver.url("wecom"))
    raise_task(site, where="**大堂** [点我](http://evil.example) <@all>", detail="第一行\n# 标题\n> 引用 `code`")
    deliver_due()
    text = receiver.received[0].text
    assert "**大堂**" not in text and "[点我](" not in text and "<@" not in text and "`" not in text
    assert "\n# " not in text and "\n> " not in text
    assert "＊＊大堂＊＊ ［点我］(http://evil.example) ＜＠all＞" in text
    assert md("a_b*c") == "a＿b＊c"
