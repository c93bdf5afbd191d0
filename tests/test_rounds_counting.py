"""A visit counts once, at the time it was done on the phone, toward the round whose window holds it:
on time in [due, window_end), late in [window_end, grace_end), missed from grace_end; made up after
that only where the schedule allows it, and never on time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey
from patrol.inspections.submission import submit_inspection
from patrol.inspections.visit_times import CLOCK_IMPLAUSIBLE, DeviceTimes
from patrol.models import ExpectedVisit
from patrol.rounds.coverage import coverage
from patrol.rounds.missed import mark_missed
from patrol.rounds.planning import plan_visits
from tests.rounds_scene import DAY, at, build

EPSILON = timedelta(microseconds=1)


@pytest.fixture
def scene(make):
    scene = build(make, rooms=2)
    scene.schedule()  # hourly 08:00–20:00: on time for 30 min, then late for 15
    plan_visits(at(7))
    db.session.commit()
    return scene


def the_round(scene, hour, room=0) -> ExpectedVisit:
    db.session.expire_all()
    return db.session.scalar(
        select(ExpectedVisit).where(ExpectedVisit.location_id == scene.rooms[room].id, ExpectedVisit.due_at == at(hour))
    )


@pytest.mark.parametrize(
    "scanned, outcome",
    [
        (at(10), "on_time"),  # exactly at due
        (at(10, 30) - EPSILON, "on_time"),
        (at(10, 30), "late"),  # exactly at window_end
        (at(10, 45) - EPSILON, "late"),
    ],
)
def test_a_visit_on_the_edge_of_a_window_counts_by_the_half_open_rule(scene, scanned, outcome):
    counted = scene.count(scene.rooms[0], scanned)
    assert (counted.outcome, counted.visit.due_at) == (outcome, at(10))
    assert (the_round(scene, 10).status, the_round(scene, 10).done_at) == (outcome, scanned)


def test_a_visit_exactly_at_grace_end_is_too_late_for_that_round(scene):
    counted = scene.count(scene.rooms[0], at(10, 45))
    assert counted.outcome == "unscheduled"
    assert the_round(scene, 10).status == "pending"


def test_a_visit_just_before_due_is_no_visit_for_that_round(scene):
    counted = scene.count(scene.rooms[0], at(10) - EPSILON)
    # 09:59:59.999999: the 09:00 round was late only until 09:45, and the 10:00 one is not due yet.
    assert counted.outcome == "unscheduled"
    assert the_round(scene, 10).status == "pending"


def test_missed_is_final_exactly_at_grace_end(scene):
    mark_missed(at(10, 45) - EPSILON)
    assert the_round(scene, 10).status == "pending"
    mark_missed(at(10, 45))
    db.session.commit()
    assert the_round(scene, 10).status == "missed"
    assert the_round(scene, 11).status == "pending"


def test_two_inspections_in_one_slot_count_once_and_the_second_is_extra(scene):
    first = scene.count(scene.rooms[0], at(10, 5))
    second = scene.count(scene.rooms[0], at(10, 20))
    assert first.outcome == "on_time" and second.outcome == "extra"
    assert second.visit.id == first.visit.id
    assert the_round(scene, 10).inspection_id == first.visit.inspection_id
    assert the_round(scene, 10).done_at == at(10, 5)
    report = coverage({scene.site.id}, DAY, DAY, at(11), by=("location",), location_ids={scene.rooms[0].id})
    assert (report[0].on_time, report[0].missed, report[0].open) == (1, 2, 10)


def test_where_rounds_overlap_a_visit_counts_on_time_for_the_current_one(scene, make):
    # Every hour, on time for 60 min, late for 30: at 10:10 the 09:00 round is late and the 10:00 one due.
    other = build(make, rooms=1, name="花园")
    other.schedule(window_minutes=60, grace_minutes=30)
    plan_visits(at(7))
    counted = other.count(other.rooms[0], at(10, 10))
    assert (counted.outcome, counted.visit.due_at) == ("on_time", at(10))
    counted = other.count(other.rooms[0], at(10, 20))
    assert (counted.outcome, counted.visit.due_at) == ("late", at(9))


def test_a_visit_with_another_checklist_is_not_this_rounds_visit(scene, make):
    other = make.checklist(name="样板间清点", kind="model_room")
    counted = scene.count(scene.rooms[0], at(10, 5), version=other)
    assert counted.outcome == "unscheduled"
    assert the_round(scene, 10).status == "pending"


def submit_offline(scene, room, *, scanned, completed, received, phone_behind=timedelta(0)):
    """A round done on the phone at `scanned`…`completed` and sent by its outbox at `received`."""
    times = DeviceTimes(
        received_at=received,
        sent_at=received - phone_behind,
        scanned_at=scanned - phone_behind,
        acted_at=completed - phone_behind,
    )
    key = DraftKey(scene.butler, room, scene.version, "5b8f0e7a-3f49-4f0e-9a53-0d4b0f5e4a11", scanned, scanned, times)
    given = {item.id: AnswerInput("pass" if item.item_type == "passfail" else "4") for item in scene.version.items}
    result = submit_inspection(key, given)
    assert result.ok, result.errors
    return result.inspection


def test_an_offline_visit_done_at_1005_and_received_at_1120_is_on_time(scene):
    mark_missed(at(10, 45))  # the sweep has already called the 10:00 round missed, and alerted it
    db.session.commit()
    assert the_round(scene, 10).status == "missed"
    inspection = submit_offline(scene, scene.rooms[0], scanned=at(10, 5), completed=at(10, 12), received=at(11, 20))
    row = the_round(scene, 10)
    assert (row.status, row.done_at, row.inspection_id) == ("on_time", at(10, 5), inspection.id)
    assert row.missed_alerted_at == at(10, 45)  # the alert that went out stays on record
    assert inspection.received_at == at(11, 20)
    assert the_round(scene, 11).status == "pending"  # not counted toward the slot it arrived in


def test_a_visit_whose_phone_clock_cannot_be_trusted_counts_when_received_and_is_flagged(scene):
    inspection = scene.visit(
        scene.rooms[0], at(9, 5), clock_flag=CLOCK_IMPLAUSIBLE, submitted_at=at(11, 6), received_at=at(11, 10)
    )
    from patrol.rounds.counting import count_visit

    counted = count_visit(inspection, scene.version.checklist_id)
    db.session.commit()
    assert (counted.outcome, counted.visit.due_at) == ("on_time", at(11))
    assert (the_round(scene, 11).clock_flag, the_round(scene, 11).done_at) == (CLOCK_IMPLAUSIBLE, at(11, 10))
    assert the_round(scene, 9).status == "pending"


def test_a_make_up_within_the_allowed_hours_is_made_up_and_never_on_time(make):
    scene = build(make, rooms=1)
    scene.schedule(recurrence="daily", start_time="10:00", makeup_hours=2)
    plan_visits(at(7))
    mark_missed(at(10, 45))
    db.session.commit()
    counted = scene.count(scene.rooms[0], at(12, 30))
    assert counted.outcome == "made_up"
    row = the_round(scene, 10)
    assert (row.status, row.done_at) == ("made_up", at(12, 30))
    figures = coverage({scene.site.id}, DAY, DAY, at(23))[0]
    assert (figures.on_time, figures.made_up, figures.missed, figures.rate) == (0, 1, 0, 0.0)


def test_a_make_up_after_the_allowed_hours_or_where_none_is_allowed_counts_for_nothing(make):
    scene = build(make, rooms=2)
    scene.schedule(recurrence="daily", start_time="10:00", makeup_hours=2)
    plan_visits(at(7))
    db.session.commit()
    assert scene.count(scene.rooms[0], at(12, 45)).outcome == "unscheduled"  # grace 10:45 + 2 h
    assert the_round(scene, 10).status == "pending"  # the sweep will call it missed
    strict = build(make, rooms=1, name="不补检")
    strict.schedule(recurrence="daily", start_time="10:00")
    plan_visits(at(7))
    assert strict.count(strict.rooms[0], at(10, 50)).outcome == "unscheduled"


def test_a_make_up_before_the_sweep_ran_still_records_the_miss(make):
    scene = build(make, rooms=1)
    scene.schedule(recurrence="daily", start_time="10:00", makeup_hours=2)
    plan_visits(at(7))
    counted = scene.count(scene.rooms[0], at(11))
    assert counted.outcome == "made_up" and counted.visit.missed_at == at(10, 45)
    assert mark_missed(at(11, 1)) == []  # made up before anyone was told: no alert


def test_an_excused_round_is_corrected_by_a_visit_done_in_its_window_arriving_late(scene):
    mark_missed(at(10, 45))
    row = the_round(scene, 10)
    row.status = "excused"
    db.session.commit()
    counted = scene.count(scene.rooms[0], at(10, 40), received_at=at(12))
    assert (counted.outcome, the_round(scene, 10).status) == ("late", "late")
