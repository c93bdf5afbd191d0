"""What the list and the bell show once a re-check has failed or someone else has closed the task."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Notification, User
from tests import factories
from tests.alert_people import do, photo, raise_task

SHOTS = "/tmp/shots14"


def _story(*, closed: bool, still_wrong: str = "纸箱还在楼梯间") -> None:
    """陈管家 raised a task, 王主管 gave it to 张师傅, who fixed it; 李主管 failed the fix, then (`closed`) passed
    the second one."""
    site = factories.site("星河湾花园")
    people = {}
    for who, role, name, locale in (
        ("boss", "supervisor", "王主管", "en"),
        ("deputy", "supervisor", "李主管", "zh_Hans"),
        ("finder", "butler", "陈管家", "zh_Hans"),
        ("fixer", "butler", "张师傅", "zh_Hans"),
    ):
        people[who] = factories.user(role, [site], username=who, locale=locale)
        people[who].display_name = name
    db.session.commit()
    task = raise_task(site, factories.location(site, name="1栋 九楼"), people["finder"])
    do(task, people["boss"], "assign", assignee=people["fixer"])
    do(task, people["fixer"], "submit_fix", note="已清理", photos=[photo(people["fixer"])])
    do(task, people["deputy"], "recheck_fail", note=still_wrong)
    if closed:
        do(task, people["fixer"], "submit_fix", note="已全部搬走", photos=[photo(people["fixer"])])
        do(task, people["deputy"], "recheck_pass")


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_shows_settled_notifications_as_done_and_counts_only_the_rest(make, browser):
    _story(closed=True)
    browser.login("boss")
    page = browser.get("/notifications").get_data(as_text=True)
    settled = re.findall(r'<li class="settled">(.*?)</li>', page, re.S)
    unread = re.findall(r'<li class="unread">(.*?)</li>', page, re.S)
    # Newest first: the closing is news to read; the two re-checks it asked for are done (by 李主管), and
    # so is the failed one it heard of (fixed again by 张师傅).
    assert [_words(row).split(" Unread: ")[1][:11] for row in unread] == ["Task closed"]
    assert [_words(row).split(" ", 3)[1:3] for row in settled] == [
        ["Fix", "awaiting"],
        ["Re-check", "failed:"],
        ["Fix", "awaiting"],
    ]
    assert [row.split('class="done">')[1].split("<")[0] for row in settled] == [
        "Re-checked by 李主管",
        "Fix submitted by 张师傅",
        "Re-checked by 李主管",
    ]
    assert "Still wrong: 纸箱还在楼梯间" in _words(settled[1])
    assert "1 unread" in page and len(unread) == 1
    badge = browser.get("/notifications/badge").get_data(as_text=True)
    assert re.search(r'class="bell-count"[^>]*>1<', badge)


def test_a_notification_is_unread_until_opened_even_when_settled_later(make, browser):
    """Settling is not reading: mark-all-read still reads the settled ones, and opening one is allowed."""
    _story(closed=True)
    browser.login("boss")
    boss = db.session.scalar(select(User.id).where(User.username == "boss"))
    settled = db.session.scalar(
        select(Notification.id).where(Notification.user_id == boss, Notification.settled_at.is_not(None))
    )
    assert browser.post(f"/notifications/{settled}/open").status_code == 303
    assert browser.post("/notifications/read").status_code == 303
    assert db.session.scalar(select(Notification.read_at).where(Notification.id == settled)) is not None


def test_names_and_notes_on_the_list_are_text_not_markup(make, browser):
    _story(closed=True, still_wrong='<img src=x alt="x">还在')
    deputy = db.session.scalar(select(User).where(User.username == "deputy"))
    deputy.display_name = "<i>李</i>主管"
    db.session.commit()
    browser.login("boss")
    page = browser.get("/notifications").get_data(as_text=True)
    assert "<i>" not in page and "<img" not in page
    assert "Re-checked by &lt;i&gt;李&lt;/i&gt;主管" in page and "&lt;img src=x" in page


@pytest.mark.browser
def test_the_fixer_sees_the_failed_recheck_and_its_words_on_a_phone(app, chromium):
    from playwright.sync_api import expect

    from tests.browser_steps import sign_in

    with app.app_context():
        _story(closed=False)
        db.session.remove()
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")
    sign_in(page, "fixer")
    # "分派给你" is done (the fix went in); the failed re-check is the one thing to do.
    expect(page.locator(".bell .bell-count")).to_have_text("1")
    page.locator(".bell").tap()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(page.locator(".page-head + p")).to_have_text("1 条未读")
    unread = page.locator("li.unread")
    expect(unread).to_have_count(1)
    expect(unread.locator(".what")).to_contain_text("复查不通过，请重新整改")
    expect(unread.locator(".note")).to_have_text("仍存在的问题：纸箱还在楼梯间")
    done = page.locator("li.settled")
    expect(done).to_have_count(1)
    expect(done.locator(".what")).to_have_text("分派给你")
    expect(done.locator(".done")).to_have_text("已由 张师傅 提交整改")
    Path(SHOTS).mkdir(exist_ok=True)
    page.screenshot(path=f"{SHOTS}/fixer-after-failed-recheck-zh.png", full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("who", "locale", "asked", "done"),
    [
        ("boss", "en", "Fix awaiting your re-check", "Re-checked by 李主管"),
        ("finder", "zh", "整改待你复查", "已由 李主管 复查"),
    ],
    ids=["boss-en", "finder-zh"],
)
def test_a_recheck_someone_else_did_shows_as_done_on_a_phone(app, chromium, who, locale, asked, done):
    from playwright.sync_api import expect

    from tests.browser_steps import sign_in

    with app.app_context():
        _story(closed=True)
        db.session.remove()
    page = chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in(page, who)
    page.goto("/notifications")
    settled = page.locator("li.settled").filter(has_text=asked)
    expect(settled.first).to_be_visible()
    expect(settled.locator(".done").first).to_have_text(done)
    unread = page.locator("li.unread")
    count = unread.count()
    expect(page.locator(".bell .bell-count")).to_have_text(str(count))
    Path(SHOTS).mkdir(exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{who}-recheck-done-{locale}.png", full_page=True)
