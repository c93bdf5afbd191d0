"""Proof-of-presence flags where people see them: raised by a real submit (once, however often the phone
sends it), shown on the inspection page in words, marked in the coverage grid (at a query count that
does not grow with the flags), cleared by a supervisor of the site with a comment — and a checklist's
minimum visit set in its setup."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.inspections.presence import raise_flags
from patrol.models import Checklist, ChecklistVersion, ExpectedVisit, Inspection, PresenceFlag
from tests.phone import scan, submit
from tests.rounds_scene import DAY, at, build
from tests.test_rounds_coverage import day, excuse_two  # noqa: F401  (day: the fixture)
from tests.test_rounds_review import GRID, shown


def test_a_submit_raises_its_flag_once_and_is_never_refused(app, scene, butler):
    with app.app_context():
        version = db.session.get(ChecklistVersion, scene.version_id)
        version.checklist.min_seconds = 300
        db.session.commit()
    form = scan(butler, scene)
    values = dict.fromkeys(scene.item_ids, "pass")
    first = submit(butler, scene, form, values, seq=1)
    again = submit(butler, scene, form, values, seq=1)  # the outbox's retry of the same submit
    assert first.status_code == again.status_code == 200
    assert first.json["url"] == again.json["url"]
    with app.app_context():
        (flag,) = db.session.scalars(select(PresenceFlag)).all()
        assert flag.kind == "too_fast" and flag.detail["minimum"] == 300
    page = butler.get(first.json["url"]).get_data(as_text=True)
    assert "Submitted very quickly" in page and "this checklist expects at least 5 min 0 s" in page
    assert "Clear the flag" not in page  # a butler cannot clear it


@pytest.fixture
def flagged(make):
    """A site's inspection with two flags (too quick, clock corrected); its supervisor, and others."""
    scene = build(make, rooms=2)
    scene.version.checklist.min_seconds = 600
    inspection = scene.visit(
        scene.rooms[0], at(10), duration_seconds=90, clock_flag="corrected", clock_offset_seconds=1800
    )
    raise_flags(inspection, scene.version.checklist_id, at(10, 5))
    for user in (scene.supervisor, scene.butler, scene.admin):
        user.locale = "en"
    db.session.commit()
    scene.inspection = inspection
    return scene


def flag_of(inspection: Inspection, kind: str) -> PresenceFlag:
    db.session.expire_all()
    return db.session.scalar(
        select(PresenceFlag).where(PresenceFlag.inspection_id == inspection.id, PresenceFlag.kind == kind)
    )


def clear_url(flag: PresenceFlag) -> str:
    return f"/inspections/{flag.inspection_id}/flags/{flag.id}/clear"


def test_the_inspection_page_says_what_is_odd_in_words(flagged, browser):
    browser.login(flagged.supervisor.username)
    page = browser.get(f"/inspections/{flagged.inspection.id}").get_data(as_text=True)
    assert "Worth checking" in page
    assert "From scan to submit took 1 min 30 s; this checklist expects at least 10 min 0 s." in page
    assert "The phone&#39;s clock was 30 min 0 s behind. The times shown are corrected." in page
    assert page.count("Clear the flag") == 2
    assert "too_fast" not in re.sub(r'data-flag="\w+"', "", page)  # no internal code on the page


def test_clearing_needs_a_comment(flagged, browser):
    browser.login(flagged.supervisor.username)
    flag = flag_of(flagged.inspection, "too_fast")
    plain = browser.post(clear_url(flag), {"comment": "  "})
    assert plain.status_code == 422 and "never cleared without a comment" in plain.get_data(as_text=True)
    fragment = browser.post(clear_url(flag), {"comment": ""}, htmx=True)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and f'id="flag-{flag.id}"' in html and "never cleared without a comment" in html
    assert flag_of(flagged.inspection, "too_fast").cleared_at is None


def test_a_supervisor_of_the_site_clears_a_flag_with_a_comment(flagged, browser):
    browser.login(flagged.supervisor.username)
    flag = flag_of(flagged.inspection, "too_fast")
    done = browser.post(clear_url(flag), {"comment": "问过管家，确实到过"}, htmx=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "问过管家，确实到过" in html and "Cleared by" in html
    assert "Clear the flag" not in html
    cleared = flag_of(flagged.inspection, "too_fast")
    assert cleared.cleared_by_id == flagged.supervisor.id and cleared.cleared_at is not None
    assert cleared.clear_comment == "问过管家，确实到过"
    # Without JavaScript: back to the inspection's flags, the other one cleared too.
    clock = flag_of(flagged.inspection, "clock")
    back = browser.post(clear_url(clock), {"comment": "手机时间不准"})
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/inspections/{flagged.inspection.id}#flags")
    page = browser.get(f"/inspections/{flagged.inspection.id}").get_data(as_text=True)
    assert page.count(">Cleared</span>") == 2 and "Clear the flag" not in page


def test_a_double_clear_keeps_the_first_comment(flagged, browser):
    browser.login(flagged.supervisor.username)
    flag = flag_of(flagged.inspection, "too_fast")
    assert browser.post(clear_url(flag), {"comment": "first"}, htmx=True).status_code == 200
    assert browser.post(clear_url(flag), {"comment": "second"}, htmx=True).status_code == 200
    assert flag_of(flagged.inspection, "too_fast").clear_comment == "first"


@pytest.mark.parametrize("who", ["butler", "admin", "other_supervisor"])
def test_only_a_supervisor_of_the_inspections_site_may_clear(flagged, browser, make, who):
    if who == "other_supervisor":
        user = make.user("supervisor", [make.site("别的小区")], username="elsewhere", locale="en")
    else:
        user = getattr(flagged, who)
    browser.login(user.username)
    flag = flag_of(flagged.inspection, "too_fast")
    refused = browser.post(clear_url(flag), {"comment": "看过了"})
    assert refused.status_code in ((404, 403) if who == "other_supervisor" else (403,))
    assert flag_of(flagged.inspection, "too_fast").cleared_at is None
    if who != "other_supervisor":
        page = browser.get(f"/inspections/{flagged.inspection.id}").get_data(as_text=True)
        assert "Submitted very quickly" in page and "Clear the flag" not in page


def test_a_flag_of_another_inspection_is_not_found_here(flagged, browser):
    browser.login(flagged.supervisor.username)
    other = flagged.visit(flagged.rooms[1], at(11))
    db.session.commit()
    flag = flag_of(flagged.inspection, "too_fast")
    assert browser.post(f"/inspections/{other.id}/flags/{flag.id}/clear", {"comment": "x"}).status_code == 404


# --- the grid ------------------------------------------------------------------------------------------


@pytest.fixture
def supervisor(day, browser):  # noqa: F811
    excuse_two(day)
    day.supervisor.locale = "en"
    db.session.commit()
    browser.login(day.supervisor.username)
    return day.supervisor


def flag_counted_visits(how_many: int) -> list[ExpectedVisit]:
    counted = db.session.scalars(
        select(ExpectedVisit)
        .where(ExpectedVisit.local_day == DAY, ExpectedVisit.inspection_id.is_not(None))
        .order_by(ExpectedVisit.id)
        .limit(how_many)
    ).all()
    for visit in counted:
        db.session.add(PresenceFlag(inspection_id=visit.inspection_id, kind="clock", detail={}, raised_at=at(20)))
    db.session.commit()
    return counted


def test_the_grid_marks_a_round_whose_inspection_is_flagged_and_counts_them_in_the_key(day, supervisor, browser):  # noqa: F811
    (visit,) = flag_counted_visits(1)
    html = browser.get(f"{GRID}&site={day.site.id}").get_data(as_text=True)
    marked = re.findall(r'<a class="cell state-(\w+) flagged" data-flagged href="([^"]+)"', html)
    assert marked == [("on_time", f"/inspections/{visit.inspection_id}#flags")]
    assert "Flagged, not cleared yet" in html and shown(html, "count")["flagged"] == 1
    flag = db.session.scalar(select(PresenceFlag))
    flag.cleared_at, flag.cleared_by_id, flag.clear_comment = at(21), day.supervisor.id, "ok"
    db.session.commit()
    html = browser.get(f"{GRID}&site={day.site.id}").get_data(as_text=True)
    assert "data-flagged" not in html and shown(html, "count")["flagged"] == 0


def test_the_grids_queries_do_not_grow_with_its_flags(day, supervisor, browser, queries):  # noqa: F811
    def count() -> int:
        queries.statements.clear()
        assert browser.get(f"{GRID}&site={day.site.id}").status_code == 200
        return len(queries)

    none = count()
    flag_counted_visits(40)
    assert count() == none


# --- the checklist's minimum ------------------------------------------------------------------------------


def test_an_administrator_sets_a_checklists_shortest_visit(admin, browser, make):
    version = make.checklist()
    url = f"/admin/checklists/{version.checklist_id}"
    assert "No minimum" in browser.get(url).get_data(as_text=True)
    assert browser.post(f"{url}/minimum", {"min_minutes": "2", "min_secs": "30"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Checklist, version.checklist_id).min_seconds == 150
    assert "2 min 30 s" in browser.get(url).get_data(as_text=True)
    wrong = browser.post(f"{url}/minimum", {"min_minutes": "1", "min_secs": "75"})
    assert wrong.status_code == 422 and "Enter a number from 0 to 59." in wrong.get_data(as_text=True)
    assert browser.post(f"{url}/minimum", {"min_minutes": "", "min_secs": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Checklist, version.checklist_id).min_seconds is None
