"""An empty install asks for its first administrator; a reset password must be replaced first."""

from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import AuditEvent, User

EN = {"Accept-Language": "en"}


def _token(client, path):
    html = client.get(path, headers=EN).get_data(as_text=True)
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_an_empty_install_sends_everyone_to_create_the_first_administrator(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/setup")
    assert client.get("/c/anything").location.endswith("/setup")
    page = client.get("/setup", headers=EN).get_data(as_text=True)
    assert "Create administrator" in page


def test_creating_the_first_administrator_signs_them_in(client, ctx):
    token = _token(client, "/setup")
    response = client.post(
        "/setup",
        headers=EN,
        data={
            "csrf_token": token,
            "username": "Chen",
            "display_name": "陈静",
            "password": "lantern-orchid-42",
            "confirm": "lantern-orchid-42",
        },
    )
    assert response.status_code == 303 and response.location.endswith("/admin/")
    admin = db.session.scalar(select(User))
    assert (admin.username, admin.role, admin.display_name) == ("chen", "admin", "陈静")
    assert db.session.scalar(select(AuditEvent.action)) == "user.created"
    assert client.get("/setup").location.endswith("/login")  # never a second time


def test_first_administrator_form_shows_errors_in_place(client, ctx):
    token = _token(client, "/setup")
    response = client.post(
        "/setup",
        headers=EN,
        data={"csrf_token": token, "username": "", "display_name": "x", "password": "short", "confirm": "other"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fill this in." in html and "Use at least 10 characters." in html
    assert db.session.scalar(select(User)) is None


def test_create_admin_command(app):
    result = app.test_cli_runner().invoke(args=["patrol", "create-admin", "ops", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.username == "ops")) == "admin"
        db.session.remove()
    again = app.test_cli_runner().invoke(args=["patrol", "create-admin", "ops", "--password", "long-enough-1"])
    assert again.exit_code != 0 and again.output.startswith("Error:")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        db.session.remove()


def test_a_reset_password_must_be_changed_before_anything_else(browser, make):
    user = make.user("butler", username="reset", locale="en")
    user.must_change_password = True
    db.session.commit()
    browser.login("reset")
    response = browser.get("/tasks")
    assert response.status_code == 302 and "/account" in response.location
    changed = browser.post("/account/password", data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert changed.status_code == 303
    db.session.refresh(user)
    assert not user.must_change_password and user.check_password("brand-new-pass")
    assert browser.get("/tasks").status_code == 200


def test_changing_your_own_password_needs_the_current_one(browser, make):
    make.user("butler", username="own", locale="en")
    browser.login("own")
    wrong = browser.post(
        "/account/password", data={"current": "nope", "password": "another-pass-1", "confirm": "another-pass-1"}
    )
    assert wrong.status_code == 422 and "That is not your current password." in wrong.get_data(as_text=True)
    right = browser.post(
        "/account/password",
        data={"current": "correct horse battery", "password": "another-pass-1", "confirm": "another-pass-1"},
    )
    assert right.status_code == 303 and right.location == "/account"
    assert "Your password was changed." in browser.get(right.location).get_data(as_text=True)


def test_the_setup_front_page_points_an_empty_install_to_its_first_site(browser, make):
    make.user("admin", username="boss", locale="en")
    browser.login("boss")
    html = browser.get("/admin/").get_data(as_text=True)
    assert "Next step" in html and "Create your first site" in html and "/admin/sites/new" in html
    site = make.site()
    make.location(site)
    html = browser.get("/admin/").get_data(as_text=True)
    assert "Publish a checklist" in html  # sites and checkpoints exist; no checklist yet


def test_a_password_reset_signs_the_person_out_everywhere(app, make):
    from patrol.setup.people import reset_password
    from tests.conftest import Browser

    admin = make.user("admin", username="resetter")
    victim = make.user("butler", username="victim", locale="en")
    phone = Browser(app.test_client())
    phone.login("victim")
    assert phone.get("/").status_code == 200
    reset_password(admin, victim)
    response = phone.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_changing_your_password_keeps_this_device_signed_in_and_ends_the_others(app, make):
    from tests.conftest import Browser

    make.user("butler", username="twophones", locale="en")
    first, second = Browser(app.test_client()), Browser(app.test_client())
    first.login("twophones")
    second.login("twophones")
    changed = first.post(
        "/account/password",
        data={"current": "correct horse battery", "password": "a-new-password", "confirm": "a-new-password"},
    )
    assert changed.status_code == 303
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_a_forced_change_cannot_keep_the_temporary_password(app, make):
    from patrol.setup.people import reset_password
    from tests.conftest import SeparateBrowser

    admin = make.user("admin", username="resetter")
    person = make.user("butler", username="forgot", locale="zh_Hans")
    temporary = reset_password(admin, person).value.password
    phone = SeparateBrowser(app.test_client())
    assert phone.login("forgot", temporary).status_code == 303
    kept = phone.post("/account/password", data={"password": temporary, "confirm": temporary})
    assert kept.status_code == 422 and "临时密码不能继续使用" in kept.get_data(as_text=True)
    db.session.refresh(person)
    assert person.must_change_password and person.check_password(temporary)
    assert phone.get("/tasks").status_code == 302  # still sent to choose a password


def test_a_voluntary_change_cannot_keep_the_current_password(browser, make):
    user = make.user("butler", username="own", locale="en")
    browser.login("own")
    same = "correct horse battery"
    kept = browser.post("/account/password", data={"current": same, "password": same, "confirm": same})
    assert kept.status_code == 422
    assert "Choose a new password, not the one you have now." in kept.get_data(as_text=True)
    login_still_works = browser.get("/", headers=EN)
    assert login_still_works.status_code == 200 and user.check_password(same)


def test_the_password_hints_say_the_length_the_rule_asks(client, browser, make):
    assert "At least 10 characters." in client.get("/setup", headers={"Accept-Language": "en"}).get_data(as_text=True)
    make.user("butler", username="wang", locale="en")
    browser.login("wang")
    assert "At least 10 characters." in browser.get("/account").get_data(as_text=True)
