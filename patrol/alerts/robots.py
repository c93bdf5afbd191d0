"""A site's group robots (群机器人), set up by administrators: add, test, turn off, remove; failed messages.

A robot's webhook address is where the server will POST, so only WeCom's and DingTalk's own
webhook endpoints are accepted (https, their host, their path) — anything else could make the
server reach into the company's network (SSRF). PATROL_ROBOT_HOSTS adds origins an operator
trusts, e.g. a relay. The address carries the robot's token and DingTalk's signing secret is a
key: pages show neither in full.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from patrol.alerts.wakeup import wake_workers
from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Delivery, Robot, Site, User
from patrol.outcome import Outcome
from patrol.paging import Page, offset_page
from patrol.setup.audit import record
from patrol.validation import Checker, whole_number

PROVIDERS = {"wecom": _l("WeCom"), "dingtalk": _l("DingTalk")}
DELIVERY_STATUSES = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
# What went wrong with a message, in words (else last_error is the provider's errcode and errmsg).
DELIVERY_ERRORS = {
    "robot_off": _l("The robot was turned off before this was sent."),
    "address_refused": _l("The robot's address is not allowed any more."),
    "timeout": _l("No answer within 5 seconds."),
}
# Which findings a robot posts, and the re-checks, closings and cancellations of their tasks (alerts about
# late work it always posts).
MIN_SEVERITIES = {
    "high": _l("High-severity findings only"),
    "medium": _l("Medium and high findings"),
    "low": _l("Every finding"),
}
# provider: (host, path, the query part that holds the robot's token)
OFFICIAL = {
    "wecom": ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send", "key"),
    "dingtalk": ("oapi.dingtalk.com", "/robot/send", "access_token"),
}
HIDDEN = "••••"


def url_refusal(provider: str, url: str):
    """Why this webhook address is refused for this provider, or None if it may be used."""
    try:
        # urllib raises on a port that is no number in 0-65535 (":443:80", ":99999", ":-1") and on a
        # host in brackets that is no IPv6 address ("[::1", "[qyapi.weixin.qq.com]").
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts = port = None
    if parts is None or not url or any(ch.isspace() or ord(ch) < 32 for ch in url) or "@" in parts.netloc:
        return _l("This is not a webhook address. Copy it again from the robot's settings.")
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if origin in current_app.config.get("PATROL_ROBOT_HOSTS", []):
        return None
    host, path, token = OFFICIAL.get(provider, ("", "", ""))
    if parts.scheme != "https" or parts.hostname != host or port not in (None, 443) or parts.path != path:
        if provider == "dingtalk":
            return _l("A DingTalk robot's address starts with https://oapi.dingtalk.com/robot/send?access_token=")
        return _l("A WeCom robot's address starts with https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=")
    if not parse_qs(parts.query).get(token):
        return _l("The address lacks the robot's token (%(part)s=…). Copy the whole address.", part=token)
    return None


def masked_url(url: str) -> str:
    """The address with its token hidden but for the last four characters."""
    parts = urlsplit(url)
    query = "&".join(
        f"{name}={HIDDEN}{values[0][-4:]}" for name, values in parse_qs(parts.query, keep_blank_values=True).items()
    )
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


def masked_secret(secret: str) -> str:
    return f"{secret[:3]}{HIDDEN}{secret[-4:]}" if len(secret) > 12 else (HIDDEN if secret else "")


def robot_form_values() -> dict[str, str]:
    return {"site": "", "provider": "wecom", "name": "", "url": "", "secret": "", "min_severity": "high"}


def create_robot(actor: User | None, raw: Mapping[str, str]) -> Outcome[Robot]:
    check = Checker(raw)
    site_id = whole_number(raw.get("site", ""))
    site = db.session.get(Site, site_id) if site_id else None
    if site is None or site.archived:
        check.fail("site", _l("Choose one of the options."))
    provider = check.choice("provider", PROVIDERS)
    name = check.text("name", required=True, max_length=60)
    url = check.text("url", required=True, max_length=500)
    secret = check.text("secret", max_length=200) if provider == "dingtalk" else ""
    min_severity = check.choice("min_severity", MIN_SEVERITIES)
    if url and provider and (refused := url_refusal(provider, url)) is not None:
        check.fail("url", refused)
    if secret and (not secret.isascii() or any(ch.isspace() for ch in secret)):
        check.fail("secret", _l("The signing secret is one word (it starts with SEC). Copy it again."))
    if not check.ok:
        return Outcome.fail(check.errors)
    robot = Robot(site=site, provider=provider, name=name, url=url, secret=secret, min_severity=min_severity)
    db.session.add(robot)
    db.session.flush()
    record(actor, "robot.created", robot, site_id=site.id)
    db.session.commit()
    return Outcome(robot)


def set_active(actor: User | None, robot: Robot, active: bool) -> None:
    if robot.active != active:
        robot.active = active
        record(actor, "robot.reactivated" if active else "robot.deactivated", robot)
        db.session.commit()


def delete_robot(actor: User | None, robot: Robot) -> None:
    """Remove a robot and its messages (sent, waiting and failed)."""
    record(actor, "robot.deleted", robot)
    db.session.execute(delete(Delivery).where(Delivery.robot_id == robot.id))
    db.session.delete(robot)
    db.session.commit()


def send_test(robot: Robot) -> None:
    """Queue a test message; the worker sends it once, after the commit, and it fails at once if it cannot be."""
    from patrol.alerts.messages import queue_test_message

    queue_test_message(robot, f"test:{uuid.uuid4().hex[:20]}")
    db.session.commit()


def retry_delivery(delivery: Delivery) -> None:
    """Send a failed message again, with a fresh round of retries."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    wake_workers()
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# The pages


@dataclass
class RobotRow:
    robot: Robot
    failed: int
    last: Delivery | None  # the latest message, to see at a glance whether it arrives


def robot_page(*, site_id: int | None = None, number: int = 1, size: int = 30) -> Page[RobotRow]:
    query = select(Robot).join(Site, Site.id == Robot.site_id).options(joinedload(Robot.site))
    if site_id:
        query = query.where(Robot.site_id == site_id)
    page = offset_page(query.order_by(Site.name, Robot.name, Robot.id), number=number, size=size)
    ids = [robot.id for robot in page]
    failed = dict(
        db.session.execute(
            select(Delivery.robot_id, func.count(Delivery.id))
            .where(Delivery.robot_id.in_(ids), Delivery.status == "failed")
            .group_by(Delivery.robot_id)
        ).all()
    )
    latest = select(func.max(Delivery.id)).where(Delivery.robot_id.in_(ids)).group_by(Delivery.robot_id)
    last = {
        delivery.robot_id: delivery for delivery in db.session.scalars(select(Delivery).where(Delivery.id.in_(latest)))
    }
    return page.map(lambda robot: RobotRow(robot, failed.get(robot.id, 0), last.get(robot.id)))


def failed_page(*, number: int = 1, size: int = 30) -> Page[Delivery]:
    """Failed messages, the latest first (their count reads only the status index)."""
    query = (
        select(Delivery)
        .where(Delivery.status == "failed")
        .options(joinedload(Delivery.robot).joinedload(Robot.site))
        .order_by(Delivery.id.desc())
    )
    count = select(Delivery.id).where(Delivery.status == "failed")
    return offset_page(query, number=number, size=size, count=count)


def failed_total() -> int:
    return db.session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "failed")) or 0


def site_choices() -> list[tuple[int, str]]:
    """The sites in use, for the form (a robot on an archived site would have nothing to say)."""
    return list(db.session.execute(select(Site.id, Site.name).where(Site.archived_at.is_(None)).order_by(Site.name)))
