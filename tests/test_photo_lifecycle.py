"""A photo's life: attached, shown only to whom it should be, removed with its files, swept when forgotten."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections import photos
from patrol.inspections.drafts import DraftKey
from patrol.inspections.photos import PhotoLimits
from patrol.models import Inspection, Location, Photo, User, answer_photos
from patrol.outcome import Outcome
from patrol.photos.processing import PixelLimits, process_photo
from patrol.photos.store import keep_photo, release_photos
from tests import factories
from tests.conftest import Browser
from tests.phone import answer, failed_item_awaiting_photo, noisy_jpeg, stored, submit, upload

LIMITS = PixelLimits(scaled=10**8, full=10**7)


def processed(seed: int = 7):
    return process_photo(noisy_jpeg(seed=seed), zone=ZoneInfo("Asia/Shanghai"), max_bytes=10**7, pixels=LIMITS)


def photo_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Photo.id).order_by(Photo.id)))


def remove(phone, scene, form, item_id: int, photo_id: int):
    return phone.post(f"{scene.photo_url(item_id)}/{photo_id}/remove", form, htmx=True)


def signed_in(app, username: str) -> Browser:
    phone = Browser(app.test_client())
    assert phone.login(username).status_code in (302, 303)
    return phone


def colleague_of(app, scene, role: str = "butler", username: str = "colleague") -> str:
    """Another person on the scene's site."""
    with app.app_context():
        site = db.session.get(Location, scene.location_id).site
        return factories.user(role, sites=[site], username=username, locale="en").username


def submit_the_rest(phone, scene, form):
    door, bins, lights = scene.item_ids
    response = submit(phone, scene, form, {bins: "pass", lights: "pass"})
    assert response.status_code == 200 and response.json["url"]


# --- removing ---------------------------------------------------------------------------------


def test_removing_the_only_link_deletes_the_photo_row_and_both_files(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    [photo_id] = photo_ids(app)

    response = remove(butler, scene, form, item_id, photo_id)

    # The page swaps in the item as it is now (htmx): the photo gone, the camera there to take another.
    assert response.status_code == 200 and response.mimetype == "text/html"
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<section id="item-{item_id}"') and "<html" not in fragment
    assert "data-photo=" not in fragment and f'id="photo-{item_id}"' in fragment
    after = stored(app)
    assert (after["photos"], after["answer_photos"], after["files"]) == (0, 0, [])


def test_clearing_an_answer_deletes_the_photos_only_it_showed(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    assert stored(app)["photos"] == 1

    cleared = answer(butler, scene, form, item_id, "")

    assert cleared.status_code == 200
    after = stored(app)
    assert (after["photos"], after["answer_photos"], after["files"]) == (0, 0, [])


def test_removing_a_photo_another_draft_still_shows_keeps_it(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    other = signed_in(app, colleague_of(app, scene))
    other_form, _ = failed_item_awaiting_photo(other, scene)
    assert upload(other, scene, other_form, item_id, noisy_jpeg(), "same.jpg").status_code == 200
    [photo_id] = photo_ids(app)

    remove(butler, scene, form, item_id, photo_id)

    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


def test_a_removed_photo_can_be_attached_again(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    remove(butler, scene, form, item_id, photo_ids(app)[0])

    response = upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")

    assert response.status_code == 200
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


# --- the cap ----------------------------------------------------------------------------------


def test_seventh_photo_is_refused_and_leaves_nothing_behind(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    for seed in range(6):
        assert upload(butler, scene, form, item_id, noisy_jpeg(seed=seed), "door.jpg").status_code == 200

    response = upload(butler, scene, form, item_id, noisy_jpeg(seed=99), "door.jpg")

    assert response.status_code == 422 and response.json["message"] == "At most 6 photos per item."
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (6, 6, 12)


def test_adding_and_removing_over_and_over_never_stores_more_than_the_cap(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    for seed in range(6):
        upload(butler, scene, form, item_id, noisy_jpeg(seed=seed), "door.jpg")

    for seed in range(6, 12):
        remove(butler, scene, form, item_id, photo_ids(app)[0])
        assert upload(butler, scene, form, item_id, noisy_jpeg(seed=seed), "door.jpg").status_code == 200

    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (6, 6, 12)


def test_the_same_photo_sent_twice_is_linked_once(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")

    response = upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")  # a retry

    assert response.status_code == 200
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


def test_uploads_that_passed_the_early_check_together_cannot_exceed_the_cap(app, butler, scene, monkeypatch):
    # Both were checked while the answer had 5 photos; the count under the draft's lock decides.
    form, item_id = failed_item_awaiting_photo(butler, scene)
    for seed in range(5):
        upload(butler, scene, form, item_id, noisy_jpeg(seed=seed), "door.jpg")
    monkeypatch.setattr(photos, "_room_for_photo", lambda key, item: Outcome(None))  # the early check, passed
    limits = PhotoLimits(app.config["PATROL_PHOTO_DIR"], 10**7, 10**8)
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == scene.username))
        inspection = db.session.scalar(select(Inspection))
        key = DraftKey(user, inspection.location, inspection.checklist_version, inspection.client_id, utcnow())
        item = inspection.checklist_version.items[0]

        assert photos.attach_photo(key, item, noisy_jpeg(seed=50), limits, factories.photo_op()).ok
        refused = photos.attach_photo(key, item, noisy_jpeg(seed=51), limits, factories.photo_op())
        db.session.remove()

    assert refused.status == 422
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (6, 6, 12)


# --- releasing --------------------------------------------------------------------------------


def test_release_keeps_a_photo_that_was_linked_again_meanwhile(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    [photo_id] = photo_ids(app)

    with app.app_context():
        assert release_photos([photo_id], app.config["PATROL_PHOTO_DIR"]) == []
        db.session.remove()

    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


# --- who sees a photo -------------------------------------------------------------------------


def fetch(phone, sha256: str) -> int:
    response = phone.get(f"/photos/{sha256}/thumb.jpg")
    response.close()
    return response.status_code


def test_a_draft_photo_is_shown_to_its_author_and_administrators_only(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    sha256 = stored(app)["files"][0].split(".")[0]
    supervisor = signed_in(app, colleague_of(app, scene, "supervisor", "supervisor1"))
    admin = signed_in(app, colleague_of(app, scene, "admin", "admin1"))

    assert fetch(butler, sha256) == 200
    assert fetch(admin, sha256) == 200
    assert fetch(supervisor, sha256) == 403  # same site, but the draft is not submitted yet


def test_a_submitted_photo_is_shown_to_the_site_and_nobody_else(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    sha256 = stored(app)["files"][0].split(".")[0]
    submit_the_rest(butler, scene, form)
    supervisor = signed_in(app, colleague_of(app, scene, "supervisor", "supervisor1"))
    with app.app_context():
        factories.user("supervisor", sites=[factories.site()], username="stranger")
    stranger = signed_in(app, "stranger")

    assert fetch(supervisor, sha256) == 200
    assert fetch(stranger, sha256) == 403


def test_whoever_attached_the_same_picture_to_their_own_draft_sees_it(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    other = signed_in(app, colleague_of(app, scene))
    other_form, _ = failed_item_awaiting_photo(other, scene)
    upload(other, scene, other_form, item_id, noisy_jpeg(), "same.jpg")  # the row stays the first uploader's
    sha256 = stored(app)["files"][0].split(".")[0]

    assert fetch(other, sha256) == 200


def test_serving_a_photo_takes_two_queries(app, butler, scene, queries):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    sha256 = stored(app)["files"][0].split(".")[0]
    queries.statements.clear()

    assert fetch(butler, sha256) == 200

    assert len(queries) == 2, queries.statements  # the signed-in user, then the photo and the rule


# --- sweeping ---------------------------------------------------------------------------------


@pytest.fixture
def forgotten(app, butler, scene):
    """A linked photo, an old and a new photo nothing links, and old and new files with no photo."""
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(seed=1), "door.jpg")
    root = Path(app.config["PATROL_PHOTO_DIR"])
    two_hours_ago = (utcnow() - timedelta(hours=2)).timestamp()
    with app.app_context():
        uploader = db.session.scalar(select(User.id))
        old, new = (keep_photo(processed(seed), uploader, str(root)).photo for seed in (2, 3))
        db.session.execute(update(Photo).where(Photo.id == old.id).values(uploaded_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        names = {"old": old.sha256, "new": new.sha256}
        db.session.remove()
    stray = {
        "old": root / "ab" / f"{'ab' * 32}.jpg",
        "new": root / "cd" / f"{'cd' * 32}.thumb.jpg",
        "tmp": root / "ef" / f".{'ef' * 32}.jpg.1234.tmp",
        "other": root / "ab" / "notes.txt",
    }
    for path in stray.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    for path in (
        root / old_name
        for old_name in (f"{names['old'][:2]}/{names['old']}.jpg", f"{names['old'][:2]}/{names['old']}.thumb.jpg")
    ):
        os.utime(path, (two_hours_ago, two_hours_ago))
    for key in ("old", "tmp", "other"):
        os.utime(stray[key], (two_hours_ago, two_hours_ago))
    return names, stray


def test_sweep_removes_old_unlinked_photos_and_stray_files_only(app, forgotten):
    names, stray = forgotten

    result = app.test_cli_runner().invoke(args=["patrol", "sweep-photos"])

    assert result.exit_code == 0, result.output
    assert f"Removed photo {names['old']}" in result.output
    assert "Removed 1 unused photo(s) and 2 stray file(s)." in result.output
    with app.app_context():
        kept = set(db.session.scalars(select(Photo.sha256)))
        linked = db.session.scalar(select(func.count()).select_from(answer_photos))
    assert names["old"] not in kept and names["new"] in kept and len(kept) == 2 and linked == 1
    assert not stray["old"].exists() and not stray["tmp"].exists()
    assert stray["new"].exists() and stray["other"].exists()
    left = stored(app)["files"]
    assert not any(name.startswith(names["old"]) for name in left)
    assert sum(name.startswith(names["new"]) for name in left) == 2


def test_sweep_dry_run_lists_and_removes_nothing(app, forgotten):
    names, stray = forgotten
    before = stored(app)

    result = app.test_cli_runner().invoke(args=["patrol", "sweep-photos", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert f"Would remove photo {names['old']}" in result.output
    assert f"Would remove stray file {stray['old']}" in result.output
    assert "Would remove 1 unused photo(s) and 2 stray file(s)." in result.output
    assert stored(app) == before
