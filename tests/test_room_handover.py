"""A model room is handed to night security at closing and taken back at opening; the guard confirms with
their own account or their PIN on the steward's phone, and only a confirmed handover is written."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Handover, HandoverRequest
from tests.conftest import SeparateBrowser
from tests.room_scene import GUARD_PIN, all_present, count, room_scene


@pytest.fixture
def scene(make):
    return room_scene(make)


def _ms(moment) -> str:
    return str(int(moment.timestamp() * 1000))


def _give(browser, scene, how="pin", *, kind="to_night", pin=GUARD_PIN, client_id=None, remarks="灯已关", guard=None):
    now = utcnow()
    form = {
        "client_id": client_id or str(uuid.uuid4()),
        "kind": kind,
        "guard": str((guard or scene.guard).id),
        "remarks": remarks,
        "pin": pin,
        "how": how,
        "acted_at": _ms(now - timedelta(seconds=30)),
        "sent_at": _ms(now),
    }
    return browser.post(f"/rooms/{scene.room.id}/handover", data=form)


def _handovers():
    db.session.expire_all()
    return db.session.query(Handover).order_by(Handover.id).all()


@pytest.fixture
def steward(app, scene):
    phone = SeparateBrowser(app.test_client())
    phone.login("lina")
    return phone


def test_the_guard_confirms_the_closing_handover_with_their_pin_on_the_stewards_phone(steward, scene):
    closing = count(scene, "闭馆清点", utcnow() - timedelta(minutes=10), scene.steward, all_present())

    answer = _give(steward, scene)

    assert answer.status_code == 303
    (handover,) = _handovers()
    assert (handover.kind, handover.from_user_id, handover.to_user_id) == ("to_night", scene.steward.id, scene.guard.id)
    assert (handover.confirmed_by, handover.remarks, handover.inspection_id) == ("pin", "灯已关", closing.id)
    assert abs(handover.handed_at - (utcnow() - timedelta(seconds=30))) < timedelta(seconds=10)  # the phone's time
    page = steward.get(f"/rooms/{scene.room.id}").get_data(as_text=True)
    assert "With night security (王强) since" in page
    assert "Opening handover from night security" in page


def test_a_wrong_pin_is_refused_in_place_and_nothing_is_written(steward, scene):
    answer = _give(steward, scene, pin="1397")

    assert answer.status_code == 422
    assert "That PIN is not right" in answer.get_data(as_text=True)
    assert _handovers() == []


def test_after_five_wrong_pins_the_guards_pin_is_locked_until_an_administrator_gives_a_new_one(
    app, make, steward, scene
):
    for _ in range(5):
        assert _give(steward, scene, pin="1397").status_code == 422

    locked = _give(steward, scene)

    assert locked.status_code == 429
    assert "locked after several wrong tries" in locked.get_data(as_text=True)
    assert _handovers() == []
    make.user("admin", username="boss", locale="en")
    admin = SeparateBrowser(app.test_client())
    admin.login("boss")
    given = admin.post(f"/admin/people/{scene.guard.id}/pin").get_data(as_text=True)
    new_pin = given.split('id="new-pin">')[1].split("<")[0]
    assert len(new_pin) == 6 and new_pin.isdigit()
    assert _give(steward, scene, pin=new_pin).status_code == 303


def test_a_retried_confirmation_is_the_same_handover(steward, scene):
    client_id = str(uuid.uuid4())

    first = _give(steward, scene, client_id=client_id)
    again = _give(steward, scene, client_id=client_id)

    assert (first.status_code, again.status_code) == (303, 303)
    assert len(_handovers()) == 1


def test_a_second_closing_handover_is_refused_once_the_room_is_with_night_security(steward, scene):
    assert _give(steward, scene).status_code == 303

    second = _give(steward, scene)

    assert second.status_code == 409
    assert "handed over in the meantime" in second.get_data(as_text=True)
    assert len(_handovers()) == 1


def test_a_handover_sent_to_the_guards_phone_waits_on_their_home_until_they_confirm(app, steward, scene):
    assert _give(steward, scene, how="account", pin="").status_code == 303
    assert _handovers() == []
    waiting = steward.get(f"/rooms/{scene.room.id}").get_data(as_text=True)
    assert "Waiting for 王强 to confirm on their phone." in waiting

    guard = SeparateBrowser(app.test_client())
    guard.login("wang")
    home = guard.get("/").get_data(as_text=True)
    assert "李娜 hands the room over to you." in home and "灯已关" in home
    asked = db.session.query(HandoverRequest).one()
    confirmed = guard.post(f"/handovers/{asked.id}/confirm", data={"acted_at": _ms(utcnow()), "sent_at": _ms(utcnow())})
    again = guard.post(f"/handovers/{asked.id}/confirm")

    assert (confirmed.status_code, again.status_code) == (303, 303)
    (handover,) = _handovers()
    assert (handover.confirmed_by, handover.client_id, handover.to_user_id) == (
        "account",
        asked.client_id,
        scene.guard.id,
    )
    assert "No handover is waiting for you." in guard.get("/").get_data(as_text=True)


def test_a_waiting_handover_can_still_be_confirmed_with_the_pin_or_withdrawn(steward, scene):
    _give(steward, scene, how="account", pin="")
    asked = db.session.query(HandoverRequest).one()

    wrong = steward.post(f"/rooms/{scene.room.id}/handover/{asked.id}/pin", data={"pin": "1397"})
    right = steward.post(f"/rooms/{scene.room.id}/handover/{asked.id}/pin", data={"pin": GUARD_PIN})

    assert (wrong.status_code, right.status_code) == (422, 303)
    (handover,) = _handovers()
    assert handover.confirmed_by == "pin"
    db.session.refresh(asked)
    assert (asked.status, asked.handover_id) == ("confirmed", handover.id)
    withdrawn = steward.post(f"/rooms/{scene.room.id}/handover/{asked.id}/withdraw")
    assert withdrawn.status_code == 409  # confirmed already: nothing to take back


def test_at_opening_the_steward_acknowledges_alone_when_the_guard_has_left_and_it_says_so(steward, scene):
    assert _give(steward, scene).status_code == 303
    page = steward.get(f"/rooms/{scene.room.id}").get_data(as_text=True)
    assert f'<option value="{scene.guard.id}" selected>' in page  # last night's guard, chosen already

    silent = _give(steward, scene, how="absent", kind="to_day", pin="", remarks="")
    said = _give(steward, scene, how="absent", kind="to_day", pin="", remarks="保安已下班，门窗完好")

    assert (silent.status_code, said.status_code) == (422, 303)
    opening = _handovers()[-1]
    assert (opening.kind, opening.from_user_id, opening.to_user_id, opening.confirmed_by) == (
        "to_day",
        scene.guard.id,
        scene.steward.id,
        "absent",
    )
    summary = steward.get(f"/rooms/{scene.room.id}").get_data(as_text=True)
    assert "acknowledged by the steward alone: the guard had left" in summary


def test_only_the_guard_it_waits_for_confirms_a_handover(app, make, steward, scene):
    _give(steward, scene, how="account", pin="")
    asked = db.session.query(HandoverRequest).one()
    make.user("guard", sites=[scene.site], username="zhao")
    other = SeparateBrowser(app.test_client())
    other.login("zhao")

    assert other.post(f"/handovers/{asked.id}/confirm").status_code == 403
    assert _handovers() == []


def test_handing_over_needs_the_role_and_the_site(app, make, scene):
    elsewhere = make.site("别的小区")
    make.user("steward", sites=[elsewhere], username="far")
    make.user("butler", sites=[scene.site], username="li")
    for username, room_page, give in (("far", 403, 403), ("li", 403, 403), ("wang", 403, 403)):
        phone = SeparateBrowser(app.test_client())
        phone.login(username)
        assert phone.get(f"/rooms/{scene.room.id}").status_code == room_page, username
        assert _give(phone, scene).status_code == give, username
    assert _handovers() == []


def test_a_floor_is_not_a_room(steward, make, scene):
    floor = make.location(scene.site, kind="floor")
    assert steward.get(f"/rooms/{floor.id}").status_code == 404
