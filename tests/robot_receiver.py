"""A stand-in for WeCom's and DingTalk's webhook servers: a local HTTP server that checks what robots post;
and the builders the robot tests share (their fixtures are in tests/robot_fixtures.py).

It checks the payload's shape for the provider its path names (/wecom… or /dingtalk…), and for
DingTalk the 加签 signature (timestamp and sign in the query, HMAC-SHA256 of "timestamp\\nsecret").
It answers what the test queues in `answers` — (HTTP status, JSON body) — or errcode 0; while
`hang` is set it does not answer at all (until `release`), so that the sender times out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from patrol.alerts import sweep as alerts
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Robot, Task, User

OK = (200, {"errcode": 0, "errmsg": "ok"})
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"


@dataclass
class Received:
    provider: str
    path: str
    query: dict
    body: dict

    @property
    def text(self) -> str:
        markdown = self.body["markdown"]
        return markdown["content"] if self.provider == "wecom" else markdown["text"]


@dataclass
class Receiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what failed the receiver's checks
    answers: deque = field(default_factory=deque)
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, provider: str, token: str = "t0ken1234") -> str:
        query = "key" if provider == "wecom" else "access_token"
        return f"{self.origin}/{provider}/send?{query}={token}"


def _shape_problem(provider: str, body: dict) -> str | None:
    if body.get("msgtype") != "markdown" or not isinstance(body.get("markdown"), dict):
        return "not a markdown message"
    keys = {"content"} if provider == "wecom" else {"title", "text"}
    if set(body["markdown"]) != keys or not all(isinstance(body["markdown"][key], str) for key in keys):
        return f"markdown must hold exactly {sorted(keys)}"
    return None


def _sign_problem(query: dict) -> str | None:
    timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
        return "timestamp missing or more than an hour off"
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(sign, base64.b64encode(digest).decode()):
        return "sign not match"
    return None


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — http.server's name
            parts = urlsplit(self.path)
            provider = "dingtalk" if parts.path.startswith("/dingtalk") else "wecom"
            query = parse_qs(parts.query)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            problem = _shape_problem(provider, body)
            if problem is None and provider == "dingtalk" and "signed" in parts.path:
                problem = _sign_problem(query)
            if problem is not None:
                receiver.refused.append(problem)
                self._answer(200, {"errcode": 310000, "errmsg": problem})
                return
            receiver.received.append(Received(provider, parts.path, query, body))
            if receiver.hang:
                receiver.release.wait()
                return
            status, answer = receiver.answers.popleft() if receiver.answers else OK
            self._answer(status, answer)

        def _answer(self, status: int, answer) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):
            pass

    return Handler


def start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return receiver, server


# ---------------------------------------------------------------------------------------------
# Builders


def add_robot(site, provider="wecom", *, url, secret="", min_severity="high", name="工程群") -> Robot:
    robot = Robot(site=site, provider=provider, name=name, url=url, secret=secret, min_severity=min_severity)
    db.session.add(robot)
    db.session.commit()
    return robot


def raise_task(site, *, severity="high", where="1栋 9F 楼层", detail="楼梯间堆放纸箱", fail=False) -> Task:
    """A report raised as the app raises one: the task, its alerts, one commit (or, `fail`, an error before it)."""
    finder = db.session.scalar(select(User).where(User.username == "finder"))
    now = utcnow()
    task = Task(
        site_id=site.id,
        place=where,
        source="report",
        detail=detail,
        title=detail,
        severity=severity,
        raised_by_id=finder.id,
        due_at=now + timedelta(hours=4),
        respond_by=now + timedelta(hours=1),
        created_at=now,
    )
    db.session.add(task)
    db.session.flush()
    alerts.after_raise([task])
    if fail:
        raise RuntimeError("the request failed after the alerts were written")
    db.session.commit()
    return task
