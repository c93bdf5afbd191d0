"""The staff-scores pages through the test client: the month's table (everyone on the site, 100 less
their deductions, lapses by role apart), a person's lapses each linking the round or task behind it,
at a constant number of queries; for the site's supervisors and administrators only; and the rules
form in setup."""

from __future__ import annotations

import re
from datetime import date

import pytest

from patrol.extensions import db
from patrol.models import DeductionRules
from tests.score_scene import month_scene

FIRST = date(2026, 3, 1)
RULES = {"missed_visit": "2", "late_visit": "1", "late_response": "1", "closed_late": "3", "recheck_failed": "0"}


@pytest.fixture
def scene(make):
    return month_scene(make)


@pytest.fixture
def supervisor(scene, browser):
    scene.scene.supervisor.locale = "en"
    db.session.commit()
    browser.login(scene.scene.supervisor.username)
    return scene.scene.supervisor


def table_url(scene, month="2026-03"):
    return f"/scores?site={scene.site.id}&month={month}"


def rows_of(html: str) -> dict[str, dict]:
    """Each row of the table: its cells by kind, the deduction and the score, as a reader sees them."""
    found = {}
    for person, body in re.findall(r'<tr data-person="(\w+)">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'data-kind="(\w+)">([^<]*)<', body))
        score = re.search(r"data-score>([^<]*)<", body)
        found[person] = {
            **{kind: int(value) for kind, value in cells.items() if value},
            "score": score and score.group(1),
        }
    return found


def lapses_of(scene, butler):
    missed = scene.round("missed", FIRST, to=butler, hour=8)
    late = scene.round("late", date(2026, 3, 5), to=butler)
    task = scene.task(
        butler, status="closed", due_at=scene.local(date(2026, 3, 9)), closed_at=scene.local(date(2026, 3, 9), 12)
    )
    return missed, late, task


def test_the_table_lists_everyone_with_100_less_their_deductions_and_role_rounds_apart(scene, supervisor, browser):
    butler = scene.scene.butler
    lapses_of(scene, butler)
    scene.round("missed", FIRST)  # given to the butlers' role
    html = browser.get(table_url(scene)).get_data(as_text=True)
    assert "Out of 100" in html and "Staff scores for 2026-03" in html
    assert rows_of(html) == {
        str(butler.id): {"missed_visit": 1, "late_visit": 1, "closed_late": 1, "score": "97"},
        str(supervisor.id): {"score": "100"},
        "none": {"missed_visit": 1, "score": None},
    }
    assert "By role, not given to a person" in html
    assert f'href="/rounds/missed?site={scene.site.id}"' in html
    assert f'href="/scores/unassigned?site={scene.site.id}&amp;month=2026-03"' in html
    assert f'href="/scores?site={scene.site.id}&amp;month=2026-02"' in html  # the month before
    assert f'href="/scores?site={scene.site.id}&amp;month=2026-04"' in html
    assert f'href="/scores/{butler.id}?site={scene.site.id}&amp;month=2026-03"' in html


def test_the_rules_shown_are_the_sites_and_a_kind_worth_0_leaves_the_table(scene, supervisor, browser):
    db.session.add(DeductionRules(site_id=scene.site.id, **{kind: int(points) for kind, points in RULES.items()}))
    db.session.commit()
    butler = scene.scene.butler
    lapses_of(scene, butler)
    scene.recheck_failed(scene.task(butler), scene.local(FIRST, 12))
    html = browser.get(table_url(scene)).get_data(as_text=True)
    assert "Missed round: 2 points each" in html and "Re-check not passed: not counted" in html
    assert rows_of(html)[str(butler.id)] == {"missed_visit": 1, "late_visit": 1, "closed_late": 1, "score": "94"}
    assert 'data-kind="recheck_failed"' not in html


def test_a_persons_page_links_each_lapse_to_the_round_or_task_behind_it(scene, supervisor, browser):
    butler = scene.scene.butler
    missed, late, task = lapses_of(scene, butler)
    html = browser.get(f"/scores/{butler.id}?site={scene.site.id}&month=2026-03").get_data(as_text=True)
    links = re.findall(r'class="lapse-link" href="([^"]+)"', html)
    assert links == [
        f"/tasks/{task.id}",
        f"/inspections/{late.inspection_id}",
        f"/rounds/missed?site={scene.site.id}&amp;day=2026-03-01",
    ]
    assert "Due 2026-03-01 08:00" in html  # on the site's clock
    assert "Deducted: −3" in html and "Score: 97" in html
    assert "Task closed late" in html and "Late round" in html and "Missed round" in html


def test_the_lapses_by_role_have_a_page_of_their_own(scene, supervisor, browser):
    missed = scene.round("missed", FIRST, hour=8)
    html = browser.get(f"/scores/unassigned?site={scene.site.id}&month=2026-03").get_data(as_text=True)
    assert f"/rounds/missed?site={scene.site.id}&amp;day=2026-03-01" in html
    assert "By role, not given to a person" in html and missed.schedule.name in html


def _count(browser, queries, url) -> int:
    queries.statements.clear()
    assert browser.get(url).status_code == 200
    return len(queries)


def test_the_pages_cost_the_same_queries_for_2_people_and_10_lapses_as_for_20_and_200(
    make, scene, supervisor, browser, queries
):
    butler = scene.scene.butler
    for day in range(1, 6):
        scene.round("missed", date(2026, 3, day), to=butler)
        scene.round("late", date(2026, 3, day), to=butler)
    task = scene.task(butler, status="closed", due_at=scene.local(FIRST, 8), closed_at=scene.local(FIRST, 9))
    person = f"/scores/{butler.id}?site={scene.site.id}&month=2026-03"
    small = (_count(browser, queries, table_url(scene)), _count(browser, queries, person))

    crew = [make.user("butler", [scene.site]) for _ in range(18)]
    for number in range(190):
        kind = ("missed", "late", "made_up")[number % 3]
        scene.round(
            kind, date(2026, 3, 1 + number % 28), to=crew[number % 18] if number % 5 else butler, hour=number % 24
        )
    for number in range(20):
        scene.recheck_failed(task, scene.local(date(2026, 3, 10), minute=number), to=crew[number % 18])
    big = (_count(browser, queries, table_url(scene)), _count(browser, queries, person))
    assert big == small
    html = browser.get(table_url(scene)).get_data(as_text=True)
    assert len(rows_of(html)) == 20


# ---------------------------------------------------------------------------------------------
# Who may see them


def test_another_sites_supervisor_is_refused_and_a_butler_too(make, scene, browser):
    other = make.site("别处")
    make.user("supervisor", [other], username="other-sup")
    browser.login("other-sup")
    butler = scene.scene.butler
    assert browser.get(table_url(scene)).status_code == 403
    assert browser.get(f"/scores/{butler.id}?site={scene.site.id}").status_code == 403
    assert browser.get(f"/scores/unassigned?site={scene.site.id}").status_code == 403
    assert browser.get("/scores?site=999999").status_code == 404
    # Their own site: the butler of the other site is nobody there.
    assert browser.get(f"/scores/{butler.id}?site={other.id}").status_code == 404
    assert browser.get(f"/scores/99999?site={other.id}").status_code == 404


def test_a_butler_may_not_see_scores(scene, client):
    from tests.conftest import Browser

    butler = Browser(client)
    butler.login(scene.scene.butler.username)
    assert butler.get(table_url(scene)).status_code == 403
    assert butler.get(f"/scores/{scene.scene.butler.id}?site={scene.site.id}").status_code == 403


def test_a_month_that_is_not_one_shows_the_current_month(scene, supervisor, browser):
    response = browser.get(f"/scores?site={scene.site.id}&month=2026-13")
    assert response.status_code == 200
    assert "Staff scores for 20" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# The rules, in setup


def test_an_administrator_sets_the_rules_and_plain_words_refuse_a_wrong_number(scene, browser, admin):
    url = f"/admin/sites/{scene.site.id}/deductions"
    page = browser.get(url).get_data(as_text=True)
    assert 'name="missed_visit"' in page and 'value="1"' in page
    refused = browser.post(url, {**RULES, "late_visit": "101", "closed_late": "two"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter a number from 0 to 100." in html and "Enter a whole number." in html
    assert browser.post(url, {**RULES, "missed_visit": "-3"}, htmx=True).status_code == 422
    saved = browser.post(url, RULES)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/admin/sites/{scene.site.id}")
    assert db.session.get(DeductionRules, scene.site.id).points() == {kind: int(value) for kind, value in RULES.items()}
    log = browser.get("/admin/audit/").get_data(as_text=True)
    assert "Deduction rules changed" in log and "Points per missed round: 1 → 2" in log


def test_a_supervisor_may_not_change_the_rules(scene, supervisor, browser):
    url = f"/admin/sites/{scene.site.id}/deductions"
    assert browser.get(url).status_code == 403
    assert browser.post(url, RULES).status_code == 403
    assert db.session.get(DeductionRules, scene.site.id) is None


def test_the_pages_read_in_chinese(scene, browser):
    scene.scene.supervisor.locale = None
    db.session.commit()
    browser.login(scene.scene.supervisor.username)
    lapses_of(scene, scene.scene.butler)
    html = browser.get(table_url(scene)).get_data(as_text=True)
    for words in ("考核", "漏检", "巡检迟到", "首次响应超时", "整改逾期关闭", "复查不合格", "满分100"):
        assert words in html, words
