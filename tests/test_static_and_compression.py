"""Light and cached: static files under content-hashed names kept a year, and compressed responses.

What a phone on a weak signal gets: every page names our CSS and JavaScript (and htmx) by a hash
of their bytes, served `immutable` for a year, so a repeat visit asks only for the page; the plain
and outdated names still answer for pages an older version left in a cache. Text is compressed
with brotli or gzip as the browser accepts; photos and PNGs pass through untouched, and the
downloads (photos, CSV, QR codes) still arrive whole.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from pathlib import Path

import brotli
import pytest
import rjsmin
from flask import Flask, Response, jsonify
from PIL import Image
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Photo
from patrol.views import compression
from patrol.views.static_bundles import BUNDLES, VENDOR
from patrol.views.static_files import (
    IMMUTABLE,
    StaticFolder,
    all_static,
    hashed_name,
    hashed_path_pattern,
    hashed_url,
)

STATIC = Path(__file__).resolve().parent.parent / "static"
BROTLI = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends
GZIP = {"Accept-Encoding": "gzip"}
ASSET_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
HTMX = VENDOR["vendor/htmx.min.js"]


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    response.close()
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",") if part.strip()}


# --- hashed names ------------------------------------------------------------------------------


def test_pages_name_our_files_by_a_hash_of_their_bytes(client, make):
    make.user("butler")
    page = client.get("/login").get_data(as_text=True)
    urls = ASSET_URL.findall(page)

    assert f"/static/css/app.{digest_of(STATIC / 'css/app.css')}.css" in urls
    assert any(re.fullmatch(r"/static/bundles/page\.[0-9a-f]{8}\.js", url) for url in urls)
    assert f"/static/vendor/htmx.min.{digest_of(HTMX)}.js" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        response.close()


def test_a_hashed_file_is_served_immutable_for_a_year_and_revalidates_with_its_etag(client):
    url = f"/static/css/app.{digest_of(STATIC / 'css/app.css')}.css"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.get_data() == (STATIC / "css/app.css").read_bytes()
    etag = response.headers["ETag"]
    response.close()

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def as_sent(filename: str) -> bytes:
    """What a static file's body is before compression: our JavaScript goes without its comments."""
    data = (STATIC / filename).read_bytes()
    return rjsmin.jsmin(data.decode()).encode() if filename.endswith(".js") else data


def test_our_javascript_is_sent_without_comments_and_still_says_the_same(client):
    source = (STATIC / "js/app.js").read_text()
    sent = client.get("/static/js/app.js").get_data(as_text=True)
    assert "// " in source and "\n// " not in sent and len(sent) < len(source) * 0.7
    assert "htmx:sendError" in sent and "data-confirm" in sent  # the code itself is all there


def test_the_plain_and_an_outdated_name_still_answer_with_the_current_file_asked_for_again(client):
    current = as_sent("js/app.js")
    for url in ("/static/js/app.js", "/static/js/app.0badc0de.js", "/static/vendor/htmx.min.js"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-cache", url  # never kept as if it could not change
        body = response.get_data()
        response.close()
        assert body == (HTMX.read_bytes() if "htmx" in url else current), url  # a package's .min.js as it is


def test_a_missing_file_or_a_way_out_of_the_folder_is_not_found(client):
    for url in ("/static/css/nothing.css", "/static/css/nothing.0badc0de.css", "/static/../patrol/__init__.py"):
        assert client.get(url).status_code == 404, url


def assert_same_for_everyone(response, url: str) -> None:
    response.close()
    assert response.status_code == 200, url
    assert "Set-Cookie" not in response.headers, url
    assert "cookie" not in vary(response) and "accept-encoding" in vary(response), url


def test_files_are_the_same_for_everyone_no_cookie_no_vary_on_one(browser, admin):
    for url in (hashed_url_in_request(browser, "css/app.css"), "/static/css/app.css", "/static/vendor/htmx.min.js"):
        assert_same_for_everyone(browser.get(url, headers=BROTLI), url)


def test_files_fetched_by_the_sign_in_page_set_no_cookie_either(client, make):
    # The sign-in page's session holds only a CSRF token: looking at the user there marks it, which
    # would otherwise make the first file's response set a cookie and vary on it.
    make.user("butler")
    page = client.get("/login").get_data(as_text=True)
    for url in ASSET_URL.findall(page):
        assert_same_for_everyone(client.get(url, headers=BROTLI), url)


def hashed_url_in_request(browser, filename: str) -> str:
    with browser.client.application.test_request_context():
        return hashed_url(filename)


def test_the_service_worker_gets_the_same_urls_as_the_pages(app):
    with app.test_request_context():
        listed = dict(all_static())
    assert listed["css/app.css"] == f"/static/css/app.{digest_of(STATIC / 'css/app.css')}.css"
    assert listed["js/app.js"] == f"/static/js/app.{digest_of(STATIC / 'js/app.js')}.js"
    assert listed["js/photo-shrink.js"].startswith("/static/js/photo-shrink.")
    on_disk = {p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()}
    assert set(listed) == on_disk | set(BUNDLES) | set(VENDOR)


def test_one_rule_tells_the_service_worker_which_urls_never_change(app, client):
    """Every static file (ours, htmx, the icons) has a hashed URL the one rule matches; no plain one does."""
    with app.test_request_context():
        rule = hashed_path_pattern()
        listed = all_static()
    assert {"vendor/htmx.min.js", "icons/icon-512.png", "icons/favicon.ico", "bundles/scan.js"} <= dict(listed).keys()
    for name, url in listed:
        assert re.match(rule, url) and not re.match(rule, f"/static/{name}"), name
    for url in ("/manifest.webmanifest", "/offline", "/favicon.ico", "/sw.js"):
        assert not re.match(rule, url), url
    # The worker is given the same rule, as a JavaScript regular expression.
    worker = client.get("/sw.js").get_data(as_text=True)
    assert f"const HASHED = new RegExp({json.dumps(rule)});" in worker


def test_names_take_the_hash_before_their_last_extension():
    assert hashed_name("css/app.css", "3f2a9c1e") == "css/app.3f2a9c1e.css"
    assert hashed_name("htmx.min.js", "3f2a9c1e") == "htmx.min.3f2a9c1e.js"
    assert hashed_name("LICENSE", "3f2a9c1e") == "LICENSE.3f2a9c1e"


def test_in_debug_an_edited_file_gets_a_new_hash_at_once(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: red; }")
    folder = StaticFolder(tmp_path, watch=True)
    before = folder.url_name("css/site.css")
    sheet.write_text("body { color: blue; }")
    after = folder.url_name("css/site.css")
    assert before != after
    assert after == hashed_name("css/site.css", hashlib.sha256(b"body { color: blue; }").hexdigest()[:8])
    assert folder.resolve(after)[1] is True and folder.resolve(before)[1] is False  # the old name: no-cache


# --- bundles: our page scripts as one file -------------------------------------------------------


def test_a_bundle_is_its_parts_in_order_under_a_hash_immutable_and_compressed(app, client):
    with app.test_request_context():
        url = hashed_url("bundles/scan.js")
    response = client.get(url, headers=BROTLI)
    assert response.mimetype == "text/javascript" and response.headers["Cache-Control"] == IMMUTABLE
    assert decoded(response) == b"\n;\n".join(as_sent(part) for part in BUNDLES["bundles/scan.js"])
    with app.test_request_context():
        assert url in {hashed for _name, hashed in all_static()}  # listed with every file, as the pages name it


def test_a_pages_scripts_are_htmx_and_one_bundle_the_scan_pages_carries_its_checklist(butler, scene):
    home, scan = (butler.get(url).get_data(as_text=True) for url in ("/", f"/c/{scene.token}"))
    for page, bundle in ((home, "page"), (scan, "scan")):
        scripts = re.findall(r'<script src="([^"]+)"', page.split("</head>")[0])
        assert len(scripts) == 2 and re.fullmatch(rf"/static/bundles/{bundle}\.[0-9a-f]{{8}}\.js", scripts[1])


def test_in_debug_an_edited_part_gives_its_bundle_a_new_hash(tmp_path):
    (tmp_path / "js").mkdir()
    for name in {part for parts in BUNDLES.values() for part in parts}:
        (tmp_path / name).write_text(f"var {Path(name).stem.replace('-', '_')} = 1;")
    folder = StaticFolder(tmp_path, watch=True)
    before = folder.url_name("bundles/page.js")
    (tmp_path / "js" / "outbox.js").write_text("var outbox = 2;")
    after = folder.url_name("bundles/page.js")
    assert before != after and folder.resolve(after)[1] is True and folder.resolve(before)[1] is False


# --- compression ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "expected"), [(BROTLI, "br"), (GZIP, "gzip"), ({}, None)], ids=["br", "gz", "none"])
def test_static_files_come_compressed_as_the_browser_accepts(client, accept, expected):
    for filename in ("css/app.css", "js/app.js"):
        response = client.get(f"/static/{filename}", headers=accept)
        assert response.headers.get("Content-Encoding") == expected, filename
        assert "accept-encoding" in vary(response)
        assert decoded(response) == as_sent(filename)
    response = client.get("/static/vendor/htmx.min.js", headers=accept)
    assert response.headers.get("Content-Encoding") == expected
    assert decoded(response) == HTMX.read_bytes()


def test_each_encoding_has_its_own_etag(client):
    etags = {client.get("/static/css/app.css", headers=accept).headers["ETag"] for accept in (BROTLI, GZIP, {})}
    assert len(etags) == 3


def test_a_refused_encoding_is_not_used(client):
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    response.close()


@pytest.mark.parametrize(("accept", "expected"), [(BROTLI, "br"), (GZIP, "gzip"), ({}, None)], ids=["br", "gz", "none"])
def test_pages_and_fragments_are_compressed(browser, admin, accept, expected):
    page = browser.get("/tasks", headers=accept)
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == expected
    assert "accept-encoding" in vary(page) and "hx-request" in vary(page)
    assert page.headers["Cache-Control"] == "private, no-store"  # a signed-in page: nothing keeps it
    html = decoded(page).decode()
    assert "</html>" in html
    fragment = browser.get("/tasks", headers={**accept, "HX-Request": "true"})
    assert fragment.headers.get("Content-Encoding") == expected
    assert "<html" not in decoded(fragment).decode()


def test_a_signed_out_page_is_always_asked_for_again(client, make):
    make.user("butler")
    response = client.get("/login", headers=BROTLI)
    assert response.headers["Content-Encoding"] == "br" and response.headers["Cache-Control"] == "no-cache"
    assert b"csrf_token" in decoded(response)


def test_json_and_streamed_text_are_compressed_and_arrive_whole():
    # The settings on an app of their own, with a JSON answer (the outbox's acknowledgements, the
    # manifest) and a streamed one (an export written as it is read).
    app = Flask(__name__)
    compression.init_app(app)
    rows = [{"op": f"op-{n}", "ok": True, "item": n} for n in range(200)]
    lines = [f"{n},大堂 {n}F,楼层\n" for n in range(2000)]
    app.add_url_rule("/ops", "ops", lambda: jsonify(rows))
    app.add_url_rule("/rows.csv", "rows", lambda: Response((line for line in lines), mimetype="text/csv"))
    client = app.test_client()

    answer = client.get("/ops", headers=BROTLI)
    assert answer.headers["Content-Encoding"] == "br" and "accept-encoding" in vary(answer)
    assert json.loads(decoded(answer)) == rows
    streamed = client.get("/rows.csv", headers=GZIP)
    assert streamed.is_streamed and streamed.headers["Content-Encoding"] == "gzip"
    assert decoded(streamed).decode() == "".join(lines)
    plain = client.get("/rows.csv")
    assert "Content-Encoding" not in plain.headers and decoded(plain).decode() == "".join(lines)


def test_a_photo_streams_whole_and_uncompressed(browser, make, app):
    site = make.site("翠湖苑")
    make.user("butler", [site], username="amy", locale="en")
    lobby = make.location(site, kind="common_area", name="Tower 1 lobby")
    browser.login("amy")
    client_id = re.search(r'name="client_id" value="([^"]+)"', browser.get("/report").get_data(as_text=True))[1]
    sent = browser.post(
        "/report/form",
        data={"client_id": client_id, "location": str(lobby.id), "photos": (io.BytesIO(camera_like_jpeg()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    photo = db.session.scalar(select(Photo))
    stored = (Path(app.config["PATROL_PHOTO_DIR"]) / photo.relative_path).read_bytes()

    response = browser.get(f"/photos/{photo.sha256}/full.jpg", headers=BROTLI)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "Content-Encoding" not in response.headers  # a JPEG is compressed already
    assert response.get_data() == stored
    response.close()


def camera_like_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((640, 480), 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def test_csv_and_qr_downloads_arrive_whole(browser, admin, make):
    site = make.site("翠湖苑")
    location, *_ = [make.location(site) for _ in range(30)]  # a sheet long enough to be worth compressing
    admin.sites.append(site)
    db.session.commit()

    export = browser.get("/admin/locations/export.csv", headers=BROTLI)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.headers["Content-Encoding"] == "br"
    assert location.name in decoded(export).decode("utf-8-sig")

    png = browser.get(f"/locations/{location.id}/qr.png", headers=BROTLI)
    assert png.status_code == 200 and "Content-Encoding" not in png.headers
    assert Image.open(io.BytesIO(png.get_data())).format == "PNG"

    svg = browser.get(f"/locations/{location.id}/qr.svg", headers=BROTLI)
    assert svg.status_code == 200 and svg.headers["Content-Encoding"] == "br"
    assert decoded(svg).lstrip().startswith(b"<")
