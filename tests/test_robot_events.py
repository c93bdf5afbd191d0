"""Robots hear of re-checks and closings at their level, in the site's language only, linking to the public address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from patrol.alerts import sweep as alerts
from patrol.alerts.sending import payload
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Delivery, User
from tests.alert_people import do, photo
from tests.conftest import TEST_BASE_URL
from tests.robot_receiver import add_robot, raise_task

pytest_plugins = ["tests.robot_fixtures"]

HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
DING = "https://oapi.dingtalk.com/robot/send?access_token=t"


@pytest.fixture
def people(robot_site, make):
    """The site's supervisor (chief), the butler who raises (finder) and a fixer; Chinese names, English phones."""
    found = {name: db.session.scalar(select(User).where(User.username == name)) for name in ("chief", "finder")}
    found["fixer"] = make.user("butler", [robot_site], username="fixer", locale="en")
    for who, name in (("chief", "王主管"), ("finder", "陈管家"), ("fixer", "张师傅")):
        found[who].display_name = name
    db.session.commit()
    return found


def report(site, severity="high"):
    return raise_task(site, severity=severity, where="1栋 九楼 楼梯间")


def fixed(site, people, severity="high"):
    task = report(site, severity)
    do(task, people["chief"], "assign", assignee=people["fixer"])
    do(task, people["fixer"], "submit_fix", note="已清理", photos=[photo(people["fixer"])])
    return task


def kinds(robot) -> list[str]:
    return sorted(
        key.split(":")[0] for key in db.session.scalars(select(Delivery.key).where(Delivery.robot_id == robot.id))
    )


def test_recheck_failures_closings_and_cancellations_reach_robots_at_their_level(robot_site, people):
    high = add_robot(robot_site, url=HOOK, min_severity="high")
    every = add_robot(robot_site, url=HOOK + "2", min_severity="low", name="全部")
    task = fixed(robot_site, people, severity="medium")
    do(task, people["chief"], "recheck_fail", note="纸箱还在")
    do(task, people["fixer"], "submit_fix", note="已搬走", photos=[photo(people["fixer"])])
    do(task, people["chief"], "recheck_pass")
    dropped = report(robot_site, "medium")
    do(dropped, people["chief"], "cancel", note="重复上报")
    by_robot = {
        robot.id: sorted(
            key.split(":")[0] for key in db.session.scalars(select(Delivery.key).where(Delivery.robot_id == robot.id))
        )
        for robot in (high, every)
    }
    # A medium task: the "high only" robot hears none of it; the other hears each action once.
    assert by_robot == {high.id: [], every.id: ["cancelled", "closed", "new", "new", "recheck_failed"]}
    texts = {
        d.key.split(":")[0]: d.text for d in db.session.scalars(select(Delivery).where(Delivery.robot_id == every.id))
    }
    assert (
        "复查不通过" in texts["recheck_failed"]
        and "纸箱还在" in texts["recheck_failed"]
        and "张师傅" in texts["recheck_failed"]
    )
    assert "任务已关闭" in texts["closed"] and "王主管" in texts["closed"]
    assert "任务已取消" in texts["cancelled"] and "重复上报" in texts["cancelled"]


def _every_message(site, people) -> list[Delivery]:
    """One delivery of each kind to a WeCom and a DingTalk robot: new, first response late, overdue, re-check
    failed, closed, cancelled."""
    add_robot(site, url=HOOK, min_severity="low")
    add_robot(site, "dingtalk", url=DING, min_severity="low", name="钉钉群")
    late = report(site)
    late.due_at = late.respond_by = utcnow() - timedelta(minutes=5)
    db.session.commit()
    alerts.sweep_alerts()
    task = fixed(site, people)
    do(task, people["chief"], "recheck_fail", note="纸箱还在")
    do(task, people["fixer"], "submit_fix", note="已搬走", photos=[photo(people["fixer"])])
    do(task, people["chief"], "recheck_pass", note="已复查")
    do(report(site), people["chief"], "cancel", note="重复上报")
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def test_every_word_of_a_robot_message_is_in_the_sites_language(app, robot_site, people):
    """Sent while an English-speaking person acts, on a request to another host: still Chinese, public links."""
    with app.test_request_context("/", base_url="http://intranet.example:8000", headers={"Accept-Language": "en"}):
        deliveries = _every_message(robot_site, people)
    assert sorted({d.key.split(":")[0] for d in deliveries}) == [
        "cancelled",
        "closed",
        "feedback",
        "new",
        "overdue",
        "recheck_failed",
    ]
    for delivery in deliveries:
        body = payload(delivery.robot, delivery)["markdown"]
        words = "\n".join(body.values())
        links = re.findall(r"\]\(([^)]*)\)", words)
        assert links and all(re.fullmatch(rf"{re.escape(TEST_BASE_URL)}/tasks/\d+", link) for link in links)
        for link in links:
            words = words.replace(link, "")
        assert not re.search(r"[A-Za-z]", words), (delivery.key, words)
