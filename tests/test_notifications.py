"""In-app notifications: each kind reaches the right people once, and the sweep that finds late work."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from patrol.alerts import sweep as alerts
from patrol.alerts import worker
from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.submission import submit_inspection
from patrol.models import Notification, Task
from patrol.setup.catalogue import passfail
from patrol.tasks.workflow import ActionInput, act
from tests.alert_people import do, make_crew, notified, photo, raise_task
from tests.conftest import SeparateBrowser


@pytest.fixture
def crew(make):
    return make_crew(make)


def test_a_high_severity_finding_alerts_the_sites_active_supervisors_once(crew, make, app):
    site, location, people = crew
    version = make.checklist(
        [passfail("消防通道无堵塞", "high", photo=False), passfail("灯具完好", "low", photo=False)]
    )
    key = DraftKey(people["finder"], location, version, str(uuid.uuid4()), utcnow())
    save_answer(key, version.items[0], AnswerInput("fail", note="楼梯间堆放纸箱"))
    save_answer(key, version.items[1], AnswerInput("fail"))
    assert submit_inspection(key, {}).ok
    high = db.session.scalar(select(Task).where(Task.severity == "high"))
    # Not the inactive supervisor, not another site's, not the admin (not a supervisor of it), not the low one.
    assert notified() == [("boss", f"high:{high.id}"), ("deputy", f"high:{high.id}")]
    alerts.after_raise([high])  # raised again (a retried request): nobody hears twice
    assert len(notified()) == 2


def test_the_assignee_hears_of_each_assignment_once(crew):
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    event = do(task, people["boss"], "assign", assignee=people["fixer"])
    assert notified("assigned") == [("fixer", f"assigned:{event.id}")]
    # The same form sent twice is the same event: no second notification.
    again = act(task, people["boss"], ActionInput("assign", None, client_id=event.client_id, assignee=people["fixer"]))
    assert again.id == event.id and len(notified("assigned")) == 1
    # A supervisor who takes a task on themselves is not told about it.
    do(task, people["deputy"], "assign", assignee=people["deputy"])
    assert notified("assigned") == [("fixer", f"assigned:{event.id}")]


def test_a_fix_goes_to_who_assigned_it_and_who_raised_it_never_the_fixer(crew):
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    do(task, people["boss"], "assign", assignee=people["finder"])
    do(task, people["deputy"], "assign", assignee=people["fixer"])  # re-assigned by the other supervisor
    fix = do(task, people["fixer"], "submit_fix", note="清理完毕", photos=[photo(people["fixer"])])
    assert notified("recheck") == [
        ("boss", f"recheck:{fix.id}"),
        ("deputy", f"recheck:{fix.id}"),
        ("finder", f"recheck:{fix.id}"),
    ]


def test_the_raiser_who_fixed_it_is_not_asked_to_recheck_it(crew):
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    do(task, people["boss"], "assign", assignee=people["finder"])
    fix = do(task, people["finder"], "submit_fix", note="清理完毕", photos=[photo(people["finder"])])
    assert notified("recheck") == [("boss", f"recheck:{fix.id}")]


def test_the_sweep_alerts_late_first_responses_and_overdue_tasks_once(crew):
    site, location, people = crew
    now = utcnow()
    silent = raise_task(site, location, people["finder"], created=now - timedelta(minutes=61), severity="low")
    answered = raise_task(site, location, people["finder"], created=now - timedelta(minutes=61), severity="low")
    do(answered, people["boss"], "acknowledge")
    late = raise_task(site, location, people["finder"], created=now - timedelta(hours=5), severity="low")
    do(late, people["boss"], "assign", assignee=people["fixer"])
    ancient = raise_task(site, location, people["finder"], created=now - timedelta(days=10), severity="low")
    closed = raise_task(site, location, people["finder"], created=now - timedelta(hours=5), status="closed")
    db.session.execute(Notification.__table__.delete())
    db.session.commit()

    swept = alerts.sweep_alerts(now)
    alerts.sweep_alerts(now + timedelta(minutes=1))  # the next minute's sweep adds nothing
    assert notified("feedback_overdue") == [("boss", f"feedback:{silent.id}"), ("deputy", f"feedback:{silent.id}")]
    assert notified("overdue") == [
        ("boss", f"overdue:{late.id}"),
        ("deputy", f"overdue:{late.id}"),
        ("fixer", f"overdue:{late.id}"),
    ]
    assert (swept.feedback, swept.overdue) == (1, 1)
    assert {ancient.id, closed.id, answered.id}.isdisjoint(set(db.session.scalars(select(Notification.task_id))))


def test_nobody_is_notified_about_a_site_they_cannot_see(crew, make):
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    stranger = make.user("butler", [make.site()], username="stranger")
    alerts.add_notifications([alerts.Alert(stranger.id, task, "assigned", "assigned:1")])
    alerts.add_notifications([alerts.Alert(people["admin"].id, task, "assigned", "assigned:2")])
    assert notified() == [("root", "assigned:2")]  # an administrator sees every site


def test_requests_leave_late_work_to_the_worker(crew, app):
    """No request sweeps (nothing runs after a request): the worker's pass finds the late task."""
    site, location, people = crew
    late = raise_task(site, location, people["finder"], created=utcnow() - timedelta(hours=5), severity="low")
    finder = SeparateBrowser(app.test_client())
    finder.login("finder")
    assert finder.get("/").status_code == 200 and finder.get("/notifications").status_code == 200
    assert notified("overdue") == []
    db.session.commit()  # the worker writes: this session holds no transaction meanwhile
    assert worker.run_loop(app, interval=30, passes=1) == 1
    db.session.commit()  # what the worker wrote is after this session's snapshot
    assert ("boss", f"overdue:{late.id}") in notified("overdue")


def test_each_site_sets_its_own_first_response_time(admin, browser, make):
    site = make.site()
    form = {"name": site.name, "timezone": "Asia/Shanghai", "opens_at": "08:30", "closes_at": "18:00"}
    assert 'name="first_response_minutes" type="number" value="60"' in browser.get(f"/admin/sites/{site.id}").get_data(
        as_text=True
    )
    for wrong in ("0", "1441", "soon"):
        response = browser.post(f"/admin/sites/{site.id}", data={**form, "first_response_minutes": wrong})
        assert response.status_code == 422, wrong
    assert browser.post(f"/admin/sites/{site.id}", data={**form, "first_response_minutes": "15"}).status_code == 303
    assert browser.post(f"/admin/sites/{site.id}", data=form).status_code == 303  # an older form keeps it
    db.session.refresh(site)
    assert site.first_response_minutes == 15
    butler = make.user("butler", [site], username="quick")
    version = make.checklist([passfail("消防通道无堵塞", "low", photo=False)])
    key = DraftKey(butler, make.location(site), version, str(uuid.uuid4()), utcnow())
    save_answer(key, version.items[0], AnswerInput("fail"))
    assert submit_inspection(key, {}).ok
    task = db.session.scalar(select(Task))
    assert task.respond_by - task.created_at == timedelta(minutes=15)
