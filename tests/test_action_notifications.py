"""Every action reaches the person who must act next, never the one who took it; and a notification
that asks for an action is settled once anyone takes it (patrol.alerts.settling)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from patrol.alerts import sweep as alerts
from patrol.alerts.notifications import NOTIFICATION_KINDS, unread_count
from patrol.alerts.settling import SETTLED_BY, settled_words
from patrol.extensions import db
from patrol.models import Notification, Task, User
from patrol.tasks.actions import ACTIONS
from patrol.tasks.workflow import ActionInput, act
from tests import task_crew
from tests.alert_people import do, make_crew, notified, photo, raise_task

NAMES = {"boss": "王主管", "deputy": "李主管", "finder": "陈管家", "fixer": "张师傅"}


@pytest.fixture
def crew(make):
    site, location, people = make_crew(make)
    for who, name in NAMES.items():
        people[who].display_name = name
    db.session.commit()
    return site, location, people


def fixed_task(crew, *, assigner="boss"):
    """A task the finder raised, `assigner` gave to the fixer, and the fixer fixed."""
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    do(task, people[assigner], "assign", assignee=people["fixer"])
    do(task, people["fixer"], "submit_fix", note="清理完毕", photos=[photo(people["fixer"])])
    return task, people


def state(username: str, kind: str) -> tuple:
    """(settled?, what the list says of it) of this person's notification of this kind."""
    note = db.session.scalar(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(User.username == username, Notification.kind == kind)
        .execution_options(populate_existing=True)
    )
    words = settled_words(note)
    return note.settled_at is not None, str(words) if words else None


# ---------------------------------------------------------------------------------------------
# Who is told


def test_a_failed_recheck_tells_the_fixer_and_who_assigned_it(crew):
    task, people = fixed_task(crew)
    failed = do(task, people["deputy"], "recheck_fail", note="纸箱还在")
    # Not the deputy, who re-checked it; not the finder, who has nothing to do.
    assert notified("recheck_failed") == [
        ("boss", f"recheck_failed:{failed.id}"),
        ("fixer", f"recheck_failed:{failed.id}"),
    ]
    reason = db.session.scalar(select(Notification).where(Notification.kind == "recheck_failed"))
    assert reason.event.note == "纸箱还在"


def test_the_assigner_who_rechecks_it_is_not_told_of_their_own_failure(crew):
    task, people = fixed_task(crew)
    do(task, people["boss"], "recheck_fail", note="纸箱还在")
    assert [who for who, _key in notified("recheck_failed")] == ["fixer"]


def test_a_closed_task_tells_the_raiser_the_fixer_and_who_assigned_it(crew):
    task, people = fixed_task(crew)
    passed = do(task, people["deputy"], "recheck_pass")
    assert notified("closed") == [
        ("boss", f"closed:{passed.id}"),
        ("finder", f"closed:{passed.id}"),
        ("fixer", f"closed:{passed.id}"),
    ]


def test_a_cancelled_task_tells_the_raiser_and_the_assignee_with_the_reason(crew):
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    do(task, people["boss"], "assign", assignee=people["fixer"])
    cancelled = do(task, people["boss"], "cancel", note="与 #12 重复")
    assert notified("cancelled") == [("finder", f"cancelled:{cancelled.id}"), ("fixer", f"cancelled:{cancelled.id}")]
    assert {
        note.event.note for note in db.session.scalars(select(Notification).where(Notification.kind == "cancelled"))
    } == {"与 #12 重复"}


# ---------------------------------------------------------------------------------------------
# Settled by the action


def test_a_recheck_request_is_settled_for_everyone_when_anyone_rechecks(crew):
    task, people = fixed_task(crew)
    assert unread_count(people["boss"]) == 1  # "a fix awaits your re-check"
    do(task, people["deputy"], "recheck_pass")
    for who in ("boss", "finder"):
        assert state(who, "recheck") == (True, "Re-checked by 李主管")
    # The boss has only the news that it closed left to read.
    assert unread_count(people["boss"]) == 1
    assert [
        note.kind
        for note in db.session.scalars(
            select(Notification).where(Notification.user_id == people["boss"].id, Notification.settled_at.is_(None))
        )
    ] == ["closed"]


def test_a_failed_recheck_settles_the_request_and_the_next_fix_settles_the_failure(crew):
    task, people = fixed_task(crew)
    do(task, people["deputy"], "recheck_fail", note="纸箱还在")
    assert state("boss", "recheck")[0] and not state("fixer", "recheck_failed")[0]
    do(task, people["fixer"], "submit_fix", note="已搬走", photos=[photo(people["fixer"])])
    assert state("fixer", "recheck_failed") == (True, "Fix submitted by 张师傅")


def test_assigned_to_you_is_settled_by_the_fix_or_by_cancelling(crew):
    site, location, people = crew
    fixed, _people = fixed_task(crew)
    assert state("fixer", "assigned") == (True, "Fix submitted by 张师傅")
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    dropped = raise_task(site, location, people["finder"])
    do(dropped, people["boss"], "assign", assignee=people["fixer"])
    do(dropped, people["deputy"], "cancel", note="重复")
    assert state("fixer", "assigned") == (True, "Cancelled by 李主管")
    assert unread_count(people["fixer"]) == 1  # the cancellation itself, with its reason


def test_a_late_first_response_is_settled_by_acknowledging_it(crew):
    site, location, people = crew
    task = raise_task(site, location, people["finder"])
    alerts.add_notifications(
        [alerts.Alert(people[who].id, task, "feedback_overdue", f"feedback:{task.id}") for who in ("boss", "deputy")]
    )
    alerts.after_raise([task])  # and a high-severity finding
    db.session.commit()
    do(task, people["deputy"], "acknowledge")
    assert state("boss", "feedback_overdue") == (True, "Acknowledged by 李主管")
    assert state("boss", "high_severity") == (True, "Acknowledged by 李主管")
    assert unread_count(people["boss"]) == 0


def test_informing_notifications_are_never_settled(crew):
    task, people = fixed_task(crew)
    do(task, people["deputy"], "recheck_fail", note="纸箱还在")
    do(task, people["fixer"], "submit_fix", note="已搬走", photos=[photo(people["fixer"])])
    do(task, people["deputy"], "recheck_pass")
    assert state("fixer", "closed") == (False, None)


def test_the_table_names_real_kinds_and_events():
    """Each notification kind either names the actions that settle it or only tells; every action is real."""
    assert set(SETTLED_BY) <= set(NOTIFICATION_KINDS)
    # A missed round only tells as well: it is about no task, so no task's action settles it.
    assert set(NOTIFICATION_KINDS) - set(SETTLED_BY) == {"closed", "cancelled", "missed_visit"}
    real = {row.event for row in ACTIONS.values()}
    assert {event for events in SETTLED_BY.values() for event in events} <= real


# ---------------------------------------------------------------------------------------------
# A round's re-check (task_raising) tells and settles the same as the task page's


@pytest.fixture
def round_crew(app, ctx):
    return task_crew.make_crew(app)


def _fixed_on_a_round(app, crew) -> int:
    """A task a round raised (the butler), the supervisor gave to the fixer, who fixed it."""
    task_crew.patrol(crew, "fail")
    task = db.session.scalar(select(Task))
    do(task, db.session.get(User, crew.ids["supervisor"]), "assign", assignee=db.session.get(User, crew.ids["fixer"]))
    fixer = db.session.get(User, crew.ids["fixer"])
    act(
        task,
        fixer,
        ActionInput("submit_fix", task.version, note="Closed it", uploads=[task_crew.fix_photo()]),
        photo_dir=app.config["PATROL_PHOTO_DIR"],
    )
    return task.id


def _by_name(crew, rows):
    names = {username: who for who, username in crew.names.items()}
    return sorted((names[username], key.split(":")[0]) for username, key in rows)


def test_a_round_failing_the_fix_tells_the_fixer_and_who_assigned_it(app, round_crew):
    _fixed_on_a_round(app, round_crew)
    task_crew.patrol(round_crew, "fail", who="spare", note="Wedged open again")
    db.session.commit()
    assert _by_name(round_crew, notified("recheck_failed")) == [
        ("fixer", "recheck_failed"),
        ("supervisor", "recheck_failed"),
    ]
    # The supervisor's and the raiser's "a fix awaits your re-check" are done: the spare butler re-checked it.
    assert _by_name(round_crew, notified("recheck")) == [("butler", "recheck"), ("supervisor", "recheck")]
    assert (
        db.session.scalars(select(Notification.settled_at).where(Notification.kind == "recheck")).all().count(None) == 0
    )
    reason = db.session.scalar(select(Notification).where(Notification.kind == "recheck_failed"))
    assert reason.event.note == "Wedged open again"


def test_a_round_passing_the_fix_tells_who_raised_fixed_and_assigned_it(app, round_crew):
    _fixed_on_a_round(app, round_crew)
    task_crew.patrol(round_crew, "pass", who="spare")
    db.session.commit()
    assert _by_name(round_crew, notified("closed")) == [
        ("butler", "closed"),
        ("fixer", "closed"),
        ("supervisor", "closed"),
    ]
    supervisor = db.session.get(User, round_crew.ids["supervisor"])
    assert unread_count(supervisor) == 1  # the closing; the re-check it was asked for is done
