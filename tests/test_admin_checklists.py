"""Setup › Checklists: drafts, items of every type, publishing versions, copies, and where a checklist applies."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey
from patrol.inspections.scan import scan_page
from patrol.inspections.submission import submit_inspection
from patrol.models import AuditEvent, Checklist, ChecklistAssignment, ChecklistItem, ChecklistVersion
from patrol.setup import catalogue
from patrol.setup.checklist_editor import publish_new_checklist
from patrol.setup.checklists import current_versions_for, items_of
from tests.factories import client_id as make_client_id

BASE = "/admin/checklists"
ITEMS = [
    catalogue.passfail("Fire door closed", "high", photo=False),
    catalogue.passfail("Bins emptied", "low", photo=False),
    catalogue.rating("Corridor clean", threshold=3),
]


@pytest.fixture
def published(make):
    """A floor patrol, published as version 1 and assigned to every floor."""
    return make.checklist(ITEMS, name="Floor patrol")


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _versions(checklist_id):
    query = select(ChecklistVersion).where(ChecklistVersion.checklist_id == checklist_id)
    return list(db.session.scalars(query.order_by(ChecklistVersion.number)))


def _draft(checklist_id):
    [draft] = [v for v in _versions(checklist_id) if v.published_at is None]
    return draft


def _prompts(version_id):
    return [item.prompt for item in items_of(version_id)]


def _item_form(**fields):
    return {
        "prompt": "Exit sign lit",
        "item_type": "passfail",
        "required": "1",
        "default_severity": "high",
        "photo_required_on_fail": "1",
        **fields,
    }


# --- creating ---------------------------------------------------------------------------------------------


def test_starting_from_the_catalogue_creates_a_draft_holding_its_items(browser, admin):
    response = browser.post(f"{BASE}/new", data={"name": "", "start": "renovation"})
    assert response.status_code == 303
    checklist = db.session.scalar(select(Checklist))
    assert checklist.name == catalogue.RENOVATION[0]
    [draft] = _versions(checklist.id)
    assert draft.published_at is None and draft.number == 1
    assert _prompts(draft.id) == [fields["prompt"] for fields in catalogue.RENOVATION[1]]
    trades = items_of(draft.id)[-2]
    assert trades.item_type == "choice" and trades.choices == catalogue.RENOVATION[1][-2]["choices"]
    [event] = _events("checklist.created")
    assert event.actor_id == admin.id and event.target_id == checklist.id and event.details == {"start": "renovation"}
    page = browser.get(response.location).get_data(as_text=True)
    assert "Draft: scans do not use it until it is published." in page and "Publish as version 1" in page


def test_a_model_room_count_from_the_catalogue_keeps_its_name_unless_given_one(browser, admin):
    browser.post(f"{BASE}/new", data={"name": "样板间B 开馆清点", "start": "model_room_opening"})
    checklist = db.session.scalar(select(Checklist))
    opening = catalogue.model_room_checklists("样板间")[0]
    assert checklist.name == "样板间B 开馆清点"
    assert len(items_of(_draft(checklist.id).id)) == len(opening[1])


def test_an_empty_checklist_needs_a_name(browser, admin):
    response = browser.post(f"{BASE}/new", data={"name": " ", "start": ""})
    assert response.status_code == 422 and "Fill this in." in response.get_data(as_text=True)
    assert db.session.scalar(select(Checklist)) is None


def test_an_empty_checklist_starts_with_an_empty_draft(browser, admin):
    browser.post(f"{BASE}/new", data={"name": "Lobby check", "start": ""})
    checklist = db.session.scalar(select(Checklist))
    assert checklist.name == "Lobby check" and items_of(_draft(checklist.id).id) == []


# --- items ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (_item_form(), {"item_type": "passfail", "default_severity": "high", "photo_required_on_fail": True}),
        (_item_form(item_type="rating", threshold="4", required=""), {"threshold": 4, "required": False}),
        (_item_form(item_type="count", expected="2"), {"expected": 2, "threshold": None}),
        (
            _item_form(item_type="number", min_value="0.2", max_value="0,6", unit="MPa"),
            {"min_value": 0.2, "max_value": 0.6, "unit": "MPa"},
        ),
        (
            _item_form(item_type="number", min_value="", max_value="100", unit="kWh"),
            {"min_value": None, "max_value": 100},
        ),
        (
            _item_form(item_type="choice", choices="水电\n油漆\n\n无人施工 ", failing_choices="无人施工"),
            {"choices": ["水电", "油漆", "无人施工"], "failing_choices": ["无人施工"]},
        ),
        (
            _item_form(item_type="text", required="", help_text="Anything else?", photo_required_on_fail="1"),
            {"item_type": "text", "help_text": "Anything else?", "photo_required_on_fail": False},
        ),
    ],
)
def test_every_item_type_can_be_added_with_its_settings(browser, admin, published, sent, stored):
    response = browser.post(f"{BASE}/{published.checklist_id}/items", data=sent, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="items"') and "Exit sign lit" in html
    added = items_of(_draft(published.checklist_id).id)[-1]
    assert added.position == len(ITEMS) + 1 and added.prompt == "Exit sign lit"
    assert {name: getattr(added, name) for name in stored} == stored


@pytest.mark.parametrize(
    ("sent", "error", "shown"),
    [
        (_item_form(item_type="rating", threshold="7"), "Enter a number from 1 to 5.", 'value="7"'),
        (
            _item_form(item_type="number", min_value="10", max_value="2"),
            "The highest value must not be below the lowest.",
            'value="10"',
        ),
        (_item_form(item_type="choice", choices="只有一个"), "Give at least two options, one per line.", "只有一个"),
        (
            _item_form(item_type="choice", choices="充足\n不足", failing_choices="没有"),
            "“没有” is not one of the options.",
            "没有",
        ),
        (_item_form(item_type="choice", choices="充足\n充足"), "Give each option only once.", "充足"),
        (_item_form(item_type="count", expected="-1"), "Enter a number from 0 to 100000.", 'value="-1"'),
        (_item_form(prompt="   "), "Fill this in.", 'aria-describedby="e-new-prompt"'),
    ],
)
def test_bad_item_settings_are_refused_with_the_error_in_place(browser, admin, published, sent, error, shown):
    response = browser.post(f"{BASE}/{published.checklist_id}/items", data=sent, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="items"') and error in html and shown in html
    assert "<details open>" in html  # the add form stays open with the error
    assert not [v for v in _versions(published.checklist_id) if v.published_at is None]


def test_a_bad_edit_without_htmx_shows_the_whole_page_with_the_error(browser, admin, published):
    first = published.items[0]
    response = browser.post(
        f"{BASE}/{published.checklist_id}/items/{first.id}", data=_item_form(item_type="rating", threshold="0")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in html and "Enter a number from 1 to 5." in html


def test_editing_a_published_item_starts_a_draft_and_leaves_the_published_version_untouched(browser, admin, published):
    first = published.items[0]
    response = browser.post(
        f"{BASE}/{published.checklist_id}/items/{first.id}",
        data=_item_form(prompt="Fire door closed and unlocked", default_severity="medium"),
    )
    assert response.status_code == 303
    v1, draft = _versions(published.checklist_id)
    assert v1.id == published.id and v1.published_at is not None and draft.number == 2 and draft.published_at is None
    assert _prompts(v1.id) == [fields["prompt"] for fields in ITEMS]
    assert db.session.get(ChecklistItem, first.id).default_severity == "high"
    assert _prompts(draft.id) == ["Fire door closed and unlocked", "Bins emptied", "Corridor clean"]
    assert items_of(draft.id)[2].threshold == 3  # the other items were copied with their settings


def test_changing_an_item_type_keeps_only_the_new_type_settings(browser, admin, published):
    rating = published.items[2]
    browser.post(
        f"{BASE}/{published.checklist_id}/items/{rating.id}",
        data=_item_form(prompt="Extinguishers", item_type="count", expected="2", threshold="3"),
        htmx=True,
    )
    changed = items_of(_draft(published.checklist_id).id)[2]
    assert (changed.item_type, changed.expected, changed.threshold) == ("count", 2, None)


def test_an_edit_from_a_stale_page_is_refused_once_a_draft_exists(browser, admin, published):
    first, second = published.items[0], published.items[1]
    browser.post(f"{BASE}/{published.checklist_id}/items/{first.id}/move", data={"direction": "down"}, htmx=True)
    response = browser.post(f"{BASE}/{published.checklist_id}/items/{second.id}", data=_item_form(), htmx=True)
    assert response.status_code == 409 and "Reload it." in response.get_data(as_text=True)
    assert _prompts(_draft(published.checklist_id).id) == ["Bins emptied", "Fire door closed", "Corridor clean"]


def test_up_and_down_buttons_reorder_the_draft(browser, admin, published):
    checklist_id = published.checklist_id
    last = published.items[2]
    response = browser.post(f"{BASE}/{checklist_id}/items/{last.id}/move", data={"direction": "up"}, htmx=True)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<section id="items"')
    draft = _draft(checklist_id)
    assert _prompts(draft.id) == ["Fire door closed", "Corridor clean", "Bins emptied"]
    top = items_of(draft.id)[0]
    browser.post(f"{BASE}/{checklist_id}/items/{top.id}/move", data={"direction": "down"}, htmx=True)
    browser.post(f"{BASE}/{checklist_id}/items/{top.id}/move", data={"direction": "down"}, htmx=True)
    browser.post(f"{BASE}/{checklist_id}/items/{top.id}/move", data={"direction": "down"}, htmx=True)  # already last
    items = items_of(draft.id)
    assert [i.prompt for i in items] == ["Corridor clean", "Bins emptied", "Fire door closed"]
    assert [i.position for i in items] == [1, 2, 3]
    assert _prompts(published.id) == ["Fire door closed", "Bins emptied", "Corridor clean"]


def test_removing_an_item_closes_the_gap(browser, admin, published):
    middle = published.items[1]
    browser.post(f"{BASE}/{published.checklist_id}/items/{middle.id}/remove", htmx=True)
    items = items_of(_draft(published.checklist_id).id)
    assert [(i.position, i.prompt) for i in items] == [(1, "Fire door closed"), (2, "Corridor clean")]
    assert len(items_of(published.id)) == 3


# --- publishing -------------------------------------------------------------------------------------------


def _submit_all_passing(butler, location, version):
    values = {"passfail": "pass", "rating": "4", "count": "2", "number": "1", "choice": "", "text": ""}
    key = DraftKey(butler, location, version, make_client_id(), utcnow() - timedelta(minutes=4))
    result = submit_inspection(key, {item.id: AnswerInput(values[item.item_type]) for item in items_of(version.id)})
    assert result.ok
    return result.inspection


def test_a_new_version_only_comes_with_publishing_and_past_inspections_keep_theirs(browser, admin, make, published):
    site = make.site()
    butler = make.user("butler", [site])
    location = make.location(site)
    past = _submit_all_passing(butler, location, scan_page(butler, location, None, resume_hours=6).version)
    checklist_id = published.checklist_id
    browser.post(f"{BASE}/{checklist_id}/items/{published.items[1].id}/remove", htmx=True)
    browser.post(f"{BASE}/{checklist_id}/items", data=_item_form(prompt="Exit sign lit"), htmx=True)

    before = scan_page(butler, location, None, resume_hours=6)
    assert before.version.id == published.id and [i.prompt for i in before.items] == [f["prompt"] for f in ITEMS]

    response = browser.post(f"{BASE}/{checklist_id}/publish")
    assert response.status_code == 303
    assert "Version 2 is published." in browser.get(response.location).get_data(as_text=True)
    after = scan_page(butler, location, None, resume_hours=6)
    assert after.version.number == 2
    assert [i.prompt for i in after.items] == ["Fire door closed", "Corridor clean", "Exit sign lit"]
    assert _submit_all_passing(butler, location, after.version).checklist_version_id == after.version.id

    db.session.expire_all()
    assert past.checklist_version_id == published.id
    assert _prompts(published.id) == ["Fire door closed", "Bins emptied", "Corridor clean"]
    shown = browser.get(f"/inspections/{past.id}").get_data(as_text=True)
    assert "Bins emptied" in shown and "Exit sign lit" not in shown
    [event] = _events("checklist.published")
    assert event.actor_id == admin.id and event.target_id == checklist_id
    assert event.details == {"version": 2, "items": 3}


def test_a_checklist_never_published_is_not_offered_by_scans(browser, admin, make):
    site = make.site()
    butler = make.user("butler", [site])
    location = make.location(site)
    browser.post(f"{BASE}/new", data={"name": "", "start": "floor"})
    checklist = db.session.scalar(select(Checklist))
    browser.post(f"{BASE}/{checklist.id}/assignments/kind", data={"location_kind": "floor", "site": ""})
    assert current_versions_for(location) == []
    assert scan_page(butler, location, None, resume_hours=6).version is None
    browser.post(f"{BASE}/{checklist.id}/publish")
    [version] = current_versions_for(location)
    assert version.number == 1 and len(version.items) == len(catalogue.FLOOR_PATROL[1])


def test_publishing_an_empty_checklist_is_refused(browser, admin):
    browser.post(f"{BASE}/new", data={"name": "Lobby check", "start": ""})
    checklist = db.session.scalar(select(Checklist))
    response = browser.post(f"{BASE}/{checklist.id}/publish")
    assert response.status_code == 422
    assert "Add at least one item before publishing." in response.get_data(as_text=True)
    assert _draft(checklist.id).published_at is None and _events("checklist.published") == []


def test_discarding_the_draft_keeps_the_published_version_in_use(browser, admin, published):
    browser.post(f"{BASE}/{published.checklist_id}/items", data=_item_form(), htmx=True)
    response = browser.post(f"{BASE}/{published.checklist_id}/discard")
    assert response.status_code == 303
    assert [v.id for v in _versions(published.checklist_id)] == [published.id]
    assert len(items_of(published.id)) == 3
    page = browser.get(response.location).get_data(as_text=True)
    assert "Exit sign lit" not in page and "Discard draft" not in page


def test_renaming_shows_in_lists_at_once_and_in_scans_from_the_next_version(browser, admin, published):
    browser.post(f"{BASE}/{published.checklist_id}/name", data={"name": "巡楼（夜班）"})
    assert "巡楼（夜班）" in browser.get(f"{BASE}/").get_data(as_text=True)
    assert db.session.get(ChecklistVersion, published.id).name == "Floor patrol"
    assert _draft(published.checklist_id).name == "巡楼（夜班）"
    browser.post(f"{BASE}/{published.checklist_id}/publish")
    assert _versions(published.checklist_id)[-1].name == "巡楼（夜班）"


def test_a_rename_needs_a_name(browser, admin, published):
    response = browser.post(f"{BASE}/{published.checklist_id}/name", data={"name": ""})
    assert response.status_code == 422 and "Fill this in." in response.get_data(as_text=True)
    assert db.session.get(Checklist, published.checklist_id).name == "Floor patrol"


def test_copying_makes_a_new_unassigned_checklist_whose_draft_holds_the_items(browser, admin, published):
    response = browser.post(f"{BASE}/{published.checklist_id}/copy")
    assert response.status_code == 303
    copy = db.session.scalar(select(Checklist).where(Checklist.id != published.checklist_id))
    assert copy.name == "Floor patrol (copy)" and copy.assignments == []
    [draft] = _versions(copy.id)
    assert draft.published_at is None and _prompts(draft.id) == [f["prompt"] for f in ITEMS]
    assert items_of(draft.id)[2].threshold == 3
    [event] = _events("checklist.copied")
    assert event.target_id == copy.id and event.details["source_id"] == published.checklist_id


# --- history ----------------------------------------------------------------------------------------------


def test_the_version_history_lists_versions_and_shows_each_one_read_only(browser, admin, published):
    browser.post(f"{BASE}/{published.checklist_id}/items", data=_item_form(), htmx=True)
    browser.post(f"{BASE}/{published.checklist_id}/publish")
    history = browser.get(f"{BASE}/{published.checklist_id}/versions").get_data(as_text=True)
    assert "Version 2" in history and "4 items" in history and "Version 1" in history and "3 items" in history
    first = browser.get(f"{BASE}/{published.checklist_id}/versions/1").get_data(as_text=True)
    assert "Bins emptied" in first and "Exit sign lit" not in first and "<form" not in first.split("<main", 1)[1]
    assert browser.get(f"{BASE}/{published.checklist_id}/versions/3").status_code == 404


# --- where it applies -------------------------------------------------------------------------------------


def _unassigned(make):
    """A published checklist that applies nowhere yet."""
    version = publish_new_checklist("Vacant unit", [catalogue.passfail("Windows shut")])
    db.session.commit()
    return version


def test_assigning_to_a_kind_on_all_sites_applies_it_everywhere(browser, admin, make):
    version = _unassigned(make)
    here, there = make.location(make.site(), kind="vacant_unit"), make.location(make.site(), kind="vacant_unit")
    floor = make.location(here.site, kind="floor")
    response = browser.post(
        f"{BASE}/{version.checklist_id}/assignments/kind", data={"location_kind": "vacant_unit", "site": ""}
    )
    assert response.status_code == 303
    assert [v.id for v in current_versions_for(here)] == [version.id] == [v.id for v in current_versions_for(there)]
    assert current_versions_for(floor) == []
    [event] = _events("checklist.assigned")
    assert event.details == {"kind": "vacant_unit", "all_sites": True} and event.site_id is None
    page = browser.get(f"{BASE}/{version.checklist_id}/assignments").get_data(as_text=True)
    assert "Every vacant unit" in page and "all sites" in page


def test_assigning_to_a_kind_on_one_site_leaves_other_sites_alone(browser, admin, make):
    version = _unassigned(make)
    here, there = make.location(make.site(), kind="vacant_unit"), make.location(make.site(), kind="vacant_unit")
    browser.post(
        f"{BASE}/{version.checklist_id}/assignments/kind",
        data={"location_kind": "vacant_unit", "site": str(here.site_id)},
    )
    assert [v.id for v in current_versions_for(here)] == [version.id]
    assert current_versions_for(there) == []
    again = browser.post(
        f"{BASE}/{version.checklist_id}/assignments/kind",
        data={"location_kind": "vacant_unit", "site": str(here.site_id)},
    )
    assert again.status_code == 422 and "It already applies there." in again.get_data(as_text=True)
    assert len(_events("checklist.assigned")) == 1 and _events("checklist.assigned")[0].site_id == here.site_id


def test_assigning_to_single_locations_and_removing_it(browser, admin, make):
    version = _unassigned(make)
    site = make.site()
    picked, other = make.location(site, kind="floor", name="1栋 3F"), make.location(site, kind="floor", name="1栋 4F")
    picker = browser.get(f"{BASE}/{version.checklist_id}/assignments?site={site.id}&q=3F").get_data(as_text=True)
    assert "1栋 3F" in picker and "1栋 4F" not in picker
    browser.post(
        f"{BASE}/{version.checklist_id}/assignments/locations",
        data={"site": str(site.id), "location": [str(picked.id)]},
    )
    assert [v.id for v in current_versions_for(picked)] == [version.id] and current_versions_for(other) == []
    [event] = _events("checklist.assigned")
    assert event.details == {"location_id": picked.id, "location": "1栋 3F"} and event.site_id == site.id

    assignment = db.session.scalar(select(ChecklistAssignment))
    response = browser.post(f"{BASE}/{version.checklist_id}/assignments/{assignment.id}/remove")
    assert response.status_code == 303 and current_versions_for(picked) == []
    [removed] = _events("checklist.unassigned")
    assert removed.details == {"location_id": picked.id, "location": "1栋 3F"}


def test_choosing_no_location_is_refused(browser, admin, make):
    version = _unassigned(make)
    site = make.site()
    make.location(site)
    response = browser.post(f"{BASE}/{version.checklist_id}/assignments/locations", data={"site": str(site.id)})
    assert response.status_code == 422 and "Choose at least one location." in response.get_data(as_text=True)


# --- the list ---------------------------------------------------------------------------------------------


def test_the_list_shows_versions_drafts_and_where_each_applies_and_searches_by_name(browser, admin, make, published):
    site = make.site("翠湖苑")
    make.checklist(
        [catalogue.passfail("Windows shut")],
        name="Vacant unit",
        kind=None,
        location=make.location(site, kind="vacant_unit", name="1栋 501"),
    )
    browser.post(f"{BASE}/{published.checklist_id}/items", data=_item_form(), htmx=True)
    html = browser.get(f"{BASE}/").get_data(as_text=True)
    assert "2 checklists" in html and "Version 1, published" in html and "Draft pending" in html
    assert "Every floor" in html and "1栋 501" in html
    found = browser.get(f"{BASE}/?q=vacant", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.lstrip().startswith('<section id="results"') and "Vacant unit" in found
    assert "Floor patrol" not in found


# --- who may do what --------------------------------------------------------------------------------------


def _posts(checklist_id, item_id):
    return [
        f"{BASE}/new",
        f"{BASE}/{checklist_id}/name",
        f"{BASE}/{checklist_id}/copy",
        f"{BASE}/{checklist_id}/publish",
        f"{BASE}/{checklist_id}/discard",
        f"{BASE}/{checklist_id}/items",
        f"{BASE}/{checklist_id}/items/{item_id}",
        f"{BASE}/{checklist_id}/items/{item_id}/move",
        f"{BASE}/{checklist_id}/items/{item_id}/remove",
        f"{BASE}/{checklist_id}/assignments/kind",
        f"{BASE}/{checklist_id}/assignments/locations",
        f"{BASE}/{checklist_id}/assignments/1/remove",
    ]


def _reads(checklist_id):
    return [
        f"{BASE}/",
        f"{BASE}/{checklist_id}",
        f"{BASE}/{checklist_id}/versions",
        f"{BASE}/{checklist_id}/versions/1",
        f"{BASE}/{checklist_id}/assignments",
    ]


def test_supervisors_read_checklists_without_any_edit_control_and_every_post_is_forbidden(browser, make, published):
    make.user("supervisor", [make.site()], username="lead", locale="en")
    browser.login("lead")
    for url in _reads(published.checklist_id):
        response = browser.get(url)
        assert response.status_code == 200, url
        main = response.get_data(as_text=True).split("<main", 1)[1]
        assert 'method="post"' not in main, url
    page = browser.get(f"{BASE}/{published.checklist_id}").get_data(as_text=True)
    assert "Fire door closed" in page and "Add an item" not in page and "Edit" not in page
    assert browser.get(f"{BASE}/new").status_code == 403
    for url in _posts(published.checklist_id, published.items[0].id):
        assert browser.post(url, data=_item_form(direction="up")).status_code == 403, url
    assert len(_versions(published.checklist_id)) == 1 and _events("checklist.published") == []


@pytest.mark.parametrize("role", ["butler", "steward"])
def test_people_who_patrol_may_not_see_checklist_setup(browser, make, published, role):
    make.user(role, [make.site()], username="walker", locale="en")
    browser.login("walker")
    for url in [*_reads(published.checklist_id), f"{BASE}/new"]:
        assert browser.get(url).status_code == 403, url
    for url in _posts(published.checklist_id, published.items[0].id):
        assert browser.post(url, data=_item_form()).status_code == 403, url


def test_supervisors_see_only_assignments_on_their_own_sites(browser, make):
    mine, theirs = make.site("翠湖苑"), make.site("金桂园")
    version = make.checklist(ITEMS, name="Floor patrol", kind=None, location=make.location(theirs, name="金桂 9F"))
    make.user("supervisor", [mine], username="lead", locale="en")
    browser.login("lead")
    assert "金桂 9F" not in browser.get(f"{BASE}/").get_data(as_text=True)
    assert "金桂 9F" not in browser.get(f"{BASE}/{version.checklist_id}/assignments").get_data(as_text=True)
