"""What a task action's form must carry, and what a comment may bring (issue 13's probe of the task forms).

A form names the version of the task it was shown and an id of its own: without the version the action
is refused as out of date; its id is one action on one task, and sent with another it is refused rather
than answered with the first one's success. A comment's photos are capped per comment and per task, and
a closed or cancelled task takes none. Each refusal leaves nothing behind.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Task, User
from patrol.outcome import Refused
from patrol.tasks import photos as task_photos
from patrol.tasks.workflow import ActionInput, act, assign_many
from tests import factories
from tests.task_crew import (
    crew_fixture,  # noqa: F401  (the "crew" fixture)
    events_of,
    jpeg_upload,
    page_text,
    phone_of,
    task_in,
    task_values,
    written,
)

OUT_OF_DATE = "This page is out of date. Reload it and try again."
REUSED = "This form was already used for something else. Reload the page and try again."


def post(phone, task_id: int, form: dict, *, htmx: bool = False):
    return phone.post(f"/tasks/{task_id}/act", data=form, htmx=htmx)


def current_version(app, task_id: int) -> str:
    return str(task_values(app, task_id, "version")[0])


# Each action, by someone allowed to take it, on a task in a state that allows it: all it needs but the version.
ACTIONS_BY_PERMITTED = [
    ("open", "supervisor", {"action": "acknowledge"}),
    ("open", "supervisor", {"action": "assign", "assignee": "fixer"}),
    ("open", "supervisor", {"action": "change_due", "due_at": "in three days"}),
    ("open", "supervisor", {"action": "change_severity", "severity": "low"}),
    ("open", "supervisor", {"action": "cancel", "note": "A duplicate"}),
    ("open", "butler", {"action": "comment", "note": "Still wedged open this morning"}),
    ("closed", "butler", {"action": "comment", "note": "Checked again: fine"}),
    ("assigned", "fixer", {"action": "start"}),
    ("in_progress", "fixer", {"action": "submit_fix", "note": "Closer replaced", "photos": "one"}),
    ("fixed", "butler", {"action": "recheck_pass"}),
    ("fixed", "butler", {"action": "recheck_fail", "note": "Still sticks"}),
]


def filled(crew, fields: dict) -> dict:
    """The form as a person fills it in (people and photos named in the table made real)."""
    form = {"client_id": factories.client_id(), **fields}
    if fields.get("assignee"):
        form["assignee"] = str(crew.ids[fields["assignee"]])
    if fields.get("due_at"):
        form["due_at"] = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    if fields.get("photos"):
        form["photos"] = jpeg_upload()
    return form


# --- 7: the version is required ---------------------------------------------------------------------


def _named(value) -> str:
    return value["action"] if isinstance(value, dict) else value


@pytest.mark.parametrize(("state", "who", "fields"), ACTIONS_BY_PERMITTED, ids=_named)
def test_an_action_whose_form_names_no_version_is_refused_and_nothing_happens(app, crew, state, who, fields):
    task_id = task_in(app, crew, state)
    phone = phone_of(app, crew, who)
    before = written(app, task_id)
    response = post(phone, task_id, filled(crew, fields))
    assert response.status_code == 409, page_text(response)[:2000]
    assert OUT_OF_DATE in page_text(response)
    assert written(app, task_id) == before
    # The same form with the version it was shown is taken.
    assert post(phone, task_id, {**filled(crew, fields), "version": current_version(app, task_id)}).status_code == 303


@pytest.mark.parametrize("version", ["", "latest", "-1"])
def test_an_empty_or_odd_version_is_out_of_date_too(app, crew, version):
    task_id = task_in(app, crew, "open")
    before = written(app, task_id)
    response = post(phone_of(app, crew, "supervisor"), task_id, {"action": "acknowledge", "version": version})
    assert response.status_code == 409 and OUT_OF_DATE in page_text(response)
    assert written(app, task_id) == before


def test_the_workflow_itself_refuses_an_action_that_names_no_version(app, crew):
    task_id = task_in(app, crew, "open")
    before = written(app, task_id)
    with app.app_context():
        task = db.session.get(Task, task_id)
        supervisor = db.session.get(User, crew.ids["supervisor"])
        with pytest.raises(Refused) as refused:
            act(task, supervisor, ActionInput("cancel", None, note="A duplicate"))
        assert refused.value.status == 409 and str(refused.value.message) == OUT_OF_DATE
        db.session.remove()
    assert written(app, task_id) == before


def test_the_boards_assign_names_no_versions_and_refuses_a_task_changed_meanwhile(app, crew):
    """Assigning ticked tasks checks each as it is read; one changed between that read and the write
    (PostgreSQL's race, made here behind the ORM's back) refuses them all with a 409, not a 500."""
    one, two = task_in(app, crew, "open"), task_in(app, crew, "open")
    before = (written(app, one), written(app, two))
    with app.app_context():
        tasks = [db.session.get(Task, one), db.session.get(Task, two)]
        supervisor, fixer = db.session.get(User, crew.ids["supervisor"]), db.session.get(User, crew.ids["fixer"])
        db.session.connection().execute(text("UPDATE tasks SET version = version + 1 WHERE id = :id"), {"id": two})
        with pytest.raises(Refused) as refused:
            assign_many(tasks, supervisor, fixer)
        assert refused.value.status == 409
        assert "Someone else changed one of these tasks meanwhile." in str(refused.value.message)
        db.session.remove()
    assert (written(app, one), written(app, two)) == before


# --- 8: a form's id is one action on one task -------------------------------------------------------


def test_a_client_id_reused_for_another_action_is_refused(app, crew):
    task_id = task_in(app, crew, "open")
    supervisor = phone_of(app, crew, "supervisor")
    client_id = factories.client_id()
    comment = {"action": "comment", "note": "Looking into it", "client_id": client_id}
    first = post(supervisor, task_id, {**comment, "version": current_version(app, task_id)})
    assert first.status_code == 303 and "Comment added." in page_text(supervisor.get(first.headers["Location"]))
    before = written(app, task_id)
    acknowledge = {"action": "acknowledge", "client_id": client_id, "version": current_version(app, task_id)}
    response = post(supervisor, task_id, acknowledge)
    assert response.status_code == 409 and REUSED in page_text(response)
    assert "Comment added." not in page_text(response)
    assert written(app, task_id) == before
    assert task_values(app, task_id, "acknowledged_at") == (None,)


def test_the_pass_and_fail_of_one_recheck_form_are_not_one_action(app, crew):
    """The re-check form's two buttons share its id: once not passed, a "passed" with that id is refused."""
    task_id = task_in(app, crew, "fixed")
    butler = phone_of(app, crew, "butler")
    form = {"client_id": factories.client_id(), "version": current_version(app, task_id), "note": "Still sticks"}
    assert post(butler, task_id, {**form, "action": "recheck_fail"}).status_code == 303
    before = written(app, task_id)
    response = post(butler, task_id, {**form, "action": "recheck_pass"})
    assert response.status_code == 409 and REUSED in page_text(response)
    assert written(app, task_id) == before and task_values(app, task_id, "status") == ("assigned",)


def test_the_same_form_sent_again_is_answered_with_its_first_success(app, crew):
    task_id = task_in(app, crew, "open")
    butler = phone_of(app, crew, "butler")
    form = {"action": "comment", "note": "Seen it too", "client_id": factories.client_id()}
    form["version"] = current_version(app, task_id)
    first = post(butler, task_id, form)
    assert first.status_code == 303 and "Comment added." in page_text(butler.get(first.headers["Location"]))
    again = post(butler, task_id, form)
    assert again.status_code == 303 and "Comment added." in page_text(butler.get(again.headers["Location"]))
    assert [event[4] for event in events_of(app, task_id) if event[0] == "comment"] == ["Seen it too"]


# --- 11: photos on comments -------------------------------------------------------------------------


def comment_with_photos(app, phone, task_id: int, count: int, note: str = "See the photos"):
    form = {"action": "comment", "note": note, "client_id": factories.client_id()}
    form["version"] = current_version(app, task_id)
    form["photos"] = [jpeg_upload(f"{n}.jpg", color=(n * 30 % 256, 90, 40)) for n in range(count)]
    return post(phone, task_id, form)


@pytest.mark.parametrize("state", ["closed", "cancelled"])
def test_a_comment_on_an_ended_task_takes_no_photos_but_may_still_be_written(app, crew, state):
    task_id = task_in(app, crew, state)
    butler = phone_of(app, crew, "butler")
    before = written(app, task_id)
    response = comment_with_photos(app, butler, task_id, 1, note="It is broken again")
    assert response.status_code == 422
    assert "Photos cannot be added to a closed or cancelled task. Post the comment without them." in page_text(response)
    assert written(app, task_id) == before  # no event, no photo row, no file
    ended = task_values(app, task_id, "closed_at")
    plain = {"action": "comment", "note": "It is broken again", "version": current_version(app, task_id)}
    assert post(butler, task_id, plain).status_code == 303
    assert events_of(app, task_id)[-1][:2] == ("comment", crew.ids["butler"])
    assert task_values(app, task_id, "closed_at") == ended  # the closed list keeps it where it ended


def test_a_comment_takes_at_most_as_many_photos_as_a_checklist_item(app, crew):
    task_id = task_in(app, crew, "assigned")
    before = written(app, task_id)
    response = comment_with_photos(app, phone_of(app, crew, "butler"), task_id, task_photos.MAX_PHOTOS + 1)
    assert task_photos.MAX_PHOTOS == 6
    assert response.status_code == 422 and "At most 6 photos at a time." in page_text(response)
    assert written(app, task_id) == before


def test_the_comments_on_a_task_hold_a_limited_number_of_photos_in_all(app, crew, monkeypatch):
    assert task_photos.MAX_COMMENT_PHOTOS_PER_TASK == 30
    monkeypatch.setattr(task_photos, "MAX_COMMENT_PHOTOS_PER_TASK", 3)  # small here: each photo costs a decode
    task_id = task_in(app, crew, "assigned")
    butler, supervisor = phone_of(app, crew, "butler"), phone_of(app, crew, "supervisor")
    assert comment_with_photos(app, butler, task_id, 2).status_code == 303
    before = written(app, task_id)
    response = comment_with_photos(app, supervisor, task_id, 2)
    assert response.status_code == 422
    assert "The comments on a task can hold at most 3 photos, and this one has 2 already." in page_text(response)
    assert written(app, task_id) == before
    assert comment_with_photos(app, supervisor, task_id, 1).status_code == 303
    assert [event[5] for event in events_of(app, task_id) if event[0] == "comment"] == [2, 1]
    # A fix's photos are the fix's, not the comments': the cap leaves them alone.
    fixer = phone_of(app, crew, "fixer")
    fix = {"action": "submit_fix", "note": "Closer replaced", "version": current_version(app, task_id)}
    assert post(fixer, task_id, {**fix, "photos": jpeg_upload()}).status_code == 303
