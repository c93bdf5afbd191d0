"""Every visible string is translated, and each person sees their language."""

import re
from datetime import UTC

import pytest

from patrol.i18n import LANGUAGES, language_from_header
from patrol.i18n_tools import extract, missing


@pytest.fixture(scope="module")
def template():
    return extract()


def test_the_extracted_strings_cover_the_screens(template):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert {"Sign in", "Submit inspection", "This code is no longer valid", "Take a photo"} <= ids


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_catalog_is_complete(language, template):
    gaps = missing(language, template)
    assert gaps == [], f"{language} lacks {len(gaps)} translations, e.g. {gaps[:5]}"


@pytest.mark.parametrize(
    "header, expected",
    [
        (["zh-CN", "en"], "zh_Hans"),
        (["zh"], "zh_Hans"),
        (["zh-TW"], "zh_Hant"),
        (["zh-HK", "en"], "zh_Hant"),
        (["zh-Hant-TW"], "zh_Hant"),
        (["en-US", "zh-CN"], "en"),
        (["fr", "de"], None),
    ],
)
def test_browser_language_is_mapped_to_a_catalog(header, expected):
    assert language_from_header(header) == expected


def test_pages_are_simplified_chinese_by_default(client, make):
    make.user("butler")
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html and "登录" in html


def test_a_traditional_chinese_browser_gets_traditional_chinese(client, make):
    make.user("butler")
    html = client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.8"}).get_data(as_text=True)
    assert 'lang="zh-Hant"' in html and "登入" in html


def test_the_language_a_user_chose_beats_the_browser(browser, make):
    site = make.site()
    make.user("butler", [site], username="amy", locale="en")
    browser.login("amy")
    html = browser.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Inspections today" in html


def test_choosing_a_language_is_remembered_for_the_user(browser, make):
    site = make.site()
    user = make.user("butler", [site], username="bo")
    browser.login("bo")
    response = browser.post("/language", data={"language": "zh_Hant", "next": "/"})
    assert response.status_code == 303 and response.location == "/"
    from patrol.extensions import db

    db.session.refresh(user)
    assert user.locale == "zh_Hant"
    assert 'lang="zh-Hant"' in browser.get("/").get_data(as_text=True)


def test_times_are_shown_in_the_site_time_zone(ctx):
    from datetime import datetime

    from patrol.models import Site
    from patrol.presenters.times import localtime

    moment = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    assert localtime(moment, Site(name="x", timezone="Asia/Shanghai")) == "2026-11-24 09:30"
    assert localtime(moment, Site(name="y", timezone="Europe/London")) == "2026-11-24 01:30"


# --- words a native reader expects -------------------------------------------------------------


def test_a_new_person_is_welcomed_not_told_their_password_was_reset(browser, make):
    from patrol.extensions import db
    from patrol.setup.people import reset_password

    admin = make.user("admin", username="boss")
    newcomer = make.user("butler", [make.site()], username="xin")
    newcomer.display_name, newcomer.must_change_password = "辛悦", True
    db.session.commit()
    browser.login("xin")
    page = browser.get("/account").get_data(as_text=True)
    assert '<div class="notice" role="alert">欢迎，辛悦！请先设置您自己的密码。</div>' in page and "重置" not in page
    temporary = reset_password(admin, newcomer).value.password  # signs them out everywhere
    assert browser.login("xin", temporary).status_code == 303
    page = browser.get("/account").get_data(as_text=True)
    assert '<div class="alert alert-error" role="alert">您的密码已被重置。请设置新密码后继续。</div>' in page
    assert "欢迎" not in page


def test_a_label_sheet_is_printed_in_the_sites_language_whoever_prints_it(browser, make):
    site = make.site("星河湾")
    make.user("admin", username="amy", locale="en")
    location = make.location(site, kind="vacant_unit", name="3-1201")
    browser.login("amy")
    html = browser.get(f"/labels?id={location.id}").get_data(as_text=True)
    assert '<p class="kind" lang="zh-Hans">空置房 · 星河湾' in html and "Vacant unit" not in html
    assert 'lang="en"' in html and "Print" in html  # the sheet's own instructions are the reader's


def test_an_unanswered_item_asks_to_choose_or_to_answer_as_its_type_needs(ctx):
    from flask_babel import force_locale

    from patrol.inspections.submission import _missing
    from patrol.models import ChecklistItem

    def unanswered(item_type: str) -> str:
        return str(_missing(ChecklistItem(item_type=item_type, required=True), None))

    with force_locale("zh_Hans"):
        assert [unanswered(kind) for kind in ("passfail", "choice", "rating")] == ["请选择一项。"] * 3
        assert [unanswered(kind) for kind in ("count", "number", "text")] == ["此项必须作答。"] * 3
    assert {unanswered(kind) for kind in ("passfail", "count")} == {"This item needs an answer."}


def test_a_task_names_the_inspection_it_came_from_in_words(browser, ctx):
    from sqlalchemy import select

    from patrol.demo.seed import DEMO_PASSWORD, seed_demo
    from patrol.extensions import db
    from patrol.models import Task

    seed_demo()
    task = db.session.scalar(select(Task).where(Task.source == "finding").order_by(Task.id))
    browser.login("supervisor", DEMO_PASSWORD)
    english = browser.get(f"/tasks/{task.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r">Inspection of \d{4}-\d\d-\d\d \d\d:\d\d</a>", english) and "the inspection" not in english
    chinese = browser.get(f"/tasks/{task.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d 的巡检记录</a>", chinese)
