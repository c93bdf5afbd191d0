"""QR codes: the payload URL, PNG and SVG downloads, label sheets, and re-issuing a code."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import AuditEvent
from qr import qr_svg, scan_url


@pytest.fixture
def qr_setup(make):
    """A site with a supervisor (qrboss), a butler (qrbutler) and three floors."""
    site = make.site()
    make.user("supervisor", [site], username="qrboss", locale="en")
    make.user("butler", [site], username="qrbutler", locale="en")
    locations = [make.location(site, name=f"1栋 {n}F 楼层") for n in range(1, 4)]
    return site, locations


def test_the_payload_is_the_stable_scan_url():
    assert scan_url("https://wy.example.cn/", "AbC_12") == "https://wy.example.cn/c/AbC_12"


def test_png_and_svg_hold_the_locations_scan_url(browser, qr_setup, app, monkeypatch):
    _site, (location, *_rest) = qr_setup
    monkeypatch.setitem(app.config, "PATROL_BASE_URL", "https://patrol.example.cn")
    browser.login("qrboss")
    png = browser.get(f"/locations/{location.id}/qr.png")
    svg = browser.get(f"/locations/{location.id}/qr.svg")
    image = Image.open(io.BytesIO(png.data))
    assert png.mimetype == "image/png" and image.format == "PNG" and image.width == image.height >= 200
    assert svg.mimetype == "image/svg+xml"
    # The same URL renders the same modules: the SVG encodes exactly the scan URL.
    assert svg.get_data(as_text=True) == qr_svg(f"https://patrol.example.cn/c/{location.qr_token}")


def test_label_sheet_prints_name_kind_and_short_code_for_a_selection(browser, qr_setup):
    _site, locations = qr_setup
    browser.login("qrboss")
    html = browser.get(f"/labels?id={locations[0].id}&id={locations[2].id}").get_data(as_text=True)
    assert html.count('<article class="label">') == 2
    for location in (locations[0], locations[2]):
        assert location.name in html and location.short_code in html
    assert locations[1].name not in html and "楼层" in html and "@page" not in html
    assert re.search(r"/static/css/labels\.[0-9a-f]{8}\.css", html)


def test_label_sheet_for_a_whole_site(browser, qr_setup):
    site, locations = qr_setup
    browser.login("qrboss")
    html = browser.get(f"/labels?site={site.id}").get_data(as_text=True)
    assert html.count('<article class="label">') == len(locations)


def test_butlers_cannot_print_labels_or_reissue(browser, qr_setup):
    _site, (location, *_rest) = qr_setup
    browser.login("qrbutler")
    assert browser.get("/labels").status_code == 403
    assert browser.post(f"/locations/{location.id}/reissue").status_code == 403


def test_reissuing_retires_the_old_code_and_is_audited(browser, qr_setup):
    _site, (location, *_rest) = qr_setup
    old_token, old_code = location.qr_token, location.short_code
    browser.login("qrboss")
    response = browser.post(f"/locations/{location.id}/reissue")
    assert response.status_code == 303
    page = browser.get(response.location).get_data(as_text=True)
    assert "A new code was issued" in page
    db.session.refresh(location)
    assert location.qr_token != old_token and location.short_code != old_code
    assert browser.get(f"/c/{old_token}").status_code == 404
    assert browser.get(f"/c/{location.qr_token}").status_code == 200
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "qr.reissued"))
    assert event.actor.username == "qrboss" and event.target_id == location.id
    assert event.details == {"old_code": old_code, "new_code": location.short_code}


def test_typing_the_short_code_opens_the_location(browser, qr_setup):
    _site, (location, *_rest) = qr_setup
    browser.login("qrbutler")
    response = browser.post("/go", data={"code": location.short_code.lower()})
    assert response.status_code == 303 and response.location.endswith(f"/c/{location.qr_token}")
    unknown = browser.post("/go", data={"code": "ZZZZZZ"})
    assert unknown.status_code == 404 and "No location has that code" in unknown.get_data(as_text=True)


def test_locations_are_listed_in_the_order_people_count_floors(make, browser):
    from patrol.setup.locations import locations_on

    site = make.site()
    for floor in ("10F", "2F", "1F", "11F", "２F", "3²"):
        make.location(site, name=f"1栋 {floor}", floor=floor)
    names = [loc.name for loc in locations_on({site.id})]
    assert names == ["1栋 1F", "1栋 2F", "1栋 ２F", "1栋 3²", "1栋 10F", "1栋 11F"]
