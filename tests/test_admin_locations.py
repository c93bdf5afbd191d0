"""Setup: administrators create, change, move, deactivate and re-code locations; nobody else may."""

import pytest
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import AuditEvent, Location

EN = {"Accept-Language": "en"}


@pytest.fixture
def two_sites(make):
    garden, tower = make.site("花园"), make.site("大厦")
    make.user("admin", username="boss", locale="en")
    make.user("supervisor", [garden, tower], username="lead", locale="en")
    make.user("butler", [garden], username="walker", locale="en")
    return garden, tower


def _place(site, name: str, kind: str = "floor", **fields) -> Location:
    """A location with exactly these fields (the factory always puts it in 1栋)."""
    location = Location(site=site, name=name, kind=kind, **fields)
    db.session.add(location)
    db.session.commit()
    return location


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_creating_a_location_with_errors_shows_them_in_place(browser, two_sites):
    garden, _tower = two_sites
    existing = Location(site=garden, kind="floor", name="1栋 3F")
    db.session.add(existing)
    db.session.commit()
    browser.login("boss")
    response = browser.post(
        "/admin/locations/new", data={"site_id": garden.id, "name": "1栋 3F", "kind": "attic", "unit": "x" * 31}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This site already has a location with this name." in html
    assert "Choose one of the options." in html and "Keep it under 30 characters." in html
    assert 'value="1栋 3F"' in html  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(Location)) == 1


def test_an_htmx_create_with_errors_answers_only_the_form(browser, two_sites):
    browser.login("boss")
    response = browser.post("/admin/locations/new", data={"site_id": "", "name": "", "kind": "floor"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="location-form"') and "<html" not in html
    assert html.count("Fill this in.") == 2


def test_a_name_may_repeat_on_another_site_or_after_the_first_is_deactivated(browser, two_sites):
    garden, tower = two_sites
    db.session.add(Location(site=garden, kind="floor", name="大堂", active=False))
    db.session.commit()
    browser.login("boss")
    for site in (garden, tower):
        response = browser.post(
            "/admin/locations/new", data={"site_id": site.id, "name": "大堂", "kind": "common_area"}
        )
        assert response.status_code == 303
    assert db.session.scalar(select(func.count()).where(Location.name == "大堂", Location.active)) == 2


def test_a_renovation_unit_keeps_its_permit_and_works_dates(browser, two_sites):
    garden, _tower = two_sites
    browser.login("boss")
    form = {
        "site_id": garden.id,
        "name": "2栋 1203 装修",
        "kind": "renovation",
        "building": "2栋",
        "floor": "12F",
        "unit": "1203",
        "permit_number": "ZX-2026-041",
        "contractor": "宏达装饰",
        "works_start": "2026-03-01",
        "works_planned_end": "2026-02-01",
        "handover_date": "2025-12-01",
    }
    refused = browser.post("/admin/locations/new", data=form)
    assert refused.status_code == 422
    assert "The planned end cannot be before the start." in refused.get_data(as_text=True)
    response = browser.post("/admin/locations/new", data=form | {"works_planned_end": "2026-05-31"})
    assert response.status_code == 303
    unit = db.session.scalar(select(Location))
    assert (unit.permit_number, unit.contractor, str(unit.works_start), str(unit.works_planned_end)) == (
        "ZX-2026-041",
        "宏达装饰",
        "2026-03-01",
        "2026-05-31",
    )
    assert unit.handover_date is None  # a renovation unit has no handover date: ignored
    page = browser.get(response.location).get_data(as_text=True)
    assert "The location was created." in page and 'value="ZX-2026-041"' in page
    assert [event.details["kind"] for event in _audits("location.created")] == ["renovation"]


def test_only_the_chosen_kinds_details_are_shown_and_kept(browser, two_sites):
    garden, _tower = two_sites
    browser.login("boss")
    extras = browser.get("/admin/locations/new?kind=vacant_unit", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="kind-extras"' in extras and "handover_date" in extras and "permit_number" not in extras
    assert "permit_number" not in browser.get("/admin/locations/new").get_data(as_text=True)
    browser.post(
        "/admin/locations/new",
        data={
            "site_id": garden.id,
            "name": "3栋 801",
            "kind": "floor",
            "permit_number": "ignored",
            "works_start": "not a date",
        },
    )
    location = db.session.scalar(select(Location))
    assert location.permit_number == "" and location.works_start is None


def test_editing_records_the_changed_fields(browser, two_sites, make):
    garden, _tower = two_sites
    location = make.location(garden, name="1栋 5F")
    browser.login("boss")
    response = browser.post(
        f"/admin/locations/{location.id}",
        data={"site_id": garden.id, "name": "1栋 5F 电梯厅", "kind": "common_area", "building": "1栋"},
    )
    assert response.status_code == 303
    assert "The location was saved." in browser.get(response.location).get_data(as_text=True)
    db.session.refresh(location)
    assert (location.name, location.kind) == ("1栋 5F 电梯厅", "common_area")
    (event,) = _audits("location.updated")
    assert event.details["changes"] == {
        "name": {"from": "1栋 5F", "to": "1栋 5F 电梯厅"},
        "kind": {"from": "floor", "to": "common_area"},
    }
    assert _audits("location.moved") == []


def test_moving_a_location_to_another_site_is_audited_from_and_to(browser, two_sites, make):
    garden, tower = two_sites
    location = make.location(garden, name="配电房", floor="B1")
    code = location.short_code
    browser.login("boss")
    response = browser.post(
        f"/admin/locations/{location.id}",
        data={"site_id": tower.id, "name": "配电房", "kind": "floor", "building": "A座", "floor": "B2", "unit": ""},
    )
    assert response.status_code == 303
    db.session.refresh(location)
    assert (location.site_id, location.building, location.floor, location.short_code) == (tower.id, "A座", "B2", code)
    (event,) = _audits("location.moved")
    assert event.details == {"from": f"{garden.name} · 1栋 · B1", "to": f"{tower.name} · A座 · B2"}
    assert _audits("location.updated") == []


def test_a_move_onto_a_site_with_that_name_is_refused(browser, two_sites, make):
    garden, tower = two_sites
    make.location(tower, name="配电房")
    location = make.location(garden, name="配电房")
    browser.login("boss")
    response = browser.post(
        f"/admin/locations/{location.id}", data={"site_id": tower.id, "name": "配电房", "kind": "floor"}
    )
    assert response.status_code == 422
    db.session.refresh(location)
    assert location.site_id == garden.id


def test_a_deactivated_locations_sticker_says_it_is_no_longer_in_use(browser, two_sites, make):
    garden, _tower = two_sites
    location = make.location(garden, name="3栋 702 空置")
    browser.login("boss")
    confirm = browser.get(f"/admin/locations/{location.id}/deactivate").get_data(as_text=True)
    assert "Deactivate 3栋 702 空置?" in confirm
    response = browser.post(f"/admin/locations/{location.id}/deactivate")
    assert response.status_code == 303
    assert "no longer in use" in browser.get(response.location).get_data(as_text=True)
    scan = browser.get(f"/c/{location.qr_token}")
    assert scan.status_code == 410 and "This location is no longer in use" in scan.get_data(as_text=True)
    assert len(_audits("location.deactivated")) == 1
    assert browser.post(f"/admin/locations/{location.id}/reactivate").status_code == 303
    assert browser.get(f"/c/{location.qr_token}").status_code == 200
    assert len(_audits("location.reactivated")) == 1


def test_reactivating_when_the_name_is_taken_again_is_refused(browser, two_sites, make):
    garden, _tower = two_sites
    old = make.location(garden, name="大堂", active=False)
    make.location(garden, name="大堂")
    browser.login("boss")
    response = browser.post(f"/admin/locations/{old.id}/reactivate")
    assert response.status_code == 409
    assert "Another location on this site now has this name." in response.get_data(as_text=True)
    db.session.refresh(old)
    assert not old.active


def test_the_list_filters_searches_and_pages(browser, two_sites, make):
    garden, tower = two_sites
    for number in range(1, 36):
        make.location(garden, name=f"1栋 {number}F", floor=f"{number}F")
    _place(garden, "3栋 702", "vacant_unit", building="3栋", unit="702")
    _place(tower, "A座 1203", "renovation", building="A座", unit="1203")
    _place(tower, "A座 天台", building="A座", active=False)
    browser.login("boss")
    first = browser.get(f"/admin/locations/?site={garden.id}").get_data(as_text=True)
    assert "36 locations" in first and "Page 1 of 2" in first
    assert first.index(">1栋 2F<") < first.index(">1栋 10F<")  # natural order
    second = browser.get(f"/admin/locations/?site={garden.id}&page=2").get_data(as_text=True)
    assert ">1栋 35F<" in second and ">1栋 1F<" not in second and "3栋 702" in second
    renovation = browser.get("/admin/locations/?kind=renovation").get_data(as_text=True)
    assert "1 location" in renovation and "A座 1203" in renovation
    building = browser.get("/admin/locations/?building=A座", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert building.lstrip().startswith('<form id="results"') and "A座 1203" in building and "A座 天台" not in building
    searched = browser.get("/admin/locations/?q=702").get_data(as_text=True)
    assert "1 location" in searched and "3栋 702" in searched
    retired = browser.get("/admin/locations/?status=inactive").get_data(as_text=True)
    assert "A座 天台" in retired and "1 location" in retired


def test_the_list_prints_labels_for_the_selection_or_the_filter(browser, two_sites, make):
    _garden, tower = two_sites
    unit = make.location(tower, kind="renovation", name="A座 1203")
    make.location(tower, name="A座 3F")
    browser.login("boss")
    html = browser.get(f"/admin/locations/?site={tower.id}&kind=renovation").get_data(as_text=True)
    assert 'action="/labels" target="_blank" hx-boost="false"' in html
    assert f'href="/labels?site={tower.id}&amp;ids={unit.id}"' in html
    labels = browser.get(f"/labels?site={tower.id}&ids={unit.id}").get_data(as_text=True)
    assert labels.count('<article class="label">') == 1
    nothing_ticked = browser.get("/labels?ids=0").get_data(as_text=True)
    assert nothing_ticked.count('<article class="label">') == 0


def test_the_exported_csv_is_the_filtered_list(browser, two_sites, make):
    garden, tower = two_sites
    make.location(garden, name="1栋 3F", floor="3F")
    _place(tower, "A座 5F", building="A座", floor="5F")
    browser.login("boss")
    response = browser.get(f"/admin/locations/export.csv?site={garden.id}")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffbuilding,floor,unit,name,kind,checklist,short code\r\n")
    assert "1栋,3F,,1栋 3F,floor," in text and "A座" not in text


LOCATION_URLS = [
    ("get", "/admin/locations/"),
    ("get", "/admin/locations/export.csv"),
    ("get", "/admin/locations/new"),
    ("post", "/admin/locations/new"),
    ("get", "/admin/locations/{id}"),
    ("post", "/admin/locations/{id}"),
    ("get", "/admin/locations/{id}/deactivate"),
    ("post", "/admin/locations/{id}/deactivate"),
    ("get", "/admin/locations/{id}/reactivate"),
    ("post", "/admin/locations/{id}/reactivate"),
    ("get", "/admin/locations/{id}/reissue"),
    ("get", "/admin/locations/import"),
    ("post", "/admin/locations/import"),
    ("get", "/admin/locations/import/template.csv"),
    ("get", "/admin/locations/import/abcdefghijklmnopqrstuvwxyz"),
    ("post", "/admin/locations/import/abcdefghijklmnopqrstuvwxyz"),
]


@pytest.mark.parametrize("username", ["walker", "lead"])
def test_butlers_and_supervisors_may_not_touch_location_setup(browser, two_sites, make, username):
    garden, _tower = two_sites
    location = make.location(garden)
    browser.login(username)
    for method, url in LOCATION_URLS:
        response = getattr(browser, method)(url.format(id=location.id))
        assert response.status_code == 403, (method, url)
    db.session.refresh(location)
    assert location.active and db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_an_archived_site_takes_no_new_locations(browser, two_sites):
    garden, _tower = two_sites
    garden.archived_at = utcnow()
    db.session.commit()
    browser.login("boss")
    response = browser.post("/admin/locations/new", data={"site_id": garden.id, "name": "新点位", "kind": "floor"})
    assert response.status_code == 422 and "This site is archived: choose another." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Location)) == 0
