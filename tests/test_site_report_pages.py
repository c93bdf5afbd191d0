"""The report's pages: for the site's supervisors and administrators only; charts drawn as SVG with no
style attribute nor script, each chart's numbers also as text; the grid's coverage figure; the 日报 in
the site's language; and a site's language on its labels, notices and robot messages.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Delivery, User
from tests.conftest import Browser
from tests.report_scene import add_findings, add_tasks
from tests.robot_receiver import add_robot, raise_task
from tests.rounds_scene import DAY
from tests.test_notices import raise_task as notice_task
from tests.test_rounds_coverage import day, excuse_two  # noqa: F401  (day: the fixture)

pytest_plugins = ["tests.robot_fixtures"]
REPORT = f"/reports?period=day&date={DAY.isoformat()}"
DAILY = f"/reports/daily?date={DAY.isoformat()}"


@pytest.fixture
def reported(day, make, browser):  # noqa: F811
    excuse_two(day)
    add_findings(day, make)
    add_tasks(day, make)
    day.supervisor.locale = "en"
    db.session.commit()
    browser.login(day.supervisor.username)
    return day


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def test_the_report_shows_the_days_figures_and_the_grids_coverage(reported, browser):
    html = browser.get(f"{REPORT}&site={reported.site.id}").get_data(as_text=True)
    grid = browser.get(f"/rounds/grid?day={DAY.isoformat()}&site={reported.site.id}").get_data(as_text=True)
    assert "51%" in html and "on time: 56 of 110" in html
    assert "51%" in grid and "on time: 56 of 110" in grid
    facts = dict(re.findall(r'data-fact="(\w+)">(\d+)<', html))
    # Seen long after the day (the real clock): every task still open is overdue by now.
    assert facts == {
        "findings": "5",
        "raised": "6",
        "still_open": "3",
        "overdue": "3",
        "open_now": "3",
        "overdue_now": "3",
        "closed": "4",
    }
    assert "Answered within the promise: 4 of 6 raised (67%); 1 still unanswered past it." in html
    assert "Closed on time: 3 of 4 (75%)." in html
    assert "Reopen rate: 25% — 1 of 4 closed tasks had a fix sent back." in html
    assert "The site&#39;s promise: a first response within 60 minutes." in html
    butler = html.split(f'data-person="{reported.butler.id}">', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>([^<]+)</td>", butler) == ["69", "11", "0", "5", "3 of 3"]
    role = html.split('data-person="butler">', 1)[1].split("</tr>", 1)[0]
    assert "Role: Butler" in role and re.findall(r"<td>([^<]+)</td>", role)[2] == "42"


def test_charts_are_svg_without_style_or_script_and_their_numbers_are_text(reported, browser):
    for kind in ("day", "week", "month"):
        html = browser.get(f"/reports?period={kind}&date={DAY.isoformat()}&site={reported.site.id}").get_data(
            as_text=True
        )
        assert "style=" not in html and "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
        charts = re.findall(r'<figure class="chart" data-chart="(\w+)">(.*?)</figure>', html, re.S)
        assert {key for key, _body in charts} >= {"coverage", "items", "kinds", "response", "close"}
        for key, body in charts:
            (svg,) = svgs(body)
            assert " on" not in re.sub(r"<text.*?</text>|<title>.*?</title>", "", svg), key  # no on…= handler
            shown = re.findall(r'<text class="chart-value"[^>]*>([^<]+)</text>', svg)
            titles = re.findall(r"<title>([^<]+)</title>", svg)
            table = re.findall(r"<td>([^<]+)</td>", body.split("<details", 1)[1])
            assert titles, key
            # Every bar's number is drawn beside it and is in the table under the chart.
            assert all(number in table for number in shown), key
        if kind != "day":
            assert 'data-chart="days"' in html
    month = browser.get(f"/reports?period=month&date={DAY.isoformat()}&site={reported.site.id}").get_data(as_text=True)
    assert "Mar 2, 2026: 51% (56 of 110)" in month, re.findall(r"<title>([^<]*Mar[^<]*)<", month)[:3]


def test_the_query_count_is_the_same_for_a_day_and_a_month(reported, browser, queries):
    def count(url: str) -> int:
        queries.statements.clear()
        assert browser.get(url).status_code == 200
        return len(queries)

    site = reported.site.id
    assert count(f"/reports?period=day&date={DAY}&site={site}") == count(
        f"/reports?period=month&date={DAY}&site={site}"
    )
    assert count(f"{DAILY}&site={site}") == count(f"/reports/daily?date=2026-01-05&site={site}")


def test_only_the_sites_supervisors_and_administrators_see_its_report(reported, make, app):
    other = make.site("别处")
    make.user("supervisor", [other], username="outsider")
    make.user("butler", [reported.site], username="plainbutler")
    make.user("admin", username="theadmin")
    for username, status in (("outsider", 403), ("plainbutler", 403), ("theadmin", 200), (None, 302)):
        person = Browser(app.test_client())
        if username:
            person.login(username)
        for url in (REPORT, DAILY):
            assert person.get(f"{url}&site={reported.site.id}").status_code == status, (username, url)
    # Without a site named, the outsider sees their own site's report, never this one.
    outsider = Browser(app.test_client())
    outsider.login("outsider")
    assert reported.site.name not in outsider.get("/reports").get_data(as_text=True)


def test_odd_addresses_are_plain_4xx(reported, browser):
    site = reported.site.id
    assert browser.get(f"/reports?site=999999&date={DAY}").status_code == 404
    assert browser.get(f"/reports?site=abc&date={DAY}").status_code == 404
    assert browser.get(f"/reports?site={site}&date=2026-13-40").status_code == 400
    assert browser.get(f"/reports?site={site}&date=9999-12-31&period=month").status_code == 400
    assert browser.get(f"/reports/daily?site={site}&date=nonsense").status_code == 400
    assert browser.get(f"/reports?site={site}&period=year&date={DAY}").status_code == 200  # read as a day


def test_the_daily_report_is_in_the_sites_language_whatever_the_reader(reported, browser):
    html = browser.get(f"{DAILY}&site={reported.site.id}").get_data(as_text=True)
    sheet = html.split('<main class="daily">', 1)[1]
    assert '<html lang="zh-Hans">' in html and "日报" in sheet and "覆盖率" in sheet and "Coverage" not in sheet
    assert 'lang="en"' in html.split("<main", 1)[0] and "Print" in html.split("<main", 1)[0]
    reported.site.language = "en"
    db.session.commit()
    html = browser.get(f"{DAILY}&site={reported.site.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    sheet = html.split('<main class="daily">', 1)[1]
    assert '<html lang="en">' in html and "Daily report" in sheet and "Time to first response" in sheet
    assert "日报" not in sheet and "51%" in sheet


def test_a_site_set_to_english_prints_english_labels_and_notices(make, browser):
    site = make.site("Harbour ")
    site.language = "en"
    db.session.commit()
    sue = make.user("supervisor", [site], username="zhsue", locale="zh_Hans")
    unit = make.location(site, kind="renovation", name="1201")
    notice_task(site, unit, sue, "Rubbish on the balcony", severity="high")
    browser.login("zhsue")
    labels = browser.get(f"/labels?site={site.id}").get_data(as_text=True)
    assert "Renovation unit" in labels and "装修单元" not in labels.split("<main", 1)[-1]
    sheet = browser.get(f"/notices?site={site.id}").get_data(as_text=True)
    assert '<html lang="en">' in sheet and "Rectification notice" in sheet.split("<main>", 1)[1]


def test_a_site_set_to_english_gets_english_robot_messages(robot_site, make):
    robot_site.language = "en"
    db.session.scalar(select(User).where(User.username == "finder")).display_name = "Chen"
    db.session.commit()
    add_robot(robot_site, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", min_severity="low")
    raise_task(robot_site, severity="high", where="Tower 1 stairs", detail="Boxes on the stairs")
    texts = [text.replace(robot_site.name, "") for text in db.session.scalars(select(Delivery.text))]
    assert texts and all(not re.search(r"[\u4e00-\u9fff]", text) for text in texts), texts
    assert "New problem reported" in texts[0] and "Severity: High" in texts[0]


def test_the_site_form_sets_the_language_and_the_audit_says_so(admin, browser, make):
    site = make.site("Bay ")
    page = browser.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert '<option value="zh_Hans" selected>' in page  # the install's default, which it speaks today
    form = {"name": site.name, "timezone": "Asia/Shanghai", "opens_at": "08:30", "closes_at": "18:00"}
    assert browser.post(f"/admin/sites/{site.id}", data=form | {"language": "en"}).status_code in (302, 303)
    db.session.refresh(site)
    assert site.language == "en"
    assert browser.post(f"/admin/sites/{site.id}", data=form | {"language": "klingon"}).status_code == 422
    audit = browser.get("/admin/audit/").get_data(as_text=True)
    assert "Language of printed sheets and messages" in audit and "English" in audit


def test_a_period_with_no_task_closed_says_so_instead_of_a_rate_of_nothing(day, browser):  # noqa: F811
    day.supervisor.locale = "en"
    db.session.commit()
    browser.login(day.supervisor.username)
    html = browser.get(f"{REPORT}&site={day.site.id}").get_data(as_text=True)
    lines = dict(re.findall(r'<p data-line="(\w+)">([^<]*)</p>', html))
    assert lines == {"response": "No task was raised in this period.", "close": "No task was closed in this period."}
