"""A steward's home puts their model room first; night security's home lists their rooms and the handovers
waiting for them, and nothing of the patrol work they do not do. Their PIN is theirs to choose, or an
administrator's to reset; guards are people like others in setup, but never a round's or a task's."""

from __future__ import annotations

import pytest

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import User
from patrol.passwords import verify_password
from patrol.rounds.due import rounds_for
from patrol.rounds.planning import plan_visits
from patrol.scores.table import people_of
from patrol.setup.schedules import people_on
from patrol.tasks.rules import assignable_people
from tests.conftest import SeparateBrowser
from tests.model_room_day import model_room_day
from tests.room_scene import room_scene
from tests.rounds_scene import at


@pytest.fixture
def scene(make):
    return room_scene(make)


def _phone(app, username: str) -> SeparateBrowser:
    phone = SeparateBrowser(app.test_client())
    phone.login(username)
    return phone


def test_a_stewards_home_opens_with_their_model_room_its_count_due_and_the_handover_to_do(app, make, monkeypatch):
    day = model_room_day(make)
    day.steward.locale = "en"
    db.session.commit()
    plan_visits(at(7))
    monkeypatch.setattr("patrol.views.home.utcnow", lambda: at(10, 10))
    phone = _phone(app, day.steward.username)

    home = phone.get("/").get_data(as_text=True)

    card = home.split('class="card room-card"')[1].split("</section>")[0]
    assert home.index("room-card") < home.index("Rounds due now")
    assert day.room.name in card and f"/rooms/{day.room.id}" in card
    assert "样板间 每小时清点 10:00" in card
    assert "Closing: after the closing count, hand the room over to night security." in card


def test_a_butler_and_a_supervisor_have_no_room_card(app, make, scene):
    make.user("butler", sites=[scene.site], username="li")
    assert "room-card" not in _phone(app, "li").get("/").get_data(as_text=True)
    assert "room-card" not in _phone(app, "zhou").get("/").get_data(as_text=True)


def test_night_securitys_home_lists_their_rooms_and_no_patrol_work(app, scene):
    home = _phone(app, "wang").get("/").get_data(as_text=True)

    assert "No handover is waiting for you." in home
    assert "样板间A" in home and f"/rooms/{scene.room.id}/day" in home
    assert "With the stewards: no handover recorded yet." in home
    for patrol_work in ("report-button", "Scan a checkpoint", 'href="/tasks"', 'href="/locations"', "My exports"):
        assert patrol_work not in home


def test_a_guard_chooses_their_pin_on_their_account_page_and_it_is_kept_hashed(app, scene):
    phone = _phone(app, "wang")
    weak = phone.post("/account/pin", data={"pin": "1111", "confirm": "1111"})
    differ = phone.post("/account/pin", data={"pin": "4826", "confirm": "4862"})
    saved = phone.post("/account/pin", data={"pin": "4826", "confirm": "4826"})

    assert (weak.status_code, differ.status_code, saved.status_code) == (422, 422, 303)
    assert "Too easy to guess" in weak.get_data(as_text=True)
    guard = db.session.get(User, scene.guard.id)
    db.session.refresh(guard)
    assert guard.pin_hash != "4826" and verify_password(guard.pin_hash, "4826")


def test_only_night_security_has_a_pin(app, scene):
    phone = _phone(app, "lina")
    assert "Handover PIN" not in phone.get("/account").get_data(as_text=True)
    phone.post("/account/pin", data={"pin": "4826", "confirm": "4826"})
    assert db.session.get(User, scene.steward.id).pin_hash is None


def test_an_administrator_adds_night_security_in_people_and_can_reset_their_pin(app, make, scene):
    make.user("admin", username="boss", locale="en")
    admin = _phone(app, "boss")
    form = admin.get("/admin/people/new").get_data(as_text=True)
    assert '<option value="guard"' in form
    added = admin.post(
        "/admin/people/new",
        data={"username": "chen", "display_name": "陈保安", "role": "guard", "sites": str(scene.site.id)},
    )
    assert added.status_code == 201
    chen = db.session.query(User).filter_by(username="chen").one()
    edit = admin.get(f"/admin/people/{chen.id}").get_data(as_text=True)
    assert "Give a PIN…" in edit
    assert "guard" in admin.get("/admin/people/?role=guard").get_data(as_text=True)
    made = admin.post(f"/admin/people/{chen.id}/pin").get_data(as_text=True)
    pin = made.split('id="new-pin">')[1].split("<")[0]
    db.session.expire_all()
    assert verify_password(db.session.get(User, chen.id).pin_hash, pin)
    assert admin.post(f"/admin/people/{scene.steward.id}/pin").status_code == 409


def test_night_security_is_never_given_a_round_or_a_task(scene):
    assert scene.guard.id not in [person.id for person in people_on(scene.site.id)]
    assert scene.guard.id not in [person.id for person in assignable_people(scene.site.id)]
    assert scene.steward.id in [person.id for person in people_on(scene.site.id)]
    assert scene.guard.id not in [person.id for person in people_of(scene.site, set())]


def test_night_security_has_no_rounds_of_the_stewards(make, scene):
    assert rounds_for(scene.guard, utcnow()).now == []


def test_the_rest_of_the_app_answers_night_security_without_an_error(app, scene):
    phone = _phone(app, "wang")
    for url in ("/tasks", "/locations", "/inspections", "/notifications", "/account", "/report", "/rounds"):
        assert phone.get(url).status_code in (200, 302, 403, 404), url
