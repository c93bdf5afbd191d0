"""The installable app over HTTP: manifest and icons a phone can install, a service worker that is always
checked for a new version, an offline page anyone can see, and the list of pages a phone keeps."""

from __future__ import annotations

import io
import json
import math
import re

import pytest
from PIL import Image
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Login
from patrol.views.app_shell import PREPARE_LIMIT
from patrol.views.static_bundles import BUNDLES
from patrol.views.static_files import EXTENSION_KEY, StaticFolder
from tests import factories

EN = {"Accept-Language": "en"}
TEAL = (15, 118, 110)


@pytest.fixture(autouse=True)
def installed(make):
    """An app in use: someone has an account (an empty install sends every page to its first-run setup)."""
    return make.user("admin")


def manifest_of(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    return json.loads(response.get_data(as_text=True))


def image_at(client, url: str) -> tuple[Image.Image, object]:
    response = client.get(url)
    assert response.status_code == 200, url
    image = Image.open(io.BytesIO(response.data))
    image.load()  # decodes every byte: a truncated PNG fails here
    return image, response


def test_the_manifest_installs_the_app_under_its_chinese_name(client):
    manifest = manifest_of(client)
    assert manifest["name"] == manifest["short_name"] == "巡检"
    assert manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0f766e"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])


def test_the_manifest_icons_are_pngs_of_the_sizes_they_claim(client):
    listed = manifest_of(client)["icons"]
    for icon in listed:
        image, response = image_at(client, icon["src"])
        assert image.format == "PNG" and response.mimetype == icon["type"] == "image/png"
        width, height = (int(side) for side in icon["sizes"].split("x"))
        assert image.size == (width, height), icon
        # The URL names the drawing's hash: a year in the browser's cache is safe.
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in listed}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes


def test_the_maskable_icon_keeps_its_mark_inside_the_safe_circle(client):
    """Android may crop a maskable icon to a circle of 80% of its side: all white must lie within it,
    and the rest is the brand colour to the very edge (no transparent corners to show as black)."""
    src = next(icon["src"] for icon in manifest_of(client)["icons"] if icon["purpose"] == "maskable")
    image = image_at(client, src)[0].convert("RGBA")
    side = image.width
    safe_radius = 0.4 * side
    white_inside, white_outside, not_opaque = 0, 0, 0
    for y in range(0, side, 4):
        for x in range(0, side, 4):
            red, green, blue, alpha = image.getpixel((x, y))
            not_opaque += alpha < 255
            if (red, green, blue) != TEAL:
                if math.hypot(x - side / 2, y - side / 2) > safe_radius:
                    white_outside += 1
                else:
                    white_inside += 1
    assert not_opaque == 0 and white_outside == 0
    assert white_inside > 0.05 * (side // 4) ** 2  # and the mark is there


def test_ios_and_the_tab_get_their_icons(client):
    home = client.get("/login", headers=EN).get_data(as_text=True)
    apple = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', home).group(1)
    image, _ = image_at(client, apple)
    # iOS rounds the corners itself and shows transparency as black: an opaque 180 px square.
    assert image.size == (180, 180) and image.mode == "RGB"
    for size in (32, 16):
        favicon = re.search(rf'<link rel="icon" href="([^"]+)" sizes="{size}x{size}" type="image/png">', home).group(1)
        assert image_at(client, favicon)[0].size == (size, size)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home
    ico, response = image_at(client, "/favicon.ico")
    assert response.mimetype == "image/x-icon"
    assert ico.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert image_at(client, "/apple-touch-icon.png")[0].size == (180, 180)


def test_pages_load_the_scripts_in_order(client):
    head = client.get("/login", headers=EN).get_data(as_text=True).split("</head>")[0]
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', head)
    names = [re.sub(r"\.[0-9a-f]{8}(?=\.)", "", src.rsplit("/", 1)[1]) for src in scripts]
    assert names == ["htmx.min.js", "page.js"]  # htmx from its package, then our scripts as one file
    assert BUNDLES["bundles/page.js"] == ("js/app.js", "js/photo-shrink.js", "js/outbox.js", "js/pwa.js")


def sw_version(text: str) -> str:
    return re.search(r'^const VERSION = "([0-9a-f]+)";$', text, re.M).group(1)


def test_the_service_worker_is_served_from_the_root_and_always_checked_again(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.get_data(as_text=True)
    assert len(sw_version(text)) == 16
    assert '"patrol-outbox"' in text and "patrol-flush" in text
    assert "indexedDB" not in text  # the worker never touches the outbox's database


def test_everything_the_worker_precaches_is_there_for_a_signed_out_phone(client):
    """The worker installs on the first page a phone opens, usually the sign-in page: no file of the
    shell may need a session, or the install fails."""
    shell = json.loads(re.search(r"^const SHELL = (\[.*\]);$", client.get("/sw.js").get_data(as_text=True), re.M)[1])
    plain = [re.sub(r"\.[0-9a-f]{8}(?=\.)", "", url) for url in shell]  # without the content hash in the name
    wanted = ("css/app.css", "bundles/page.js", "bundles/scan.js", "js/outbox-send.js", "vendor/htmx.min.js")
    icons = ("icons/icon-512.png", "icons/maskable-512.png", "icons/apple-touch-icon.png", "icons/favicon.ico")
    for name in (*wanted, *icons, "/offline", "/manifest.webmanifest"):
        assert any(name in url for url in plain), name
    for url in shell:
        response = client.get(url, headers=EN)
        assert response.status_code == 200, url
        response.close()


def test_a_new_build_is_a_new_worker(app, client, tmp_path, monkeypatch):
    first = sw_version(client.get("/sw.js").get_data(as_text=True))
    assert sw_version(client.get("/sw.js").get_data(as_text=True)) == first  # stable while nothing changes
    app.config["PATROL_SW_VERSION_SALT"] = "next build"
    try:
        assert sw_version(client.get("/sw.js").get_data(as_text=True)) != first
    finally:
        app.config.pop("PATROL_SW_VERSION_SALT")
    # Any changed byte of a static file is a new version (a static folder of one file, watched as in debug).
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "app.css"
    sheet.write_text("body { color: red }")
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, StaticFolder(tmp_path, watch=True))
    before = sw_version(client.get("/sw.js").get_data(as_text=True))
    sheet.write_text("body { color: blue }")
    assert sw_version(client.get("/sw.js").get_data(as_text=True)) != before


def test_the_offline_page_needs_no_sign_in_and_says_what_to_do(client):
    response = client.get("/offline", headers=EN)
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert "No connection" in text
    assert "Checkpoints prepared on this phone open when you scan their sticker." in text
    assert "kept on this phone and sent by themselves" in text
    assert "Scan a prepared checkpoint" in text and "Try again" in text
    assert "This checkpoint was not prepared on this phone" in text  # shown by pwa.js for a scan page


def test_the_policy_still_allows_only_our_own_code(client):
    for url in ("/offline", "/sw.js", "/manifest.webmanifest", "/favicon.ico"):
        response = client.get(url, headers=EN)
        policy = dict(part.strip().split(None, 1) for part in response.headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == policy["worker-src"] == policy["manifest-src"] == "'self'", url
        assert "unsafe" not in response.headers["Content-Security-Policy"]
        assert "camera=(self)" in response.headers["Permissions-Policy"]
    page = client.get("/offline", headers=EN).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\ssrc=)|\sstyle=|\son\w+=|hx-on", page)


def test_a_signed_out_phone_is_not_told_any_pages(client):
    response = client.get("/prepare.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_butler_prepares_the_checkpoints_of_the_home_page_and_no_others(browser, make):
    site, elsewhere = make.site("翠湖苑"), make.site("金桂园")
    butler = make.user("butler", sites=[site], locale="en")
    mine = [make.location(site, name=f"{n}F") for n in range(1, 4)]
    retired = make.location(site, name="old", active=False)
    foreign = make.location(elsewhere)
    browser.login(butler.username)
    home = browser.get("/").get_data(as_text=True)
    response = browser.get("/prepare.json")
    assert response.mimetype == "application/json" and "no-store" in response.headers["Cache-Control"]
    plan = response.get_json()
    assert plan["urls"][:2] == ["/", "/report"]  # the report form, once, for every link to it
    assert sorted(plan["urls"][2:]) == sorted(f"/c/{loc.qr_token}" for loc in mine)
    assert [c["id"] for c in plan["checkpoints"]] == [loc.id for loc in mine]  # a saved form names its place
    for url in plan["urls"][2:]:
        assert f'href="{url}"' in home  # each is a checkpoint the home page lists
    assert {c["code"] for c in plan["checkpoints"]} == {loc.short_code for loc in mine}
    assert {c["name"] for c in plan["checkpoints"]} == {"1F", "2F", "3F"}
    assert all(retired.qr_token not in url and foreign.qr_token not in url for url in plan["urls"])
    assert f'<meta name="patrol-prepare" content="/prepare.json" data-who="{butler.id}">' in home


def test_the_prepared_list_is_bounded_and_costs_a_fixed_number_of_queries(browser, make, queries):
    site = make.site()
    butler = make.user("butler", sites=[site])
    for n in range(PREPARE_LIMIT + 5):
        make.location(site, name=f"{n}F")
    browser.login(butler.username)
    queries.statements.clear()
    plan = browser.get("/prepare.json").get_json()
    assert len(plan["checkpoints"]) == PREPARE_LIMIT and len(plan["urls"]) == PREPARE_LIMIT + 2  # home, report
    assert len(queries) <= 6, queries.statements


def test_at_most_twelve_pages_are_kept_a_checkpoint_with_its_choices_whole(browser, make):
    site = make.site()
    butler = make.user("butler", sites=[site])
    for n in range(10):
        make.location(site, name=f"{n:02d}F")
    lobby = make.location(site, name="10F lobby")  # the 11th: its page and two choices would make 13
    make.checklist(kind="floor")
    make.checklist(name="消防检查", location=lobby)
    browser.login(butler.username)
    plan = browser.get("/prepare.json").get_json()
    assert PREPARE_LIMIT == 12
    assert len(plan["urls"]) == 2 + 10 and [c["name"] for c in plan["checkpoints"]][-1] == "09F"
    assert not any(lobby.qr_token in url for url in plan["urls"])


def test_a_phone_saving_data_is_given_nothing_to_keep(browser, make):
    site = make.site()
    butler = make.user("butler", sites=[site])
    make.location(site)
    browser.login(butler.username)
    assert len(browser.get("/prepare.json").get_json()["urls"]) == 3
    saving = browser.get("/prepare.json", headers={"Save-Data": "on"})
    assert saving.status_code == 200 and saving.get_json() == {"urls": [], "checkpoints": []}


def test_each_choice_of_a_checkpoint_with_several_checklists_is_kept(browser, make):
    site = make.site()
    butler = make.user("butler", sites=[site])
    lobby, stairs = make.location(site, name="Lobby"), make.location(site, name="Stairs")
    floor_round = make.checklist(kind="floor")  # every floor: both
    fire_round = make.checklist(name="消防检查", location=lobby)  # the lobby only
    browser.login(butler.username)
    urls = browser.get("/prepare.json").get_json()["urls"]
    lobby_url = f"/c/{lobby.qr_token}"
    assert urls == [
        "/",
        "/report",
        lobby_url,
        *sorted(
            (f"{lobby_url}?checklist={floor_round.checklist_id}", f"{lobby_url}?checklist={fire_round.checklist_id}"),
            key=lambda url: int(url.rsplit("=", 1)[1]),
        ),
        f"/c/{stairs.qr_token}",  # one checklist: its scan page opens it straight away
    ]
    for url in urls[3:5]:  # each choice is the checklist itself
        assert 'id="checklist"' in browser.get(url).get_data(as_text=True)


def test_a_supervisor_keeps_the_home_page_and_the_report_form_only(browser, make):
    site = make.site()
    make.location(site)
    supervisor = make.user("supervisor", sites=[site])
    browser.login(supervisor.username)
    # A supervisor may report a problem too: the form is kept, no checkpoint.
    assert browser.get("/prepare.json").get_json() == {"urls": ["/", "/report"], "checkpoints": []}


def test_the_scan_button_and_its_words_are_on_the_home_page(browser, make):
    site = make.site()
    butler = make.user("butler", sites=[site], locale="en")
    browser.login(butler.username)
    home = browser.get("/").get_data(as_text=True)
    assert "data-scan-open" in home and ">Scan</span>" in home
    assert 'data-sticker-host="patrol.test"' in home  # PATROL_BASE_URL: the host printed in the stickers
    assert "This browser cannot read QR codes itself." in home
    assert "open it in a browser" in home  # the WeChat hint, shown by pwa.js only there


# --- a shared phone ----------------------------------------------------------------------------


def test_the_offline_page_is_nobody_s_even_when_fetched_by_someone_signed_in(browser, make):
    make.user("butler", username="wang", locale="en").display_name = "Wang the butler"
    db.session.commit()
    browser.login("wang")

    page = browser.get("/offline").get_data(as_text=True)

    # The worker keeps this page for whoever holds the phone next: no name, menu, token or who it was.
    assert "Wang the butler" not in page and "data-outbox-signout" not in page and 'details class="menu"' not in page
    assert "csrf" not in page.lower() and 'name="patrol-prepare"' not in page
    assert 'data-user=""' in page


def test_every_page_says_whom_it_was_made_for_so_the_worker_keeps_people_apart(browser, make, client):
    wang = make.user("butler", username="wang", locale="en")
    assert "X-Patrol-Person" not in client.get("/login").headers
    browser.login("wang")

    assert browser.get("/").headers["X-Patrol-Person"] == str(wang.id)
    assert browser.get("/prepare.json").headers["X-Patrol-Person"] == str(wang.id)
    assert "X-Patrol-Person" not in browser.get("/static/css/app.css").headers


def test_signing_in_on_a_phone_still_signed_in_as_someone_else_ends_their_login(browser, make):
    wang = make.user("butler", username="wang", locale="en")
    li = make.user("steward", username="li", locale="en")
    browser.login("wang")  # he signed out without signal: the phone still carries his login

    response = browser.post("/login", data={"username": "li", "password": factories.PASSWORD})

    assert response.status_code == 303
    remaining = db.session.scalars(select(Login.user_id)).all()
    assert remaining == [li.id] and wang.id not in remaining


def test_going_back_asks_the_server_for_the_whole_page_as_htmx_keeps_no_copies(browser, make):
    make.user("butler", username="wang", locale="en")
    browser.login("wang")
    page = browser.get("/")
    assert '"historyCacheSize": 0' in page.get_data(as_text=True)  # nothing of a person left in localStorage

    back = browser.get("/locations", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert back.status_code == 200 and back.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")
