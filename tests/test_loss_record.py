"""The loss/damage record (资产丢失损坏备案表): filled from the case by a supervisor, printed on A4 in the
site's language with its signature lines, whoever prints it."""

import re

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import LossCase
from tests.conftest import SeparateBrowser
from tests.loss_scene import at, model_room

FULL = {"抱枕": 6, "茶几": 1, "台灯": 2}


def phone(app, user) -> SeparateBrowser:
    browser = SeparateBrowser(app.test_client())
    browser.login(user.username)
    return browser


def a_case(scene) -> LossCase:
    scene.count(at(9), FULL, by=scene.stewards[0])
    scene.handover(at(10), scene.stewards[0], scene.guard)
    scene.count(at(11), {**FULL, "台灯": 1}, by=scene.stewards[1])
    return db.session.scalar(select(LossCase))


def record_form(browser, case_id: int, **fields) -> dict:
    page = browser.get(f"/cases/{case_id}/record").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return {"version": version, **fields}


FILLED = {
    "cause": "human",
    "management_at_fault": "no",
    "responsible_party": "参观客户 张先生",
    "compensation": "380.00",
    "note": "客户已同意赔偿",
}


@pytest.fixture
def scene(make):
    return model_room(make, language="zh_Hans")


def test_a_supervisor_fills_the_record_and_it_prints_in_the_sites_language(app, scene):
    scene.boss.locale = "en"  # the supervisor reads English; the site speaks Chinese
    db.session.commit()
    case = a_case(scene)
    boss = phone(app, scene.boss)
    response = boss.post(f"/cases/{case.id}/record", data=record_form(boss, case.id, **FILLED))
    assert response.status_code == 303
    stored = db.session.get(LossCase, case.id)
    db.session.refresh(stored)
    assert (stored.cause, stored.management_at_fault, str(stored.compensation)) == ("human", False, "380.00")

    sheet = boss.get(f"/cases/{case.id}/record/print").get_data(as_text=True)
    assert "样板间资产丢失损坏备案表" in sheet
    assert '<html lang="zh-Hans">' in sheet
    for words in ("经办人", "保管人", "主管", "责任方", "参观客户 张先生", "¥380.00", "☑ 人为", "☑ 否"):
        assert words in sheet, words
    # Who held the room between 09:00 and 11:00 (Shanghai 17:00–19:00): the counts and the handover.
    assert "2025-03-03 17:00" in sheet and "2025-03-03 19:00" in sheet
    assert "保安老王" in sheet and "接收样板间" in sheet
    # The bar above the sheet, which does not print, is in the reader's language.
    assert "Print" in sheet and "no-print" in sheet


def test_an_english_site_prints_the_record_in_english(app, make):
    scene = model_room(make, language="en")
    case = a_case(scene)
    sheet = phone(app, scene.boss).get(f"/cases/{case.id}/record/print").get_data(as_text=True)
    assert "Model room asset loss/damage record" in sheet
    for words in ("Handled by", "Custodian", "Supervisor", "Responsible party", "Signed a count"):
        assert words in sheet, words


def test_the_record_form_says_what_is_missing(app, scene):
    case = a_case(scene)
    boss = phone(app, scene.boss)
    response = boss.post(f"/cases/{case.id}/record", data=record_form(boss, case.id, compensation="三百"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请说明是否人为造成" in page or "Say whether a person caused it." in page
    assert db.session.get(LossCase, case.id).recorded_at is None


def test_the_same_record_sent_twice_is_saved_once_and_a_stale_one_is_refused(app, scene):
    case = a_case(scene)
    boss = phone(app, scene.boss)
    sent = record_form(boss, case.id, **FILLED)
    assert boss.post(f"/cases/{case.id}/record", data=sent).status_code == 303
    assert boss.post(f"/cases/{case.id}/record", data=sent).status_code == 303  # the same form again
    changed = {**sent, "compensation": "100"}
    assert boss.post(f"/cases/{case.id}/record", data=changed).status_code == 409


def test_only_supervisors_fill_or_print_the_record(app, scene):
    case = a_case(scene)
    steward = phone(app, scene.stewards[0])
    assert steward.get(f"/cases/{case.id}/record").status_code == 403
    assert steward.get(f"/cases/{case.id}/record/print").status_code == 403
    response = steward.post(f"/cases/{case.id}/record", data={"version": "1", **FILLED})
    assert response.status_code == 403
