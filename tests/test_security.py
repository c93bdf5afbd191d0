"""Secure defaults: cookies, CSRF, headers, and no running without a secret outside the demo."""

import pytest

from patrol import create_app


def test_session_cookies_are_secure_httponly_and_lax_outside_the_demo(browser, make, app):
    assert app.config["PATROL_DEMO"] is False
    make.user("butler", username="cookie")
    response = browser.login("cookie")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_local_demo_allows_plain_http_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("PATROL_DEMO", "1")
    monkeypatch.setenv("PATROL_INSTANCE_PATH", str(tmp_path))
    demo = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.sqlite3'}"})
    assert demo.config["SESSION_COOKIE_SECURE"] is False
    # The demo made itself a random key in its instance folder rather than using a fixed one.
    assert len(demo.config["SECRET_KEY"]) == 64 and (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("PATROL_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PATROL_DEMO", raising=False)
    monkeypatch.setenv("PATROL_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="PATROL_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})


def test_htmx_carries_the_csrf_token_in_a_header(browser, make):
    import json
    import re

    make.user("butler", username="hx")
    browser.login("hx")
    html = browser.get("/").get_data(as_text=True)
    headers = json.loads(re.search(r"hx-headers='([^']+)'", html).group(1))
    # The token the page gives htmx is one the server accepts on a state change.
    response = browser.client.post(
        "/language", data={"language": "en", "next": "/"}, headers={"X-CSRFToken": headers["X-CSRFToken"]}
    )
    assert response.status_code == 303


def test_a_post_without_csrf_token_is_refused(browser, make):
    make.user("butler", username="nocsrf", locale="en")
    browser.login("nocsrf")
    response = browser.client.post("/language", data={"language": "en"})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)


def test_pages_forbid_framing_and_sniffing(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_htmx_itself_is_served_from_its_package(client):
    response = client.get("/static/vendor/htmx.min.js")
    try:
        assert response.status_code == 200 and b"htmx" in response.data[:200]
    finally:
        response.close()
