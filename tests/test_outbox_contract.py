"""What the server promises the phone's outbox (static/js/outbox*.js): JSON acknowledgements that echo
each operation's id, the same acknowledgement for a repeat, answers that a late older change never
overwrites, one link per photo operation, and refusals in JSON the outbox can act on."""

from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import delete, select

from patrol.extensions import db
from patrol.models import Answer, Inspection, Location, Login
from patrol.models.client_op import ClientOp
from tests import factories
from tests.conftest import Browser
from tests.phone import JSON, NOTHING, answer, hidden_fields, op_id, scan, stored, submit, upload


def answer_row(app, item_id) -> Answer:
    with app.app_context():
        row = db.session.scalar(select(Answer).where(Answer.item_id == item_id))
        db.session.expunge_all()
        return row


# --- answers --------------------------------------------------------------------------------


def test_an_answer_from_the_outbox_is_acknowledged_in_json_echoing_its_id(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    op = op_id()

    response = answer(butler, scene, form, door, "fail", op=op, seq=1700000000000, note="门被楔住")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == {"ok": True, "op": op, "item": door, "seq": 1700000000000, "finding": True}
    row = answer_row(app, door)
    assert (row.value_text, row.note, row.seq) == ("fail", "门被楔住", 1700000000000)


def test_the_first_answer_creates_the_draft_and_a_repeat_gets_the_same_acknowledgement(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    op = op_id()

    first = answer(butler, scene, form, door, "fail", op=op, seq=5)
    again = answer(butler, scene, form, door, "fail", op=op, seq=5)

    assert first.json == again.json
    assert stored(app) == {**NOTHING, "inspections": 1, "answers": 1}


def test_an_older_change_arriving_late_never_overwrites_a_newer_one(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]

    newer = answer(butler, scene, form, door, "pass", seq=20)
    older = answer(butler, scene, form, door, "fail", seq=10, note="旧的")

    assert newer.status_code == older.status_code == 200
    assert older.json["ok"] is True  # acknowledged: the outbox lets go of it
    row = answer_row(app, door)
    assert (row.value_text, row.is_finding, row.note, row.seq) == ("pass", False, "", 20)


def test_an_invalid_value_is_refused_in_json_with_the_reason(app, butler, scene):
    with app.app_context():
        location = db.session.get(Location, scene.location_id)
        version = factories.checklist(
            [{"prompt": "灭火器数量", "item_type": "count", "expected": 2}], location=location
        )
        item_id, checklist_id = version.items[0].id, version.checklist_id
    form = hidden_fields(butler.get(f"/c/{scene.token}?checklist={checklist_id}").get_data(as_text=True))
    url = f"/inspect/{scene.location_id}/{version.id}/items/{item_id}/answer"

    response = butler.post(url, {**form, f"value-{item_id}": "两个", "op": op_id(), "seq": "1"}, headers=dict(JSON))

    assert response.status_code == 422
    assert response.json["ok"] is False and response.json["error"] == "invalid"
    assert response.json["message"] == "Enter a number." and response.json["item"] == item_id


def test_an_outbox_request_without_an_operation_id_is_refused_in_json(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]

    response = butler.post(scene.answer_url(door), {**form, f"value-{door}": "pass"}, headers=dict(JSON))

    assert response.status_code == 400 and response.json["error"] == "op"
    assert stored(app) == NOTHING


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}, {"Accept": "text/html"}], ids=["form", "htmx", "html"])
def test_answers_and_photos_are_taken_only_from_the_outbox(app, butler, scene, headers):
    """No page posts an answer or a photo itself: a request that does not ask for JSON is told so, in JSON."""
    form = scan(butler, scene)
    door = scene.item_ids[0]
    fields = {**form, f"value-{door}": "fail", "op": op_id(), "seq": "1"}
    urls = (scene.answer_url(door), scene.photo_url(door), "/report/photos")

    refused = [butler.post(url, fields, headers=dict(headers)) for url in urls]

    message = "This is only accepted from the app's own pages. Reload the page and try again."
    for response in refused:
        assert response.status_code == 406 and response.mimetype == "application/json"
        assert response.json == {"ok": False, "error": "json_only", "message": message}
    assert stored(app) == NOTHING


# --- photos ---------------------------------------------------------------------------------


def test_a_photo_is_acknowledged_with_its_stored_hash_and_a_repeat_links_nothing_twice(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    answer(butler, scene, form, door, "fail", seq=1)
    picture = factories.jpeg_bytes()
    op = op_id()

    first = upload(butler, scene, form, door, picture, op=op)
    again = upload(butler, scene, form, door, picture, op=op)

    assert first.status_code == again.status_code == 200
    assert first.json == again.json
    ack = first.json
    assert ack["ok"] is True and ack["op"] == op and ack["received_sha256"] == hashlib.sha256(picture).hexdigest()
    with app.app_context():
        row = db.session.scalar(select(Answer).where(Answer.item_id == door))
        assert [(p.id, p.sha256) for p in row.photos] == [(ack["photo"]["id"], ack["photo"]["sha256"])]
        assert db.session.scalar(select(ClientOp).where(ClientOp.op_id == op)).kind == "photo"
        db.session.remove()
    assert ack["remove_url"].endswith(f"/photos/{ack['photo']['id']}/remove")
    assert stored(app)["answer_photos"] == 1


def test_each_photo_is_its_own_operation(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    answer(butler, scene, form, door, "fail", seq=1)

    red = upload(butler, scene, form, door, factories.jpeg_bytes(color=(200, 30, 30)))
    blue = upload(butler, scene, form, door, factories.jpeg_bytes(color=(30, 30, 200)))

    assert red.json["photo"]["id"] != blue.json["photo"]["id"]
    assert stored(app)["answer_photos"] == 2


def test_the_same_photo_operation_with_other_bytes_is_a_conflict(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    answer(butler, scene, form, door, "fail", seq=1)
    op = op_id()
    upload(butler, scene, form, door, factories.jpeg_bytes(color=(200, 30, 30)), op=op)

    other = upload(butler, scene, form, door, factories.jpeg_bytes(color=(30, 200, 30)), op=op)

    assert other.status_code == 409 and other.json["error"] == "conflict"
    assert stored(app)["answer_photos"] == 1


def test_a_photo_that_did_not_arrive_whole_is_refused_to_be_sent_again(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    answer(butler, scene, form, door, "fail", seq=1)
    picture = factories.jpeg_bytes()

    cut = upload(butler, scene, form, door, picture[: len(picture) // 2], sha256=hashlib.sha256(picture).hexdigest())

    assert cut.status_code == 400 and cut.json["error"] == "incomplete"
    assert stored(app)["photos"] == 0


# --- the submit -----------------------------------------------------------------------------


def test_a_submit_is_acknowledged_once_and_a_repeat_gets_the_same_inspection(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    values = {door: "pass", bins: "pass", lights: "pass"}
    op = op_id()

    first = submit(butler, scene, form, values, op=op, seq=100)
    again = submit(butler, scene, form, values, op=op, seq=100)

    assert first.status_code == again.status_code == 200
    assert first.json == again.json
    assert first.json["op"] == op and first.json["url"] == f"/inspections/{first.json['inspection']}"
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3}


def test_a_refused_submit_says_what_needs_attention_and_keeps_what_it_carried(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    response = submit(butler, scene, form, {bins: "fail", lights: "pass"})

    assert response.status_code == 422
    body = response.json
    assert body["error"] == "attention" and body["message"] == "1 item needs attention before you can submit."
    assert body["errors"] == {str(door): "This item needs an answer."}
    assert stored(app) == {**NOTHING, "inspections": 1, "answers": 2}


# --- sessions, tokens and refusals ----------------------------------------------------------


def test_an_ended_session_is_told_401_in_json_not_sent_to_the_sign_in_page(app, butler, scene):
    form = scan(butler, scene)
    with app.app_context():
        db.session.execute(delete(Login))  # signed out on another device, a password reset…
        db.session.commit()
    door = scene.item_ids[0]

    saved = answer(butler, scene, form, door, "pass")
    token = butler.get("/outbox/token", headers=dict(JSON))

    # Signed out, the person's own language is no longer known: the install's default (简体中文) speaks.
    assert saved.status_code == 401 and saved.json == {
        "ok": False,
        "error": "signin",
        "message": "请重新登录，以发送本机上待发送的内容。",
    }
    assert token.status_code == 401 and token.json["error"] == "signin"
    assert stored(app) == NOTHING


def test_a_csrf_failure_is_told_in_json_apart_from_a_validation_error(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    data = {**form, f"value-{door}": "pass", "op": op_id(), "seq": "1"}

    response = butler.client.post(scene.answer_url(door), data=data, headers=dict(JSON))

    assert response.status_code == 400 and response.json["error"] == "csrf"
    assert stored(app) == NOTHING


def test_a_fresh_token_from_the_outbox_endpoint_lets_a_request_through(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    token = butler.get("/outbox/token", headers=dict(JSON)).json

    data = {**form, f"value-{door}": "pass", "op": op_id(), "seq": "1"}
    response = butler.client.post(scene.answer_url(door), data=data, headers={**JSON, "X-CSRFToken": token["token"]})

    assert token["ok"] is True and isinstance(token["user"], int)
    assert response.status_code == 200 and response.json["ok"] is True


def test_a_location_deactivated_meanwhile_is_refused_in_json_with_the_reason(app, butler, scene):
    form = scan(butler, scene)
    with app.app_context():
        db.session.get(Location, scene.location_id).active = False
        db.session.commit()

    response = answer(butler, scene, form, scene.item_ids[0], "pass")

    assert response.status_code == 410
    assert response.json["ok"] is False and response.json["message"] == "This location takes no new inspections."
    assert stored(app) == NOTHING


def test_the_outbox_page_is_a_shell_even_signed_out(client, butler):
    signed_out = client.application.test_client().get("/outbox", headers={"Accept-Language": "en"})
    signed_in = butler.get("/outbox", headers={"Accept-Language": "en"})

    for page in (signed_out, signed_in):
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Waiting to be sent" in html and "data-outbox-list" in html


def test_only_the_inspector_s_own_submitted_inspection_counts_as_a_repeat(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    submit(butler, scene, form, {door: "pass", bins: "pass", lights: "pass"})
    with app.app_context():
        assert db.session.scalar(select(Inspection.status)) == "submitted"
        db.session.remove()

    late = answer(butler, scene, form, door, "fail", seq=200)

    assert late.status_code == 409 and late.json["message"] == "This inspection has already been submitted."


# --- operation ids belong to their owner; numbers cannot run away ---------------------------


@pytest.fixture
def colleague(app, client, scene):
    """Another butler of the same site, on a phone of their own."""
    with app.app_context():
        location = db.session.get(Location, scene.location_id)
        factories.user("butler", username="colleague", sites=[location.site], locale="en")
        db.session.remove()
    phone = Browser(app.test_client())
    phone.login("colleague")
    return phone


def test_an_operation_id_someone_else_used_first_does_not_block_its_owner(app, butler, colleague, scene):
    door = scene.item_ids[0]
    theirs = scan(colleague, scene)
    answer(colleague, scene, theirs, door, "fail", seq=1)
    op = op_id()
    first = upload(colleague, scene, theirs, door, factories.jpeg_bytes(color=(200, 30, 30)), op=op)
    assert first.status_code == 200

    mine = scan(butler, scene)
    answer(butler, scene, mine, door, "fail", seq=1)
    picture = factories.jpeg_bytes(color=(30, 30, 200))
    response = upload(butler, scene, mine, door, picture, op=op)

    assert response.status_code == 200 and response.json["op"] == op
    assert response.json["received_sha256"] == hashlib.sha256(picture).hexdigest()
    assert stored(app)["answer_photos"] == 2


def test_an_operation_replayed_by_another_person_is_refused_and_reveals_nothing(app, butler, colleague, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    answer(butler, scene, form, door, "fail", seq=1)
    picture = factories.jpeg_bytes()
    op = op_id()
    ack = upload(butler, scene, form, door, picture, op=op).json

    replayed = upload(colleague, scene, form, door, picture, op=op)
    made_up = upload(colleague, scene, form, door, picture, op=op_id())

    # Refused as any id of theirs would be: nothing tells them the id was somebody's.
    assert 400 <= replayed.status_code < 500 and replayed.json["ok"] is False
    assert (replayed.status_code, replayed.json["message"]) == (made_up.status_code, made_up.json["message"])
    body = replayed.get_data(as_text=True)
    assert str(ack["photo"]["id"]) not in body and ack["photo"]["sha256"] not in body
    assert stored(app)["answer_photos"] == 1


def test_one_wildly_high_sequence_number_cannot_freeze_an_answer(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    now_ms = int(time.time() * 1000)
    answer(butler, scene, form, door, "pass", seq=now_ms)

    wild = answer(butler, scene, form, door, "fail", seq=2**53 - 1, note="clock years ahead")
    later = answer(butler, scene, form, door, "fail", seq=now_ms + 1000, note="a real change")

    assert wild.status_code == 422 and wild.json["ok"] is False
    assert wild.json["message"] == "This phone's date and time are far ahead. Set them right, then send this again."
    assert later.status_code == 200
    row = answer_row(app, door)
    assert (row.value_text, row.note, row.seq) == ("fail", "a real change", now_ms + 1000)


def test_a_submit_numbered_far_ahead_is_refused_and_nothing_is_frozen(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    values = {door: "pass", bins: "pass", lights: "pass"}

    wild = submit(butler, scene, form, values, seq=2**53 - 1)
    fine = submit(butler, scene, form, values, seq=int(time.time() * 1000))

    assert wild.status_code == 422 and wild.json["errors"][str(door)].startswith("This phone's date and time")
    assert fine.status_code == 200
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3}


def test_a_sequence_number_a_little_ahead_of_the_server_is_taken(app, butler, scene):
    form = scan(butler, scene)
    door = scene.item_ids[0]
    ahead = int(time.time() * 1000) + 3 * 3600 * 1000  # a phone whose clock is three hours fast

    response = answer(butler, scene, form, door, "pass", seq=ahead)

    assert response.status_code == 200 and answer_row(app, door).seq == ahead
