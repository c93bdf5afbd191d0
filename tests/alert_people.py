"""The people and tasks of the notification tests, and what they were notified of."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Notification, Photo, Task, User
from patrol.tasks.workflow import ActionInput, act


def make_crew(make):
    """A site with two supervisors (one inactive), a butler who patrols, a butler who fixes; an admin;
    a supervisor of another site."""
    site, elsewhere = make.site(), make.site()
    people = {
        "boss": make.user("supervisor", [site], username="boss", locale="en"),
        "deputy": make.user("supervisor", [site], username="deputy", locale="en"),
        "retired": make.user("supervisor", [site], username="retired", active=False),
        "finder": make.user("butler", [site], username="finder", locale="en"),
        "fixer": make.user("butler", [site], username="fixer", locale="en"),
        "admin": make.user("admin", username="root", locale="en"),
        "outsider": make.user("supervisor", [elsewhere], username="outsider"),
    }
    return site, make.location(site, name="1栋 9F 楼层"), people


def raise_task(site, location, raiser, *, severity="high", created=None, **fields) -> Task:
    """A task written directly, without the alerts of raising it (after_raise is tested on its own)."""
    created = created or utcnow()
    task = Task(
        site_id=site.id,
        location_id=location.id,
        title="消防通道无堵塞",
        severity=severity,
        raised_by_id=raiser.id,
        due_at=created + timedelta(hours=4),
        respond_by=created + timedelta(minutes=60),
        created_at=created,
        **fields,
    )
    db.session.add(task)
    db.session.commit()
    return task


def notified(kind: str | None = None) -> list[tuple[str, str]]:
    """(username, key) of every notification (of `kind`)."""
    query = select(User.username, Notification.key).join(User, User.id == Notification.user_id)
    if kind:
        query = query.where(Notification.kind == kind)
    return sorted(db.session.execute(query.order_by(Notification.id)).all())


def do(task, actor, action, **given):
    return act(task, actor, ActionInput(action, task.version, client_id=str(uuid.uuid4()), **given))


def photo(user) -> Photo:
    row = Photo(sha256=uuid.uuid4().hex * 2, width=8, height=8, byte_size=10, uploaded_by_id=user.id)
    db.session.add(row)
    db.session.commit()
    return row
