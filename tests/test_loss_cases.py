"""One loss case per missing or damaged item: opened by the first short count, placed between the last
complete count and that one, seen again by later short counts, proposed found by a full one."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.submission import submit_inspection
from patrol.modelrooms.cases import settle_count
from patrol.modelrooms.custody import custodians
from patrol.modelrooms.register import current_version, next_version
from patrol.models import ChecklistVersion, CountLine, Inspection, LossCase, LossSighting, Notification, Task, TaskEvent
from tests import factories
from tests.loss_scene import at, model_room

FULL = {"抱枕": 6, "茶几": 1, "台灯": 2}


@pytest.fixture
def scene(make):
    return model_room(make)


def cases_of(scene) -> list[LossCase]:
    return list(db.session.scalars(select(LossCase).where(LossCase.location_id == scene.room.id).order_by(LossCase.id)))


def count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_shortage_is_placed_between_the_last_complete_count_and_the_first_short_one(scene):
    first, second, third = scene.stewards
    scene.count(at(9), FULL, by=first)
    ten = scene.count(at(10), FULL, by=second)
    eleven = scene.count(at(11), {"茶几": 1, "台灯": 2}, by=third)  # the cushions skipped
    noon = scene.count(at(12), {**FULL, "抱枕": 5}, by=first)

    (case,) = cases_of(scene)
    assert (case.kind, case.expected, case.quantity) == ("missing", 6, 1)
    assert case.last_complete_inspection_id == ten.id
    assert case.first_short_inspection_id == noon.id
    signed = {custodian.user.id: [s.inspection.id for s in custodian.signatures] for custodian in custodians(case)}
    # The 10:00 and 11:00 signers, and the 12:00 one who found it short; not the 09:00 count.
    assert signed == {second.id: [ten.id], third.id: [eleven.id], first.id: [noon.id]}


def test_a_skipped_line_neither_opens_nor_closes_a_case(scene):
    scene.count(at(9), FULL)
    scene.count(at(10), {"茶几": 1})
    assert cases_of(scene) == []
    scene.count(at(11), {**FULL, "抱枕": 4})
    scene.count(at(12), {"茶几": 1})
    (case,) = cases_of(scene)
    assert case.is_open and case.found_inspection_id is None


def test_three_short_counts_make_one_case_and_one_task(scene):
    scene.count(at(9), FULL)
    counts = [scene.count(at(hour), {**FULL, "抱枕": 5}) for hour in (10, 11, 12)]

    (case,) = cases_of(scene)
    assert [s.inspection_id for s in case.sightings] == [count.id for count in counts]
    (task,) = db.session.scalars(select(Task).where(Task.location_id == scene.room.id))
    assert case.task_id == task.id
    assert (task.source, task.problem_key, task.seen_count) == ("loss", f"asset:{case.asset_id}:missing", 3)
    assert task.title == "样板间A 客厅 抱枕 缺少 1 件"  # in the site's language (the install's default, zh_Hans)
    kinds = [event.kind for event in db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id))]
    assert kinds == ["created", "seen_again", "seen_again"]
    # The supervisor is told once, not once a count.
    told = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == scene.boss.id)
    )
    assert told == 1


def test_a_full_count_after_short_ones_offers_found_and_closes_nothing(scene):
    scene.count(at(9), FULL)
    scene.count(at(10), {**FULL, "抱枕": 5})
    scene.count(at(11), {**FULL, "抱枕": 5})
    back = scene.count(at(12), FULL)

    (case,) = cases_of(scene)
    assert case.found_inspection_id == back.id
    assert case.is_open and case.task.is_open


def test_short_again_after_found_was_offered_withdraws_the_offer(scene):
    scene.count(at(9), FULL)
    scene.count(at(10), {**FULL, "抱枕": 5})
    scene.count(at(11), FULL)
    scene.count(at(12), {**FULL, "抱枕": 5})
    (case,) = cases_of(scene)
    assert case.found_inspection_id is None
    assert len(case.sightings) == 2


def test_a_damaged_item_opens_a_damaged_case_beside_a_missing_one(scene):
    scene.count(at(9), FULL)
    scene.count(at(10), {**FULL, "抱枕": (5, 1)})
    missing, damaged = cases_of(scene)
    assert (missing.kind, missing.quantity) == ("missing", 1)
    assert (damaged.kind, damaged.quantity) == ("damaged", 1)
    assert missing.task_id != damaged.task_id
    assert damaged.task.title == "样板间A 客厅 抱枕 损坏 1 件"
    assert damaged.task.detail == "应有 6，实点 5，损坏 1。"


def test_a_line_never_complete_has_no_last_complete_count(scene):
    scene.count(at(9), {**FULL, "台灯": 1})
    (case,) = cases_of(scene)
    assert case.last_complete_inspection_id is None
    assert [custodian.user.id for custodian in custodians(case)] == [scene.stewards[0].id]


def test_a_late_count_from_an_outbox_is_placed_by_the_phones_time(scene):
    first, second, third = scene.stewards
    scene.count(at(9), FULL, by=first)
    noon = scene.count(at(12), {**FULL, "抱枕": 5}, by=first)
    # Made at 10:00 and at 11:00, they reach the server after the 12:00 count.
    ten = scene.count(at(10), FULL, by=second, received=at(12, 30))
    eleven = scene.count(at(11), {**FULL, "抱枕": 5}, by=third, received=at(12, 40))

    (case,) = cases_of(scene)
    assert case.last_complete_inspection_id == ten.id
    assert case.first_short_inspection_id == eleven.id
    assert case.found_inspection_id is None
    assert sorted(s.inspection_id for s in case.sightings) == sorted([noon.id, eleven.id])
    assert {custodian.user.id for custodian in custodians(case)} == {second.id, third.id}


def test_a_short_count_arriving_after_a_later_full_one_opens_its_case_with_found_offered(scene):
    scene.count(at(9), FULL)
    noon = scene.count(at(12), FULL)
    eleven = scene.count(at(11), {**FULL, "抱枕": 5}, received=at(12, 30))
    (case,) = cases_of(scene)
    assert (case.first_short_inspection_id, case.found_inspection_id) == (eleven.id, noon.id)


def test_handovers_in_the_interval_name_both_people(scene):
    steward = scene.stewards[0]
    scene.count(at(10), FULL, by=steward)
    scene.handover(at(11), steward, scene.guard)
    scene.handover(at(8), steward, scene.guard)  # before the interval
    morning = scene.count(at(12), {**FULL, "茶几": 0}, by=scene.stewards[1])
    (case,) = cases_of(scene)
    people = {custodian.user.display_name: [s.kind for s in custodian.signatures] for custodian in custodians(case)}
    assert people == {"管家1": ["count", "handed_over"], "保安老王": ["took_over"], "管家2": ["count"]}
    assert case.first_short_inspection_id == morning.id


def test_settling_a_count_twice_changes_nothing(scene):
    scene.count(at(9), FULL)
    short = scene.count(at(10), {**FULL, "抱枕": 5})
    before = (count_rows(LossCase), count_rows(LossSighting), count_rows(Task), count_rows(TaskEvent))
    settle_count(short, at(10))
    db.session.commit()
    assert (count_rows(LossCase), count_rows(LossSighting), count_rows(Task), count_rows(TaskEvent)) == before


def test_a_count_without_a_register_version_is_no_business_of_cases(scene):
    short = scene.count(at(10), {**FULL, "抱枕": 5})
    short.register_version_id = None
    assert settle_count(short, at(10)) == []


def test_a_loss_task_is_titled_in_its_sites_language(make):
    scene = model_room(make, language="en")
    scene.count(at(9), {**FULL, "抱枕": 5})
    (case,) = cases_of(scene)
    assert case.task.title == "样板间A 客厅 抱枕: 1 pcs missing"


def test_submitting_a_count_settles_it_in_the_same_transaction(scene):
    """The submit (inspections.submission) calls settle_count once the answers are settled."""
    steward = scene.stewards[0]
    version = db.session.get(ChecklistVersion, scene.checklist_version_id)
    key = DraftKey(steward, scene.room, version, factories.client_id(), utcnow() - timedelta(minutes=3))
    (item,) = version.items
    assert save_answer(key, item, AnswerInput("pass")).ok
    draft = db.session.scalar(select(Inspection).where(Inspection.client_id == key.client_id))
    draft.register_version_id = current_version(scene.room.id).id
    db.session.add(CountLine(inspection_id=draft.id, asset_id=scene.asset("抱枕"), counted=5))
    db.session.commit()

    result = submit_inspection(key, {item.id: AnswerInput("pass")})
    again = submit_inspection(key, {item.id: AnswerInput("pass")})

    assert result.created and not again.created
    (case,) = cases_of(scene)
    assert (case.first_short_inspection_id, case.last_complete_inspection_id) == (draft.id, None)
    assert count_rows(Task) == 1 and count_rows(LossSighting) == 1


def test_a_line_retired_while_the_count_was_open_opens_no_case(scene):
    pinned = current_version(scene.room.id).id
    cushion = scene.asset("抱枕")
    next_version(scene.room, scene.boss, dropped=frozenset({cushion}))  # 抱枕 taken off the register
    db.session.commit()
    scene.count(at(10), {**FULL, "抱枕": 0, "台灯": 1}, version_id=pinned)
    assert [(case.asset_id, case.kind) for case in cases_of(scene)] == [(scene.asset("台灯"), "missing")]
