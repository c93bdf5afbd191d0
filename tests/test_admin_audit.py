"""The audit log: administrators read who changed what in setup, newest first, filtered by action or person."""
from datetime import datetime, time, timezone

import pytest

from patrol.extensions import db
from patrol.models import Checklist, Schedule
from patrol.services.audit import record
from patrol.services.locations import reissue_code
from patrol.services.schedules import stop_schedule

LOG = "/admin/audit/"


def results(response) -> str:
    """The entries part of the page (the action filter above it names every action too)."""
    return response.get_data(as_text=True).split('id="results"')[1]


@pytest.fixture
def estate(make):
    site = make.site("星河湾")
    admin = make.user("admin", username="boss", locale="en")
    admin.display_name = "陈静"
    db.session.commit()
    make.user("supervisor", [site], username="sup", locale="en")
    make.user("butler", [site], username="li", locale="en")
    return {"site": site, "admin": admin, "location": make.location(site, name="1栋 9F")}


def _schedule(estate) -> Schedule:
    checklist = Checklist(name="巡楼检查")
    schedule = Schedule(site=estate["site"], name="每日巡楼", checklist=checklist, location_kind="floor",
                        recurrence="daily", start_time=time(9))
    db.session.add(schedule)
    db.session.commit()
    return schedule


def test_a_reissued_qr_code_shows_who_what_and_the_old_and_new_codes(browser, estate):
    location = estate["location"]
    old_code = location.short_code
    reissue_code(location, actor=estate["admin"])
    browser.login("boss")
    html = results(browser.get(LOG))
    assert "QR code re-issued" in html and "1栋 9F" in html and "陈静" in html
    assert f"old code {old_code} → new code {location.short_code}" in html


def test_entries_are_newest_first(browser, estate):
    reissue_code(estate["location"], actor=estate["admin"])
    stop_schedule(_schedule(estate), estate["admin"])
    browser.login("boss")
    html = results(browser.get(LOG))
    assert html.index("Schedule stopped") < html.index("QR code re-issued")


def test_the_log_filters_by_action(browser, estate):
    reissue_code(estate["location"], actor=estate["admin"])
    stop_schedule(_schedule(estate), estate["admin"])
    browser.login("boss")
    html = browser.get(LOG, query_string={"action": "qr.reissued"}).get_data(as_text=True)
    entries = html.split('id="results"')[1]
    assert "QR code re-issued" in entries and "Schedule stopped" not in entries
    assert '<option value="qr.reissued" selected>' in html


def test_the_log_filters_by_person(browser, estate, make):
    other = make.user("admin", username="zhou", locale="en")
    reissue_code(estate["location"], actor=estate["admin"])
    stop_schedule(_schedule(estate), other)
    browser.login("boss")
    html = browser.get(LOG, query_string={"person": other.id}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results"')
    assert "Schedule stopped" in html and "QR code re-issued" not in html


def test_times_are_shown_on_the_sites_clock(browser, estate):
    event = record(estate["admin"], "site.updated", estate["site"], name={"from": "旧名", "to": "星河湾"})
    event.created_at = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)
    db.session.commit()
    browser.login("boss")
    html = browser.get(LOG).get_data(as_text=True)
    assert "2026-03-02 09:30" in html  # Asia/Shanghai
    assert "name: 旧名 → 星河湾" in html


def test_details_read_as_words(browser, estate, make):
    butler = make.user("butler", username="wu")
    record(estate["admin"], "user.role_changed", butler, role={"from": "butler", "to": "supervisor"})
    record(estate["admin"], "user.deactivated", butler, active=False, sites=["星河湾", "远洋"])
    db.session.commit()
    browser.login("boss")
    html = browser.get(LOG).get_data(as_text=True)
    assert "role: butler → supervisor" in html
    assert "active: no" in html and "sites: 星河湾, 远洋" in html


def test_the_log_pages_by_fifty(browser, estate):
    for _ in range(51):
        record(estate["admin"], "qr.reissued", estate["location"])
    db.session.commit()
    browser.login("boss")
    first = results(browser.get(LOG))
    second = results(browser.get(LOG, query_string={"page": 2}))
    assert first.count("QR code re-issued") == 50 and "Older" in first
    assert second.count("QR code re-issued") == 1 and "Newer" in second and "Older" not in second


@pytest.mark.parametrize("username", ["sup", "li"])
def test_only_administrators_read_the_log(browser, estate, username):
    reissue_code(estate["location"], actor=estate["admin"])
    browser.login(username)
    assert browser.get(LOG).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, estate):
    response = client.get(LOG)
    assert response.status_code == 302 and "/login" in response.location
