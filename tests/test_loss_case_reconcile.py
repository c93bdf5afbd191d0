"""Reconciling a loss case on its page: found (confirmed or marked), found damaged, written off — each once,
by whom the role allows, on their own site, on the case as they saw it."""

import re

import pytest
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import LossCase, RegisterEvent, Task, TaskEvent
from tests import factories
from tests.conftest import SeparateBrowser
from tests.loss_scene import at, model_room

FULL = {"抱枕": 6, "茶几": 1, "台灯": 2}


@pytest.fixture
def scene(make):
    scene = model_room(make)
    for person in (scene.boss, *scene.stewards):
        person.locale = "en"
    db.session.commit()
    return scene


def short_case(scene) -> LossCase:
    scene.count(at(9), FULL)
    scene.count(at(10), {**FULL, "抱枕": 5})
    return db.session.scalar(select(LossCase))


def phone(app, user) -> SeparateBrowser:
    browser = SeparateBrowser(app.test_client())
    browser.login(user.username)
    return browser


def form(browser, case_id: int, action: str, **fields) -> dict:
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    client = re.search(
        rf'name="action" value="{action}">\s*<input[^>]*>\s*<input type="hidden" name="client_id" value="([^"]*)"', page
    )
    return {"action": action, "version": version, "client_id": client.group(1) if client else "", **fields}


def fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def test_the_case_page_places_the_loss_and_names_who_held_the_room(app, scene):
    first, second, _third = scene.stewards
    scene.count(at(9), FULL, by=first)
    scene.count(at(10), FULL, by=second)
    scene.count(at(12), {**FULL, "抱枕": 5}, by=first)
    case = db.session.scalar(select(LossCase))
    page = phone(app, scene.boss).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "客厅 抱枕: 1 pcs missing" in page
    assert "From the last complete count (2025-03-03 18:00) to the first short one (2025-03-03 20:00)." in page
    assert "管家2" in page and "管家1" in page
    assert f"/tasks/{case.task_id}" in page


def test_a_full_count_offers_found_and_a_steward_confirms_it(app, scene):
    case = short_case(scene)
    scene.count(at(11), FULL)
    steward = phone(app, scene.stewards[1])
    page = steward.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "A count found it again" in page
    response = steward.post(f"/cases/{case.id}/close", data=form(steward, case.id, "confirm_found"))
    assert response.status_code == 303
    case = fresh(LossCase, case.id)
    assert (case.status, case.outcome, case.closed_by_id) == ("closed", "found", scene.stewards[1].id)
    assert case.task.status == "closed"
    assert [event.kind for event in case.task.events][-1] == "case_closed"


def test_the_same_close_sent_twice_closes_once(app, scene):
    case = short_case(scene)
    steward = phone(app, scene.stewards[0])
    sent = form(steward, case.id, "found", note="在样板间储物柜里找到")
    assert steward.post(f"/cases/{case.id}/close", data=sent).status_code == 303
    assert steward.post(f"/cases/{case.id}/close", data=sent).status_code == 303
    events = db.session.scalar(select(func.count()).select_from(TaskEvent).where(TaskEvent.kind == "case_closed"))
    assert events == 1


def test_marking_found_needs_a_note(app, scene):
    case = short_case(scene)
    steward = phone(app, scene.stewards[0])
    response = steward.post(f"/cases/{case.id}/close", data=form(steward, case.id, "found", note=" "))
    assert response.status_code == 422
    assert "Say where and how it was found." in response.get_data(as_text=True)
    assert fresh(LossCase, case.id).is_open


def test_a_case_changed_meanwhile_is_refused(app, scene):
    case = short_case(scene)
    steward = phone(app, scene.stewards[0])
    stale = form(steward, case.id, "found", note="找到了")
    scene.count(at(11), {**FULL, "抱枕": 5})  # a sighting: the case moved on
    case = fresh(LossCase, case.id)
    case.close_note = ""  # any change to the case raises its version
    case.found_inspection_id = case.first_short_inspection_id
    db.session.commit()
    response = steward.post(f"/cases/{case.id}/close", data=stale)
    assert response.status_code == 409
    assert "Someone else changed this case" in response.get_data(as_text=True)


def test_found_damaged_closes_the_case_and_keeps_its_task_for_the_repair(app, scene):
    case = short_case(scene)
    steward = phone(app, scene.stewards[0])
    response = steward.post(f"/cases/{case.id}/close", data=form(steward, case.id, "damaged", note="抱枕被划破"))
    assert response.status_code == 303
    case = fresh(LossCase, case.id)
    assert (case.status, case.outcome) == ("closed", "damaged")
    assert case.task.is_open
    assert case.task.events[-1].kind == "comment" and "抱枕被划破" in case.task.events[-1].note


def test_a_write_off_lowers_the_register_and_the_next_count_expects_the_new_figure(app, scene):
    case = short_case(scene)
    boss = phone(app, scene.boss)
    response = boss.post(
        f"/cases/{case.id}/close", data=form(boss, case.id, "written_off", note="确认丢失，按制度核销")
    )
    assert response.status_code == 303
    case = fresh(LossCase, case.id)
    assert (case.outcome, case.task.status) == ("written_off", "closed")
    event = db.session.scalar(select(RegisterEvent).where(RegisterEvent.case_id == case.id))
    assert (event.kind, event.quantity_before, event.quantity_after, event.approved_by_id) == (
        "write_off",
        6,
        5,
        scene.boss.id,
    )
    # The next count is built from the register's current version: five cushions, and five is complete.
    version = current_version(scene.room.id)
    assert {line.name: line.expected for line in lines_of(version.id)}["抱枕"] == 5
    scene.count(at(11), {**FULL, "抱枕": 5}, version_id=version.id)
    assert db.session.scalar(select(func.count()).select_from(LossCase)) == 1


def test_only_a_supervisor_writes_off(app, scene):
    case = short_case(scene)
    steward = phone(app, scene.stewards[0])
    page = steward.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'value="written_off"' not in page
    response = steward.post(
        f"/cases/{case.id}/close", data={**form(steward, case.id, "found"), "action": "written_off", "note": "丢了"}
    )
    assert response.status_code == 403
    assert fresh(LossCase, case.id).is_open
    assert (
        db.session.scalar(select(func.count()).select_from(RegisterEvent).where(RegisterEvent.kind == "write_off")) == 0
    )


def test_people_of_another_site_and_guards_see_no_case(app, scene, make):
    case = short_case(scene)
    outsider = make.user("supervisor", sites=[make.site()])
    assert phone(app, outsider).get(f"/cases/{case.id}").status_code == 403
    assert phone(app, outsider).get(f"/rooms/{scene.room.id}/cases").status_code == 403
    assert phone(app, scene.guard).get(f"/cases/{case.id}").status_code == 403
    butler = make.user("butler", sites=[scene.room.site])
    assert phone(app, butler).get(f"/cases/{case.id}").status_code == 403


def test_the_task_page_cannot_close_a_loss_task_without_its_case(app, scene):
    case = short_case(scene)
    boss = phone(app, scene.boss)
    task = db.session.get(Task, case.task_id)
    data = {"action": "close_case", "version": str(task.version), "client_id": factories.client_id()}
    response = boss.post(f"/tasks/{task.id}/act", data=data)
    assert response.status_code == 409
    assert fresh(Task, task.id).is_open


def test_the_task_page_links_to_its_case(app, scene):
    case = short_case(scene)
    boss = phone(app, scene.boss)
    page = boss.get(f"/tasks/{case.task_id}").get_data(as_text=True)
    assert f'href="/tasks/{case.task_id}/case"' in page
    assert boss.get(f"/tasks/{case.task_id}/case").headers["Location"].endswith(f"/cases/{case.id}")


def test_the_rooms_list_puts_open_cases_first(app, scene):
    case = short_case(scene)
    steward = phone(app, scene.stewards[0])
    steward.post(f"/cases/{case.id}/close", data=form(steward, case.id, "found", note="找到"))
    scene.count(at(11), {**FULL, "台灯": 1})
    page = steward.get(f"/rooms/{scene.room.id}/cases").get_data(as_text=True)
    assert page.index("台灯") < page.index("抱枕")
