"""Signing in and out, roles, and what each person's home page shows."""

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey
from patrol.inspections.submission import submit_inspection
from patrol.models import Task
from patrol.setup.catalogue import passfail

EN = {"Accept-Language": "en"}


def test_wrong_password_is_refused_in_plain_words(client, make):
    make.user("butler", username="li")
    page = client.get("/login", headers=EN).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", headers=EN, data={"username": "li", "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong user name or password." in response.get_data(as_text=True)


def test_a_deactivated_user_cannot_sign_in(browser, make):
    make.user("butler", username="gone", active=False)
    response = browser.login("gone")
    assert response.status_code == 401


def test_passwords_are_stored_hashed(make):
    user = make.user("butler", username="hashy")
    assert "correct horse" not in user.password_hash and user.check_password("correct horse battery")


def test_sign_in_never_redirects_to_another_host(browser, make):
    make.user("butler", username="safe")
    page = browser.client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = browser.client.post(
        "/login",
        data={"username": "safe", "password": "correct horse battery", "next": "//evil.example/x", "csrf_token": token},
    )
    assert response.status_code == 303 and response.location == "/"


def test_sign_out_ends_the_session(browser, make):
    make.user("butler", username="out")
    browser.login("out")
    assert browser.post("/logout").status_code == 303
    assert browser.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/tasks", "/locations", "/labels", "/inspections/1", "/tasks/1"])
def test_pages_need_a_signed_in_user(client, make, path):
    make.user("butler")  # an install with accounts (an empty one asks for its first administrator)
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location


def test_a_butler_home_lists_their_checkpoints_and_todays_inspections(browser, make):
    site, elsewhere = make.site(), make.site()
    butler = make.user("butler", [site], username="wei", locale="en")
    mine = make.location(site, name="1栋 3F 楼层")
    make.location(elsewhere, name="别人的点位")
    version = make.checklist([passfail("灯正常", photo=False)])
    key = DraftKey(butler, mine, version, "6f1c1b8e-8a1e-4d51-9f0c-111111111111", utcnow())
    submit_inspection(key, {version.items[0].id: AnswerInput("fail")})
    browser.login("wei")
    html = browser.get("/").get_data(as_text=True)
    assert "My checkpoints" in html and "1栋 3F 楼层" in html and "别人的点位" not in html
    assert "Inspections today" in html and "1 finding" in html


def test_a_supervisor_home_shows_open_and_overdue_tasks(browser, make):
    from datetime import timedelta

    site = make.site()
    butler = make.user("butler", [site])
    make.user("supervisor", [site], username="wang", locale="en")
    location = make.location(site)
    version = make.checklist([passfail("防火门常闭", "high", photo=False), passfail("地面干净", "low", photo=False)])
    key = DraftKey(butler, location, version, "6f1c1b8e-8a1e-4d51-9f0c-222222222222", utcnow())
    submit_inspection(key, {item.id: AnswerInput("fail") for item in version.items})
    overdue = db.session.scalar(select(Task).where(Task.severity == "high"))
    overdue.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    browser.login("wang")
    html = browser.get("/").get_data(as_text=True)
    assert "Overdue" in html and "防火门常闭" in html and "overdue since" in html
    assert "地面干净" in html  # still open, not yet due
    assert "My checkpoints" not in html
