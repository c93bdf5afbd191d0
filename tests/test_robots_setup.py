"""Group robots in setup: administrators add them (webhook addresses of WeCom and DingTalk only), test,
turn off and remove them, and see the messages that failed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from patrol.alerts.messages import queue_task_messages
from patrol.alerts.sending import deliver_due
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import AuditEvent, Delivery, Robot
from tests.robot_receiver import SECRET, add_robot, raise_task

# receiver, run_worker and robot_site
pytest_plugins = ["tests.robot_fixtures"]


@pytest.fixture
def site(robot_site):
    return robot_site


# ---------------------------------------------------------------------------------------------
# The setup pages


@pytest.fixture
def setup_page(admin, browser, site, receiver):
    return browser


def test_only_webhook_addresses_of_wecom_and_dingtalk_are_accepted(setup_page, site, app, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_ROBOT_HOSTS", [])
    refused = {
        "wecom": [
            "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=abc",
            "https://qyapi.weixin.qq.com/cgi-bin/other?key=abc",
            "https://user@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=abc",
            "http://169.254.169.254/latest/meta-data/",
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
        ],
        "dingtalk": ["https://oapi.dingtalk.com/robot/send", "http://127.0.0.1:8080/robot/send?access_token=x"],
    }
    for provider, urls in refused.items():
        for url in urls:
            form = {"site": site.id, "provider": provider, "name": "群", "url": url, "min_severity": "high"}
            response = setup_page.post("/admin/robots/new", data=form)
            assert response.status_code == 422, url
            page = response.get_data(as_text=True)
            said = ("robot&#39;s address starts with https://", "lacks the robot&#39;s token", "not a webhook address")
            assert any(words in page for words in said), url
    assert db.session.scalar(select(func.count(Robot.id))) == 0
    for provider, url in [
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc123"),
    ]:
        form = {"site": site.id, "provider": provider, "name": "群", "url": url, "min_severity": "high"}
        assert setup_page.post("/admin/robots/new", data=form).status_code == 303
    assert db.session.scalar(select(func.count(Robot.id))) == 2


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("wecom", "https://qyapi.weixin.qq.com:443:80/cgi-bin/webhook/send?key=x"),
        ("dingtalk", "https://oapi.dingtalk.com:99999/robot/send?access_token=x"),
        ("wecom", "https://qyapi.weixin.qq.com:-1/cgi-bin/webhook/send?key=x"),
        ("wecom", "https://[::1/x"),
        ("wecom", "https://[qyapi.weixin.qq.com]/x"),
    ],
)
def test_a_malformed_port_or_bracketed_host_is_refused_in_plain_words(setup_page, site, provider, url):
    form = {"site": site.id, "provider": provider, "name": "群", "url": url, "min_severity": "high"}
    response = setup_page.post("/admin/robots/new", data=form)
    assert response.status_code == 422
    assert "This is not a webhook address. Copy it again from the robot&#39;s settings." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Robot.id))) == 0


def test_the_list_never_shows_the_token_or_the_secret_in_full(setup_page, site):
    token = "0123456789abcdef-tokentail"
    form = {
        "site": site.id,
        "provider": "dingtalk",
        "name": "物业群",
        "url": f"https://oapi.dingtalk.com/robot/send?access_token={token}",
        "secret": SECRET,
        "min_severity": "medium",
    }
    response = setup_page.post("/admin/robots/new", data=form)
    assert response.status_code == 303
    page = setup_page.get(response.location).get_data(as_text=True)
    assert "物业群" in page and "DingTalk" in page and "Medium and high findings" in page
    assert token not in page and SECRET not in page
    assert "tail" in page and SECRET[-4:] in page
    assert list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "Robot"))) == [
        "robot.created"
    ]


def test_the_test_button_sends_one_message_and_the_list_says_how_it_went(setup_page, site, receiver, run_worker):
    robot = add_robot(site, url=receiver.url("wecom"))
    response = setup_page.post(f"/admin/robots/{robot.id}/test", data={"site": site.id})
    assert response.status_code == 303 and response.location == f"/admin/robots/?site={site.id}"
    run_worker()
    [message] = receiver.received
    assert site.name in message.text
    assert "Last message" in (page := setup_page.get(response.location).get_data(as_text=True))
    assert re.search(r">Sent</span>", page)


def test_failed_messages_are_listed_for_administrators_and_can_be_sent_again(setup_page, site, receiver):
    robot = add_robot(site, url=receiver.url("wecom"))
    receiver.answers.append((500, {}))
    setup_page.post(f"/admin/robots/{robot.id}/test")
    db.session.commit()
    now = utcnow()
    deliver_due(now)  # a test message is tried once: it fails at once
    listing = setup_page.get("/admin/robots/").get_data(as_text=True)
    assert "1 message failed" in listing
    failed = setup_page.get("/admin/robots/failed").get_data(as_text=True)
    assert "HTTP 500" in failed and "1 attempt" in failed and "工程群" in failed
    delivery_id = db.session.scalar(select(Delivery.id))
    assert setup_page.post(f"/admin/robots/deliveries/{delivery_id}/retry").status_code == 303
    # Its failed attempt still counts in the robot's minute: it is sent once that minute has passed.
    deliver_due(now + timedelta(seconds=30))
    assert db.session.scalar(select(Delivery.status).execution_options(populate_existing=True)) == "pending"
    deliver_due(now + timedelta(seconds=61))
    assert db.session.scalar(select(Delivery.status).execution_options(populate_existing=True)) == "sent"
    assert setup_page.post(f"/admin/robots/deliveries/{delivery_id}/retry").status_code == 409


def test_a_robot_turned_off_posts_nothing_and_one_removed_is_gone(setup_page, site, receiver):
    robot = add_robot(site, url=receiver.url("wecom"))
    assert setup_page.post(f"/admin/robots/{robot.id}/off").status_code == 303
    assert "Turned off" in setup_page.get("/admin/robots/").get_data(as_text=True)
    raise_task(site)
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert setup_page.post(f"/admin/robots/{robot.id}/on").status_code == 303
    raise_task(site)
    assert setup_page.post(f"/admin/robots/{robot.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count(Robot.id))) == 0
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    actions = list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "Robot").order_by(AuditEvent.id))
    )
    assert actions == ["robot.deactivated", "robot.reactivated", "robot.deleted"]


@pytest.mark.parametrize("role", ["supervisor", "butler"])
def test_only_administrators_reach_the_robots(browser, make, site, role):
    make.user(role, [site], username="someone")
    browser.login("someone")
    assert browser.get("/admin/robots/").status_code == 403
    assert browser.get("/admin/robots/failed").status_code == 403
    assert browser.post("/admin/robots/new", data={}).status_code == 403


def test_pending_messages_of_a_robot_turned_off_are_not_sent_later(setup_page, site, receiver):
    robot = add_robot(site, url=receiver.url("wecom"))
    task = raise_task(site)
    robot.active = False
    db.session.commit()
    deliver_due()
    assert receiver.received == []
    delivery = db.session.scalar(select(Delivery).execution_options(populate_existing=True))
    assert (delivery.status, delivery.last_error) == ("failed", "robot_off")
    failed = setup_page.get("/admin/robots/failed").get_data(as_text=True)
    assert "The robot was turned off before this was sent." in failed and "robot_off" not in failed
    assert queue_task_messages([task], "new") == 0
