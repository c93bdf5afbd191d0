"""The scan page and the checklist form, through the test client."""

import re

import pytest
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import Inspection, Task
from patrol.setup.catalogue import passfail, rating
from tests.conftest import Browser
from tests.phone import item_section, send

EN = {"Accept-Language": "en"}


@pytest.fixture
def scan_setup(make):
    """A site, its butler zhangwei, the floor 1栋 3F 楼层, and the floor patrol checklist."""
    site = make.site()
    butler = make.user("butler", [site], username="zhangwei")
    location = make.location(site, name="1栋 3F 楼层")
    version = make.checklist()
    return site, butler, location, version


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_scanning_signed_out_asks_to_sign_in_and_returns_to_the_location(client, browser, scan_setup):
    _site, _butler, location, _version = scan_setup
    first = client.get(f"/c/{location.qr_token}")
    assert first.status_code == 302 and "/login" in first.location
    assert f"next=%2Fc%2F{location.qr_token}" in first.location
    page = client.get(first.location)
    token = hidden(page.get_data(as_text=True), "csrf_token")
    signed_in = client.post(
        "/login",
        data={
            "username": "zhangwei",
            "password": "correct horse battery",
            "next": f"/c/{location.qr_token}",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 303 and signed_in.location.endswith(f"/c/{location.qr_token}")


def test_scan_page_shows_the_location_its_checklist_and_open_tasks(browser, scan_setup):
    site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    assert "1栋 3F 楼层" in html and site.name in html and "Floor" in html
    assert version.name in html
    for item in version.items:
        assert item.prompt in html
    # The camera is on the page, hidden until an item fails: the phone opens it at once, with or without signal.
    assert 'capture="environment"' in html
    assert html.count('class="finding-detail" data-finding-detail hidden') == html.count("data-finding-detail")
    assert "open task" not in html

    prompts = {item.prompt: item for item in version.items}
    bins, clean = prompts["垃圾桶已清理"], prompts["地面/墙面/天花洁净"]
    data = {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened")}
    data.update(
        {f"value-{i.id}": "pass" if i.item_type == "passfail" else "4" for i in version.items if i.item_type != "text"}
    )
    data.update({f"value-{bins.id}": "fail", f"value-{clean.id}": "2"})  # two findings, no photo needed
    assert send(browser, f"/inspect/{location.id}/{version.id}/submit", data).status_code == 200
    tasks = db.session.scalars(select(Task).order_by(Task.id)).all()
    assert len(tasks) == 2

    again = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    assert "2 open tasks here" in again
    for task in tasks:
        assert f'href="/tasks/{task.id}"' in again and task.title in again


def test_a_failed_answer_is_a_finding_and_the_page_opens_with_note_severity_and_camera(browser, scan_setup):
    _site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}").get_data(as_text=True)
    item = version.items[1]
    response = send(
        browser,
        f"/inspect/{location.id}/{version.id}/items/{item.id}/answer",
        {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened"), f"value-{item.id}": "fail"},
    )
    assert response.status_code == 200 and response.json["finding"] is True  # the phone keeps it open
    section = item_section(browser.get(f"/c/{location.qr_token}").get_data(as_text=True), item.id)
    assert 'class="finding-detail" data-finding-detail>' in section  # open, not hidden
    assert f'name="note-{item.id}"' in section and f'name="severity-{item.id}"' in section
    assert 'capture="environment"' in section and 'accept="image/jpeg,image/png"' in section


def test_reopening_the_location_resumes_the_draft(browser, scan_setup):
    _site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}").get_data(as_text=True)
    client_id = hidden(html, "client_id")
    item = version.items[0]
    send(
        browser,
        f"/inspect/{location.id}/{version.id}/items/{item.id}/answer",
        {"client_id": client_id, "opened": hidden(html, "opened"), f"value-{item.id}": "pass"},
    )
    again = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    assert hidden(again, "client_id") == client_id
    assert re.search(rf'id="value-{item.id}-pass"[^>]*checked', again)
    assert "Resuming what you started" in again


def test_a_location_with_several_checklists_asks_which(browser, make):
    site = make.site()
    make.user("steward", [site], username="lina")
    room = make.location(site, kind="model_room", name="样板间A")
    make.checklist([passfail("开馆检查")], name="样板间A 开馆清点", location=room)
    make.checklist([passfail("闭馆检查")], name="样板间A 闭馆清点", location=room)
    browser.login("lina")
    html = browser.get(f"/c/{room.qr_token}", headers=EN).get_data(as_text=True)
    assert "Which checklist?" in html and "开馆清点" in html and "闭馆清点" in html
    assert 'id="checklist"' not in html


def test_submit_through_the_form_raises_tasks_and_shows_the_result(browser, scan_setup):
    """The checklist's own form posted whole, as a phone without JavaScript sends it."""
    _site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}").get_data(as_text=True)
    data = {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened")}
    for item in version.items:
        if item.item_type == "passfail":
            data[f"value-{item.id}"] = "pass"
        elif item.item_type == "rating":
            data[f"value-{item.id}"] = "2"  # under the threshold: a finding
    response = browser.post(f"/inspect/{location.id}/{version.id}/form", data=data)
    assert response.status_code == 303
    result = browser.get(response.location, headers=EN).get_data(as_text=True)
    assert "Submitted" in result and "1 finding" in result and "New task #" in result
    task = db.session.scalar(select(Task))
    assert task.title.startswith("地面/墙面/天花洁净")
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1


def test_the_outbox_s_submit_is_told_where_the_inspection_is(browser, scan_setup):
    _site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}").get_data(as_text=True)
    data = {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened")}
    data.update(
        {f"value-{i.id}": "pass" if i.item_type == "passfail" else "5" for i in version.items if i.item_type != "text"}
    )
    response = send(browser, f"/inspect/{location.id}/{version.id}/submit", data)
    inspection = db.session.scalar(select(Inspection))
    assert response.json["url"] == f"/inspections/{inspection.id}" and response.json["inspection"] == inspection.id


def test_missing_answers_are_refused_by_item_with_422(browser, scan_setup):
    _site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    first = version.items[0]
    response = send(
        browser,
        f"/inspect/{location.id}/{version.id}/submit",
        {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened"), f"value-{first.id}": "pass"},
        headers=EN,
    )
    assert response.status_code == 422
    missing = {str(i.id): "This item needs an answer." for i in version.items if i.required and i.id != first.id}
    assert response.json["errors"] == missing
    again = browser.get(f"/c/{location.qr_token}", headers=EN).get_data(as_text=True)
    assert re.search(rf'id="value-{first.id}-pass"[^>]*checked', again)
    # Not submitted, but the answer it carried is kept in the draft: a reload loses nothing.
    inspection = db.session.scalar(select(Inspection))
    assert inspection.status == "draft"
    assert [(a.item_id, a.value_text) for a in inspection.answers] == [(first.id, "pass")]


def _patrol_with(make, browser, length: int, username: str):
    site = make.site()
    make.user("butler", [site], username=username)
    location = make.location(site)
    version = make.checklist([rating(f"第{n}项") for n in range(length)], location=location)
    browser.login(username)
    html = browser.get(f"/c/{location.qr_token}").get_data(as_text=True)
    return location, version, {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened")}


def test_scan_page_queries_do_not_grow_with_the_checklist(make, app, queries):
    counts = {}
    for length in (5, 40):
        browser = Browser(app.test_client())
        location, version, keys = _patrol_with(make, browser, length, f"scan{length}")
        for item in version.items[:3]:
            send(
                browser,
                f"/inspect/{location.id}/{version.id}/items/{item.id}/answer",
                {**keys, f"value-{item.id}": "2"},
            )
        queries.statements.clear()
        assert browser.get(f"/c/{location.qr_token}").status_code == 200
        counts[length] = len(queries)
    assert counts[5] == counts[40] <= 12, counts


def test_submit_queries_do_not_grow_with_the_checklist(make, app, queries):
    counts = {}
    for length in (5, 40):
        browser = Browser(app.test_client())
        location, version, keys = _patrol_with(make, browser, length, f"submit{length}")
        # Every item fails: one task per item, and still a fixed number of statements.
        data = {**keys, **{f"value-{item.id}": "1" for item in version.items}}
        queries.statements.clear()
        assert send(browser, f"/inspect/{location.id}/{version.id}/submit", data).status_code == 200
        counts[length] = len(queries)
        assert (
            db.session.scalar(select(func.count()).select_from(Task).where(Task.location_id == location.id)) == length
        )
    # 19: the submit also counts the visit toward its round (patrol.rounds.counting: one SELECT … FOR UPDATE);
    # 22: and looks for proof-of-presence doubts (patrol.inspections.presence: the checklist's shortest
    # visit, the person's scans in the minute around it, the round's photos).
    assert counts[5] == counts[40] <= 22, counts


def test_an_archived_site_takes_no_new_inspections(browser, scan_setup):
    from patrol.database import utcnow

    site, _butler, location, version = scan_setup
    browser.login("zhangwei")
    html = browser.get(f"/c/{location.qr_token}").get_data(as_text=True)
    site.archived_at = utcnow()
    db.session.commit()
    assert browser.get(f"/c/{location.qr_token}", headers=EN).status_code == 410
    item = version.items[0]
    response = send(
        browser,
        f"/inspect/{location.id}/{version.id}/items/{item.id}/answer",
        {"client_id": hidden(html, "client_id"), "opened": hidden(html, "opened"), f"value-{item.id}": "pass"},
    )
    assert response.status_code == 410 and response.json["message"] == "此点位不再接受新的巡检。"
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
