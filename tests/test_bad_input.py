"""What a butler sees when the input is wrong, and that nothing half-done is left behind."""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager

from sqlalchemy import event

from patrol.extensions import db
from patrol.models import Location
from patrol.setup.locations import reissue_code
from tests.conftest import Browser
from tests.phone import NOTHING, answer, item_section, scan, stored, submit, text_of

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

    response = answer(butler, scene, form, scene.item_ids[0], "fail", url=url)

    assert response.status_code == 403 and response.json["title"] == "You do not have access to this"
    assert response.json["message"].startswith("It belongs to a site you are not assigned to")
    assert stored(app) == NOTHING


# --- submitting --------------------------------------------------------------------------------


def test_submit_with_a_required_answer_missing_says_which_item_and_keeps_what_it_carried(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    response = submit(butler, scene, form, {bins: "fail", lights: "pass"})

    assert response.status_code == 422
    assert response.json["errors"] == {str(door): "This item needs an answer."}
    # Not submitted, but what it carried is kept in the draft: a reload or a lost page loses nothing.
    assert stored(app) == {**NOTHING, "inspections": 1, "answers": 2}
    # Opened again, the page shows what the butler did answer, not wiped.
    page = text_of(butler.get(f"/c/{scene.token}"))
    assert re.search(rf'name="value-{bins}" value="fail" checked', item_section(page, bins))


def test_without_javascript_a_submit_missing_an_answer_shows_the_page_with_the_error_by_the_item(app, butler, scene):
    """The checklist's own form posted whole, as a phone without JavaScript sends it (scan/page.html)."""
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    response = butler.post(scene.form_url, {**form, f"value-{bins}": "fail", f"value-{lights}": "pass"})

    assert response.status_code == 422
    page = text_of(response)
    assert 'id="checklist"' in page and "<html" in page
    assert "This item needs an answer." in item_section(page, door)
    assert "This item needs an answer." not in item_section(page, bins)
    assert "This item needs an answer." not in item_section(page, lights)
    # What the butler did answer is still shown, not wiped.
    assert re.search(rf'name="value-{bins}" value="fail" checked', item_section(page, bins))
    # Not submitted, but what it carried is kept in the draft: a reload or a lost page loses nothing.
    assert stored(app) == {**NOTHING, "inspections": 1, "answers": 2}


def test_double_submit_with_the_same_client_id_stores_one_inspection_and_one_task_per_finding(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    answer(butler, scene, form, bins, "fail")
    values = {door: "pass", bins: "fail", lights: "fail"}

    # Two submits of one checklist, each its own operation (tapped again once the first was sent).
    first = submit(butler, scene, form, values)
    second = submit(butler, scene, form, values)

    assert first.status_code == second.status_code == 200
    assert first.json["url"] == second.json["url"]
    assert re.fullmatch(r"/inspections/\d+", first.json["url"])
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 2}


def test_double_submit_from_a_plain_form_redirects_both_times_to_the_same_inspection(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    full_form = {**form, f"value-{door}": "pass", f"value-{bins}": "fail", f"value-{lights}": "pass"}

    first = butler.post(scene.form_url, full_form)
    second = butler.post(scene.form_url, full_form)

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


def submit_twice_at_once(app, scene, form, values):
    """The checklist submitted from two phones (or sent again after a timeout): the second request arrives
    while the first is still being stored."""
    phones = [Browser(app.test_client()) for _ in range(2)]
    for phone in phones:
        phone.login(scene.username)
    responses = {}
    with first_task_write_held(app) as first_is_storing:

        def tap(name, phone, after=None):
            if after is not None:
                assert after.wait(10), "the first submit never got to storing its tasks"
            responses[name] = submit(phone, scene, form, values)

        taps = [
            threading.Thread(target=tap, args=("first", phones[0])),
            threading.Thread(target=tap, args=("second", phones[1], first_is_storing)),
        ]
        for thread in taps:
            thread.start()
        for thread in taps:
            thread.join(30)
    return responses["first"], responses["second"]


def test_simultaneous_double_submit_of_a_started_inspection_succeeds_both_times(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids
    assert answer(butler, scene, form, door, "pass").status_code == 200  # the draft exists already

    first, second = submit_twice_at_once(app, scene, form, {door: "pass", bins: "fail", lights: "pass"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json["url"] == second.json["url"]
    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 1}


def test_simultaneous_double_submit_of_a_new_inspection_succeeds_both_times(app, butler, scene):
    # Nothing was saved before the submit, so neither request finds a draft to wait on.
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    first, second = submit_twice_at_once(app, scene, form, {door: "pass", bins: "fail", lights: "pass"})

    assert stored(app) == {**NOTHING, "inspections": 1, "submitted": 1, "answers": 3, "tasks": 1}
    assert first.status_code == 200
    assert second.status_code == 200, f"the second was told {second.status_code}: {second.get_data(as_text=True)!r}"
    assert first.json["url"] == second.json["url"]


def test_post_without_the_csrf_token_says_the_page_expired_and_stores_nothing(app, butler, scene):
    form = scan(butler, scene)
    door, bins, lights = scene.item_ids

    response = butler.client.post(
        scene.form_url, data={**form, f"value-{door}": "fail", f"value-{bins}": "fail", f"value-{lights}": "pass"}
    )

    assert response.status_code == 400
    assert "This page has expired" in text_of(response)
    assert stored(app) == NOTHING
