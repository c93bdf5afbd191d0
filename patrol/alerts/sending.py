"""Sending queued robot messages: claim a delivery, POST it, record the answer; retry with back-off.

Runs only in the worker (patrol.alerts.worker), never in a person's request. Each delivery is claimed
with an UPDATE … WHERE status = 'pending' before it is sent, so two workers never send the same one.
The claim is the row itself (status 'sending', sent_at): a worker killed mid-send leaves it claimed,
and after STUCK any worker sends it again — delivery is at least once, never lost.

The limit — 20 requests a minute per robot, WeCom's and DingTalk's — counts every request that
leaves, answered or not: a provider counts the ones it refuses too. The claim stamps sent_at (the
moment the delivery's latest attempt left) and keeps it whatever the answer; the robot's row is
locked while its last minute is counted, so workers cannot both take the twentieth. A delivery is
tried at most once a minute, so that its latest attempt is its only one in the minute and the
stamps count every attempt. Over the limit, a delivery waits for the minute to pass; that is not
an attempt.

A failed attempt waits 1 min, 2 min, 8 min, 30 min, then 2 h; after the sixth the delivery is
failed, listed for administrators with its last error and a retry button.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from patrol.alerts.robots import url_refusal
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Delivery, Robot

log = logging.getLogger(__name__)

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=8),
    timedelta(minutes=30),
    timedelta(hours=2),
)
PER_MINUTE = 20
MINUTE = timedelta(minutes=1)
TIMEOUT = 5  # seconds for one POST
STUCK = timedelta(minutes=5)  # a worker that died mid-send: its delivery is sent again after this
BATCH = 100
MAX_ANSWER = 64 * 1024


def deliver_due(now: datetime | None = None, stopping: Callable[[], bool] = lambda: False) -> int:
    """Send the deliveries that are due (a batch); how many were sent. `now` is a fixed clock for tests;
    once `stopping()` says so, the rest of the batch waits for the next worker (each is still pending)."""
    moment = now or utcnow()
    release_stuck(moment)
    ids = list(
        db.session.scalars(
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= moment)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(BATCH)
        )
    )
    db.session.commit()
    sent = 0
    for delivery_id in ids:
        if stopping():
            break
        sent += attempt(delivery_id, now) == "sent"
    return sent


def next_due() -> datetime | None:
    """When the earliest waiting delivery is due (it may be now or past), or None when none waits."""
    return db.session.scalar(select(func.min(Delivery.next_attempt_at)).where(Delivery.status == "pending"))


def release_stuck(now: datetime) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.sent_at < now - STUCK)
        .values(status="pending", sent_at=None, next_attempt_at=now)
    )
    db.session.commit()


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    """Try to send one delivery: "sent", "retry", "failed", "later" (over the limit) or "skipped" (not ours)."""
    claimed = _claim(delivery_id, now or utcnow())
    if isinstance(claimed, str):
        return claimed
    robot, delivery = claimed
    error = post(robot, delivery)
    return _settle(delivery, error, now or utcnow())


def _claim(delivery_id: int, now: datetime):
    """(robot, delivery) claimed for sending by this worker, or why not."""
    robot_id = db.session.scalar(
        select(Delivery.robot_id).where(Delivery.id == delivery_id, Delivery.status == "pending")
    )
    robot = robot_id and db.session.scalar(select(Robot).where(Robot.id == robot_id).with_for_update())
    # Read under the robot's lock: a worker that held it may have claimed this delivery meanwhile.
    status, last_attempt = db.session.execute(
        select(Delivery.status, Delivery.sent_at).where(Delivery.id == delivery_id)
    ).one_or_none() or (None, None)
    if not robot or status != "pending":
        db.session.commit()
        return "skipped"
    if not robot.active:
        _finish(delivery_id, "failed", "robot_off")
        return "failed"
    free_at = _free_at(robot, last_attempt, now)
    if free_at is not None:
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "pending")
            .values(next_attempt_at=free_at)
        )
        db.session.commit()
        return "later"
    claimed = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .values(status="sending", attempts=Delivery.attempts + 1, sent_at=now)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return "skipped"
    return robot, db.session.get(Delivery, delivery_id, populate_existing=True)


def _free_at(robot: Robot, last_attempt: datetime | None, now: datetime) -> datetime | None:
    """When a delivery may leave, if not now: the robot's minute is full, or holds the delivery's last attempt."""
    waits = []
    if last_attempt is not None and last_attempt > now - MINUTE:
        waits.append(last_attempt + MINUTE)
    window = select(Delivery.sent_at).where(Delivery.robot_id == robot.id, Delivery.sent_at > now - MINUTE).subquery()
    recent, oldest = db.session.execute(select(func.count(), func.min(window.c.sent_at)).select_from(window)).one()
    if recent >= PER_MINUTE:
        waits.append(oldest + MINUTE)
    return max(waits, default=None)


def _settle(delivery: Delivery, error: str | None, now: datetime) -> str:
    if error is None:
        return _finish(delivery.id, "sent", "")
    one_try = delivery.key.startswith("test:")  # the test button says at once whether it works
    if one_try or delivery.attempts > len(BACKOFF):
        return _finish(delivery.id, "failed", error)
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.status == "sending")
        .values(status="pending", last_error=error[:300], next_attempt_at=now + BACKOFF[delivery.attempts - 1])
    )
    db.session.commit()
    return "retry"


def _finish(delivery_id: int, status: str, error: str) -> str:
    # sent_at stays, sent or not: the attempt counts toward the robot's minute either way.
    values = {"status": status, "last_error": error[:300]}
    db.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
    db.session.commit()
    return status


# ---------------------------------------------------------------------------------------------
# The POST


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk's 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, in the query."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest).decode()})
    return url + ("&" if "?" in url else "?") + query


def payload(robot: Robot, delivery: Delivery) -> dict:
    if robot.provider == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": delivery.title, "text": delivery.text}}
    return {"msgtype": "markdown", "markdown": {"content": delivery.text}}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is refused: the redirect could point anywhere (the allow-list is for the first URL)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(robot: Robot, delivery: Delivery) -> str | None:
    """POST the message; None when the provider answered errcode 0, else what went wrong.

    What went wrong is kept for administrators: the provider's own errcode and errmsg, an HTTP status,
    or one of robots.DELIVERY_ERRORS' codes, which the failed list shows in words.
    """
    refused = url_refusal(robot.provider, robot.url)
    if refused is not None:
        return "address_refused"
    url = signed_url(robot.url, robot.secret) if robot.provider == "dingtalk" and robot.secret else robot.url
    request = urllib.request.Request(
        url,
        data=json.dumps(payload(robot, delivery), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            answer = json.loads(response.read(MAX_ANSWER) or b"{}")
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except TimeoutError:
        return "timeout"
    except urllib.error.URLError as error:
        return f"no connection ({error.reason})"[:300]
    except (ValueError, OSError) as error:
        return f"unreadable answer ({type(error).__name__})"
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        return f"errcode {code}: {message}"[:300]
    return None
