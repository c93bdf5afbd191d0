"""Report a problem anywhere (随手拍): from a location, from home with a place or a recent location; bad input
changes nothing; a form sent twice is one task; the photo is re-encoded and shown to the site's people only."""

from __future__ import annotations

import html as entities
import io
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Inspection, Photo, Task, TaskEvent
from patrol.tasks.photos import process_uploads
from patrol.tasks.reports import ReportDraft, recent_locations, save_report
from patrol.views.uploads import photo_limits
from tests.factories import jpeg_bytes


@pytest.fixture
def estate(make):
    site = make.site("Harbour View ")
    butler = make.user("butler", [site], username="amy", locale="en")
    lobby = make.location(site, kind="common_area", name="Tower 1 lobby")
    return site, butler, lobby


def form_id(html: str) -> str:
    match = re.search(r'name="client_id" value="([^"]+)"', html)
    assert match, "the form carries no client id"
    return match.group(1)


def task_count() -> int:
    return db.session.scalar(select(func.count(Task.id)))


def photo_upload(data: bytes | None = None, name: str = "IMG_0001.jpg"):
    return (io.BytesIO(data if data is not None else jpeg_bytes()), name)


# The form posted whole, as a phone without JavaScript sends it (with JavaScript the outbox sends it:
# tests/test_report_outbox.py).


def test_a_report_from_a_location_page_raises_a_task_there(browser, estate, app):
    site, butler, lobby = estate
    browser.login("amy")
    html = browser.get(f"/report?location={lobby.id}").get_data(as_text=True)
    assert re.search(rf'name="location" value="{lobby.id}"\s+checked', html), "the location it came from is picked"
    assert 'accept="image/jpeg,image/png" capture="environment" multiple' in html
    before = utcnow()
    response = browser.post(
        "/report/form",
        data={
            "client_id": form_id(html),
            "location": str(lobby.id),
            "note": "Lift button cracked",
            "severity": "high",
            "category": "repair",
            "photos": photo_upload(),
        },
        content_type="multipart/form-data",
    )
    task = db.session.scalar(select(Task))
    assert response.status_code == 303 and response.location == f"/tasks/{task.id}"
    assert (task.source, task.location_id, task.site_id, task.place) == ("report", lobby.id, site.id, "")
    assert (task.severity, task.category, task.status, task.raised_by_id) == ("high", "repair", "open", butler.id)
    assert (task.detail, task.title, task.inspection_id, task.answer_id) == ("Lift button cracked",) * 2 + (None, None)
    # Due as a high-severity finding would be (4 h), first response within the site's hour.
    assert timedelta(hours=4) <= task.due_at - before < timedelta(hours=4, minutes=1)
    assert timedelta(minutes=60) <= task.respond_by - before < timedelta(minutes=61)
    assert task.last_seen_at is not None
    (event,) = task.events
    assert (event.kind, event.actor_id, event.to_status, len(event.photos)) == ("reported", butler.id, "open", 1)
    assert event.client_id == form_id(html)
    page = browser.get(response.location).get_data(as_text=True)
    assert "Reported. The supervisors on the site can see it now." in page
    assert "Repair: Lift button cracked" in page and "Tower 1 lobby" in page


def test_a_report_from_home_with_a_typed_place_needs_no_photo(browser, estate):
    site, _butler, _lobby = estate
    browser.login("amy")
    html = browser.get("/report").get_data(as_text=True)
    assert 'name="site"' not in html, "one site: the form does not ask which"
    response = browser.post(
        "/report/form",
        data={"client_id": form_id(html), "place": "  East gate   car park ", "note": "Barrier stuck open"},
    )
    assert response.status_code == 303
    task = db.session.scalar(select(Task))
    assert (task.location_id, task.place, task.site_id) == (None, "East gate car park", site.id)
    assert task.severity == "medium"
    assert timedelta(hours=23, minutes=59) < task.due_at - task.created_at <= timedelta(hours=24)
    assert "East gate car park" in browser.get(response.location).get_data(as_text=True)


def _inspected(make, butler, locations, when=None):
    """Submitted inspections by `butler`, at each location in turn (the last is the latest)."""
    version = make.checklist()
    when = when or utcnow()
    for number, location in enumerate(locations):
        db.session.add(
            Inspection(
                client_id=str(uuid.uuid4()),
                status="submitted",
                location=location,
                checklist_version=version,
                inspector=butler,
                scanned_at=when + timedelta(minutes=number),
                submitted_at=when + timedelta(minutes=number),
            )
        )
    db.session.commit()


def test_recent_locations_are_offered_as_chips_and_one_is_picked(browser, estate, make):
    site, butler, lobby = estate
    floors = [make.location(site, name=f"Tower 1 {n}F") for n in range(1, 8)]
    # 1F again last: the most recent; all of it this morning, too long ago to say where the person is now.
    _inspected(make, butler, [lobby, *floors, floors[0]], when=utcnow() - timedelta(hours=3))
    browser.login("amy")
    html = browser.get("/report").get_data(as_text=True)
    offered = re.findall(r'id="f-location-(\d+)" name="location" value="\d+"', html)
    # At most six, newest first, each once; the lobby (the oldest) falls off.
    assert offered == [str(floor.id) for floor in (floors[0], floors[6], floors[5], floors[4], floors[3], floors[2])]
    assert not re.search(r'name="location" value="\d+"\s+checked', html), "nothing is picked for the person"
    response = browser.post(
        "/report/form",
        data={"client_id": form_id(html), "location": str(floors[4].id), "photos": photo_upload()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    task = db.session.scalar(select(Task))
    assert (task.location_id, task.detail) == (floors[4].id, "")
    assert "Problem reported at Tower 1 5F" in browser.get(response.location).get_data(as_text=True)


def test_recent_locations_are_one_query_and_stay_on_the_persons_sites(make, estate, queries):
    site, butler, lobby = estate
    elsewhere = make.location(make.site(), name="Somewhere else")
    closed = make.location(site, name="Closed floor", active=False)
    _inspected(make, butler, [elsewhere, closed, lobby])
    site_ids = {site.id}
    queries.statements.clear()
    found = recent_locations(butler, site_ids)
    assert [location.name for location in found] == ["Tower 1 lobby"]
    assert found[0].site.name == site.name
    assert len(queries) == 1, queries.statements


def test_a_person_on_several_sites_chooses_the_site_for_a_typed_place(browser, make):
    first, second = make.site("North "), make.site("South ")
    make.user("supervisor", [first, second], username="sam", locale="en")
    browser.login("sam")
    html = browser.get("/report").get_data(as_text=True)
    assert 'name="site"' in html and first.name in html and second.name in html
    response = browser.post("/report/form", data={"client_id": form_id(html), "place": "Gate", "note": "Broken"})
    assert response.status_code == 422 and "Choose the site." in response.get_data(as_text=True)
    response = browser.post(
        "/report/form", data={"client_id": form_id(html), "place": "Gate", "note": "Broken", "site": str(second.id)}
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Task.site_id)) == second.id


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"place": "Lobby"}, "Take a photo or write what is wrong."),
        ({"note": "Leak"}, "Say where: pick a location or type the place."),
        ({"note": "Leak", "place": "Lobby", "severity": "urgent"}, "Choose one of the options."),
        ({"note": "Leak", "place": "Lobby", "category": "plumbing"}, "Choose one of the options."),
        ({"note": "x" * 2001, "place": "Lobby"}, "Keep it under 2000 characters."),
        ({"note": "Leak", "place": "x" * 121}, "Keep it under 120 characters."),
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(browser, estate, fields, message):
    browser.login("amy")
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    response = browser.post("/report/form", data={"client_id": client_id, **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert f'value="{client_id}"' in html, "the form keeps its id: sending it again is still one report"
    assert task_count() == 0 and db.session.scalar(select(func.count(TaskEvent.id))) == 0


def test_photos_sent_with_a_mistake_are_asked_for_again(browser, estate):
    browser.login("amy")
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    response = browser.post(
        "/report/form", data={"client_id": client_id, "photos": photo_upload()}, content_type="multipart/form-data"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Say where" in html and "add them again" in html
    assert task_count() == 0 and db.session.scalar(select(func.count(Photo.id))) == 0


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(browser, estate, app):
    _site, _butler, lobby = estate
    browser.login("amy")
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    response = browser.post(
        "/report/form",
        data={"client_id": client_id, "location": str(lobby.id), "photos": photo_upload(b"%PDF-1.4 not a photo")},
        content_type="multipart/form-data",
    )
    assert 400 <= response.status_code < 500 and "Photo 1:" in response.get_data(as_text=True)
    assert task_count() == 0 and db.session.scalar(select(func.count(Photo.id))) == 0
    assert not list(Path(app.config["PATROL_PHOTO_DIR"]).rglob("*.jpg"))


def test_an_inactive_location_takes_no_report(browser, estate, make):
    site, _butler, _lobby = estate
    gone = make.location(site, name="Demolished shed", active=False)
    browser.login("amy")
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    response = browser.post("/report/form", data={"client_id": client_id, "location": str(gone.id), "note": "x"})
    assert response.status_code == 422 and "no longer in use" in response.get_data(as_text=True)
    assert task_count() == 0


def test_the_same_form_sent_twice_is_one_task(browser, estate):
    _site, _butler, lobby = estate
    browser.login("amy")
    client_id = form_id(browser.get(f"/report?location={lobby.id}").get_data(as_text=True))
    data = {"client_id": client_id, "location": str(lobby.id), "note": "Door left open"}
    first = browser.post("/report/form", data=dict(data, photos=photo_upload()), content_type="multipart/form-data")
    again = browser.post("/report/form", data=dict(data, photos=photo_upload()), content_type="multipart/form-data")
    assert first.status_code == again.status_code == 303 and first.location == again.location
    assert task_count() == 1 and db.session.scalar(select(func.count(Photo.id))) == 1
    # The same form from the phone's outbox is told the same task too.
    outbox = browser.post("/report", data={**data, "op": str(uuid.uuid4())}, headers={"Accept": "application/json"})
    assert outbox.status_code == 200 and outbox.get_json()["url"] == first.location
    assert task_count() == 1


def test_a_form_id_used_by_someone_else_is_refused(browser, estate, make):
    site, _butler, lobby = estate
    make.user("butler", [site], username="bob", locale="en")
    browser.login("amy")
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    assert browser.post("/report/form", data={"client_id": client_id, "place": "Gate", "note": "x"}).status_code == 303
    browser.post("/logout", data={})
    browser.login("bob")
    response = browser.post("/report/form", data={"client_id": client_id, "place": "Gate", "note": "y"})
    assert response.status_code == 409 and task_count() == 1


def test_the_photo_is_re_encoded_and_shown_on_the_task_page_to_the_sites_people_only(browser, estate, make, app):
    site, _butler, lobby = estate
    make.user("supervisor", [site], username="sue", locale="en")
    make.user("supervisor", [make.site()], username="stranger", locale="en")
    browser.login("amy")
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    camera = Image.Exif()
    camera[0x010F] = "PatrolPhoneMaker"  # Make: the phone's details are not for every viewer
    original = jpeg_bytes(1600, 1200, exif=camera)
    response = browser.post(
        "/report/form",
        data={"client_id": client_id, "location": str(lobby.id), "photos": photo_upload(original)},
        content_type="multipart/form-data",
    )
    task_url = response.location
    photo = db.session.scalar(select(Photo))
    stored = (Path(app.config["PATROL_PHOTO_DIR"]) / photo.relative_path).read_bytes()
    assert stored != original and Image.open(io.BytesIO(stored)).format == "JPEG"
    assert b"PatrolPhoneMaker" in original and b"PatrolPhoneMaker" not in stored, "the upload's metadata is not kept"
    browser.post("/logout", data={})

    browser.login("sue")
    assert f"/photos/{photo.sha256}/thumb.jpg" in browser.get(task_url).get_data(as_text=True)
    shown = browser.get(f"/photos/{photo.sha256}/full.jpg")
    assert shown.status_code == 200 and shown.data == stored
    shown.close()
    browser.post("/logout", data={})

    browser.login("stranger")
    assert browser.get(task_url).status_code == 403
    assert browser.get(f"/photos/{photo.sha256}/thumb.jpg").status_code == 403


def test_another_sites_location_cannot_be_reported_on(browser, estate, make):
    elsewhere = make.location(make.site(), name="Not yours")
    browser.login("amy")
    assert browser.get(f"/report?location={elsewhere.id}").status_code == 403
    assert browser.get("/report?location=999999").status_code == 404
    client_id = form_id(browser.get("/report").get_data(as_text=True))
    response = browser.post("/report/form", data={"client_id": client_id, "location": str(elsewhere.id), "note": "x"})
    assert response.status_code == 403 and task_count() == 0


def test_a_person_without_a_site_is_told_so(browser, make):
    make.user("butler", [], username="newbie", locale="en")
    browser.login("newbie")
    response = browser.get("/report")
    assert response.status_code == 403 and "not on any site" in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client, estate):
    response = client.get("/report")
    assert response.status_code == 302 and "/login" in response.location


def test_the_location_page_links_to_a_report_from_there(browser, estate):
    _site, _butler, lobby = estate
    browser.login("amy")
    html = browser.get(f"/locations/{lobby.id}").get_data(as_text=True)
    assert f'href="/report?location={lobby.id}"' in html and "Report a problem here" in html
    assert "/notices?" not in html, "a butler prints no notices"


def test_a_form_without_its_id_is_a_bad_request(browser, estate):
    browser.login("amy")
    response = browser.post("/report/form", data={"client_id": "not-a-uuid", "place": "Gate", "note": "x"})
    assert response.status_code == 400 and task_count() == 0


def test_a_repeat_that_races_the_first_one_to_the_database_is_still_one_task(estate, app):
    """Two sends of one form at once: both pass the "already have it?" check; the second one's insert
    meets the unique client id, and it answers with the first one's task and keeps none of its files."""
    site, butler, lobby = estate
    client_id = str(uuid.uuid4())
    limits = photo_limits()
    first = save_report(
        butler,
        ReportDraft(client_id=client_id, note="Leak", location=lobby, site=site),
        process_uploads([jpeg_bytes(color=(10, 200, 10))], zone=site.zone, limits=limits),
        app.config["PATROL_PHOTO_DIR"],
    )
    files_before = sorted(Path(app.config["PATROL_PHOTO_DIR"]).rglob("*.jpg"))
    second = save_report(
        butler,
        ReportDraft(client_id=client_id, note="Leak", location=lobby, site=site),
        process_uploads([jpeg_bytes(color=(200, 10, 200))], zone=site.zone, limits=limits),
        app.config["PATROL_PHOTO_DIR"],
    )
    assert second.id == first.id and task_count() == 1
    assert db.session.scalar(select(func.count(Photo.id))) == 1
    assert sorted(Path(app.config["PATROL_PHOTO_DIR"]).rglob("*.jpg")) == files_before


def test_the_form_carries_the_servers_rules_in_its_words_for_the_phone(browser, estate):
    """outbox-report.js refuses what the server would, in the words the server answers with."""
    browser.login("amy")
    page = browser.get("/report").get_data(as_text=True)
    rules = json.loads(entities.unescape(re.search(r'data-rules="([^"]+)"', page).group(1)))
    assert (rules["note_max"], rules["place_max"], rules["photos_max"]) == (2000, 120, 6)
    assert rules["severities"] == ["low", "medium", "high"]
    refused = browser.post(
        "/report/form",
        data={"client_id": form_id(page), "note": "", "place": "x" * 121},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    for said in (rules["words"]["what"], rules["words"]["place"]):
        assert said in entities.unescape(refused)
    assert rules["words"]["where"] == "Say where: pick a location or type the place."
