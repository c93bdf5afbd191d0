"""Signing in against a guesser and a thief: no user-name oracle, logins that really end.

Throttling is in tests/test_sign_in_throttling.py.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from patrol import passwords
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Login, User
from tests.conftest import SeparateBrowser
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}


@pytest.fixture
def phone(app):
    return SeparateBrowser(app.test_client())


@pytest.fixture
def laptop(app):
    return SeparateBrowser(app.test_client())


def _sign_in(browser, username, password, headers=None):
    page = browser.client.get("/login", headers=headers or EN).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    browser.token = token
    return browser.client.post(
        "/login", headers=headers or EN, data={"username": username, "password": password, "csrf_token": token}
    )


# No user-name oracle ---------------------------------------------------------------------------


def test_an_unknown_user_costs_one_password_check_like_a_known_one(client, make, monkeypatch):
    make.user("butler", username="li")
    checked = []
    real_check = passwords.check_password_hash

    def counting_check(password_hash, password):
        checked.append(password_hash.split("$", 1)[0])
        return real_check(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting_check)
    known = _sign_in(SeparateBrowser(client), "li", "wrong-guess")
    unknown = _sign_in(SeparateBrowser(client), "nobody", "wrong-guess")
    assert len(checked) == 2 and checked[0] == checked[1]  # one check each, by the same method
    assert known.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in known.get_data(as_text=True)
    assert "Wrong user name or password." in unknown.get_data(as_text=True)


def test_a_deactivated_user_costs_a_password_check_too(client, make, monkeypatch):
    make.user("butler", username="gone", active=False)
    checked = []
    monkeypatch.setattr(passwords, "check_password_hash", lambda *args: checked.append(args) or False)
    assert _sign_in(SeparateBrowser(client), "gone", PASSWORD).status_code == 401
    assert len(checked) == 1


# Logins that end -------------------------------------------------------------------------------


def _copy_cookies(source, target):
    for name in ("session", "remember_token"):
        cookie = source.client.get_cookie(name)
        if cookie is not None:
            target.client.set_cookie(name, cookie.value)


def _signed_in(browser) -> bool:
    return browser.get("/", headers=EN).status_code == 200


def test_cookies_copied_before_signing_out_do_not_work_after(app, phone, make):
    make.user("butler", username="li")
    assert phone.login("li").status_code == 303
    thief = SeparateBrowser(app.test_client())
    _copy_cookies(phone, thief)
    assert _signed_in(thief)
    assert phone.post("/logout").status_code == 303
    assert not _signed_in(thief)
    remembered = SeparateBrowser(app.test_client())  # only the remember-me cookie, as after a browser restart
    remembered.client.set_cookie("remember_token", thief.client.get_cookie("remember_token").value)
    assert not _signed_in(remembered)


def test_signing_out_on_one_phone_leaves_the_other_device_signed_in(phone, laptop, make):
    make.user("butler", username="li")
    phone.login("li")
    laptop.login("li")
    phone.post("/logout")
    assert _signed_in(laptop) and not _signed_in(phone)


def test_a_password_change_signs_out_every_other_device(phone, laptop, make):
    make.user("butler", username="li")
    phone.login("li")
    laptop.login("li")
    changed = phone.post(
        "/account/password", data={"current": PASSWORD, "password": "lantern-orchid-42", "confirm": "lantern-orchid-42"}
    )
    assert changed.status_code == 303
    assert _signed_in(phone) and not _signed_in(laptop)


def test_a_reset_or_deactivation_signs_the_person_out_and_reactivation_revives_nothing(browser, admin, phone, make):
    person = make.user("butler", [make.site()], username="li")
    phone.login("li")
    browser.post(f"/admin/people/{person.id}/reset")
    assert not _signed_in(phone)

    db.session.execute(update(User).where(User.id == person.id).values(must_change_password=False))
    db.session.commit()
    later = SeparateBrowser(browser.client.application.test_client())
    person.set_password(PASSWORD)
    db.session.commit()
    later.login("li")
    assert _signed_in(later)
    browser.post(f"/admin/people/{person.id}/deactivate")
    assert not _signed_in(later)
    browser.post(f"/admin/people/{person.id}/reactivate")
    assert not _signed_in(later)
    assert db.session.scalar(select(Login).where(Login.user_id == person.id)) is None


def test_a_login_ends_after_the_configured_time_whatever_the_cookie_says(app, phone, make):
    make.user("butler", username="li")
    phone.login("li")
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    login = db.session.scalar(select(Login))
    assert timedelta(days=29) < login.expires_at - utcnow() <= timedelta(days=30)
    db.session.execute(update(Login).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _signed_in(phone)


def test_cookies_carry_a_login_token_not_the_user_id(phone, make):
    user = make.user("butler", username="li")
    phone.login("li")
    remember = phone.client.get_cookie("remember_token").value
    assert not remember.startswith(f"{user.id}|") and not remember.startswith(f"{user.id}.")
    assert db.session.scalar(select(Login.token_hash)) not in remember  # only the hash is stored
