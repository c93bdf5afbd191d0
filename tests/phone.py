"""A phone in the test client: a butler, a scene to patrol, and what the database and photo folder hold."""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import random
import re
import struct
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from patrol.extensions import db
from patrol.models import Answer, Inspection, Photo, Task, answer_photos
from patrol.setup import catalogue
from patrol.setup.checklists import items_of
from tests import factories


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
        """Where the outbox sends the submit (JSON)."""
        return f"/inspect/{self.location_id}/{self.version_id}/submit"

    @property
    def form_url(self) -> str:
        """Where the checklist's own form posts without JavaScript (pages)."""
        return f"/inspect/{self.location_id}/{self.version_id}/form"


@pytest.fixture
def scene(app) -> Scene:
    # Built in an app context of its own, popped before the first request: the requests then
    # get their own context, session and `g` (locale, site cache) as they do in production.
    with app.app_context():
        site, elsewhere = factories.site("翠湖苑"), factories.site("金桂园")
        butler = factories.user("butler", sites=[site], locale="en")
        location = factories.location(site)
        foreign = factories.location(elsewhere)
        version = factories.checklist(
            [
                catalogue.passfail("Fire door closed", "high", photo=True),
                catalogue.passfail("Bins emptied", "low", photo=False),
                catalogue.passfail("Corridor lights working", "low", photo=False),
            ]
        )
        return Scene(
            username=butler.username,
            location_id=location.id,
            token=location.qr_token,
            location_name=location.name,
            version_id=version.id,
            item_ids=[item.id for item in items_of(version.id)],
            other_site_location_id=foreign.id,
            other_site_token=foreign.qr_token,
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


NOTHING = {"inspections": 0, "submitted": 0, "answers": 0, "tasks": 0, "photos": 0, "answer_photos": 0, "files": []}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden_fields(page_html: str) -> dict[str, str]:
    return {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="(client_id|opened)" value="([^"]*)"', page_html)
    }


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


# --- steps a phone takes ----------------------------------------------------------------------
# Answers, photos and the submit go as the phone's outbox sends them (docs/outbox.md): JSON asked
# for, each request named by its operation id, each change numbered by the phone's clock.

JSON = {"Accept": "application/json"}

# The phone numbers each change from its clock in milliseconds, every one later than the last.
_clock = itertools.count(int(time.time() * 1000))


def op_id() -> str:
    return str(uuid.uuid4())


def next_seq() -> int:
    return next(_clock)


def scan(butler, scene) -> dict[str, str]:
    page = butler.get(f"/c/{scene.token}")
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    assert uuid.UUID(fields["client_id"]) and fields["opened"]
    return fields


def send(phone, url: str, data: dict, headers: dict | None = None):
    """A request as the outbox sends it: JSON asked for, named by a new operation and numbered by the
    phone's clock, unless `data` names its own."""
    return phone.post(url, {"op": op_id(), "seq": str(next_seq()), **data}, headers={**JSON, **(headers or {})})


def answer(phone, scene, form, item_id: int, value: str, *, op=None, seq=None, note=None, url=None, **extra):
    """One item's answer (and its note), as the outbox sends it; `extra`: more fields, e.g. the phone's times."""
    data = {**form, f"value-{item_id}": value, **extra}
    if note is not None:
        data[f"note-{item_id}"] = note
    return send(phone, url or scene.answer_url(item_id), {**_named(op, seq), **data})


def _named(op, seq) -> dict:
    return {name: str(value) for name, value in (("op", op), ("seq", seq)) if value is not None}


def failed_item_awaiting_photo(butler, scene) -> tuple[dict[str, str], int]:
    """Scan, and answer 'fail' on the item whose failure needs a photo."""
    form = scan(butler, scene)
    item_id = scene.item_ids[0]
    saved = answer(butler, scene, form, item_id, "fail")
    assert saved.status_code == 200 and saved.json["ok"] is True
    return form, item_id


def upload(phone, scene, form, item_id: int, data: bytes, filename: str = "photo.jpg", *, op=None, sha256=None):
    """One photo, as the outbox sends it: named by its operation, with the hash of the bytes it sends."""
    fields = {**form, "op": op or op_id(), "sha256": sha256 or hashlib.sha256(data).hexdigest()}
    # Encoded in memory: the test client would spool a body over 500 KB to a temporary file that
    # it never closes, which pytest (warnings are errors) reports as an unclosed file.
    boundary, body = encode_multipart({**fields, f"photo-{item_id}": FileStorage(io.BytesIO(data), filename)})
    return phone.post(
        scene.photo_url(item_id), body, headers=dict(JSON), content_type=f"multipart/form-data; boundary={boundary}"
    )


def submit(phone, scene, form, values: dict[int, str], *, op=None, seq=None, **extra):
    """The submit with the answers it carries, by item, as the outbox sends it."""
    data = {**form, **{f"value-{k}": v for k, v in values.items()}, **extra}
    return send(phone, scene.submit_url, {**_named(op, seq), **data})


# What a refused upload must leave: the draft and its one failed answer, and no photo at all.
DRAFT_WITH_FAILED_ANSWER = {**NOTHING, "inspections": 1, "answers": 1}
