"""Configuration that would be unsafe in production stops the app at start, and passwords are strong."""

import pytest

from patrol import create_app
from patrol.config import load_config
from patrol.passwords import password_problem
from qr import qr_svg
from tests.conftest import TEST_BASE_URL, TEST_SECRET


def _app(tmp_path, **overrides):
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": TEST_SECRET,
        "PATROL_BASE_URL": TEST_BASE_URL,
        "PATROL_PHOTO_DIR": str(tmp_path / "photos"),
    }
    config.update(overrides)
    return create_app(config)


def test_a_short_secret_key_is_refused_at_start(tmp_path):
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        _app(tmp_path, SECRET_KEY="only-twenty-one-chars")


@pytest.mark.parametrize("base_url", ["", "patrol.example.cn", "ftp://patrol.example.cn"])
def test_a_missing_public_address_is_refused_at_start(tmp_path, base_url):
    with pytest.raises(RuntimeError, match="PATROL_BASE_URL"):
        _app(tmp_path, PATROL_BASE_URL=base_url)


def test_the_local_demo_starts_without_them(tmp_path):
    app = _app(tmp_path, PATROL_DEMO=True, SECRET_KEY=None, PATROL_BASE_URL="")
    assert len(app.config["SECRET_KEY"]) >= 32


def test_production_keeps_a_slow_password_hash(tmp_path, monkeypatch):
    monkeypatch.delenv("PATROL_PASSWORD_HASH", raising=False)
    assert load_config(str(tmp_path))["PATROL_PASSWORD_HASH"] == "scrypt"


def test_stickers_and_labels_use_the_configured_address_not_the_host_header(browser, admin, make):
    location = make.location(make.site())
    svg = browser.get(f"/locations/{location.id}/qr.svg").get_data(as_text=True)  # asked at http://localhost
    assert svg == qr_svg(f"{TEST_BASE_URL}/c/{location.qr_token}")


@pytest.mark.parametrize(
    "password, names, expected",
    [
        ("short-1", (), "Use at least 10 characters."),
        ("1234567890", (), "one of the most common passwords"),
        ("password123", (), "one of the most common passwords"),
        ("zhangwei2024!", ("zhangwei", "张伟"), "Too close to the user name"),
        ("aaaaaaaaaaaa", (), "Too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(ctx, password, names, expected):
    assert expected in str(password_problem(password, password, names=names))


def test_a_passphrase_is_accepted(ctx):
    assert password_problem("lantern-orchid-42", "lantern-orchid-42", names=("li",)) is None


def test_the_reason_is_given_in_chinese(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert "常见" in str(password_problem("1234567890", "1234567890"))
