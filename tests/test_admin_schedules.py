"""Patrol schedules in setup: administrators create, change, stop and restart them; supervisors only read."""

import re
from datetime import time

import pytest
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import AuditEvent, Checklist, Schedule
from tests.conftest import Browser

NEW = "/admin/schedules/new"


@pytest.fixture
def schedule_site(make):
    site = make.site("星河湾")
    other = make.site("远洋")
    admin = make.user("admin", username="boss", locale="en")
    make.user("supervisor", [site], username="sup", locale="en")
    butler = make.user("butler", [site], username="li", locale="en")
    floors = [make.location(site, name=f"1栋 {n}F") for n in (1, 2)]
    vacant = make.location(site, kind="vacant_unit", name="3-1201")
    elsewhere = make.location(other, kind="vacant_unit", name="远洋 5-101")
    version = make.checklist(name="巡楼检查")
    return {
        "site": site,
        "other": other,
        "admin": admin,
        "butler": butler,
        "floors": floors,
        "vacant": vacant,
        "elsewhere": elsewhere,
        "checklist": version.checklist,
    }


def form(schedule_site, **changes) -> dict:
    """A valid daily schedule for every floor, given to the butlers; `changes` replace fields."""
    data = {
        "site": str(schedule_site["site"].id),
        "name": "每日巡楼",
        "checklist": str(schedule_site["checklist"].id),
        "scope": "kind",
        "location_kind": "floor",
        "recurrence": "daily",
        "start_time": "09:00",
        "window_minutes": "60",
        "grace_minutes": "15",
        "responsible_by": "role",
        "responsible_role": "butler",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Schedule))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def boss(browser, schedule_site):
    """The site's administrator, signed in on `browser` (which is returned)."""
    browser.login("boss")
    return browser


def test_an_administrator_creates_an_hourly_schedule(boss, schedule_site):
    response = boss.post(
        NEW, form(schedule_site, recurrence="hourly", every_hours="2", start_time="08:00", end_time="20:00")
    )
    schedule = db.session.scalar(select(Schedule))
    assert response.status_code == 303 and response.location.endswith(f"/admin/schedules/{schedule.id}")
    assert (schedule.recurrence, schedule.every_hours, schedule.start_time, schedule.end_time) == (
        "hourly",
        2,
        time(8),
        time(20),
    )
    assert (schedule.location_kind, schedule.responsible_role, schedule.active) == ("floor", "butler", True)
    page = boss.get(response.location).get_data(as_text=True)
    assert "Every 2 h from 08:00 to 20:00" in page and "每日巡楼" in page


def test_an_end_time_before_the_start_is_a_night_round_into_the_next_morning(boss, schedule_site):
    response = boss.post(
        NEW, form(schedule_site, recurrence="hourly", every_hours="1", start_time="22:00", end_time="06:00")
    )
    schedule = db.session.scalar(select(Schedule))
    assert response.status_code == 303
    assert (schedule.start_time, schedule.end_time) == (time(22), time(6))
    page = boss.get(response.location).get_data(as_text=True)
    assert "Every hour from 22:00 to 06:00 the next morning" in page


def test_a_schedule_may_allow_missed_rounds_to_be_made_up(boss, schedule_site):
    response = boss.post(NEW, form(schedule_site, makeup_hours="4"))
    schedule = db.session.scalar(select(Schedule))
    assert response.status_code == 303 and schedule.makeup_hours == 4
    assert "made up within 4 h after" in boss.get(response.location).get_data(as_text=True)
    assert db.session.scalar(select(Schedule)).makeup_hours == 4


def test_an_administrator_creates_a_daily_schedule_for_one_person(boss, schedule_site):
    response = boss.post(
        NEW, form(schedule_site, responsible_by="person", responsible_user=str(schedule_site["butler"].id))
    )
    schedule = db.session.scalar(select(Schedule))
    assert response.status_code == 303
    assert (schedule.responsible_user.username, schedule.responsible_role) == ("li", None)
    assert (schedule.recurrence, schedule.start_time, schedule.end_time, schedule.weekdays) == (
        "daily",
        time(9),
        None,
        [],
    )


def test_an_administrator_creates_a_weekly_schedule_of_hand_picked_units(boss, schedule_site):
    response = boss.post(
        NEW,
        form(
            schedule_site,
            name="空置房周检",
            scope="picked",
            locations=[str(schedule_site["vacant"].id)],
            recurrence="weekly",
            weekdays=["3", "0"],
            start_time="10:00",
        ),
    )
    schedule = db.session.scalar(select(Schedule))
    assert response.status_code == 303
    assert (schedule.weekdays, schedule.location_kind, schedule.locations) == ([0, 3], None, [schedule_site["vacant"]])
    listing = boss.get("/admin/schedules/").get_data(as_text=True)
    assert "Weekly on Mon, Thu at 10:00" in listing and "1 picked location" in listing


def test_creating_a_schedule_is_audited(boss, schedule_site):
    boss.post(NEW, form(schedule_site))
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.target_label, event.actor.username) == ("schedule.created", "每日巡楼", "boss")
    assert event.site_id == schedule_site["site"].id and event.details["recurrence"] == "daily"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"checklist": ""}, "checklist"),
        ({"location_kind": "basement"}, "location_kind"),
        ({"scope": "picked"}, "locations"),
        ({"recurrence": "monthly"}, "recurrence"),
        ({"start_time": ""}, "start_time"),
        ({"start_time": "25:00"}, "start_time"),
        ({"recurrence": "hourly", "every_hours": "0", "end_time": "20:00"}, "every_hours"),
        ({"recurrence": "hourly", "every_hours": "13", "end_time": "20:00"}, "every_hours"),
        ({"recurrence": "hourly", "every_hours": "2"}, "end_time"),
        ({"recurrence": "hourly", "every_hours": "2", "end_time": "09:00"}, "end_time"),
        ({"makeup_hours": "49"}, "makeup_hours"),
        ({"makeup_hours": "-1"}, "makeup_hours"),
        ({"recurrence": "weekly"}, "weekdays"),
        ({"recurrence": "weekly", "weekdays": ["7"]}, "weekdays"),
        ({"window_minutes": "4"}, "window_minutes"),
        ({"window_minutes": "1441"}, "window_minutes"),
        ({"grace_minutes": "-1"}, "grace_minutes"),
        ({"grace_minutes": "721"}, "grace_minutes"),
        ({"grace_minutes": "soon"}, "grace_minutes"),
        ({"responsible_by": None}, "responsible_by"),
        ({"responsible_by": "person"}, "responsible_user"),
        ({"responsible_role": "admin"}, "responsible_role"),
        ({"site": ""}, "site"),
    ],
)
def test_an_invalid_schedule_is_refused_with_the_error_on_its_field(boss, schedule_site, changes, field):
    response = boss.post(NEW, form(schedule_site, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="e-{field}"' in html, field
    assert html.count('class="field-error"') == 1
    assert stored() == 0 and actions() == []


def test_a_checklist_never_published_cannot_be_scheduled(boss, schedule_site):
    draft = Checklist(name="草稿")
    db.session.add(draft)
    db.session.commit()
    response = boss.post(NEW, form(schedule_site, checklist=str(draft.id)))
    assert response.status_code == 422 and 'id="e-checklist"' in response.get_data(as_text=True)
    assert "草稿" not in boss.get(NEW).get_data(as_text=True)
    assert stored() == 0


def test_hand_picked_locations_must_be_active_and_on_the_schedules_site(boss, schedule_site):
    response = boss.post(
        NEW,
        form(
            schedule_site,
            scope="picked",
            locations=[str(schedule_site["vacant"].id), str(schedule_site["elsewhere"].id)],
        ),
    )
    assert response.status_code == 422
    assert "Pick active locations on this site only." in response.get_data(as_text=True)
    schedule_site["vacant"].active = False
    db.session.commit()
    response = boss.post(NEW, form(schedule_site, scope="picked", locations=[str(schedule_site["vacant"].id)]))
    assert response.status_code == 422 and stored() == 0


def test_the_responsible_person_must_be_given_the_site(boss, schedule_site, make):
    stranger = make.user("butler", [schedule_site["other"]], username="wang")
    response = boss.post(NEW, form(schedule_site, responsible_by="person", responsible_user=str(stranger.id)))
    assert response.status_code == 422
    assert "Choose someone who is given this site." in response.get_data(as_text=True)
    assert stored() == 0


def test_a_schedule_on_a_site_the_user_cannot_see_is_refused(browser, schedule_site, make):
    make.user("admin", username="root", locale="en")
    browser.login("root")
    # Administrators see every site: an unknown id is what they cannot choose.
    response = browser.post(NEW, form(schedule_site, site="99999"))
    assert response.status_code == 422 and 'id="e-site"' in response.get_data(as_text=True)


def test_a_refused_htmx_post_answers_with_just_the_form(boss, schedule_site):
    response = boss.post(NEW, form(schedule_site, name=""), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="schedule-form"') and "<html" not in html
    assert "Fill this in." in html


def test_choosing_another_recurrence_redraws_the_form_with_its_fields(boss, schedule_site):
    query = form(schedule_site, recurrence="weekly")
    html = boss.get(NEW, query_string=query, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<form id="schedule-form"')
    assert 'name="weekdays"' in html and 'name="end_time"' not in html
    hourly = boss.get(NEW, query_string=form(schedule_site, recurrence="hourly")).get_data(as_text=True)
    assert 'name="end_time"' in hourly and 'name="every_hours"' in hourly and 'name="weekdays"' not in hourly


def test_the_location_picker_lists_the_chosen_sites_locations_and_people(boss, schedule_site):
    html = boss.get(NEW, query_string=form(schedule_site, scope="picked", responsible_by="person")).get_data(
        as_text=True
    )
    assert "3-1201" in html and "1栋 1F" in html and "远洋 5-101" not in html
    assert ">butler 测试</option>" in html  # li, given this site
    query = form(schedule_site, site=str(schedule_site["other"].id), scope="picked")
    other = boss.get(NEW, query_string=query).get_data(as_text=True)
    assert "远洋 5-101" in other and "3-1201" not in other


def test_searching_the_picker_keeps_what_is_already_picked(boss, schedule_site):
    query = form(schedule_site, scope="picked", location_search="3-12")
    query["locations"] = [str(schedule_site["floors"][0].id)]
    html = boss.get(NEW, query_string=query).get_data(as_text=True)
    assert "3-1201" in html and "1栋 1F" in html and "1栋 2F" not in html
    assert re.search(rf'name="locations" value="{schedule_site["floors"][0].id}"\s+checked', html)
    assert not re.search(rf'name="locations" value="{schedule_site["vacant"].id}"\s+checked', html)


def _create(boss, schedule_site, **changes) -> Schedule:
    boss.post(NEW, form(schedule_site, **changes))
    return db.session.scalar(select(Schedule).order_by(Schedule.id.desc()))


def test_editing_a_schedule_records_what_changed(boss, schedule_site):
    schedule = _create(boss, schedule_site)
    response = boss.post(
        f"/admin/schedules/{schedule.id}/edit", form(schedule_site, name="晚间巡楼", start_time="21:00")
    )
    assert response.status_code == 303
    db.session.refresh(schedule)
    assert (schedule.name, schedule.start_time) == ("晚间巡楼", time(21))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "schedule.updated"))
    assert event.details == {
        "name": {"from": "每日巡楼", "to": "晚间巡楼"},
        "start_time": {"from": "09:00", "to": "21:00"},
    }


def test_the_edit_form_starts_from_the_schedule(boss, schedule_site):
    schedule = _create(boss, schedule_site, recurrence="weekly", weekdays=["4"], start_time="16:30")
    html = boss.get(f"/admin/schedules/{schedule.id}/edit").get_data(as_text=True)
    assert 'value="每日巡楼"' in html and 'value="16:30"' in html
    assert re.search(r'name="weekdays" value="4"\s+checked', html)
    assert not re.search(r'name="weekdays" value="3"\s+checked', html)


def test_a_refused_edit_changes_nothing(boss, schedule_site):
    schedule = _create(boss, schedule_site)
    response = boss.post(f"/admin/schedules/{schedule.id}/edit", form(schedule_site, name="新名字", window_minutes="0"))
    assert response.status_code == 422
    db.session.refresh(schedule)
    assert schedule.name == "每日巡楼" and actions() == ["schedule.created"]


def test_stopping_and_restarting_a_schedule(boss, schedule_site):
    schedule = _create(boss, schedule_site)
    assert boss.post(f"/admin/schedules/{schedule.id}/stop").status_code == 303
    db.session.refresh(schedule)
    page = boss.get(f"/admin/schedules/{schedule.id}").get_data(as_text=True)
    assert schedule.active is False and "Stopped" in page and "no rounds fall due" in page
    assert "Restart schedule" in page
    boss.post(f"/admin/schedules/{schedule.id}/stop")  # a second stop changes nothing
    assert boss.post(f"/admin/schedules/{schedule.id}/restart").status_code == 303
    db.session.refresh(schedule)
    assert schedule.active is True
    assert actions() == ["schedule.created", "schedule.deactivated", "schedule.reactivated"]


def test_the_schedule_page_shows_the_next_five_rounds_on_the_sites_clock(boss, schedule_site):
    schedule = _create(boss, schedule_site, start_time="07:45", window_minutes="30", grace_minutes="10")
    html = boss.get(f"/admin/schedules/{schedule.id}").get_data(as_text=True)
    rounds = re.findall(r"<td>(\d{4}-\d\d-\d\d 07:45)</td>\s*<td>08:15</td>\s*<td>08:25</td>", html)
    assert len(rounds) == 5 and rounds == sorted(set(rounds))
    assert "1栋 1F" in html and "1栋 2F" in html and "3-1201" not in html


def test_the_rounds_are_headed_by_when_they_start_not_by_a_deadline(boss, schedule_site):
    schedule = _create(boss, schedule_site)
    html = boss.get(f"/admin/schedules/{schedule.id}").get_data(as_text=True)
    assert "<th>Round starts</th><th>On time until</th><th>Late until</th>" in html
    schedule_site["admin"].locale = "zh_Hans"
    db.session.commit()
    html = boss.get(f"/admin/schedules/{schedule.id}").get_data(as_text=True)
    assert "<th>应巡时间</th>" in html and "截止时间" not in html
    assert "每天 09:00" in html and "全部楼层" in html and "角色：管家" in html


def test_the_list_says_each_schedule_in_words_and_searches_by_name(boss, schedule_site):
    _create(
        boss, schedule_site, name="楼层巡查", recurrence="hourly", every_hours="2", start_time="08:00", end_time="20:00"
    )
    _create(boss, schedule_site, name="空置房周检", recurrence="weekly", weekdays=["0", "3"], start_time="10:00")
    html = boss.get("/admin/schedules/").get_data(as_text=True)
    assert "Every 2 h from 08:00 to 20:00" in html and "Weekly on Mon, Thu at 10:00" in html
    assert "All: Floor" in html and "Role: Butler" in html and "巡楼检查" in html and "Active" in html
    found = boss.get("/admin/schedules/?q=空置", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.lstrip().startswith('<section id="results"')
    assert "空置房周检" in found and "楼层巡查" not in found


def test_the_list_filters_by_site(boss, schedule_site):
    _create(boss, schedule_site, name="星河湾巡楼")
    _create(boss, schedule_site, name="远洋空置房", site=str(schedule_site["other"].id), location_kind="vacant_unit")
    html = boss.get(f"/admin/schedules/?site={schedule_site['other'].id}").get_data(as_text=True)
    assert "远洋空置房" in html and "星河湾巡楼" not in html


def test_supervisors_read_schedules_without_edit_controls(boss, schedule_site, browser, client):
    schedule = _create(boss, schedule_site)
    client.post("/logout", headers={"X-CSRFToken": browser.token})
    browser.login("sup")
    listing = browser.get("/admin/schedules/")
    page = browser.get(f"/admin/schedules/{schedule.id}")
    assert listing.status_code == 200 and page.status_code == 200
    assert "每日巡楼" in listing.get_data(as_text=True)
    for html in (listing.get_data(as_text=True), page.get_data(as_text=True)):
        assert "New schedule" not in html and "Edit" not in html and "Stop schedule" not in html
    assert browser.get(NEW).status_code == 403
    assert browser.get(f"/admin/schedules/{schedule.id}/edit").status_code == 403
    assert browser.post(NEW, form(schedule_site)).status_code == 403
    assert browser.post(f"/admin/schedules/{schedule.id}/edit", form(schedule_site, name="x")).status_code == 403
    assert browser.post(f"/admin/schedules/{schedule.id}/stop").status_code == 403
    assert browser.post(f"/admin/schedules/{schedule.id}/restart").status_code == 403
    assert stored() == 1 and actions() == ["schedule.created"]


def test_supervisors_of_another_site_cannot_see_the_schedule(boss, schedule_site, browser, client, make):
    schedule = _create(boss, schedule_site)
    make.user("supervisor", [schedule_site["other"]], username="far", locale="en")
    client.post("/logout", headers={"X-CSRFToken": browser.token})
    browser.login("far")
    assert browser.get(f"/admin/schedules/{schedule.id}").status_code == 403
    assert "每日巡楼" not in browser.get("/admin/schedules/").get_data(as_text=True)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/admin/schedules/"),
        ("get", "/admin/schedules/{id}"),
        ("get", NEW),
        ("post", NEW),
        ("post", "/admin/schedules/{id}/stop"),
    ],
)
def test_butlers_may_not_see_or_change_schedules(boss, schedule_site, browser, client, method, path):
    schedule = _create(boss, schedule_site)
    client.post("/logout", headers={"X-CSRFToken": browser.token})
    browser.login("li")
    url = path.format(id=schedule.id)
    response = browser.get(url) if method == "get" else browser.post(url, form(schedule_site))
    assert response.status_code == 403


def test_adding_someone_from_a_schedule_carries_what_was_typed_and_comes_back(boss, schedule_site, make):
    empty = make.site("空站")
    typed = form(schedule_site, site=str(empty.id), name="周巡空置房", recurrence="weekly", weekdays="3")
    answer = boss.post(f"{NEW}/add-person", typed)
    assert answer.status_code == 303 and stored() == 0  # nothing saved: the form may be half done
    invite = boss.get(answer.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'id="f-sites-{empty.id}"[^>]*checked', invite)
    back = re.search(r'id="person-form".*?name="next" value="([^"]+)"', invite, re.S).group(1).replace("&amp;", "&")
    assert back.startswith(f"{NEW}?") and "csrf_token" not in back
    again = boss.get(back).get_data(as_text=True)
    assert 'value="周巡空置房"' in again and re.search(r'id="f-weekdays-3"[^>]*checked', again)


def test_the_way_back_from_the_invite_form_stays_on_the_schedule_pages(boss, schedule_site):
    for elsewhere in ("https://evil.example/admin/schedules/new", "//evil.example/admin/schedules/", "/admin/people/"):
        invite = boss.get("/admin/people/new", query_string={"next": elsewhere}).get_data(as_text=True)
        assert 'name="next"' not in invite.split('id="person-form"', 1)[1]


def test_a_supervisor_cannot_use_the_way_to_the_invite_form(app, schedule_site):
    supervisor = Browser(app.test_client())
    supervisor.login("sup")
    assert supervisor.post(f"{NEW}/add-person", form(schedule_site)).status_code == 403
