"""The rectification notice (整改通知单): exactly the open tasks of a unit or a site, in the site's language
whoever prints it, with signature lines; supervisors print them, nobody else."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Task, TaskEvent, TaskNotice
from patrol.tasks import notices
from patrol.tasks.photos import process_uploads
from patrol.tasks.reports import ReportDraft, save_report
from patrol.views.uploads import photo_limits
from tests.conftest import SeparateBrowser
from tests.factories import jpeg_bytes
from tests.task_crew import make_crew, patrol


def raise_task(site, location, raised_by, title, *, status="open", severity="medium", place=""):
    now = utcnow()
    task = Task(
        site_id=site.id,
        location_id=location.id if location else None,
        place=place,
        source="report",
        title=title,
        detail=title,
        severity=severity,
        status=status,
        raised_by_id=raised_by.id,
        due_at=now + timedelta(hours=24),
        created_at=now,
        closed_at=now if status in ("closed", "cancelled") else None,
    )
    db.session.add(task)
    db.session.add(TaskEvent(task=task, kind="reported", actor_id=raised_by.id, note=title, to_status="open"))
    db.session.commit()
    return task


@pytest.fixture
def estate(make):
    """A site with two renovation units and their tasks in every state, and another site's task."""
    site = make.site("Harbour View ")
    supervisor = make.user("supervisor", [site], username="sue")  # no language chosen: the browser's
    butler = make.user("butler", [site], username="amy")
    unit = make.location(
        site, kind="renovation", name="1栋 1201 装修", contractor="宏达装饰", permit_number="ZX-2024-017"
    )
    other_unit = make.location(site, kind="renovation", name="1栋 1502 装修")
    open_here = [
        raise_task(site, unit, butler, "阳台堆放建筑垃圾", severity="high"),
        raise_task(site, unit, butler, "消防栓被遮挡", status="assigned"),
        raise_task(site, unit, butler, "电线裸露", status="fixed"),
    ]
    raise_task(site, unit, butler, "已整改的问题", status="closed")
    raise_task(site, unit, butler, "重复上报", status="cancelled")
    next_door = raise_task(site, other_unit, butler, "门口未铺保护膜", status="in_progress")
    by_the_gate = raise_task(site, None, butler, "东门道闸损坏", place="东门停车场")
    elsewhere = make.site("Riverside ")
    raise_task(elsewhere, make.location(elsewhere, kind="renovation", name="2栋 301"), butler, "别的小区的问题")
    return site, unit, open_here, [next_door, by_the_gate], supervisor


def notice_titles(html: str) -> list[str]:
    return re.findall(r'<td class="what"[^>]*>([^<]*)</td>', html)


def test_a_units_sheet_lists_exactly_its_open_tasks(browser, estate):
    site, unit, open_here, _others, _sue = estate
    browser.login("sue")
    response = browser.get(f"/notices?site={site.id}&location={unit.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert sorted(notice_titles(html)) == sorted(task.detail for task in open_here)
    assert html.count('<article class="notice">') == 3
    assert "宏达装饰" in html and "ZX-2024-017" in html
    for task in open_here:
        assert notices.notice_number(task) in html


def test_a_sites_sheet_lists_every_open_task_of_the_site_and_no_other(browser, estate):
    site, _unit, open_here, others, _sue = estate
    browser.login("sue")
    html = browser.get(f"/notices?site={site.id}").get_data(as_text=True)
    assert sorted(notice_titles(html)) == sorted(task.detail for task in open_here + others)
    assert "别的小区的问题" not in html and "东门停车场" in html


def test_the_notice_is_in_the_sites_language_whatever_the_browser_asks(browser, estate, app):
    site, unit, _open_here, _others, _sue = estate
    browser.login("sue")
    response = browser.get(f"/notices?location={unit.id}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    notices_part = html.split("<main>", 1)[1]
    assert '<html lang="zh-Hans">' in html
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        words = ("Rectification notice", "Deadline", "Issued by", "High", "Renovation unit")
        site_words = [gettext(word) for word in words]
    assert all(word in notices_part for word in site_words), site_words
    assert "高" in notices_part and "装修单元" in notices_part
    assert not re.search(r">\s*(High|Medium|Renovation unit)\s*<", notices_part)
    # The bar above them, which does not print, is in the reader's language.
    toolbar = html.split("<main>", 1)[0]
    assert 'lang="en"' in toolbar and "Print" in toolbar and "3 open tasks" in toolbar


def test_every_notice_has_its_signature_lines(browser, estate, app):
    site, unit, *_rest = estate
    browser.login("sue")
    html = browser.get(f"/notices?site={site.id}&location={unit.id}").get_data(as_text=True)
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        lines = [
            gettext(word)
            for word in ("Issued by", "Received by (owner / contractor)", "Rectification completed, confirmed by")
        ]
    for line in lines:
        assert html.count(f'<span class="sign-label">{line}</span>') == 3
    assert html.count('<span class="line"></span>') == 3 * 6  # a signature and a date on each of the three


def test_one_tasks_notice_shows_what_where_when_and_its_photos(browser, estate, app, make):
    site, unit, _open_here, _others, sue = estate
    processed = process_uploads([jpeg_bytes()], zone=site.zone, limits=photo_limits(), slots=None, wait=0)
    draft = ReportDraft(client_id=None, note="卫生间防水未做", severity="high", location=unit, site=site)
    task = save_report(sue, draft, processed, app.config["PATROL_PHOTO_DIR"])
    photo = task.events[0].photos[0]
    browser.login("sue")
    html = browser.get(f"/tasks/{task.id}/notice").get_data(as_text=True)
    assert html.count('<article class="notice">') == 1
    assert "卫生间防水未做" in html and unit.name in html and site.name in html
    assert f"/photos/{photo.sha256}/full.jpg" in html  # large enough to see the problem on paper
    assert task.due_at.astimezone(site.zone).strftime("%Y-%m-%d %H:%M") in html
    assert "data-print" in html


def test_a_long_sheet_is_split_and_says_so(browser, estate, monkeypatch):
    site, *_rest = estate
    monkeypatch.setattr(notices, "SHEET_SIZE", 2)
    browser.login("sue")
    html = browser.get(f"/notices?site={site.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(notice_titles(html)) == 2
    assert "This sheet holds notices 1–2 of 5." in html
    assert f'href="/notices?site={site.id}&amp;page=2"' in html
    last = browser.get(f"/notices?site={site.id}&page=3", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(notice_titles(last)) == 1 and "notices 5–5 of 5" in last


def test_the_sheet_reads_a_fixed_few_queries_however_many_notices(browser, estate, queries):
    site, *_rest = estate
    browser.login("sue")
    queries.statements.clear()
    browser.get(f"/notices?site={site.id}")
    few = len(queries)
    for _ in range(5):
        raise_task(site, None, estate[4], "再来一个", place="大堂")
    queries.statements.clear()
    html = browser.get(f"/notices?site={site.id}").get_data(as_text=True)
    assert html.count('<article class="notice">') == 10
    assert len(queries) == few


def test_butlers_print_no_notices(browser, estate):
    site, unit, open_here, *_rest = estate
    browser.login("amy")
    assert browser.get(f"/notices?site={site.id}&location={unit.id}").status_code == 403
    assert browser.get(f"/tasks/{open_here[0].id}/notice").status_code == 403


def test_another_sites_supervisor_prints_none_of_them(browser, estate, make):
    site, unit, open_here, *_rest = estate
    make.user("supervisor", [make.site()], username="stranger")
    browser.login("stranger")
    assert browser.get(f"/notices?site={site.id}").status_code == 403
    assert browser.get(f"/notices?location={unit.id}").status_code == 403
    assert browser.get(f"/tasks/{open_here[0].id}/notice").status_code == 403


def test_odd_sheet_addresses_are_plain_4xx(browser, estate, make):
    site, unit, *_rest = estate
    browser.login("sue")
    assert browser.get("/notices").status_code == 400
    assert browser.get("/notices?site=999999").status_code == 404
    assert browser.get("/tasks/999999/notice").status_code == 404
    other_unit = make.location(site, kind="renovation", name="1栋 1801")
    assert browser.get(f"/notices?site={site.id + 1}&location={other_unit.id}").status_code == 404


def test_the_location_page_offers_the_notice_to_supervisors_when_tasks_are_open(browser, estate, make):
    site, unit, *_rest = estate
    quiet = make.location(site, kind="renovation", name="1栋 2001 装修")
    browser.login("sue")
    html = browser.get(f"/locations/{unit.id}").get_data(as_text=True)
    assert f'href="/notices?site={site.id}&amp;location={unit.id}"' in html
    assert "/notices?" not in browser.get(f"/locations/{quiet.id}").get_data(as_text=True)


# --- whom a notice is addressed to, what it requires, where the seal goes ----------------------------


def _in_site_language(app, *words: str) -> list[str]:
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        return [gettext(word) for word in words]


def test_a_notice_is_addressed_by_the_kind_of_place_and_has_room_for_the_seal(browser, estate, app, make):
    site, unit, open_here, _others, sue = estate
    floor = make.location(site, kind="floor", name="2栋 5F")
    at_floor = raise_task(site, floor, sue, "走廊灯不亮")
    contractor, owner, seal = _in_site_language(app, "Contractor", "Owner / resident", "Company seal")
    browser.login("sue")
    renovation = browser.get(f"/tasks/{open_here[0].id}/notice").get_data(as_text=True)
    assert '<p class="notice-to">致：施工单位（宏达装饰）</p>' in renovation and contractor == "施工单位"
    assert f'<div class="seal">{seal}</div>' in renovation and seal == "盖章处"
    elsewhere = browser.get(f"/tasks/{at_floor.id}/notice").get_data(as_text=True)
    assert f'<p class="notice-to">致：{owner}</p>' in elsewhere and owner == "业主/住户"


@pytest.fixture
def finding(app, ctx):
    """A task raised by a round at a floor: its item is "Fire door closed", the finder noted "Door wedged open"."""
    crew = make_crew(app)
    patrol(crew, "fail")
    task_id = db.session.scalar(select(Task.id))
    db.session.remove()
    return crew, task_id


def _notice_of(browser, task_id: int) -> str:
    return html_text(browser.get(f"/tasks/{task_id}/notice").get_data(as_text=True))


def html_text(page: str) -> str:
    return " ".join(unescape(page).split())


def _issued(task_id: int) -> list[tuple]:
    rows = db.session.execute(
        select(TaskEvent.kind, TaskEvent.value, TaskEvent.note).where(TaskEvent.task_id == task_id)
    ).all()
    return [tuple(row) for row in rows if row[0] == "notice_issued"]


def test_the_requirement_starts_as_the_items_standard_and_the_supervisor_rewords_it(app, finding, browser):
    crew, task_id = finding
    browser.login(crew.username("supervisor"))
    page = _notice_of(browser, task_id)
    assert '<p class="note requirement">Fire door closed</p>' in page
    assert '<section class="notice-found">' in page and "Door wedged open" in page  # the finder's words, apart
    assert 'value="owner" checked' in page  # a floor's notice goes to the owner unless the supervisor says

    form = {"addressee": "contractor", "requirement": "Remove the wedge and keep the door closed."}
    saved = browser.post(f"/tasks/{task_id}/notice", data=form)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/tasks/{task_id}/notice?saved=1")
    assert browser.post(f"/tasks/{task_id}/notice", data=form).status_code == 303  # a double tap

    page = _notice_of(browser, task_id)
    assert '<p class="note requirement">Remove the wedge and keep the door closed.</p>' in page
    assert "Fire door closed</p>" not in page
    (contractor,) = _in_site_language(app, "Contractor")
    assert f'<p class="notice-to">致：{contractor}</p>' in page  # no contractor named at a floor
    assert 'value="contractor" checked' in page
    assert _issued(task_id) == [("notice_issued", "contractor", "Remove the wedge and keep the door closed.")]
    sheet = html_text(browser.get(f"/notices?location={crew.location_id}").get_data(as_text=True))
    assert '<p class="note requirement">Remove the wedge and keep the door closed.</p>' in sheet


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"addressee": "landlord", "requirement": "Fix it"}, "Choose one of the options."),
        ({"requirement": "Fix it"}, "Choose one of the options."),
        ({"addressee": "owner", "requirement": "x" * 501}, "Keep it under 500 characters."),
    ],
)
def test_a_bad_choice_is_refused_in_plain_words_and_keeps_nothing(app, finding, browser, form, message):
    crew, task_id = finding
    browser.login(crew.username("supervisor"))
    refused = browser.post(f"/tasks/{task_id}/notice", data=form)
    assert refused.status_code == 422
    assert '<p class="error"' in refused.get_data(as_text=True) and message in html_text(refused.get_data(as_text=True))
    assert db.session.get(TaskNotice, task_id) is None and _issued(task_id) == []


def test_only_the_sites_supervisors_issue_a_notice(app, finding, browser, make):
    crew, task_id = finding
    form = {"addressee": "owner", "requirement": "Fix it"}
    browser.login(crew.username("butler"))
    assert browser.post(f"/tasks/{task_id}/notice", data=form).status_code == 403
    stranger = SeparateBrowser(app.test_client())
    stranger.login(crew.username("outsider"))
    assert stranger.post(f"/tasks/{task_id}/notice", data=form).status_code == 403
    assert db.session.get(TaskNotice, task_id) is None
