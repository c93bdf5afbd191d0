"""Every visible string is translated, and each person sees their language."""
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


@pytest.mark.parametrize("header, expected", [
    (["zh-CN", "en"], "zh_Hans"), (["zh"], "zh_Hans"), (["zh-TW"], "zh_Hant"), (["zh-HK", "en"], "zh_Hant"),
    (["zh-Hant-TW"], "zh_Hant"), (["en-US", "zh-CN"], "en"), (["fr", "de"], None),
])
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
    from datetime import datetime, timezone

    from patrol.models import Site
    from patrol.templating import localtime

    moment = datetime(2026, 11, 24, 1, 30, tzinfo=timezone.utc)
    assert localtime(moment, Site(name="x", timezone="Asia/Shanghai")) == "2026-11-24 09:30"
    assert localtime(moment, Site(name="y", timezone="Europe/London")) == "2026-11-24 01:30"
