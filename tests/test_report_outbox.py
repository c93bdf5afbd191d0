"""随手拍 through the phone's outbox: photos sent ahead of their report and kept for it, each idempotent
on its operation id (per person); the report, idempotent on its form's id, claims them; a refused report
leaves them waiting; unclaimed ones are swept. Also: where the person just scanned is proposed, and a
report with only a photo is titled by its category and place."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Inspection, Photo, ReportPhoto, Task
from patrol.photos.store import sweep_photos
from tests.factories import jpeg_bytes

JSON = {"Accept": "application/json"}


@pytest.fixture
def estate(make):
    site = make.site("Harbour View ")
    butler = make.user("butler", [site], username="amy", locale="en")
    garage = make.location(site, kind="common_area", name="Tower 3 B2 car park")
    return site, butler, garage


def new_id() -> str:
    return str(uuid.uuid4())


def send_photo(browser, report: str, data: bytes, *, op: str | None = None, sha256: str | None = None):
    fields = {"op": op or new_id(), "report": report, "sha256": sha256 or hashlib.sha256(data).hexdigest()}
    boundary, body = encode_multipart({**fields, "photo": FileStorage(io.BytesIO(data), "photo.jpg")})
    return browser.post(
        "/report/photos", body, headers=dict(JSON), content_type=f"multipart/form-data; boundary={boundary}"
    )


def send_report(browser, report: str, photo_ops: list[str], *, op: str | None = None, **fields):
    data = {"op": op or new_id(), "client_id": report, "photo_ops": ",".join(photo_ops), **fields}
    return browser.post("/report", data, headers=dict(JSON))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_photo_sent_ahead_waits_for_its_report_and_a_repeat_gets_the_same_acknowledgement(browser, estate):
    browser.login("amy")
    report, op = new_id(), new_id()
    first = send_photo(browser, report, jpeg_bytes(), op=op)
    body = first.get_json()
    assert first.status_code == 200 and body["ok"] is True and body["op"] == op
    assert body["received_sha256"] == hashlib.sha256(jpeg_bytes()).hexdigest()
    assert body["thumb_url"] == f"/photos/{body['photo']['sha256']}/thumb.jpg"
    thumb = browser.get(body["thumb_url"])
    assert thumb.status_code == 200, "the person sees the thumbnail of what they sent"
    thumb.close()
    again = send_photo(browser, report, jpeg_bytes(), op=op)
    assert again.status_code == 200 and again.get_json() == body
    assert count(Photo) == count(ReportPhoto) == 1
    other = send_photo(browser, report, jpeg_bytes(color=(10, 10, 200)), op=op)
    assert other.status_code == 409 and other.get_json()["error"] == "conflict"
    cut = send_photo(browser, report, jpeg_bytes(), op=new_id(), sha256="0" * 64)
    assert cut.status_code == 400 and cut.get_json()["error"] == "incomplete"
    assert count(Photo) == count(ReportPhoto) == 1


def test_a_photo_over_the_size_limit_is_refused_as_too_large_not_sent_again(app, browser, estate, monkeypatch):
    """Only up to the limit is read, so its hash cannot match: still it came whole, and resending cannot help."""
    monkeypatch.setitem(app.config, "PATROL_MAX_PHOTO_BYTES", 1024)
    browser.login("amy")

    response = send_photo(browser, new_id(), jpeg_bytes())

    assert response.status_code == 413 and response.get_json()["error"] == "refused"
    assert response.get_json()["message"].startswith("The photo is larger than")
    assert count(Photo) == count(ReportPhoto) == 0


def test_an_operation_id_is_the_persons_own(browser, estate, make):
    site, _butler, _garage = estate
    make.user("butler", [site], username="bob", locale="en")
    op = new_id()
    browser.login("amy")
    assert send_photo(browser, new_id(), jpeg_bytes(), op=op).status_code == 200
    browser.post("/logout", data={})
    browser.login("bob")
    theirs = send_photo(browser, new_id(), jpeg_bytes(color=(200, 10, 10)), op=op)
    assert theirs.status_code == 200 and theirs.get_json()["op"] == op
    assert count(ReportPhoto) == 2


def test_a_refused_report_keeps_its_photo_and_is_sent_once_the_place_is_given(browser, estate):
    site, butler, _garage = estate
    browser.login("amy")
    report, photo_op, report_op = new_id(), new_id(), new_id()
    photo = send_photo(browser, report, jpeg_bytes(), op=photo_op).get_json()["photo"]
    refused = send_report(browser, report, [photo_op], op=report_op, category="safety")
    body = refused.get_json()
    assert refused.status_code == 422 and body["error"] == "invalid"
    assert body["errors"] == {"where": "Say where: pick a location or type the place."}
    assert count(Task) == 0 and count(ReportPhoto) == 1, "the photo still waits for its report"
    sent = send_report(browser, report, [photo_op], op=report_op, category="safety", place="East gate")
    ack = sent.get_json()
    task = db.session.scalar(select(Task))
    assert sent.status_code == 200 and ack == {"ok": True, "op": report_op, "task": task.id, "url": f"/tasks/{task.id}"}
    assert [p.id for p in task.events[0].photos] == [photo["id"]]
    assert (task.site_id, task.place, task.raised_by_id, task.category) == (site.id, "East gate", butler.id, "safety")
    assert count(ReportPhoto) == 0
    # The acknowledgement was lost: the same report again is the same task.
    again = send_report(browser, report, [photo_op], op=report_op, category="safety", place="East gate")
    assert again.status_code == 200 and again.get_json() == ack and count(Task) == 1
    page = browser.get(ack["url"]).get_data(as_text=True)
    assert "<h1>Fire and safety: East gate</h1>" in page and "Reported. The supervisors" in page


def test_photos_taken_off_the_form_go_and_a_photo_that_never_arrived_is_asked_for(browser, estate, app):
    _site, _butler, garage = estate
    browser.login("amy")
    report = new_id()
    kept_op, dropped_op = new_id(), new_id()
    send_photo(browser, report, jpeg_bytes(), op=kept_op)
    send_photo(browser, report, jpeg_bytes(color=(10, 200, 10)), op=dropped_op)
    missing = send_report(browser, report, [kept_op, new_id()], location=str(garage.id))
    assert missing.status_code == 422 and "Take it again" in missing.get_json()["errors"]["photos"]
    assert count(Task) == 0 and count(ReportPhoto) == 2
    sent = send_report(browser, report, [kept_op], location=str(garage.id))
    assert sent.status_code == 200
    task = db.session.scalar(select(Task))
    assert len(task.events[0].photos) == 1 and count(Photo) == 1 and count(ReportPhoto) == 0
    assert browser.get(sent.get_json()["url"]).status_code == 200
    assert "Problem reported at Tower 3 B2 car park" in browser.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_a_report_whose_photos_never_came_is_swept_after_a_week(browser, estate, app):
    browser.login("amy")
    send_photo(browser, new_id(), jpeg_bytes(), op=new_id())
    send_photo(browser, new_id(), jpeg_bytes(color=(10, 200, 10)), op=new_id())
    older = utcnow() - timedelta(days=8)
    first_photo = db.session.scalar(select(ReportPhoto.photo_id).order_by(ReportPhoto.photo_id))
    db.session.execute(update(Photo).values(uploaded_at=older))  # both past the sweep's grace
    db.session.execute(update(ReportPhoto).where(ReportPhoto.photo_id == first_photo).values(created_at=older))
    db.session.commit()
    swept = sweep_photos(app.config["PATROL_PHOTO_DIR"], timedelta(hours=1))
    assert len(swept.photos) == 1 and count(Photo) == count(ReportPhoto) == 1
    assert db.session.scalar(select(Photo.id)) != first_photo


def test_the_outbox_is_told_in_json(browser, estate):
    browser.login("amy")
    no_op = browser.post("/report", {"client_id": new_id(), "place": "Gate", "note": "x"}, headers=dict(JSON))
    assert no_op.status_code == 400 and no_op.get_json()["ok"] is False
    not_a_photo = send_photo(browser, new_id(), b"%PDF-1.4 not a photo")
    assert not_a_photo.status_code in (415, 422) and not_a_photo.get_json()["message"]
    assert count(Photo) == count(ReportPhoto) == 0


def test_what_the_report_may_not_name_is_refused_in_json(browser, estate, make):
    site, _butler, garage = estate
    elsewhere = make.location(make.site(), name="Not yours")
    shut = make.location(site, name="Demolished shed", active=False)
    make.user("butler", [site], username="bob", locale="en")
    browser.login("amy")
    assert send_report(browser, new_id(), [], location=str(elsewhere.id), note="x").status_code == 403
    inactive = send_report(browser, new_id(), [], location=str(shut.id), note="x")
    assert inactive.status_code == 422 and "no longer in use" in inactive.get_json()["errors"]["where"]
    amys = new_id()
    assert send_report(browser, amys, [], location=str(garage.id), note="x").status_code == 200
    browser.post("/logout", data={})
    browser.login("bob")
    taken = send_report(browser, amys, [], location=str(garage.id), note="y")
    assert taken.status_code == 409 and taken.get_json()["error"] == "conflict"
    assert count(Task) == 1


def test_a_person_without_a_site_is_told_so_in_json(browser, make):
    make.user("butler", [], username="newbie", locale="en")
    browser.login("newbie")
    photo = send_photo(browser, new_id(), jpeg_bytes())
    assert photo.status_code == 403 and "not on any site" in photo.get_json()["message"]


def _scanned(make, butler, location, minutes_ago: int, status="draft"):
    db.session.add(
        Inspection(
            client_id=new_id(),
            status=status,
            location=location,
            checklist_version=make.checklist(),
            inspector=butler,
            scanned_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.commit()


def test_from_home_where_the_person_just_scanned_is_proposed(browser, estate, make):
    site, butler, garage = estate
    lobby = make.location(site, name="Tower 1 lobby")
    _scanned(make, butler, lobby, 50, status="submitted")
    _scanned(make, butler, garage, 12)
    browser.login("amy")
    html = browser.get("/report").get_data(as_text=True)
    assert f'name="location" value="{garage.id}"\nchecked' in html or f'value="{garage.id}" checked' in html
    assert "Picked for you: you scanned it 12 minutes ago." in html
    db.session.execute(update(Inspection).values(scanned_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    html = browser.get("/report").get_data(as_text=True)
    assert "checked" not in html.split('name="location"', 1)[1].split("</fieldset>")[0].split('id="f-location-none"')[0]
    assert "Picked for you" not in html
