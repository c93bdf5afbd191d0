"""Photos a phone should not be able to attach: refused in plain words, nothing left behind."""

from __future__ import annotations

from tests.phone import (
    DRAFT_WITH_FAILED_ANSWER,
    bomb_png,
    failed_item_awaiting_photo,
    noisy_jpeg,
    stored,
    submit,
    upload,
)

# --- photos ------------------------------------------------------------------------------------


def test_good_photo_is_attached_to_the_failed_answer(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")

    assert response.status_code == 200 and response.json["ok"] is True
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


def test_non_image_upload_is_refused_and_leaves_no_photo(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, b"%PDF-1.4 not a picture\n" * 50, "report.jpg")

    assert response.status_code == 415
    assert response.json["message"].startswith("That file is not a photo.")
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_truncated_jpeg_is_refused_and_leaves_no_file(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    whole = noisy_jpeg()

    response = upload(butler, scene, form, item_id, whole[: len(whole) // 2], "door.jpg")

    assert response.status_code == 422
    assert response.json["message"].startswith("The photo is damaged or incomplete. Take it again.")
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_photo_over_the_size_limit_is_refused_and_leaves_no_file(app, butler, scene, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_MAX_PHOTO_BYTES", 1024 * 1024)
    too_big = noisy_jpeg(1000, 1000)
    assert len(too_big) > 1024 * 1024
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, too_big, "door.jpg")

    assert response.status_code == 413
    assert response.json["message"].startswith("The photo is larger than 1 MB.")
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_decompression_bomb_is_refused_and_leaves_no_file(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)

    response = upload(butler, scene, form, item_id, bomb_png(), "door.png")

    assert response.status_code == 422
    assert response.json["message"].startswith("The photo has too many pixels to be a camera picture.")
    assert stored(app) == DRAFT_WITH_FAILED_ANSWER


def test_refused_photo_still_blocks_submitting_the_failed_item(app, butler, scene):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    whole = noisy_jpeg()
    upload(butler, scene, form, item_id, whole[: len(whole) // 2], "door.jpg")
    door, bins, lights = scene.item_ids

    response = submit(butler, scene, form, {bins: "pass", lights: "pass"})

    assert response.status_code == 422
    assert response.json["errors"] == {str(door): "Take a photo of the problem."}
    # The two passes it carried are kept in the draft; no photo and nothing submitted.
    assert stored(app) == {**DRAFT_WITH_FAILED_ANSWER, "answers": 3}
