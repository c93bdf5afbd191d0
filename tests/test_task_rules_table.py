"""Who may do what to a task in which state, walked through the HTTP endpoints for every combination.

The table is written out here, not read from the action table (patrol.tasks.actions): it is what the
issue asks for (supervisors assign, re-assign, change due time and severity, verify or cancel; the
assignee starts and submits the fix; anyone on the site but the fixer re-checks; anyone who sees the
task comments), so the code is checked against it rather than against itself; only its list of
actions is compared, so that a new row needs its column here. An allowed action leads to the state
named, writes one event by that person and says so on the next page; a refused one answers the status
and the words given, and writes nothing. The same rows serve a round that passes or fails the item of a
fix awaiting re-check, and the board's bulk assign, whose repeat writes nothing twice.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Notification, Task, User
from patrol.tasks.actions import ACTIONS
from patrol.tasks.workflow import ActionInput, act
from tests.conftest import SeparateBrowser
from tests.task_crew import events_of, jpeg_upload, make_crew, patrol_by_phone, task_in, task_values, written

# Refusals: the status, and words the person reads.
M = (403, "Only a supervisor can do this.")
A = (403, "Only the person this task is assigned to can do this.")
F = (403, "Someone other than the person who fixed it must re-check it.")
X = (409, "This task has moved on: it is now")
H = (403, "You do not have access to this")
# A loss case's task closes with its case, on the case's page (patrol.modelrooms.reconcile).
C = (403, "Only a steward or a supervisor can reconcile a loss case.")
L = (409, "Only a loss case's task closes with its case.")

# Columns: a butler of the site (who patrols and found it), a steward, the supervisor, the butler it is
# assigned to (who also submits the fix), an administrator, and a supervisor of another site.
WHO = ("butler", "steward", "supervisor", "fixer", "admin", "outsider")

TABLE: dict[str, dict[str, tuple]] = {
    "open": {
        "acknowledge":     (M, M, "open", M, "open", H),
        "assign":          (M, M, "assigned", M, "assigned", H),
        "change_due":      (M, M, "open", M, "open", H),
        "change_severity": (M, M, "open", M, "open", H),
        "start":           (X, X, X, X, X, H),
        "submit_fix":      (X, X, X, X, X, H),
        "recheck_pass":    (X, X, X, X, X, H),
        "recheck_fail":    (X, X, X, X, X, H),
        "cancel":          (M, M, "cancelled", M, "cancelled", H),
        "close_case":      (C, L, L, C, L, H),
        "comment":         ("open", "open", "open", "open", "open", H),
    },
    "assigned": {
        "acknowledge":     (M, M, X, M, X, H),
        "assign":          (M, M, "assigned", M, "assigned", H),
        "change_due":      (M, M, "assigned", M, "assigned", H),
        "change_severity": (M, M, "assigned", M, "assigned", H),
        "start":           (A, A, A, "in_progress", A, H),
        "submit_fix":      (A, A, A, "fixed", A, H),
        "recheck_pass":    (X, X, X, X, X, H),
        "recheck_fail":    (X, X, X, X, X, H),
        "cancel":          (M, M, "cancelled", M, "cancelled", H),
        "close_case":      (C, L, L, C, L, H),
        "comment":         ("assigned", "assigned", "assigned", "assigned", "assigned", H),
    },
    "in_progress": {
        "acknowledge":     (M, M, X, M, X, H),
        "assign":          (M, M, "assigned", M, "assigned", H),
        "change_due":      (M, M, "in_progress", M, "in_progress", H),
        "change_severity": (M, M, "in_progress", M, "in_progress", H),
        "start":           (X, X, X, X, X, H),
        "submit_fix":      (A, A, A, "fixed", A, H),
        "recheck_pass":    (X, X, X, X, X, H),
        "recheck_fail":    (X, X, X, X, X, H),
        "cancel":          (M, M, "cancelled", M, "cancelled", H),
        "close_case":      (C, L, L, C, L, H),
        "comment":         ("in_progress", "in_progress", "in_progress", "in_progress", "in_progress", H),
    },
    "fixed": {
        "acknowledge":     (M, M, X, M, X, H),
        "assign":          (M, M, X, M, X, H),
        "change_due":      (M, M, "fixed", M, "fixed", H),
        "change_severity": (M, M, "fixed", M, "fixed", H),
        "start":           (X, X, X, X, X, H),
        "submit_fix":      (X, X, X, X, X, H),
        "recheck_pass":    ("closed", "closed", "closed", F, "closed", H),
        "recheck_fail":    ("assigned", "assigned", "assigned", F, "assigned", H),
        "cancel":          (M, M, "cancelled", M, "cancelled", H),
        "close_case":      (C, L, L, C, L, H),
        "comment":         ("fixed", "fixed", "fixed", "fixed", "fixed", H),
    },
    "closed": {
        "acknowledge":     (M, M, X, M, X, H),
        "assign":          (M, M, X, M, X, H),
        "change_due":      (M, M, X, M, X, H),
        "change_severity": (M, M, X, M, X, H),
        "start":           (X, X, X, X, X, H),
        "submit_fix":      (X, X, X, X, X, H),
        "recheck_pass":    (X, X, X, X, X, H),
        "recheck_fail":    (X, X, X, X, X, H),
        "cancel":          (M, M, X, M, X, H),
        "close_case":      (C, X, X, C, X, H),
        "comment":         ("closed", "closed", "closed", "closed", "closed", H),
    },
    "cancelled": {
        "acknowledge":     (M, M, X, M, X, H),
        "assign":          (M, M, X, M, X, H),
        "change_due":      (M, M, X, M, X, H),
        "change_severity": (M, M, X, M, X, H),
        "start":           (X, X, X, X, X, H),
        "submit_fix":      (X, X, X, X, X, H),
        "recheck_pass":    (X, X, X, X, X, H),
        "recheck_fail":    (X, X, X, X, X, H),
        "cancel":          (M, M, X, M, X, H),
        "close_case":      (C, X, X, C, X, H),
        "comment":         ("cancelled", "cancelled", "cancelled", "cancelled", "cancelled", H),
    },
}  # fmt: skip

# The event each allowed action writes on the timeline.
EVENT = {
    "acknowledge": "acknowledged",
    "assign": "assigned",
    "change_due": "due_changed",
    "change_severity": "severity_changed",
    "start": "started",
    "submit_fix": "fixed",
    "recheck_pass": "recheck_passed",
    "recheck_fail": "recheck_failed",
    "cancel": "cancelled",
    "close_case": "case_closed",
    "comment": "comment",
}

# What the next page says once it is done.
DONE = {
    "acknowledge": "Acknowledged: the team knows it is being looked at.",
    "assign": "Assigned.",
    "change_due": "Due time changed.",
    "change_severity": "Severity changed.",
    "start": "Marked as being fixed.",
    "submit_fix": "Fix submitted: it now awaits a re-check.",
    "recheck_pass": "Re-check passed: the task is closed.",
    "recheck_fail": "Re-check not passed: the task goes back to the person fixing it.",
    "cancel": "Task cancelled.",
    "close_case": "The case is closed, and its task with it.",
    "comment": "Comment added.",
}

STATUS_WORDS = {
    "open": "Open",
    "assigned": "Assigned",
    "in_progress": "Being fixed",
    "fixed": "Awaiting re-check",
    "closed": "Closed",
    "cancelled": "Cancelled",
}


@pytest.fixture
def crew(app, ctx):
    return make_crew(app)


def form_for(app, crew, task_id: int, action: str) -> dict:
    """What the task page's form for this action sends, filled in as a person would."""
    (version,) = task_values(app, task_id, "version")
    form = {"action": action, "version": str(version), "client_id": ""}
    if action == "assign":
        form["assignee"] = str(crew.ids["spare"])
    elif action == "change_due":
        form["due_at"] = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    elif action == "change_severity":
        form["severity"] = "low"
    elif action == "submit_fix":
        form["note"] = "Door closer replaced"
        form["photos"] = jpeg_upload()
    elif action in ("recheck_fail", "cancel", "comment"):
        form["note"] = f"{action} because"
    return form


def test_the_table_covers_every_action_in_every_state():
    actions = set(EVENT)
    assert actions == set(ACTIONS) == set(DONE)  # a new row of the action table needs its column here
    assert set(TABLE) == set(STATUS_WORDS)
    assert all(set(row) == actions for row in TABLE.values())
    assert all(len(outcomes) == len(WHO) for row in TABLE.values() for outcomes in row.values())


@pytest.mark.parametrize("state", list(TABLE))
@pytest.mark.parametrize("who", WHO)
def test_each_action_by_each_person_in_each_state(app, crew, state, who):
    phone = SeparateBrowser(app.test_client())
    phone.login(crew.username(who))
    untouched = task_in(app, crew, state)  # refusals leave it as it is, so one serves them all
    for action, outcomes in TABLE[state].items():
        expected = outcomes[WHO.index(who)]
        if isinstance(expected, str):
            task_id = task_in(app, crew, state)
            before = events_of(app, task_id)
            response = phone.post(f"/tasks/{task_id}/act", data=form_for(app, crew, task_id, action))
            where = f"{who} {action} on {state}"
            assert response.status_code == 303, f"{where}: {response.status_code} {_text(response)[:3000]}"
            assert response.headers["Location"].endswith(f"/tasks/{task_id}"), where
            assert task_values(app, task_id, "status") == (expected,), where
            after = events_of(app, task_id)
            assert len(after) == len(before) + 1, where
            kind, actor_id, from_status, to_status, *_rest = after[-1]
            assert (kind, actor_id, from_status, to_status) == (EVENT[action], crew.ids[who], state, expected), where
            assert DONE[action] in _text(phone.get(response.headers["Location"])), where
        else:
            status, words = expected
            before = written(app, untouched)
            response = phone.post(f"/tasks/{untouched}/act", data=form_for(app, crew, untouched, action))
            where = f"{who} {action} on {state}"
            assert response.status_code == status, f"{where}: {response.status_code}"
            text = _text(response)
            assert words in text, f"{where}: {words!r} not said"
            if expected is X:
                assert f"it is now “{STATUS_WORDS[state]}”" in text, where
            assert written(app, untouched) == before, f"{where} wrote something"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- a round at the task's location: the re-check of a fix, taken as its inspector ----------------------

# What a round that answers the task's item becomes on the task, by whoever patrols: the state it leaves
# the task in and the event it writes (None: none). The fixer's own round re-checks nothing: their pass
# leaves the fix waiting, their failure is recorded as the problem seen again.
ROUND: dict[str, dict[str, tuple]] = {
    "fixed": {
        "pass": (("closed", "recheck_passed"),) * 3 + (("fixed", None), ("closed", "recheck_passed"), H),
        "fail": (("assigned", "recheck_failed"),) * 3 + (("fixed", "seen_again"), ("assigned", "recheck_failed"), H),
    },
    # Nothing awaits re-check: a pass changes nothing, a failure is the problem seen again.
    "in_progress": {
        "pass": (("in_progress", None),) * 5 + (H,),
        "fail": (("in_progress", "seen_again"),) * 5 + (H,),
    },
}


@pytest.mark.parametrize("state", list(ROUND))
@pytest.mark.parametrize("who", WHO)
def test_a_round_passing_or_failing_the_item_rechecks_as_the_table_says(app, crew, state, who):
    phone = SeparateBrowser(app.test_client())
    phone.login(crew.username(who))
    for result, outcomes in ROUND[state].items():
        expected = outcomes[WHO.index(who)]
        task_id = task_in(app, crew, state, of_the_item=True)
        before = events_of(app, task_id)
        response = patrol_by_phone(phone, crew, result)
        where = f"{who}'s round: {result} on {state}"
        if expected is H:
            assert response.status_code == 403 and H[1] in _text(response), where
            assert events_of(app, task_id) == before, where
            continue
        assert response.status_code == 303, f"{where}: {response.status_code} {_text(response)[:2000]}"
        status, kind = expected
        assert task_values(app, task_id, "status") == (status,), where
        after = events_of(app, task_id)
        written_now = [event[:4] for event in after[len(before) :]]
        assert written_now == ([(kind, crew.ids[who], state, status)] if kind else []), where
        _close_for_the_next_round(app, crew, task_id)


def _close_for_the_next_round(app, crew, task_id: int) -> None:
    """What a round left open is cancelled: the next round finds only the task made for it."""
    with app.app_context():
        task = db.session.get(Task, task_id)
        if task.is_open:
            act(task, db.session.get(User, crew.ids["supervisor"]), ActionInput("cancel", task.version, note="next"))
        db.session.remove()


# --- the board's bulk assign: the same row, several tasks, one request ---------------------------------

BULK = {  # a task in each state ticked on the board and assigned to the spare butler, by each person
    "open": (H, H, "assigned", H, "assigned", H),
    "assigned": (H, H, "assigned", H, "assigned", H),
    "in_progress": (H, H, "assigned", H, "assigned", H),
    "fixed": (H, H, X, H, X, H),
    "closed": (H, H, X, H, X, H),
    "cancelled": (H, H, X, H, X, H),
}


def _bulk(phone, crew, task_ids: list[int], client_id: str = ""):
    form = {"task": [str(task_id) for task_id in task_ids], "assign_to": str(crew.ids["spare"])}
    return phone.post("/tasks/assign", data={**form, "client_id": client_id})


@pytest.mark.parametrize("who", WHO)
def test_the_boards_bulk_assign_follows_the_assign_row(app, crew, who):
    phone = SeparateBrowser(app.test_client())
    phone.login(crew.username(who))
    for state, outcomes in BULK.items():
        expected, task_id = outcomes[WHO.index(who)], task_in(app, crew, state)
        before = written(app, task_id)
        response = _bulk(phone, crew, [task_id])
        where = f"{who} bulk-assigns on {state}"
        if isinstance(expected, str):
            assert response.status_code == 303, f"{where}: {response.status_code}"
            assert "1 task assigned to Spare Person." in _text(phone.get(response.headers["Location"])), where
            assert task_values(app, task_id, "status", "assignee_id") == (expected, crew.ids["spare"]), where
            assert events_of(app, task_id)[-1][:4] == ("assigned", crew.ids[who], state, "assigned"), where
        else:
            status, words = expected
            assert response.status_code == status and words in _text(response), where
            assert written(app, task_id) == before, where


def test_the_same_bulk_assign_sent_again_writes_and_tells_nothing_twice(app, crew):
    supervisor = SeparateBrowser(app.test_client())
    supervisor.login(crew.username("supervisor"))
    task_ids = [task_in(app, crew, "open"), task_in(app, crew, "open")]
    client_id = "0b9f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f"
    first, again = _bulk(supervisor, crew, task_ids, client_id), _bulk(supervisor, crew, task_ids, client_id)
    assert first.status_code == again.status_code == 303
    assert "2 tasks assigned to Spare Person." in _text(supervisor.get(again.headers["Location"]))
    for task_id in task_ids:
        assert [event[0] for event in events_of(app, task_id)] == ["created", "assigned"]
    with app.app_context():
        told = db.session.scalar(select(func.count()).where(Notification.user_id == crew.ids["spare"]))
        db.session.remove()
    assert told == 2  # one "assigned to you" per task
    # The same ticked tasks sent from a new page (a new id) are a new request: refused, as already theirs.
    response = _bulk(supervisor, crew, task_ids, "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
    assert response.status_code == 422 and "It is already assigned to Spare Person." in _text(response)
