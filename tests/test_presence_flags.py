"""Proof-of-presence flags (patrol/inspections/presence.py): each kind raised exactly when its condition
holds and not at its boundary, once per inspection and kind however often it is raised again; raised
by the submit itself (a retried submit adds nothing); never a refusal.

Inspections are written as the submit leaves them (tests/rounds_scene.py), then `raise_flags` runs as
the submit runs it. The page and clearing tests are in tests/test_presence_pages.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.inspections.presence import PHOTO_DISTANCE, STICKER_WINDOW, raise_flags
from patrol.models import Answer, Photo, PresenceFlag
from patrol.photos.processing import hinted_taken_at
from patrol.setup.checklists import items_of
from tests.rounds_scene import SHANGHAI, at, build

START = at(10)


@pytest.fixture
def scene(make):
    return build(make, rooms=4)


def submitted(scene, room, scanned=START, *, took=240, person=None, photos=(), **fields):
    """A submitted inspection (its answer carrying `photos`), and the flags its submit raises."""
    inspection = scene.visit(
        room, scanned, person=person, submitted_at=scanned + timedelta(seconds=took), duration_seconds=took, **fields
    )
    item = items_of(scene.version.id)[0]
    db.session.add(Answer(inspection_id=inspection.id, item_id=item.id, value_text="pass", photos=list(photos)))
    db.session.flush()
    raise_flags(inspection, scene.version.checklist_id, scanned + timedelta(seconds=took))
    db.session.commit()
    return inspection


def flags(kind: str | None = None) -> dict[int, dict]:
    """The flags raised, by inspection id: {kind: detail} (only `kind`'s details when given)."""
    found: dict[int, dict] = {}
    for flag in db.session.scalars(select(PresenceFlag).order_by(PresenceFlag.id)):
        if kind is None or flag.kind == kind:
            found.setdefault(flag.inspection_id, {})[flag.kind] = flag.detail
    return found


def photo(make, scene, name: str, taken_at=None) -> Photo:
    row = Photo(sha256=name * 64, width=10, height=10, byte_size=10, taken_at=taken_at, uploaded_by_id=scene.butler.id)
    db.session.add(row)
    db.session.flush()
    return row


# --- too fast ---------------------------------------------------------------------------------------


def test_a_submit_quicker_than_the_checklists_minimum_is_flagged_and_one_just_as_long_is_not(scene):
    scene.version.checklist.min_seconds = 120
    quick = submitted(scene, scene.rooms[0], took=119)
    enough = submitted(scene, scene.rooms[1], START + timedelta(hours=1), took=120)
    assert flags() == {quick.id: {"too_fast": {"took": 119, "minimum": 120}}}
    assert enough.id not in flags()


def test_a_checklist_without_a_minimum_flags_no_quick_submit(scene):
    submitted(scene, scene.rooms[0], took=3)
    assert flags() == {}


# --- a sticker sheet ----------------------------------------------------------------------------------


def test_three_places_scanned_within_a_minute_flag_each_of_those_inspections(scene):
    first = submitted(scene, scene.rooms[0], START)
    second = submitted(scene, scene.rooms[1], START + timedelta(seconds=30))
    assert flags() == {}  # two places in a minute is a walk between neighbours
    third = submitted(scene, scene.rooms[2], START + STICKER_WINDOW)  # 60 s after the first: within
    detail = {"places": 3, "seconds": 60}
    assert flags() == {
        first.id: {"sticker_sheet": detail},
        second.id: {"sticker_sheet": detail},
        third.id: {"sticker_sheet": detail},
    }


def test_three_places_over_a_minute_and_a_second_are_not_flagged(scene):
    for room, seconds in zip(scene.rooms[:3], (0, 30, 61), strict=True):
        submitted(scene, room, START + timedelta(seconds=seconds))
    assert flags() == {}


def test_one_place_scanned_three_times_or_another_persons_scans_are_no_sticker_sheet(scene, make):
    other = make.user("butler", [scene.site], username="other-butler")
    for seconds in (0, 10, 20):
        submitted(scene, scene.rooms[0], START + timedelta(seconds=seconds))
    submitted(scene, scene.rooms[1], START + timedelta(seconds=25), person=other)
    submitted(scene, scene.rooms[2], START + timedelta(seconds=30), person=other)
    assert flags() == {}


# --- the same photo twice -----------------------------------------------------------------------------


def test_the_same_photo_on_two_inspections_flags_both(scene, make):
    shared, own = photo(make, scene, "a"), photo(make, scene, "b")
    first = submitted(scene, scene.rooms[0], photos=[shared])
    submitted(scene, scene.rooms[1], START + timedelta(hours=1), photos=[own])
    assert flags() == {}
    again = submitted(scene, scene.rooms[2], START + timedelta(hours=2), photos=[shared])
    assert flags() == {
        first.id: {"same_photo": {"others": [again.id]}},
        again.id: {"same_photo": {"others": [first.id]}},
    }


# --- a photo's capture time ---------------------------------------------------------------------------


def test_a_photo_taken_more_than_half_an_hour_outside_the_visit_is_flagged(scene, make):
    edge = photo(make, scene, "c", taken_at=START - PHOTO_DISTANCE)
    old = photo(make, scene, "d", taken_at=START - PHOTO_DISTANCE - timedelta(minutes=1))
    late = photo(make, scene, "e", taken_at=START + timedelta(hours=3, seconds=240))
    on_the_edge = submitted(scene, scene.rooms[0], photos=[edge])
    before = submitted(scene, scene.rooms[1], START + timedelta(hours=1), photos=[old])
    after = submitted(scene, scene.rooms[2], START + timedelta(hours=2), photos=[late])
    assert flags() == {
        before.id: {"photo_time": {"minutes": 91, "when": "before"}},
        after.id: {"photo_time": {"minutes": 60, "when": "after"}},
    }
    assert on_the_edge.id not in flags()


def test_a_photo_time_is_read_on_the_phones_clock_moved_by_its_offset(scene, make):
    # The phone's clock is an hour behind: its camera wrote 09:02 for a photo taken at 10:02.
    behind = photo(make, scene, "f", taken_at=START - timedelta(minutes=58))
    submitted(scene, scene.rooms[0], photos=[behind], clock_offset_seconds=3600)
    assert flags("photo_time") == {}


def test_a_photo_without_a_capture_time_raises_nothing(scene, make):
    submitted(scene, scene.rooms[0], photos=[photo(make, scene, "g")])
    assert flags() == {}


# --- the phone's clock --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock_flag", "raised"), [("corrected", True), ("implausible", True), ("server", False), (None, False)]
)
def test_a_phone_clock_that_was_off_is_flagged(scene, clock_flag, raised):
    inspection = submitted(scene, scene.rooms[0], clock_flag=clock_flag, clock_offset_seconds=900)
    expected = {inspection.id: {"clock": {"clock": clock_flag, "offset": 900}}} if raised else {}
    assert flags() == expected


# --- once --------------------------------------------------------------------------------------------


def test_raising_again_adds_no_second_flag_and_keeps_the_first(scene, make):
    scene.version.checklist.min_seconds = 600
    shared = photo(make, scene, "h")
    first = submitted(scene, scene.rooms[0], photos=[shared], clock_flag="corrected", clock_offset_seconds=-400)
    second = submitted(scene, scene.rooms[1], START + timedelta(seconds=20), photos=[shared])
    before = flags()
    assert raise_flags(first, scene.version.checklist_id, START + timedelta(hours=1)) == 0
    assert raise_flags(second, scene.version.checklist_id, START + timedelta(hours=1)) == 0
    db.session.commit()
    assert flags() == before
    assert set(before[first.id]) == {"too_fast", "same_photo", "clock"}
    assert db.session.query(PresenceFlag).count() == 5


# --- the capture time a phone sends beside a photo it shrank (its EXIF is gone) ------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("2026-03-02T10:05:00", at(10, 5)),  # no offset: the site's clock
        ("2026-03-02T10:05:00+08:00", at(10, 5)),
        ("2026-03-02T02:05:00.000Z", at(10, 5)),  # a file's lastModified, in UTC
        ("1970-01-01T00:00:00Z", None),  # a camera whose clock was never set
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_a_phones_capture_time_is_read_in_the_sites_zone(sent, kept):
    assert hinted_taken_at(sent, SHANGHAI) == kept
