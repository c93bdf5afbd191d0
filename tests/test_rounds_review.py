"""The supervisor's rounds pages, through the test client: the day's coverage grid (its counts are the
day's coverage figure) and the missed-rounds list (each missed round explained or excused, never
without a comment), for the reader's own sites only, at a constant number of queries.

The day is the coverage fixture's (tests/test_rounds_coverage.py): 132 rounds at ten floors, seen
long after (the real clock), so nothing is open any more.
"""

from __future__ import annotations

import re

import pytest

from patrol.extensions import db
from patrol.models import ExpectedVisit
from patrol.rounds.coverage import coverage
from tests.rounds_scene import DAY, build, visits
from tests.test_rounds_coverage import NIGHT, day, excuse_two  # noqa: F401  (day: the fixture)

GRID = f"/rounds/grid?day={DAY.isoformat()}"
MISSED = f"/rounds/missed?day={DAY.isoformat()}"


@pytest.fixture
def supervisor(day, browser):  # noqa: F811
    excuse_two(day)
    day.supervisor.locale = "en"
    db.session.commit()
    browser.login(day.supervisor.username)
    return day.supervisor


def grid_cells(html: str) -> dict[str, int]:
    """The states of the grid's cells, counted as a reader would count the marks."""
    table = html.split('<table class="coverage-grid">', 1)[1].split("</table>", 1)[0]
    found: dict[str, int] = {}
    for state in re.findall(r'<span class="cell state-(\w+)"', table):
        found[state] = found.get(state, 0) + 1
    return found


def shown(html: str, attribute: str) -> dict[str, int]:
    """The numbers beside the figure's words (data-figure) or the key's (data-count)."""
    pattern = rf'data-{attribute}="(\w+)">(?:(?!</li>).)*?<strong>(\d+)</strong>'
    return {name: int(number) for name, number in re.findall(pattern, html)}


def test_the_grids_cells_add_up_to_the_days_coverage_figure(day, supervisor, browser):  # noqa: F811
    html = browser.get(f"{GRID}&site={day.site.id}").get_data(as_text=True)
    (figure,) = coverage({day.site.id}, DAY, DAY, NIGHT)
    cells = grid_cells(html)
    assert cells == {"on_time": 56, "late": 11, "made_up": 1, "missed": 42, "excused": 2, "cancelled": 20}
    assert {state: getattr(figure, state) for state in cells} == cells
    assert "51%" in html and "on time: 56 of 110" in html
    assert shown(html, "figure") == {"late": 11, "made_up": 1, "missed": 42, "excused": 2, "cancelled": 20, "open": 0}
    assert shown(html, "count") == {**cells, "open": 0, "not_due": 0, "flagged": 0}


def test_the_grid_is_locations_by_time_slots_in_the_sites_time(day, supervisor, browser):  # noqa: F811
    html = browser.get(GRID).get_data(as_text=True)  # the reader's only site
    slots = re.findall(r'<th scope="col">(\d\d:\d\d)</th>', html)
    assert slots == [f"{hour:02d}:00" for hour in range(8, 21)]
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == sorted(room.name for room in day.rooms)
    floor7 = html.split('<th scope="row">1栋 7F</th>', 1)[1].split("</tr>", 1)[0]
    assert floor7.count("Missed · 每小时巡楼") == 11 and floor7.count("Cancelled · 每小时巡楼") == 2


def test_a_day_without_rounds_says_so(day, supervisor, browser):  # noqa: F811
    html = browser.get(f"/rounds/grid?site={day.site.id}&day=2026-01-05").get_data(as_text=True)
    assert "No rounds were expected at this site on this day." in html
    assert "—" in html and "on time: 0 of 0" in html


def test_the_grid_and_the_list_cost_the_same_queries_for_an_empty_day_and_a_full_one(
    day,  # noqa: F811
    supervisor,
    browser,
    queries,
):
    def count(url: str) -> int:
        queries.statements.clear()
        assert browser.get(url).status_code == 200
        return len(queries)

    assert count(f"{GRID}&site={day.site.id}") == count(f"/rounds/grid?site={day.site.id}&day=2026-01-05")
    assert count(MISSED) == count("/rounds/missed?day=2026-01-05")


def test_the_missed_list_shows_each_round_where_when_whom_and_what_became_of_it(day, supervisor, browser):  # noqa: F811
    first = browser.get(MISSED).get_data(as_text=True)
    rows = re.findall(r'<li id="visit-(\d+)"', first)
    assert len(rows) == 30
    second = browser.get(re.search(r'rel="next" hx-boost="true" href="([^"]+)"', first).group(1).replace("&amp;", "&"))
    more = re.findall(r'<li id="visit-(\d+)"', second.get_data(as_text=True))
    assert len(more) == 15 and not set(more) & set(rows)  # 42 missed, 2 excused, 1 made up
    assert "每小时巡楼 · 1栋 9F" in first and "Due 2026-03-02 20:00" not in first  # 20:00 was cancelled
    assert "Due 2026-03-02 18:00" in first and "Given to Role: Butler" in first
    last = second.get_data(as_text=True)
    assert last.count(">Excused</span>") == 2 and last.count("十层装修封闭") == 2
    made_up = "Made up at 2026-03-02 14:00: counted as made up, never as on time."
    assert made_up.strip() in first + last and f"Given to {day.butler.display_name}" in first + last


def test_a_missed_round_is_not_explained_without_a_comment(day, supervisor, browser):  # noqa: F811
    visit = visits(location_id=day.rooms[8].id, status="missed")[0]
    refused = browser.post(f"/rounds/missed/{visit.id}/explain", {"note": "  "}, htmx=True)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'id="visit-{visit.id}"' in html
    assert "Say why: a missed round is never closed without a comment." in html
    db.session.expire_all()
    assert db.session.get(ExpectedVisit, visit.id).note == ""


def test_a_supervisor_explains_and_excuses_from_the_list(day, supervisor, browser):  # noqa: F811
    first, second = visits(location_id=day.rooms[8].id, status="missed")[:2]
    explained = browser.post(f"/rounds/missed/{first.id}/explain", {"note": "电梯故障，改走楼梯来不及"}, htmx=True)
    assert explained.status_code == 200
    assert "Explanation saved." in explained.get_data(as_text=True)
    excused = browser.post(f"/rounds/missed/{second.id}/excuse", {"note": "消防演习封楼"})  # without script
    assert excused.status_code == 303
    back = browser.get(excused.headers["Location"]).get_data(as_text=True)
    assert "Round excused." in back
    db.session.expire_all()
    assert (db.session.get(ExpectedVisit, first.id).status, db.session.get(ExpectedVisit, first.id).note) == (
        "missed",
        "电梯故障，改走楼梯来不及",
    )
    assert db.session.get(ExpectedVisit, second.id).status == "excused"


def test_an_administrator_explains_but_only_a_supervisor_excuses(day, browser, make):  # noqa: F811
    excuse_two(day)
    make.user("admin", username="boss", locale="en")
    browser.login("boss")
    html = browser.get(f"{MISSED}&site={day.site.id}").get_data(as_text=True)
    assert ">Explain</button>" in html and ">Excuse</button>" not in html
    visit = visits(location_id=day.rooms[8].id, status="missed")[0]
    assert browser.post(f"/rounds/missed/{visit.id}/excuse", {"note": "不是他的错"}, htmx=True).status_code == 403
    assert browser.post(f"/rounds/missed/{visit.id}/explain", {"note": "保安请假"}, htmx=True).status_code == 200


def test_other_sites_and_other_roles_are_refused_in_plain_words(day, supervisor, browser, make):  # noqa: F811
    elsewhere = build(make, rooms=1, name="别处小区")
    assert browser.get(f"/rounds/grid?site={elsewhere.site.id}").status_code == 403
    refused = browser.get(f"/rounds/missed?site={elsewhere.site.id}")
    assert refused.status_code == 403
    assert "It belongs to a site you are not assigned to" in refused.get_data(as_text=True)
    assert browser.get("/rounds/grid?site=999999").status_code == 404
    assert browser.post("/rounds/missed/999999/explain", {"note": "x"}).status_code == 404
    other_round = visits(site_id=elsewhere.site.id)
    assert other_round == []  # planned by nobody yet: the refusal above is the site's, not a round's


def test_a_butler_has_neither_page(day, browser):  # noqa: F811
    browser.login(day.butler.username)
    assert browser.get(GRID).status_code == 403
    assert browser.get(MISSED).status_code == 403


def test_a_supervisor_finds_both_pages_from_home_and_from_the_tasks(day, supervisor, browser):  # noqa: F811
    assert 'href="/rounds/grid"' in browser.get("/").get_data(as_text=True)
    tasks = browser.get("/tasks").get_data(as_text=True)
    assert 'href="/rounds/missed"' in tasks and 'href="/rounds/grid"' in tasks
    grid = browser.get(GRID).get_data(as_text=True)
    assert f'href="/rounds/missed?site={day.site.id}&amp;day={DAY.isoformat()}"' in grid
