"""Past rounds (issue 16, item 11): the list of submitted inspections — each filter narrows it, pages
stay stable when rounds share a time, a supervisor sees only their sites, a butler only their own
rounds — the short lists on a location's, a person's and the home page, each the start of the list
its link opens, and the pages' query counts, which do not grow with the rows."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Answer, Inspection
from patrol.setup.catalogue import passfail
from tests.conftest import Browser
from tests.test_lists_at_scale import plan_of, statements

EN = {"Accept-Language": "en"}
ROW = re.compile(r'href="/inspections/(\d+)" class="task-row inspection-row"')


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [int(number) for number in ROW.findall(response.get_data(as_text=True))]


def text_of(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}"[^>]*href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def submitted(location, version, person, when: datetime, *, findings: int = 0) -> Inspection:
    """A submitted round completed on the phone at `when`, its first `findings` answers failed."""
    inspection = Inspection(
        client_id=str(uuid.uuid4()),
        status="submitted",
        location_id=location.id,
        checklist_version_id=version.id,
        inspector_id=person.id,
        scanned_at=when - timedelta(minutes=3),
        submitted_at=when,
        received_at=when,
        duration_seconds=180,
    )
    for number, item in enumerate(version.items):
        failed = number < findings
        inspection.answers.append(Answer(item_id=item.id, value_text="fail" if failed else "pass", is_finding=failed))
    db.session.add(inspection)
    db.session.commit()
    return inspection


class Scene:
    """Two sites: A with a floor and a vacant unit, two butlers and two checklists; B with one floor."""

    def __init__(self, make):
        self.a, self.b = make.site("星河湾"), make.site("翠湖苑")
        self.floor = make.location(self.a, name="1栋 3F")
        self.vacant = make.location(self.a, kind="vacant_unit", name="2栋 801")
        self.elsewhere = make.location(self.b, name="9栋 1F")
        prompts = ["消防通道无堵塞", "防火门常闭", "灭火器完好", "楼道灯正常", "地面洁净"]
        prompts += [f"检查项 {number}" for number in range(7)]
        self.floor_list = make.checklist([passfail(prompt) for prompt in prompts], name="巡楼检查")
        self.vacant_list = make.checklist([passfail("门窗关闭")], name="空置房巡查", kind="vacant_unit")
        self.li = make.user("butler", [self.a], username="li", locale="en")
        self.wang = make.user("butler", [self.a, self.b], username="wang", locale="en")
        self.boss = make.user("supervisor", [self.a], username="boss", locale="en")
        self.admin = make.user("admin", username="root", locale="en")


@pytest.fixture
def scene(make):
    return Scene(make)


def test_each_filter_narrows_the_list(browser, scene):
    day = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    rounds = {
        "li_floor": submitted(scene.floor, scene.floor_list, scene.li, day, findings=1),
        "wang_floor": submitted(scene.floor, scene.floor_list, scene.wang, day - timedelta(days=1)),
        "li_vacant": submitted(scene.vacant, scene.vacant_list, scene.li, day - timedelta(days=2)),
        # 00:30 on 3 March in Shanghai, still 2 March in UTC: dates are the site's.
        "late_night": submitted(scene.vacant, scene.vacant_list, scene.wang, datetime(2026, 3, 2, 16, 30, tzinfo=UTC)),
        "site_b": submitted(scene.elsewhere, scene.floor_list, scene.wang, day),
    }
    ids = {name: inspection.id for name, inspection in rounds.items()}
    browser.login("root")

    def only(query: str) -> set[str]:
        found = set(listed(browser.get(f"/inspections?{query}", headers=EN)))
        return {name for name, number in ids.items() if number in found}

    assert only("") == set(ids)
    assert only(f"site={scene.a.id}") == set(ids) - {"site_b"}
    assert only(f"location={scene.floor.id}") == {"li_floor", "wang_floor"}
    assert only("kind=vacant_unit") == {"li_vacant", "late_night"}
    assert only(f"person={scene.li.id}") == {"li_floor", "li_vacant"}
    assert only(f"checklist={scene.vacant_list.checklist_id}") == {"li_vacant", "late_night"}
    assert only("from=2026-03-03&to=2026-03-03") == {"late_night"}
    assert only("from=2026-03-01&to=2026-03-01") == {"wang_floor"}
    assert only("to=2026-02-28") == {"li_vacant"}
    assert only("findings=1") == {"li_floor"}
    assert only(f"site={scene.a.id}&person={scene.wang.id}&from=2026-03-01") == {"wang_floor", "late_night"}
    # What a link carries that is not a value offered is left out: the list shows without it.
    assert only("kind=attic&person=abc&checklist=99999&from=2026-13-40&site=-1") == set(ids)


def test_the_filters_in_force_are_named_and_a_short_range_is_counted(browser, scene):
    for hour in range(3):
        submitted(scene.floor, scene.floor_list, scene.li, datetime(2026, 3, 2, hour, tzinfo=UTC), findings=hour)
    browser.login("boss")
    page = text_of(browser.get(f"/inspections?person={scene.li.id}&from=2026-03-02&to=2026-03-02&findings=1"))
    assert "2 rounds" in page and "On 2026-03-02" in page and "With findings only" in page
    assert "butler 测试" in page and "Clear filters" in page
    # The whole history is not counted (it would read every row on every view).
    whole = text_of(browser.get("/inspections"))
    assert "Newest rounds first" in whole and not re.search(r"\d+ rounds?\b", whole)


def test_pages_stay_stable_when_rounds_share_a_time(browser, scene):
    when = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    made = [submitted(scene.floor, scene.floor_list, scene.li, when).id for _ in range(65)]
    made.append(submitted(scene.floor, scene.floor_list, scene.li, when - timedelta(seconds=1)).id)
    browser.login("boss")
    first = browser.get("/inspections")
    pages, url = [listed(first)], link(first.get_data(as_text=True), "next")
    while url:
        response = browser.get(url)
        pages.append(listed(response))
        url = link(response.get_data(as_text=True), "next")
    assert [len(page) for page in pages] == [30, 30, 6]
    seen = [number for page in pages for number in page]
    assert seen == sorted(made[:-1], reverse=True) + [made[-1]]  # same time: newest id first; then older
    # A round submitted meanwhile does not move page 2, reached from page 3's "previous".
    submitted(scene.floor, scene.floor_list, scene.li, when)
    third = browser.get(link(browser.get(link(first.get_data(as_text=True), "next")).get_data(as_text=True), "next"))
    assert listed(browser.get(link(third.get_data(as_text=True), "prev"))) == pages[1]


def test_a_supervisor_sees_only_their_sites(browser, scene):
    mine = submitted(scene.floor, scene.floor_list, scene.li, utcnow())
    theirs = submitted(scene.elsewhere, scene.floor_list, scene.wang, utcnow())
    browser.login("boss")
    assert listed(browser.get("/inspections")) == [mine.id]
    assert listed(browser.get(f"/inspections?site={scene.b.id}")) == [mine.id]  # not theirs: ignored
    assert listed(browser.get(f"/inspections?location={scene.elsewhere.id}")) == [mine.id]
    assert browser.get(f"/inspections/{theirs.id}").status_code == 403
    assert browser.get(f"/locations/{scene.elsewhere.id}").status_code == 403
    assert browser.get("/inspections/99999").status_code == 404


def test_a_butler_sees_only_their_own_rounds(browser, scene):
    own = submitted(scene.floor, scene.floor_list, scene.li, utcnow() - timedelta(hours=1))
    colleague = submitted(scene.floor, scene.floor_list, scene.wang, utcnow())
    browser.login("li")
    response = browser.get(f"/inspections?person={scene.wang.id}", headers=EN)
    assert listed(response) == [own.id]
    page = text_of(response)
    assert "My past rounds" in page and 'name="person"' not in page
    # Their location page names their own rounds there, and their home the rounds of today.
    assert listed(browser.get(f"/locations/{scene.floor.id}")) == [own.id]
    assert "My recent rounds here" in text_of(browser.get(f"/locations/{scene.floor.id}"))
    # A colleague's round on their site still opens (as it did), without the supervisor's links.
    opened = text_of(browser.get(f"/inspections/{colleague.id}"))
    assert "My other rounds here" in opened and f"person={scene.wang.id}" not in opened


def test_home_counts_todays_rounds_as_many_as_its_link_opens(app, browser, scene):
    now = utcnow()
    for seconds in range(14):
        submitted(scene.floor, scene.floor_list, scene.li, now - timedelta(seconds=seconds))
    submitted(scene.floor, scene.floor_list, scene.li, now - timedelta(days=3))
    submitted(scene.elsewhere, scene.floor_list, scene.wang, now)  # not on the supervisor's site
    browser.login("boss")
    home = browser.get("/", headers=EN)
    found = re.search(r'href="([^"]+)">All inspections today \((\d+)\)', home.get_data(as_text=True))
    assert found and len(listed(home)) == 10
    opened = browser.get(html.unescape(found.group(1)))
    assert int(found.group(2)) == len(listed(opened)) == 14 and "14 rounds" in text_of(opened)

    phone = Browser(app.test_client())
    phone.login("li")
    home = phone.get("/", headers=EN).get_data(as_text=True)
    stat = re.search(r'<a class="stat" href="([^"]+)"><strong>(\d+)</strong><span>Inspections today', home)
    assert stat and int(stat.group(2)) == len(listed(phone.get(html.unescape(stat.group(1))))) == 14


def test_a_locations_and_a_persons_page_name_their_recent_rounds_and_link_the_list(app, browser, scene):
    for hours in range(7):
        submitted(scene.floor, scene.floor_list, scene.li, utcnow() - timedelta(hours=hours))
    submitted(scene.vacant, scene.vacant_list, scene.li, utcnow() - timedelta(days=1))
    browser.login("boss")
    page = browser.get(f"/locations/{scene.floor.id}", headers=EN)
    assert len(listed(page)) == 5 and "Recent rounds here" in text_of(page)
    more = re.search(r'href="([^"]+)">All past rounds', page.get_data(as_text=True)).group(1)
    assert len(listed(browser.get(html.unescape(more)))) == 7

    browser = Browser(app.test_client())
    browser.login("root")
    person = browser.get(f"/admin/people/{scene.li.id}", headers=EN)
    assert len(listed(person)) == 5 and "Their recent rounds" in text_of(person)
    more = re.search(r'href="([^"]+)">All past rounds', person.get_data(as_text=True)).group(1)
    assert len(listed(browser.get(html.unescape(more)))) == 8


def test_the_inspection_page_shows_the_version_it_was_filled_on(browser, make, scene):
    version = scene.floor_list
    first_prompt = version.items[0].prompt
    inspection = submitted(scene.floor, version, scene.li, utcnow(), findings=1)
    make.next_version(version, ["全新的问题"])
    browser.login("boss")
    page = text_of(browser.get(f"/inspections/{inspection.id}", headers=EN))
    assert "Version 1, published" in page and first_prompt in page and "全新的问题" not in page
    assert f"/inspections?person={scene.li.id}" in page and f"/inspections?location={scene.floor.id}" in page


def test_an_htmx_filter_change_swaps_only_the_results(browser, scene):
    submitted(scene.floor, scene.floor_list, scene.li, utcnow(), findings=1)
    browser.login("boss")
    response = browser.get("/inspections?findings=1&kind=&site=", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="results"') and 'id="filters"' not in body
    assert response.headers["HX-Push-Url"] == "/inspections?findings=1"


# --- query counts and indexes -------------------------------------------------------------------


def test_the_list_and_the_inspection_page_run_as_many_queries_with_many_rows(browser, scene, queries):
    urls = [
        "/inspections",
        f"/inspections?person={scene.li.id}&from=2026-01-01&to=2026-01-20&findings=1&checklist={scene.floor_list.checklist_id}",
        f"/locations/{scene.floor.id}",
        "/",
    ]
    counts: dict[str, list[int]] = {}
    browser.login("boss")
    for more in (2, 40):
        for number in range(more):
            when = datetime(2026, 1, 10, tzinfo=UTC) + timedelta(minutes=number)
            last = submitted(scene.floor, scene.floor_list, scene.li, when, findings=min(number, 9))
        for url in [*urls, f"/inspections/{last.id}"]:
            db.session.expire_all()
            queries.statements.clear()
            assert browser.get(url).status_code == 200, url
            counts.setdefault(url.split("/inspections/")[0] or "page", []).append(len(queries))
    assert all(few == many for few, many in counts.values()), counts
    assert counts["/inspections"][0] <= 8 and counts["page"][0] <= 14, counts


def _list_query(seen) -> tuple[str, object]:
    found = [(sql, params) for sql, params in seen if "FROM inspections LEFT OUTER JOIN" in sql and "LIMIT" in sql]
    return found[0]


@pytest.mark.parametrize(
    ("args", "index"),
    [
        ("", "ix_inspections_submitted"),
        ("location={floor}", "ix_inspections_location_submitted"),
        ("person={li}", "ix_inspections_inspector_submitted"),
    ],
)
def test_the_list_reads_its_pages_from_an_index(browser, scene, args, index):
    for number in range(40):
        submitted(scene.floor, scene.floor_list, scene.li, datetime(2026, 1, 10, tzinfo=UTC) + timedelta(hours=number))
    browser.login("boss")
    query = args.format(floor=scene.floor.id, li=scene.li.id)
    with statements() as first:
        following = link(browser.get(f"/inspections?{query}").get_data(as_text=True), "next")
    with statements() as second:
        assert browser.get(following).status_code == 200
    for seen in (first, second):
        plan = plan_of(*_list_query(seen))
        assert index in plan and "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_migration_makes_the_history_indexes(app, ctx):
    from sqlalchemy import inspect

    indexes = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("inspections")}
    assert indexes["ix_inspections_submitted"] == ["submitted_at", "id"]
    assert indexes["ix_inspections_location_submitted"] == ["location_id", "submitted_at", "id"]
    assert indexes["ix_inspections_inspector_submitted"] == ["inspector_id", "submitted_at", "id"]
    assert db.session.scalar(select(Inspection.id).limit(1)) is None
