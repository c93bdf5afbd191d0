"""What a butler sees when the input is wrong, and that nothing half-done is left behind."""
from __future__ import annotations

import html
import io
import random
import re
import struct
import threading
import time
import uuid
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from patrol.extensions import db
from patrol.models import Answer, Inspection, Location, Photo, Task, answer_photos
from patrol.services import catalogue
from patrol.services.checklists import items_of
from patrol.services.locations import reissue_code
from tests import factories
from tests.conftest import Browser


@dataclass(frozen=True)
class Scene:
    """The test data as plain values, so no ORM object or session outlives the context it was made in."""

    username: str
    location_id: int
    token: str
    location_name: str
    version_id: int
    item_ids: list[int]
    other_site_location_id: int
    other_site_token: str

    def answer_url(self, item_id: int) -> str:
        return f"/inspect/{self.location_id}/{self.version_id}/items/{item_id}/answer"

    def photo_url(self, item_id: int) -> str:
        return f"/inspect/{self.location_id}/{self.version_id}/items/{item_id}/photos"

    @property
    def submit_url(self) -> str:
        return f"/inspect/{self.location_id}/{self.version_id}/submit"


@pytest.fixture
def scene(app) -> Scene:
    # Built in an app context of its own, popped before the first request: the requests then
    # get their own context, session and `g` (locale, site cache) as they do in production.
    with app.app_context():
        site, elsewhere = factories.site("翠湖苑"), factories.site("金桂园")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site)
        foreign = factories.location(elsewhere)
        version = factories.checklist([
            catalogue.passfail("Fire door closed", "high", photo=True),
            catalogue.passfail("Bins emptied", "low", photo=False),
            catalogue.passfail("Corridor lights working", "low", photo=False),
        ])
        return Scene(
            username=butler.username, location_id=location.id, token=location.qr_token,
            location_name=location.name, version_id=version.id,
            item_ids=[item.id for item in items_of(version.id)],
            other_site_location_id=foreign.id, other_site_token=foreign.qr_token,
        )


@pytest.fixture
def butler(browser, scene):
    response = browser.login(scene.username)
    assert response.status_code in (302, 303)
    return browser


# --- reading the database and the photo folder -------------------------------------------------

def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query))


def stored(app) -> dict:
    """Everything an input could have left behind: rows in the database and files in the photo folder."""
    root = Path(app.config["PATROL_PHOTO_DIR"])
    with app.app_context():
        return {
            "inspections": _count(Inspection),
            "submitted": _count(select(Inspection).where(Inspection.status == "submitted").subquery()),
            "answers": _count(Answer),
            "tasks": _count(Task),
            "photos": _count(Photo),
            "answer_photos": _count(answer_photos),
            "files": sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else [],
        }


NOTHING = {"inspections": 0, "submitted": 0, "answers": 0, "tasks": 0, "photos": 0,
           "answer_photos": 0, "files": []}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden_fields(page_html: str) -> dict[str, str]:
    return {name: value for name, value in re.findall(
        r'<input type="hidden" name="(client_id|opened)" value="([^"]*)"', page_html)}


def item_section(page_html: str, item_id: int) -> str:
    match = re.search(rf'<section id="item-{item_id}".*?</section>', page_html, re.S)
    assert match, f"item {item_id} is not on the page"
    return match.group(0)


# --- building bad uploads ----------------------------------------------------------------------

def noisy_jpeg(width: int = 800, height: int = 600, seed: int = 7) -> bytes:
    pixels = random.Random(seed).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, "JPEG", quality=95)
    return out.getvalue()


def bomb_png(side: int = 20000) -> bytes:
    """A valid all-black 1-bit PNG of side x side pixels that is only a few dozen KB on disk."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes((side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- steps a phone takes -----------------------------------------------------------------------

def scan(butler, scene) -> dict[str, str]:
    page = butler.get(f"/c/{scene.token}")
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    assert uuid.UUID(fields["client_id"]) and fields["opened"]
    return fields


def answer(butler, scene, form, item_id: int, value: str):
    return butler.post(scene.answer_url(item_id), {**form, f"value-{item_id}": value}, htmx=True)


def failed_item_awaiting_photo(butler, scene) -> tuple[dict[str, str], int]:
    """Scan, and answer 'fail' on the item whose failure needs a photo."""
    form = scan(butler, scene)
    item_id = scene.item_ids[0]
    saved = answer(butler, scene, form, item_id, "fail")
    assert saved.status_code == 200
    return form, item_id


def upload(butler, scene, form, item_id: int, data: bytes, filename: str):
    # Encoded in memory: the test client would spool a body over 500 KB to a temporary file that
    # it never closes, which pytest (warnings are errors) reports as an unclosed file.
    boundary, body = encode_multipart({**form, f"photo-{item_id}": FileStorage(io.BytesIO(data), filename)})
    return butler.post(scene.photo_url(item_id), body, htmx=True,
                       content_type=f"multipart/form-data; boundary={boundary}")


# What a refused upload must leave: the draft and its one failed answer, and no photo at all.
DRAFT_WITH_FAILED_ANSWER = {**NOTHING, "inspections": 1, "answers": 1}


# --- scanning ----------------------------------------------------------------------------------

def test_scanning_an_unknown_code_says_it_is_no_longer_valid(app, butler):
    response = butler.get("/c/nonexistent")

    assert response.status_code == 404
    assert "This code is no longer valid" in text_of(response)
    assert stored(app) == NOTHING


def test_scanning_a_replaced_sticker_says_it_is_no_longer_valid(app, butler, scene):
    with app.app_context():
        new_token = reissue_code(db.session.get(Location, scene.location_id)).qr_token

    old = butler.get(f"/c/{scene.token}")
    new = butler.get(f"/c/{new_token}")

    assert new_token != scene.token
    assert old.status_code == 404
    assert "This code is no longer valid" in text_of(old)
    assert new.status_code == 200
    assert scene.location_name in text_of(new)
    assert stored(app) == NOTHING


def test_scanning_a_location_on_another_site_is_forbidden(app, butler, scene):
    response = butler.get(f"/c/{scene.other_site_token}")

    assert response.status_code == 403
    assert "You do not have access to this" in text_of(response)
    assert stored(app) == NOTHING


def test_answering_on_a_location_of_another_site_is_forbidden_and_stores_nothing(app, butler, scene):
    form = scan(butler, scene)
    url = f"/inspect/{scene.other_site_location_id}/{scene.version_id}/items/{scene.item_ids[0]}/answer"

    response = butler.post(url, {**form, f"value-{scene.item_ids[0]}": "fail"}, htmx=True)

    assert response.status_code == 403
    assert "You do not have access to this" in text_of(response)
    assert stored(app) == NOTHING


# --- submitting --------------------------------------------------------------------------------

def test_submit_with_a_required_answer_missing_shows_the_form_with_the_error_by_the_item(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    response = butler.post(scene.submit_url, {**form, f"value-{bins}": "fail", f"value-{lights}": "pass"},
                           htmx=True)

    assert response.status_code == 422
    page = text_of(response)
    assert 'id="checklist"' in page and "<html" not in page  # the form, swapped in place
    assert "This item needs an answer." in item_section(page, door)
    assert "This item needs an answer." not in item_section(page, bins)
    assert "This item needs an answer." not in item_section(page, lights)
    # What the butler did answer is still shown, not wiped.
    assert re.search(rf'name="value-{bins}" value="fail" checked', item_section(page, bins))
    assert stored(app) == NOTHING


def test_double_submit_with_the_same_client_id_stores_one_inspection_and_one_task_per_finding(
        app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    answer(butler, scene, form, bins, "fail")
    full_form = {**form, f"value-{door}": "pass", f"value-{bins}": "fail", f"value-{lights}": "fail"}

    first = butler.post(scene.submit_url, full_form, htmx=True)
    second = butler.post(scene.submit_url, full_form, htmx=True)

    assert first.status_code == second.status_code == 200
    assert first.headers["HX-Redirect"] == second.headers["HX-Redirect"]
    assert re.fullmatch(r"/inspections/\d+", first.headers["HX-Redirect"])
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 2}


def test_double_submit_from_a_plain_form_redirects_both_times_to_the_same_inspection(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    full_form = {**form, f"value-{door}": "pass", f"value-{bins}": "fail", f"value-{lights}": "pass"}

    first = butler.post(scene.submit_url, full_form)
    second = butler.post(scene.submit_url, full_form)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 1}


@contextmanager
def first_task_write_held(app, seconds: float = 0.6):
    """Hold the first request that writes a task for a moment, inside its transaction; yields an
    Event set when that request has got there (its inspection row is written but not committed)."""
    with app.app_context():
        engine = db.engine
    reached, once = threading.Event(), threading.Lock()

    def hold(_conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.startswith("INSERT INTO tasks"):
            with once:
                first = not reached.is_set()
                reached.set()
            if first:
                time.sleep(seconds)

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield reached
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def submit_twice_at_once(app, scene, form):
    """Two taps on Submit: the second request arrives while the first is still being stored."""
    phones = [Browser(app.test_client()) for _ in range(2)]
    for phone in phones:
        phone.login(scene.username)
    responses = {}
    with first_task_write_held(app) as first_is_storing:
        def tap(name, phone, after=None):
            if after is not None:
                assert after.wait(10), "the first submit never got to storing its tasks"
            responses[name] = phone.post(scene.submit_url, form)

        taps = [threading.Thread(target=tap, args=("first", phones[0])),
                threading.Thread(target=tap, args=("second", phones[1], first_is_storing))]
        for thread in taps:
            thread.start()
        for thread in taps:
            thread.join(30)
    return responses["first"], responses["second"]


def test_simultaneous_double_submit_of_a_started_inspection_succeeds_both_times(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    assert answer(butler, scene, form, door, "pass").status_code == 200  # the draft exists already

    first, second = submit_twice_at_once(
        app, scene, {**form, f"value-{door}": "pass", f"value-{bins}": "fail", f"value-{lights}": "pass"})

    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 1}


def test_simultaneous_double_submit_of_a_new_inspection_succeeds_both_times(app, butler, scene):
    # Nothing was saved before the submit, so neither request finds a draft to wait on.
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    first, second = submit_twice_at_once(
        app, scene, {**form, f"value-{door}": "pass", f"value-{bins}": "fail", f"value-{lights}": "pass"})

    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 1}
    assert first.status_code == 303
    assert second.status_code == 303, (
        f"the second tap was told {second.status_code}: {text_of(second).split('<strong>')[-1][:200]!r}")
    assert first.headers["Location"] == second.headers["Location"]


def test_post_without_the_csrf_token_says_the_page_expired_and_stores_nothing(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    response = butler.client.post(scene.submit_url, data={
        **form, f"value-{door}": "fail", f"value-{bins}": "fail", f"value-{lights}": "pass"})

    assert response.status_code == 400
    assert "This page has expired" in text_of(response)
    assert stored(app) == NOTHING


# --- photos ------------------------------------------------------------------------------------

def test_good_photo_is_attached_to_the_failed_answer(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")

    assert response.status_code == 200
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


def test_non_image_upload_is_refused_and_leaves_no_photo(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, b"%PDF-1.4 not a picture\n" * 50, "report.jpg")

    assert response.status_code == 415
    assert "That file is not a photo." in text_of(response)
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_truncated_jpeg_is_refused_and_leaves_no_file(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    whole = noisy_jpeg()

    response = upload(butler, scene, form, item_id, whole[: len(whole) // 2], "door.jpg")

    assert response.status_code == 422
    assert "The photo is damaged or incomplete. Take it again." in text_of(response)
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_photo_over_the_size_limit_is_refused_and_leaves_no_file(app, butler, scene, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_MAX_PHOTO_BYTES", 1024 * 1024)
    too_big = noisy_jpeg(1000, 1000)
    assert len(too_big) > 1024 * 1024
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, too_big, "door.jpg")

    assert response.status_code == 413
    assert "The photo is larger than 1 MB." in text_of(response)
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_decompression_bomb_is_refused_and_leaves_no_file(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, bomb_png(), "door.png")

    assert response.status_code == 422
    assert "The photo has too many pixels to be a camera picture." in text_of(response)
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_refused_photo_still_blocks_submitting_the_failed_item(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    whole = noisy_jpeg()
    upload(butler, scene, form, item_id, whole[: len(whole) // 2], "door.jpg")
    door, bins, lights = scene.item_ids

    response = butler.post(scene.submit_url, {**form, f"value-{bins}": "pass", f"value-{lights}": "pass"},
                           htmx=True)

    assert response.status_code == 422
    assert "Take a photo of the problem." in item_section(text_of(response), door)
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER
