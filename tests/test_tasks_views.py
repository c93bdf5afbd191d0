"""The task list and a task's page with its timeline and photo; other sites stay out of sight."""

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.photos import PhotoLimits, attach_photo
from patrol.inspections.submission import submit_inspection
from patrol.models import Photo, Task
from patrol.setup.catalogue import passfail
from tests.factories import jpeg_bytes


@pytest.fixture
def finding(make, app):
    """A submitted floor patrol whose one failed item carries a photo."""
    site = make.site()
    butler = make.user("butler", [site], username="finder", locale="en")
    location = make.location(site, name="1栋 9F 楼层")
    version = make.checklist([passfail("消防通道无堵塞", "high")])
    item = version.items[0]
    key = DraftKey(butler, location, version, "0d7c4b3e-5a2b-4a5e-8f6e-333333333333", utcnow())
    save_answer(key, item, AnswerInput("fail", note="楼梯间堆放纸箱", severity="high"))
    limits = PhotoLimits(app.config["PATROL_PHOTO_DIR"], 10 * 1024 * 1024, 50_000_000)
    photo = db.session.get(Photo, attach_photo(key, item, jpeg_bytes(), limits, make.photo_op()).value["photo"]["id"])
    submit_inspection(key, {})
    task = db.session.scalar(select(Task))
    return site, location, task, photo


def test_the_task_page_shows_the_finding_photo_and_timeline(browser, finding):
    _site, location, task, photo = finding
    browser.login("finder")
    html = browser.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "消防通道无堵塞" in html and "楼梯间堆放纸箱" in html and location.name in html
    assert f"/photos/{photo.sha256}/thumb.jpg" in html
    assert "Raised from inspection" in html and "Not assigned yet" in html


def test_the_photo_is_served_to_people_on_the_site(browser, finding):
    *_rest, photo = finding
    browser.login("finder")
    response = browser.get(f"/photos/{photo.sha256}/full.jpg")
    try:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data[:2] == b"\xff\xd8"
        assert "private" in response.headers["Cache-Control"]
    finally:
        response.close()


def test_people_of_another_site_see_neither_the_task_nor_its_photo(browser, finding, make):
    _site, _location, task, photo = finding
    make.user("supervisor", [make.site()], username="stranger")
    browser.login("stranger")
    assert browser.get(f"/tasks/{task.id}").status_code == 403
    assert browser.get(f"/photos/{photo.sha256}/thumb.jpg").status_code == 403
    assert "消防通道无堵塞" not in browser.get("/tasks").get_data(as_text=True)


def test_signed_out_visitors_get_no_photo(client, finding):
    *_rest, photo = finding
    assert client.get(f"/photos/{photo.sha256}/full.jpg").status_code == 302


def test_the_task_list_filters_by_state(browser, finding, make):
    site, *_rest = finding
    make.user("supervisor", [site], username="boss", locale="en")
    browser.login("boss")
    assert "消防通道无堵塞" in browser.get("/tasks?state=open").get_data(as_text=True)
    assert "消防通道无堵塞" not in browser.get("/tasks?state=closed").get_data(as_text=True)
    assert "消防通道无堵塞" not in browser.get("/tasks?state=overdue").get_data(as_text=True)


def test_the_filtered_list_answers_htmx_with_just_the_results(browser, finding, make):
    site, *_rest = finding
    make.user("supervisor", [site], username="boss2")
    browser.login("boss2")
    response = browser.get("/tasks?state=open", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="results"') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    # A boosted link is htmx too, but it swaps in the whole page.
    boosted = browser.get("/tasks?state=open", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_an_unknown_task_is_a_404_page(browser, finding):
    browser.login("finder")
    response = browser.get("/tasks/99999")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
