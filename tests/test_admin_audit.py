"""The audit log: administrators read who changed what in setup, newest first, filtered by action or person."""

import ast
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from patrol import presenters
from patrol.extensions import db
from patrol.models import Checklist, Schedule
from patrol.setup.audit import record
from patrol.setup.locations import reissue_code
from patrol.setup.schedules import stop_schedule

LOG = "/admin/audit/"


def results(response) -> str:
    """The entries part of the page (the action filter above it names every action too)."""
    return response.get_data(as_text=True).split('id="results"')[1]


@pytest.fixture
def audited_site(make):
    site = make.site("星河湾")
    admin = make.user("admin", username="boss", locale="en")
    admin.display_name = "陈静"
    db.session.commit()
    make.user("supervisor", [site], username="sup", locale="en")
    make.user("butler", [site], username="li", locale="en")
    return {"site": site, "admin": admin, "location": make.location(site, name="1栋 9F")}


def _schedule(audited_site) -> Schedule:
    checklist = Checklist(name="巡楼检查")
    schedule = Schedule(
        site=audited_site["site"],
        name="每日巡楼",
        checklist=checklist,
        location_kind="floor",
        recurrence="daily",
        start_time=time(9),
    )
    db.session.add(schedule)
    db.session.commit()
    return schedule


def test_a_reissued_qr_code_shows_who_what_and_the_old_and_new_codes(browser, audited_site):
    location = audited_site["location"]
    old_code = location.short_code
    reissue_code(location, actor=audited_site["admin"])
    browser.login("boss")
    html = results(browser.get(LOG))
    assert "QR code re-issued" in html and "1栋 9F" in html and "陈静" in html
    assert f"Code: {old_code} → {location.short_code}" in html


def test_entries_are_newest_first(browser, audited_site):
    reissue_code(audited_site["location"], actor=audited_site["admin"])
    stop_schedule(_schedule(audited_site), audited_site["admin"])
    browser.login("boss")
    html = results(browser.get(LOG))
    assert html.index("Schedule stopped") < html.index("QR code re-issued")


def test_the_log_filters_by_action(browser, audited_site):
    reissue_code(audited_site["location"], actor=audited_site["admin"])
    stop_schedule(_schedule(audited_site), audited_site["admin"])
    browser.login("boss")
    html = browser.get(LOG, query_string={"action": "qr.reissued"}).get_data(as_text=True)
    entries = html.split('id="results"')[1]
    assert "QR code re-issued" in entries and "Schedule stopped" not in entries
    assert '<option value="qr.reissued" selected>' in html


def test_the_log_filters_by_person(browser, audited_site, make):
    other = make.user("admin", username="zhou", locale="en")
    reissue_code(audited_site["location"], actor=audited_site["admin"])
    stop_schedule(_schedule(audited_site), other)
    browser.login("boss")
    html = browser.get(LOG, query_string={"person": other.id}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results"')
    assert "Schedule stopped" in html and "QR code re-issued" not in html


def test_times_are_shown_on_the_sites_clock(browser, audited_site):
    event = record(audited_site["admin"], "site.updated", audited_site["site"], name={"from": "旧名", "to": "星河湾"})
    event.created_at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    db.session.commit()
    browser.login("boss")
    html = browser.get(LOG).get_data(as_text=True)
    assert "2026-03-02 09:30" in html  # Asia/Shanghai
    assert "Name: 旧名 → 星河湾" in html


def test_details_read_as_words(browser, audited_site, make):
    butler = make.user("butler", username="wu")
    record(audited_site["admin"], "user.role_changed", butler, role={"from": "butler", "to": "supervisor"})
    record(audited_site["admin"], "user.deactivated", butler, active=False, sites=["星河湾", "远洋"])
    db.session.commit()
    browser.login("boss")
    html = browser.get(LOG).get_data(as_text=True)
    assert "Role: Butler → Supervisor" in html
    assert "In use: no" in html and "Sites: 星河湾, 远洋" in html


def test_the_log_pages_by_fifty(browser, audited_site):
    for _ in range(51):
        record(audited_site["admin"], "qr.reissued", audited_site["location"])
    db.session.commit()
    browser.login("boss")
    first = results(browser.get(LOG))
    second = results(browser.get(LOG, query_string={"page": 2}))
    assert first.count("QR code re-issued") == 50 and "Older" in first
    assert second.count("QR code re-issued") == 1 and "Newer" in second and "Older" not in second


@pytest.mark.parametrize("username", ["sup", "li"])
def test_only_administrators_read_the_log(browser, audited_site, username):
    reissue_code(audited_site["location"], actor=audited_site["admin"])
    browser.login(username)
    assert browser.get(LOG).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, audited_site):
    response = client.get(LOG)
    assert response.status_code == 302 and "/login" in response.location


def test_details_are_worded_in_chinese_with_chinese_punctuation(browser, audited_site, make):
    make.user("admin", username="zhang", locale="zh_Hans")
    butler = make.user("butler", username="wu")
    record(audited_site["admin"], "user.role_changed", butler, **{"from": "butler", "to": "supervisor"})
    record(audited_site["admin"], "location.created", audited_site["location"], kind="floor", place="1栋 · 13F")
    record(
        audited_site["admin"],
        "checklist.assigned",
        Checklist(name="巡楼检查"),
        site_id=audited_site["site"].id,
        kind="vacant_unit",
        all_sites=False,
    )
    db.session.commit()
    browser.login("zhang")
    html = results(browser.get(LOG))
    assert "角色：管家 → 主管" in html
    assert "类型：楼层" in html and "位置：1栋 · 13F" in html and "类型：空置房" in html
    for raw in ("butler", "supervisor", "floor", "place", "vacant_unit", "site_id", "all_sites", ": "):
        assert raw not in html.split("</time>", 1)[1], raw


def test_a_schedule_change_names_its_fields_and_values(browser, audited_site):
    record(
        audited_site["admin"],
        "schedule.updated",
        _schedule(audited_site),
        recurrence={"from": "daily", "to": "weekly"},
        weekdays={"from": None, "to": [0, 3]},
        responsible_role={"from": "butler", "to": "steward"},
    )
    db.session.commit()
    browser.login("boss")
    html = results(browser.get(LOG))
    assert "Repeats: Daily → Weekly" in html and "Days: — → Mon, Thu" in html
    assert "Responsible role: Butler → Model-room steward" in html


def test_a_location_edit_lists_each_changed_field(browser, audited_site):
    record(
        audited_site["admin"],
        "location.updated",
        audited_site["location"],
        changes={"kind": {"from": "floor", "to": "model_room"}, "contractor": {"from": "", "to": "宏达装饰"}},
    )
    db.session.commit()
    browser.login("boss")
    html = results(browser.get(LOG))
    assert "Kind: Floor → Model room" in html and "Contractor: — → 宏达装饰" in html and "changes" not in html


def _recorded_keys() -> set[str]:
    """Every detail key services pass to record(): its keywords, and the keys of the dicts they spread
    (`**{"from": …}`) or build in a `_snapshot` function (a schedule's fields)."""
    keys = set()
    for path in Path(presenters.__file__).parent.parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record":
                keys |= {keyword.arg for keyword in node.keywords if keyword.arg}
                spread = [keyword.value for keyword in node.keywords if keyword.arg is None]
                keys |= {key.value for value in spread if isinstance(value, ast.Dict) for key in value.keys}
            if isinstance(node, ast.FunctionDef) and node.name == "_snapshot":
                keys |= {key.value for inner in ast.walk(node) if isinstance(inner, ast.Dict) for key in inner.keys}
    return keys - {"label", "site_id", "from", "to", "changes"}


def test_every_detail_a_service_records_has_a_word():
    from patrol.setup import location_admin, sites

    keys = _recorded_keys() | set(sites._TRACKED) | set(location_admin.MAX_LENGTHS)
    keys |= {name for fields in location_admin.KIND_FIELDS.values() for name in fields}
    keys |= {"display_name", "locale"}  # patrol.setup.people.update_person's changes
    keys = {key[4:] if key.startswith(("old_", "new_")) else key for key in keys}
    assert keys - presenters.HIDDEN_FIELDS - set(presenters.FIELD_WORDS) == set()
