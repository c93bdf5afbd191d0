"""Setup › People: administrators add people, change their role and sites, reset passwords, deactivate."""

import re

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.submission import submit_inspection
from patrol.models import AuditEvent, Inspection, User
from patrol.setup.catalogue import passfail
from tests.conftest import SeparateBrowser

PASSWORD = "correct horse battery"


@pytest.fixture
def other(app):
    """A second browser, for the person the administrator is setting up."""
    return SeparateBrowser(app.test_client())


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _shown_password(html: str) -> str:
    match = re.search(r'id="temporary-password">([^<]+)<', html)
    assert match, "no temporary password on the page"
    return match.group(1)


def _invite(browser, **fields):
    data = {"username": "zhangwei", "display_name": "张伟", "role": "butler", "password": "", **fields}
    return browser.post("/admin/people/new", data=data)


def test_a_new_person_gets_a_generated_password_once_and_must_change_it(browser, admin, make, other):
    site = make.site()
    response = _invite(browser, username="ZhangWei", sites=[str(site.id)])
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and "张伟 was added" in html and 'hx-history="false"' in html
    password = _shown_password(html)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    person = db.session.scalar(select(User).where(User.username == "zhangwei"))
    assert (person.role, person.sites, person.must_change_password, person.active) == ("butler", [site], True, True)
    [event] = _events("user.created")
    assert (event.actor_id, event.target_id, event.details) == (
        admin.id,
        person.id,
        {"role": "butler", "sites": [site.name]},
    )
    assert password not in browser.get("/admin/people/").get_data(as_text=True)
    # Their first sign-in works with it, and everything else waits until they choose their own.
    assert other.login("zhangwei", password).status_code == 303
    assert "/account" in other.get("/tasks").location
    changed = other.post("/account/password", data={"password": "my-own-secret", "confirm": "my-own-secret"})
    assert changed.status_code == 303 and other.get("/tasks").status_code == 200


def test_a_typed_temporary_password_is_used_if_long_enough(browser, admin, make, other):
    site = make.site()
    short = _invite(browser, password="short", sites=[str(site.id)])
    assert short.status_code == 422 and "Use at least 10 characters." in short.get_data(as_text=True)
    ok = _invite(browser, password="tell-him-this", sites=[str(site.id)])
    assert ok.status_code == 201 and _shown_password(ok.get_data(as_text=True)) == "tell-him-this"
    assert other.login("zhangwei", "tell-him-this").status_code == 303


def test_adding_a_person_with_mistakes_shows_each_error_in_place(browser, admin, make):
    make.user("butler", [make.site()], username="taken")
    response = _invite(browser, username="张伟", display_name="", role="butler")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use letters, digits, dots, dashes or underscores." in html and 'id="e-username"' in html
    assert 'id="e-display_name"' in html and "Fill this in." in html
    assert 'id="e-sites"' in html and "Give them at least one site." in html
    duplicate = _invite(browser, username="Taken", role="nobody")
    html = duplicate.get_data(as_text=True)
    assert "Someone already has this user name." in html and 'id="e-role"' in html
    assert db.session.scalar(select(User).where(User.display_name == "张伟")) is None


def test_a_site_that_was_not_offered_is_refused(browser, admin):
    response = _invite(browser, sites=["9999"])
    assert response.status_code == 422 and "Choose one of the options." in response.get_data(as_text=True)


def test_an_administrator_needs_no_sites_and_is_given_none(browser, admin, make):
    site = make.site()
    assert _invite(browser, username="second", role="admin").status_code == 201
    assert _invite(browser, username="third", role="admin", sites=[str(site.id)]).status_code == 201
    assert all(user.sites == [] for user in db.session.scalars(select(User).where(User.role == "admin")))


def test_ticked_sites_are_ignored_for_an_administrator(browser, admin, make):
    kept, other = make.site(), make.site()
    person = make.user("admin", [kept], username="deputy")
    response = browser.post(
        f"/admin/people/{person.id}",
        data={"display_name": person.display_name, "role": "admin", "sites": [str(other.id)]},
    )
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.sites == [kept] and _events("user.sites_changed") == []


def test_changing_role_sites_name_and_language_is_audited_from_and_to(browser, admin, make):
    first, second = make.site("一期"), make.site("二期")
    person = make.user("butler", [first], username="liqiang")
    old_name = person.display_name
    response = browser.post(
        f"/admin/people/{person.id}",
        data={"display_name": "李强", "role": "supervisor", "locale": "en", "sites": [str(second.id), str(first.id)]},
    )
    assert response.status_code == 303
    assert "The changes were saved." in browser.get(response.location).get_data(as_text=True)
    db.session.refresh(person)
    assert (person.display_name, person.role, person.locale, person.sites) == (
        "李强",
        "supervisor",
        "en",
        [first, second],
    )
    [updated] = _events("user.updated")
    assert updated.details == {"display_name": {"from": old_name, "to": "李强"}, "locale": {"from": None, "to": "en"}}
    [role] = _events("user.role_changed")
    assert (role.target_id, role.actor_id, role.details) == (
        person.id,
        admin.id,
        {"from": "butler", "to": "supervisor"},
    )
    [sites] = _events("user.sites_changed")
    assert sites.details == {"from": [first.name], "to": [first.name, second.name]}


def test_saving_a_person_unchanged_writes_no_audit_entry(browser, admin, make):
    site = make.site()
    person = make.user("butler", [site], username="same")
    browser.post(
        f"/admin/people/{person.id}",
        data={"display_name": person.display_name, "role": "butler", "locale": "", "sites": [str(site.id)]},
    )
    assert db.session.scalar(select(AuditEvent)) is None


def test_an_htmx_edit_with_mistakes_answers_just_the_form(browser, admin, make):
    person = make.user("butler", [make.site()], username="hx")
    response = browser.post(f"/admin/people/{person.id}", htmx=True, data={"display_name": "", "role": "supervisor"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<form id="person-form"')
    assert "Fill this in." in html and "Give them at least one site." in html
    db.session.refresh(person)
    assert person.role == "butler" and _events("user.role_changed") == []


def test_resetting_a_password_shows_a_new_one_and_the_old_one_stops_working(browser, admin, make, other):
    person = make.user("butler", [make.site()], username="forgot")
    assert "Reset the password?" in browser.get(f"/admin/people/{person.id}/reset").get_data(as_text=True)
    response = browser.post(f"/admin/people/{person.id}/reset")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "The password was reset" in html
    password = _shown_password(html)
    db.session.refresh(person)
    assert person.must_change_password
    assert [event.target_id for event in _events("user.password_reset")] == [person.id]
    assert other.login("forgot", PASSWORD).status_code == 401
    assert other.login("forgot", password).status_code == 303
    assert "/account" in other.get("/").location


def _inspection_by(person, make):
    location = make.location(person.sites[0])
    version = make.checklist([passfail("走廊灯正常", "low")])
    key = DraftKey(person, location, version, "0d7c4b3e-5a2b-4a5e-8f6e-555555555555", utcnow())
    save_answer(key, version.items[0], AnswerInput("pass"))
    return submit_inspection(key, {}).inspection


def test_a_deactivated_person_cannot_sign_in_and_keeps_their_records(browser, admin, make, other):
    person = make.user("butler", [make.site()], username="leaver", locale="en")
    inspection = _inspection_by(person, make)
    other.login("leaver")
    assert other.get("/tasks").status_code == 200
    assert "Deactivate" in browser.get(f"/admin/people/{person.id}/deactivate").get_data(as_text=True)
    response = browser.post(f"/admin/people/{person.id}/deactivate")
    assert response.status_code == 303
    assert "They can no longer sign in; their records are kept." in browser.get(response.location).get_data(
        as_text=True
    )
    db.session.refresh(person)
    assert not person.active
    assert [event.target_id for event in _events("user.deactivated")] == [person.id]
    # Signed out on their next request, and cannot sign in again.
    assert "/login" in other.get("/tasks").location
    assert other.login("leaver").status_code == 401
    assert db.session.get(Inspection, inspection.id).inspector_id == person.id
    listing = browser.get("/admin/people/").get_data(as_text=True)
    assert "leaver" in listing and "Deactivated" in listing


def test_a_reactivated_person_can_sign_in_again(browser, admin, make, other):
    person = make.user("butler", [make.site()], username="back", active=False)
    assert browser.post(f"/admin/people/{person.id}/reactivate").status_code == 303
    assert [event.target_id for event in _events("user.reactivated")] == [person.id]
    assert other.login("back").status_code == 303


def test_an_administrator_cannot_deactivate_themselves(browser, admin):
    assert "/deactivate" not in browser.get(f"/admin/people/{admin.id}").get_data(as_text=True)
    response = browser.post(f"/admin/people/{admin.id}/deactivate")
    assert response.status_code == 409 and "You cannot deactivate yourself." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active and _events("user.deactivated") == []


def test_the_last_active_administrator_cannot_give_up_the_role(browser, admin, make):
    make.user("admin", username="retired", active=False)  # a deactivated admin does not count
    demote = {"display_name": admin.display_name, "role": "supervisor", "sites": [str(make.site().id)]}
    response = browser.post(f"/admin/people/{admin.id}", data=demote)
    assert response.status_code == 422
    assert "They are the last active administrator" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and _events("user.role_changed") == []
    assert browser.get("/admin/people/").status_code == 200  # still in charge
    make.user("admin", username="deputy")
    stepped_down = browser.post(f"/admin/people/{admin.id}", data=demote)
    assert stepped_down.status_code == 303 and stepped_down.location == "/"  # setup is no longer theirs
    db.session.refresh(admin)
    assert admin.role == "supervisor"


def test_the_list_searches_filters_by_role_and_site_and_pages(browser, admin, make):
    east, west = make.site("东区"), make.site("西区")
    make.user("butler", [east], username="wang.fang")
    make.user("supervisor", [west], username="chen.jing")
    db.session.add_all(
        User(username=f"extra{n:02d}", display_name=f"临时工{n:02d}", password_hash="!", role="butler")
        for n in range(30)
    )
    db.session.commit()
    everyone = browser.get("/admin/people/").get_data(as_text=True)
    assert "33 people" in everyone and "Page 1 of 2" in everyone
    assert "临时工29" in browser.get("/admin/people/?page=2").get_data(as_text=True)
    found = browser.get("/admin/people/?q=WANG", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.lstrip().startswith('<section id="results"') and "wang.fang" in found and "chen.jing" not in found
    supervisors = browser.get("/admin/people/?role=supervisor").get_data(as_text=True)
    assert "chen.jing" in supervisors and "wang.fang" not in supervisors
    on_west = browser.get(f"/admin/people/?site={west.id}").get_data(as_text=True)
    assert "chen.jing" in on_west and "wang.fang" not in on_west and "boss" in on_west  # admins see every site


PEOPLE_URLS = [
    ("get", "/admin/people/"),
    ("get", "/admin/people/new"),
    ("post", "/admin/people/new"),
    ("get", "/admin/people/{id}"),
    ("post", "/admin/people/{id}"),
    ("get", "/admin/people/{id}/reset"),
    ("post", "/admin/people/{id}/reset"),
    ("get", "/admin/people/{id}/deactivate"),
    ("post", "/admin/people/{id}/deactivate"),
    ("get", "/admin/people/{id}/reactivate"),
    ("post", "/admin/people/{id}/reactivate"),
]


@pytest.mark.parametrize("role", ["butler", "supervisor"])
@pytest.mark.parametrize(("method", "url"), PEOPLE_URLS)
def test_only_administrators_reach_the_people_pages(browser, make, role, method, url):
    site = make.site()
    target_user = make.user("butler", [site], username="target")
    make.user(role, [site], username="notadmin", locale="en")
    browser.login("notadmin")
    target = url.format(id=target_user.id)
    data = {"username": "sneaky", "display_name": "x", "role": "admin", "sites": [str(site.id)]}
    response = browser.get(target) if method == "get" else browser.post(target, data=data)
    assert response.status_code == 403
    db.session.refresh(target_user)
    assert (target_user.role, target_user.active, target_user.must_change_password) == ("butler", True, False)
    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None
    assert db.session.scalar(select(AuditEvent)) is None
