"""Setup › Sites: administrators create, change, archive and restore sites; history is never lost."""

import pytest
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.photos import PhotoLimits, attach_photo
from patrol.inspections.submission import submit_inspection
from patrol.models import AuditEvent, Inspection, Location, Site, Task, user_sites
from patrol.setup.catalogue import passfail
from patrol.setup.sites import site_accepts_inspections
from tests.factories import jpeg_bytes

NEW = {"name": "星河湾花园", "timezone": "Asia/Shanghai", "opens_at": "08:30", "closes_at": "18:00"}


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _site_with_history(make, app):
    """A site with a location and one submitted floor patrol whose failed item (with its photo) raised a task."""
    site = make.site("云栖大厦")
    butler = make.user("butler", [site], username="zhangwei")
    location = make.location(site, name="1栋 9F 楼层")
    version = make.checklist([passfail("消防通道无堵塞", "high")])
    key = DraftKey(butler, location, version, "0d7c4b3e-5a2b-4a5e-8f6e-444444444444", utcnow())
    save_answer(key, version.items[0], AnswerInput("fail", note="楼梯间堆放纸箱", severity="high"))
    limits = PhotoLimits(app.config["PATROL_PHOTO_DIR"], 10_000_000, 50_000_000)
    assert attach_photo(key, version.items[0], jpeg_bytes(), limits, make.photo_op()).ok
    assert submit_inspection(key, {}).ok
    return site, location


def test_an_administrator_creates_a_site_and_the_audit_log_records_it(browser, admin):
    assert "New site" in browser.get("/admin/sites/new").get_data(as_text=True)
    response = browser.post("/admin/sites/new", data={**NEW, "timezone": "Asia/Hong_Kong", "opens_at": "09:00"})
    assert response.status_code == 303 and response.location == "/admin/sites/"
    site = db.session.scalar(select(Site))
    assert (site.name, site.timezone, site.opens_at.strftime("%H:%M"), site.archived) == (
        "星河湾花园",
        "Asia/Hong_Kong",
        "09:00",
        False,
    )
    [event] = _events("site.created")
    assert (event.actor_id, event.target_id, event.site_id) == (admin.id, site.id, site.id)
    assert event.details == {"timezone": "Asia/Hong_Kong", "opens_at": "09:00", "closes_at": "18:00"}
    listing = browser.get(response.location).get_data(as_text=True)
    assert "星河湾花园" in listing and "The site was created." in listing and "Office hours 09:00–18:00" in listing
    assert "The site was created." not in browser.get(response.location).get_data(as_text=True)  # said once


def test_creating_a_site_does_not_give_it_to_the_administrator(browser, admin):
    browser.post("/admin/sites/new", data=NEW)
    assert db.session.scalar(select(func.count()).select_from(user_sites)) == 0


def test_a_site_form_with_mistakes_comes_back_with_each_error_in_place(browser, admin):
    response = browser.post(
        "/admin/sites/new", data={"name": "", "timezone": "Mars/Olympus", "opens_at": "18:00", "closes_at": "08:00"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-name"' in html and "Fill this in." in html
    assert 'id="e-timezone"' in html and "Choose one of the options." in html
    assert 'id="e-closes_at"' in html and "Closing time must be after opening time." in html
    assert 'value="18:00"' in html  # what was typed is kept
    assert db.session.scalar(select(Site)) is None


def test_a_bad_time_and_a_long_name_are_refused(browser, admin):
    response = browser.post("/admin/sites/new", data={**NEW, "name": "大" * 121, "opens_at": "8h"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Keep it under 120 characters." in html and "Enter a time like 08:30." in html


def test_an_htmx_post_with_mistakes_answers_just_the_form(browser, admin):
    response = browser.post("/admin/sites/new", data={**NEW, "name": ""}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="site-form"') and "<html" not in html
    assert "Fill this in." in html


def test_an_htmx_post_that_succeeds_navigates_to_the_list(browser, admin):
    response = browser.post("/admin/sites/new", data=NEW, htmx=True)
    assert response.status_code == 204 and "/admin/sites/" in response.headers["HX-Redirect"]
    page = browser.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert page.count("The site was created.") == 1  # on the page htmx navigates to


def test_a_message_waiting_when_htmx_asks_for_a_fragment_comes_with_it_once(browser, admin):
    browser.post("/admin/sites/new", data=NEW)  # says "created" on the next page…
    fragment = browser.get("/admin/sites/?q=星河", headers={"HX-Request": "true"}).get_data(as_text=True)
    # …which is only this fragment: the message rides along, swapped into the page's #flashes by htmx.
    assert fragment.lstrip().startswith('<section id="results"') and "<html" not in fragment
    assert '<div id="flashes" hx-swap-oob="true">' in fragment and "The site was created." in fragment
    assert "The site was created." not in browser.get("/admin/sites/").get_data(as_text=True)


def test_any_valid_time_zone_is_accepted_even_if_not_offered(browser, admin):
    assert browser.post("/admin/sites/new", data={**NEW, "timezone": "Europe/London"}).status_code == 303
    site = db.session.scalar(select(Site))
    html = browser.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert '<option value="Europe/London" selected>' in html


def test_a_second_site_in_use_with_the_same_name_is_refused(browser, admin, make):
    make.site()  # noise
    browser.post("/admin/sites/new", data=NEW)
    again = browser.post("/admin/sites/new", data={**NEW, "name": "  星河湾花园 "})
    assert again.status_code == 422 and "A site in use already has this name." in again.get_data(as_text=True)
    latin = browser.post("/admin/sites/new", data={**NEW, "name": "Harbour Tower"})
    assert latin.status_code == 303
    assert browser.post("/admin/sites/new", data={**NEW, "name": "harbour tower"}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Site)) == 3


def test_an_archived_sites_name_may_be_used_again_but_then_it_cannot_be_restored(browser, admin):
    browser.post("/admin/sites/new", data=NEW)
    old = db.session.scalar(select(Site))
    browser.post(f"/admin/sites/{old.id}/archive")
    assert browser.post("/admin/sites/new", data=NEW).status_code == 303
    refused = browser.post(f"/admin/sites/{old.id}/restore")
    assert refused.status_code == 409
    assert "A site in use already has this name." in refused.get_data(as_text=True)
    db.session.refresh(old)
    assert old.archived and _events("site.restored") == []


def test_editing_a_site_records_what_changed_from_and_to(browser, admin, make):
    site = make.site("旧名")
    old_name = site.name
    response = browser.post(
        f"/admin/sites/{site.id}",
        data={"name": "新名", "timezone": "Asia/Shanghai", "opens_at": "09:00", "closes_at": "18:00"},
    )
    assert response.status_code == 303
    db.session.refresh(site)
    assert (site.name, site.opens_at.strftime("%H:%M")) == ("新名", "09:00")
    [event] = _events("site.updated")
    assert event.details == {"name": {"from": old_name, "to": "新名"}, "opens_at": {"from": "08:30", "to": "09:00"}}
    assert (event.target_label, event.site_id) == ("新名", site.id)


def test_saving_a_site_unchanged_writes_no_audit_entry(browser, admin, make):
    site = make.site()
    browser.post(
        f"/admin/sites/{site.id}",
        data={"name": site.name, "timezone": site.timezone, "opens_at": "08:30", "closes_at": "18:00"},
    )
    assert _events("site.updated") == []


def test_editing_keeps_errors_in_place_and_the_site_unchanged(browser, admin, make):
    site = make.site()
    name = site.name
    response = browser.post(f"/admin/sites/{site.id}", data={**NEW, "name": name, "closes_at": "07:00"})
    assert response.status_code == 422 and "Closing time must be after opening time." in response.get_data(as_text=True)
    db.session.refresh(site)
    assert site.closes_at.strftime("%H:%M") == "18:00" and _events("site.updated") == []


def test_archiving_keeps_the_sites_locations_inspections_and_tasks(browser, admin, make, app):
    site, location = _site_with_history(make, app)
    confirm = browser.get(f"/admin/sites/{site.id}/archive").get_data(as_text=True)
    assert f"Archive {site.name}?" in confirm and "are all kept" in confirm
    response = browser.post(f"/admin/sites/{site.id}/archive")
    assert response.status_code == 303 and "state=archived" in response.location
    db.session.refresh(site)
    assert site.archived and not site_accepts_inspections(site)
    assert db.session.get(Location, location.id) is not None
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
    assert db.session.scalar(select(func.count()).select_from(Task)) == 1
    [event] = _events("site.archived")
    assert (event.target_id, event.site_id, event.actor_id) == (site.id, site.id, admin.id)
    # Gone from the default list, shown under "Archived" with its location still counted.
    assert site.name not in browser.get("/admin/sites/").get_data(as_text=True)
    archived = browser.get("/admin/sites/?state=archived").get_data(as_text=True)
    assert site.name in archived and "1 location kept" in archived
    page = browser.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert "This site is archived" in page and "Restore site" in page
    assert "<dt>Inspections</dt>\n    <dd>1 · last" in page and "<dt>Open tasks</dt>\n    <dd>1</dd>" in page
    # Its task is still there for the administrator to read.
    assert "消防通道无堵塞" in browser.get(f"/tasks?site={site.id}&state=all").get_data(as_text=True)


def test_restoring_an_archived_site_puts_it_back_in_use(browser, admin, make):
    site = make.site()
    site.archived_at = utcnow()
    db.session.commit()
    assert "Restore" in browser.get(f"/admin/sites/{site.id}/restore").get_data(as_text=True)
    response = browser.post(f"/admin/sites/{site.id}/restore")
    assert response.status_code == 303
    assert "The site is in use again." in browser.get(response.location).get_data(as_text=True)
    db.session.refresh(site)
    assert not site.archived and site_accepts_inspections(site)
    assert [event.target_id for event in _events("site.restored")] == [site.id]


def test_archiving_twice_records_it_once(browser, admin, make):
    site = make.site()
    browser.post(f"/admin/sites/{site.id}/archive")
    browser.post(f"/admin/sites/{site.id}/archive")
    assert len(_events("site.archived")) == 1


def test_the_list_searches_by_name_and_filters_archived_ones(browser, admin, make):
    make.site("星河湾")
    make.site("云栖")
    gone = make.site("旧盘")
    gone.archived_at = utcnow()
    db.session.commit()
    active = browser.get("/admin/sites/").get_data(as_text=True)
    assert "星河湾" in active and "云栖" in active and "旧盘" not in active and "2 sites" in active
    everything = browser.get("/admin/sites/?state=all").get_data(as_text=True)
    assert "旧盘" in everything and "3 sites" in everything
    found = browser.get("/admin/sites/?q=星河", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.lstrip().startswith('<section id="results"') and "星河湾" in found and "云栖" not in found


def test_an_unknown_site_is_404(browser, admin):
    assert browser.get("/admin/sites/999").status_code == 404
    assert browser.post("/admin/sites/999/archive").status_code == 404


SITE_URLS = [
    ("get", "/admin/sites/"),
    ("get", "/admin/sites/new"),
    ("post", "/admin/sites/new"),
    ("get", "/admin/sites/{id}"),
    ("post", "/admin/sites/{id}"),
    ("get", "/admin/sites/{id}/archive"),
    ("post", "/admin/sites/{id}/archive"),
    ("get", "/admin/sites/{id}/restore"),
    ("post", "/admin/sites/{id}/restore"),
]


@pytest.mark.parametrize("role", ["butler", "supervisor"])
@pytest.mark.parametrize(("method", "url"), SITE_URLS)
def test_only_administrators_reach_the_sites_pages(browser, make, role, method, url):
    site = make.site()
    make.user(role, [site], username="notadmin", locale="en")
    browser.login("notadmin")
    target = url.format(id=site.id)
    response = browser.get(target) if method == "get" else browser.post(target, data=NEW)
    assert response.status_code == 403
    db.session.refresh(site)
    assert not site.archived and db.session.scalar(select(func.count()).select_from(Site)) == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, make):
    make.user("admin", username="someone")
    response = client.get("/admin/sites/")
    assert response.status_code == 302 and "/login" in response.location
