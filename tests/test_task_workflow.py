"""Acting on a task when things go wrong — two supervisors at once, the wrong person, a missing or bad
photo, a resend — and one task per problem as rounds find it again, re-check it and find it after.

Each refusal says why in plain words with a 4xx, and leaves nothing behind: no event, no change to the
task, no photo row or file.
"""

from __future__ import annotations

import io
import os
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Task, TaskEvent, User
from patrol.outcome import Refused
from patrol.tasks.workflow import ActionInput, act
from patrol.views.uploads import decode_slots
from tests import factories
from tests.task_crew import (
    crew_fixture,  # noqa: F401  (the "crew" fixture)
    events_of,
    fix_photo,
    jpeg_upload,
    page_text,
    patrol,
    phone_of,
    task_in,
    task_values,
    written,
)


def send(phone, task_id: int, action: str, app, *, version: int | None = None, **fields):
    if version is None:
        (version,) = task_values(app, task_id, "version")
    data = {"action": action, "version": str(version), "client_id": fields.pop("client_id", ""), **fields}
    return phone.post(f"/tasks/{task_id}/act", data=data)


# --- two supervisors at once ------------------------------------------------------------------------


def test_the_second_of_two_supervisors_acting_on_the_same_page_is_refused(app, crew):
    task_id = task_in(app, crew, "open")
    (shown_version,) = task_values(app, task_id, "version")
    first, other = phone_of(app, crew, "supervisor"), phone_of(app, crew, "admin")
    assert (
        send(first, task_id, "assign", app, version=shown_version, assignee=str(crew.ids["fixer"])).status_code == 303
    )
    before = written(app, task_id)
    # The second still has the page as it was: the same version, another assignee.
    response = send(other, task_id, "assign", app, version=shown_version, assignee=str(crew.ids["spare"]))
    assert response.status_code == 409
    assert "Someone else changed this task while you were looking at it." in page_text(response)
    assert written(app, task_id) == before
    assert task_values(app, task_id, "assignee_id") == (crew.ids["fixer"],)


def test_a_change_committed_between_reading_and_writing_refuses_the_action_and_keeps_no_photo(app, crew):
    """The race the version in the form cannot see: both read version N, the other one writes first.

    (On SQLite the checks run under the write lock, so the race is PostgreSQL's; here the other
    writer's UPDATE goes behind the ORM's back, leaving this request's copy of the task stale.)
    """
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    with app.app_context():
        task = db.session.get(Task, task_id)
        fixer = db.session.get(User, crew.ids["fixer"])
        db.session.connection().execute(text("UPDATE tasks SET version = version + 1 WHERE id = :id"), {"id": task_id})
        given = ActionInput("submit_fix", task.version, note="done", uploads=[fix_photo()])
        with pytest.raises(Refused) as refused:
            act(task, fixer, given, photo_dir=app.config["PATROL_PHOTO_DIR"])
        assert refused.value.status == 409
        assert "Someone else changed this task" in str(refused.value.message)
        db.session.remove()
    assert written(app, task_id) == before  # no event, no photo row, no file


# --- the wrong person, the wrong input --------------------------------------------------------------


def test_assigning_to_someone_without_access_to_the_site_is_refused(app, crew, make):
    task_id = task_in(app, crew, "open")
    before = written(app, task_id)
    supervisor = phone_of(app, crew, "supervisor")
    response = send(supervisor, task_id, "assign", app, assignee=str(crew.ids["outsider"]))
    assert response.status_code == 422
    assert "Outsider Person does not work on this site, so cannot be given this task." in page_text(response)
    with app.app_context():
        gone = factories.user("butler", [db.session.get(Task, task_id).site], active=False, locale="en")
        gone_id = gone.id
    response = send(supervisor, task_id, "assign", app, assignee=str(gone_id))
    assert response.status_code == 422 and "does not work on this site" in page_text(response)
    response = send(supervisor, task_id, "assign", app, assignee="99999")
    assert response.status_code == 422 and "Choose who should fix it." in page_text(response)
    assert written(app, task_id) == before


def test_a_fix_without_a_photo_is_refused(app, crew):
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    response = send(phone_of(app, crew, "fixer"), task_id, "submit_fix", app, note="Replaced the closer")
    assert response.status_code == 422
    assert "Add at least one photo of the fix." in page_text(response)
    # The note typed is still there to send again with the photo.
    assert "Replaced the closer</textarea>" in page_text(response)
    assert written(app, task_id) == before


def test_a_fix_without_a_note_is_refused(app, crew):
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    response = send(phone_of(app, crew, "fixer"), task_id, "submit_fix", app, photos=jpeg_upload())
    assert response.status_code == 422 and "Say what was done to fix it." in page_text(response)
    assert written(app, task_id) == before


def test_a_recheck_by_the_person_who_did_the_fix_is_refused(app, crew):
    task_id = task_in(app, crew, "fixed")
    before = written(app, task_id)
    fixer = phone_of(app, crew, "fixer")
    for action in ("recheck_pass", "recheck_fail"):
        response = send(fixer, task_id, action, app, note="looks fine to me")
        assert response.status_code == 403
        assert "Someone other than the person who fixed it must re-check it." in page_text(response)
    assert written(app, task_id) == before


def test_a_failed_recheck_needs_a_note(app, crew):
    task_id = task_in(app, crew, "fixed")
    before = written(app, task_id)
    response = send(phone_of(app, crew, "butler"), task_id, "recheck_fail", app)
    assert response.status_code == 422 and "Say what is still wrong." in page_text(response)
    assert written(app, task_id) == before


@pytest.mark.parametrize(
    ("upload", "status", "reason"),
    [
        ((io.BytesIO(b"%PDF-1.4 not a picture"), "fix.jpg"), 415, "Photo 1: That file is not a photo."),
        ((io.BytesIO(factories.jpeg_bytes()[:300]), "cut.jpg"), 422, "Photo 1: The photo is damaged or incomplete."),
    ],
)
def test_a_bad_photo_is_refused_with_the_reason(app, crew, upload, status, reason):
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    response = send(phone_of(app, crew, "fixer"), task_id, "submit_fix", app, note="done", photos=upload)
    assert response.status_code == status and reason in page_text(response)
    assert written(app, task_id) == before


def test_an_oversized_photo_is_refused_with_the_limit(app, crew, monkeypatch):
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    monkeypatch.setitem(app.config, "PATROL_MAX_PHOTO_BYTES", 1024 * 1024)
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(1000 * 1000 * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    big = out.getvalue()
    assert len(big) > 1024 * 1024
    # Encoded in memory: the test client would spool a body over 500 KB to a temporary file it never closes.
    (version,) = task_values(app, task_id, "version")
    form = {"action": "submit_fix", "version": str(version), "note": "done"}
    boundary, body = encode_multipart({**form, "photos": FileStorage(io.BytesIO(big), "big.jpg")})
    response = phone_of(app, crew, "fixer").post(
        f"/tasks/{task_id}/act", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413 and "The photo is larger than 1 MB." in page_text(response)
    assert written(app, task_id) == before


def test_more_photos_than_allowed_are_refused(app, crew):
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    photos = [jpeg_upload(f"{n}.jpg") for n in range(7)]
    response = send(phone_of(app, crew, "fixer"), task_id, "submit_fix", app, note="done", photos=photos)
    assert response.status_code == 422 and "At most 6 photos at a time." in page_text(response)
    assert written(app, task_id) == before


def test_photos_are_refused_while_every_decode_slot_is_taken(app, crew, monkeypatch):
    task_id = task_in(app, crew, "in_progress")
    before = written(app, task_id)
    monkeypatch.setitem(app.config, "PATROL_PHOTO_DECODE_WAIT", 0.05)
    fixer = phone_of(app, crew, "fixer")
    with app.app_context():
        slots = decode_slots()
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        response = send(fixer, task_id, "submit_fix", app, note="done", photos=jpeg_upload())
    finally:
        for _ in range(taken):
            slots.release()
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert written(app, task_id) == before


@pytest.mark.parametrize("raw", ["", "tomorrow", "2020-01-01T10:00", "99999-01-01T10:00"])
def test_a_missing_past_or_odd_due_time_is_refused(app, crew, raw):
    task_id = task_in(app, crew, "open")
    before = written(app, task_id)
    response = send(phone_of(app, crew, "supervisor"), task_id, "change_due", app, due_at=raw)
    assert response.status_code == 422
    said = page_text(response)
    assert "Give the new due time." in said or "The new due time must be in the future." in said
    assert written(app, task_id) == before


def test_a_new_due_time_is_read_in_the_sites_zone(app, crew):
    task_id = task_in(app, crew, "open")
    next_year = utcnow().year + 1
    response = send(phone_of(app, crew, "supervisor"), task_id, "change_due", app, due_at=f"{next_year}-03-01T18:30")
    assert response.status_code == 303
    (due_at,) = task_values(app, task_id, "due_at")
    assert due_at.replace(tzinfo=None) == datetime(next_year, 3, 1, 10, 30)  # 18:30 in Shanghai


def test_an_unknown_action_is_a_400(app, crew):
    task_id = task_in(app, crew, "open")
    response = send(phone_of(app, crew, "supervisor"), task_id, "delete_everything", app)
    assert response.status_code == 400 and "There is no such action on a task." in page_text(response)


def test_the_same_form_sent_twice_is_one_action(app, crew):
    task_id = task_in(app, crew, "in_progress")
    fixer = phone_of(app, crew, "fixer")
    (version,) = task_values(app, task_id, "version")
    same = {"client_id": factories.client_id(), "version": version, "note": "Closer replaced"}
    first = send(fixer, task_id, "submit_fix", app, photos=jpeg_upload(), **same)
    again = send(fixer, task_id, "submit_fix", app, photos=jpeg_upload(), **same)
    assert first.status_code == again.status_code == 303
    fixes = [event for event in events_of(app, task_id) if event[0] == "fixed"]
    assert len(fixes) == 1 and fixes[0][5] == 1
    assert written(app, task_id)["photos"] == 1


def test_a_client_id_used_for_another_task_is_refused(app, crew):
    one, two = task_in(app, crew, "open"), task_in(app, crew, "open")
    supervisor = phone_of(app, crew, "supervisor")
    client_id = factories.client_id()
    assert send(supervisor, one, "comment", app, note="first", client_id=client_id).status_code == 303
    before = written(app, two)
    response = send(supervisor, two, "comment", app, note="second", client_id=client_id)
    assert response.status_code == 409 and "This form was already used for something else." in page_text(response)
    assert written(app, two) == before


# --- the timeline is append-only --------------------------------------------------------------------


def test_an_event_on_the_timeline_cannot_be_changed_or_deleted(app, crew):
    task_id = task_in(app, crew, "assigned")
    with app.app_context():
        event = db.session.scalar(select(TaskEvent).where(TaskEvent.task_id == task_id, TaskEvent.kind == "assigned"))
        event.note = "rewritten history"
        with pytest.raises(ValueError, match="cannot be changed"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(TaskEvent, event.id))
        with pytest.raises(ValueError, match="cannot be changed"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert ("assigned", crew.ids["supervisor"], "open", "assigned", "assign note", 0) in events_of(app, task_id)


# --- one task per problem, through a round's submit -------------------------------------------------


def _tasks(app) -> list[tuple]:
    with app.app_context():
        rows = [
            (t.id, t.status, t.seen_count, t.reopen_count, t.follows_id)
            for t in db.session.scalars(select(Task).order_by(Task.id))
        ]
        db.session.remove()
        return rows


def _step(app, crew, task_id: int, who: str, action: str, **fields) -> None:
    with app.app_context():
        task = db.session.get(Task, task_id)
        given = ActionInput(action, task.version, **fields)
        if action == "assign":
            given.assignee = db.session.get(User, crew.ids["fixer"])
        if action == "submit_fix":
            given.note, given.uploads = "fixed it", [fix_photo()]
        act(task, db.session.get(User, crew.ids[who]), given, photo_dir=app.config["PATROL_PHOTO_DIR"])
        db.session.remove()


def test_an_item_failing_on_two_rounds_is_one_task_seen_twice(app, crew):
    patrol(crew, "fail")
    patrol(crew, "fail", note="Still wedged open")
    [(task_id, status, seen, reopened, follows)] = _tasks(app)
    assert (status, seen, reopened, follows) == ("open", 2, 0, None)
    kinds = [event[0] for event in events_of(app, task_id)]
    assert kinds == ["created", "seen_again"]
    assert events_of(app, task_id)[1][4] == "Still wedged open"
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}"))
    assert "Seen 2 times since" in page and "Seen again" in page and "See the inspection" in page


def test_a_later_round_passing_the_item_closes_a_fix_awaiting_recheck(app, crew):
    patrol(crew, "fail")
    [(task_id, *_rest)] = _tasks(app)
    for who, action in (("supervisor", "assign"), ("fixer", "submit_fix")):
        _step(app, crew, task_id, who, action)
    patrol(crew, "pass")
    assert _tasks(app) == [(task_id, "closed", 1, 0, None)]
    last = events_of(app, task_id)[-1]
    assert last[:4] == ("recheck_passed", crew.ids["butler"], "fixed", "closed")


def test_a_later_round_failing_the_item_sends_the_fix_back(app, crew):
    patrol(crew, "fail")
    [(task_id, *_rest)] = _tasks(app)
    for who, action in (("supervisor", "assign"), ("fixer", "submit_fix")):
        _step(app, crew, task_id, who, action)
    patrol(crew, "fail", note="Wedged open again")
    assert _tasks(app) == [(task_id, "assigned", 2, 1, None)]
    last = events_of(app, task_id)[-1]
    assert last[:5] == ("recheck_failed", crew.ids["butler"], "fixed", "assigned", "Wedged open again")


def test_the_fixer_passing_on_a_round_does_not_recheck_their_own_fix(app, crew):
    patrol(crew, "fail")
    [(task_id, *_rest)] = _tasks(app)
    for who, action in (("supervisor", "assign"), ("fixer", "submit_fix")):
        _step(app, crew, task_id, who, action)
    patrol(crew, "pass", who="fixer")
    assert _tasks(app)[0][1] == "fixed"


def test_a_failure_after_closing_raises_a_new_task_that_follows_the_old(app, crew):
    patrol(crew, "fail")
    [(old_id, *_rest)] = _tasks(app)
    for who, action in (("supervisor", "assign"), ("fixer", "submit_fix"), ("butler", "recheck_pass")):
        _step(app, crew, old_id, who, action)
    patrol(crew, "fail", note="Wedged open once more")
    old, new = _tasks(app)
    assert old == (old_id, "closed", 1, 0, None)
    assert new[1:] == ("open", 1, 0, old_id)
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{new[0]}"))
    assert f'href="/tasks/{old_id}"' in page and f"Earlier task #{old_id}" in page
