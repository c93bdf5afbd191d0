"""Register changes as the area makes them: each a new version (older ones untouched, for the counts pinned
to them), approvers are the site's supervisors and the administrators, and a reference photo is kept."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.modelrooms.register_changes import Change, approvers_for, edit_line, retire_line
from patrol.models import Photo, RegisterEvent
from patrol.photos.store import sweep_photos
from tests.conftest import Browser


@pytest.fixture
def room(make):
    site = make.site()
    room = make.location(site, kind="model_room", name="样板间A")
    boss = make.user("supervisor", sites=[site], username="boss", locale="en")
    make.register(room, [("客厅", "抱枕", 6), ("主卧", "台灯", 2)], boss)
    return room, boss


def test_approvers_are_the_active_supervisors_of_the_site_and_the_administrators(room, make):
    room, boss = room
    admin = make.user("admin")
    make.user("supervisor", sites=[make.site()])  # another site's
    make.user("supervisor", sites=[room.site], active=False)
    make.user("steward", sites=[room.site])
    assert {person.id for person in approvers_for(room)} == {boss.id, admin.id}


def test_an_edit_and_a_retirement_leave_the_version_a_count_was_pinned_to_as_it_was(room, make):
    room, boss = room
    pinned = current_version(room.id)
    cushion, lamp = lines_of(pinned.id)
    done = edit_line(
        room, cushion.asset_id, {"zone": "客厅", "name": "靠垫", "unit": "个"}, Change(boss, make.client_id(), 1)
    )
    assert done.ok and done.value.kind == "edited"
    done = retire_line(room, lamp.asset_id, {"reason": "归还厂家"}, Change(boss, make.client_id(), 2))
    assert done.ok and done.value.kind == "retired" and done.value.quantity_before == 2
    assert [(line.name, line.expected) for line in lines_of(pinned.id)] == [("抱枕", 6), ("台灯", 2)]
    assert [line.name for line in lines_of(current_version(room.id).id)] == ["靠垫"]
    assert current_version(room.id).number == 3


def test_an_edit_that_changes_nothing_is_refused(room, make):
    room, boss = room
    cushion = lines_of(current_version(room.id).id)[0]
    done = edit_line(room, cushion.asset_id, {"zone": "客厅", "name": "抱枕"}, Change(boss, make.client_id(), 1))
    assert done.status == 422 and str(done.errors["form"]) == "Nothing was changed."
    assert db.session.scalar(select(RegisterEvent).where(RegisterEvent.kind == "edited")) is None


def test_a_form_without_its_id_changes_nothing(room):
    room, boss = room
    lamp = lines_of(current_version(room.id).id)[1]
    done = retire_line(room, lamp.asset_id, {"reason": "归还"}, Change(boss, None, 1))
    assert done.status == 400 and current_version(room.id).number == 1


def test_a_reference_photo_is_shown_on_the_register_to_the_site_and_kept_by_the_photo_sweep(room, make, app, browser):
    room, boss = room
    browser.login("boss")
    page = browser.get(f"/rooms/{room.id}/register").get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="(client_id|version)" value="([^"]*)"', page))
    data = {
        **hidden,
        "zone": "客厅",
        "name": "装饰画",
        "expected": "3",
        "photo": (io.BytesIO(make.jpeg_bytes()), "p.jpg"),
    }
    response = browser.post(f"/rooms/{room.id}/register/lines", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    photo = db.session.scalar(select(Photo))
    page = browser.get(f"/rooms/{room.id}/register").get_data(as_text=True)
    thumb = f"/photos/{photo.sha256}/thumb.jpg"
    assert thumb in page

    steward = make.user("steward", sites=[room.site], username="steward1")
    outsider = make.user("supervisor", sites=[make.site()], username="outsider")
    for person, status in ((steward, 200), (outsider, 403)):
        other = Browser(app.test_client())
        other.login(person.username)
        served = other.get(thumb)
        served.close()
        assert served.status_code == status

    sweep_photos(app.config["PATROL_PHOTO_DIR"], timedelta(0))
    assert db.session.scalar(select(Photo.id)) == photo.id
