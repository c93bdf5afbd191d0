"""Who may do what to a task in which state, walked through the HTTP endpoint for every combination.

The table is written out here, not read from task_rules.ACTIONS: it is what the issue asks for
(supervisors assign, re-assign, change due time and severity, verify or cancel; the assignee starts
and submits the fix; anyone on the site but the fixer re-checks; anyone who sees the task comments),
so the code is checked against it rather than against itself. An allowed action leads to the state
named and writes one event by that person; a refused one answers the status and the words given, and
writes nothing.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from patrol.database import utcnow
from tests.conftest import SeparateBrowser
from tests.task_crew import events_of, jpeg_upload, make_crew, task_in, task_values, written

# Refusals: the status, and words the person reads.
M = (403, "Only a supervisor can do this.")
A = (403, "Only the person this task is assigned to can do this.")
F = (403, "Someone other than the person who fixed it must re-check it.")
X = (409, "This task has moved on: it is now")
H = (403, "You do not have access to this")

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
    "comment": "comment",
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
