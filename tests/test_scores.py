"""Staff scores: each kind of lapse counts once, to the right person, in the right month on the site's
clock; the site's rules set the points (0 turns a kind off); lapses that count to nobody by name stay
apart. On SQLite and PostgreSQL alike (the grouped UNION ALL is one statement on both)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from patrol.extensions import db
from patrol.models import AuditEvent
from patrol.scores.month import Month
from patrol.scores.person import person_month
from patrol.scores.rules import points_of, save_rules
from patrol.scores.table import month_table
from tests.score_scene import MARCH, month_scene

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)
APRIL_1, FEB_28 = date(2026, 4, 1), date(2026, 2, 28)


@pytest.fixture
def scene(make):
    return month_scene(make)


def later(scene):
    """Seen long after the month (every first response due in it has passed)."""
    return scene.local(date(2026, 6, 1))


def counts_of(scene, month=MARCH, now=None) -> dict:
    table = month_table(scene.site, month, now or later(scene))
    found = {row.person.username: dict(row.counts) for row in table.rows if row.counts}
    if table.unattributed:
        found[None] = dict(table.unattributed)
    return found


def test_a_missed_round_counts_to_the_person_it_was_given_to_on_its_local_day(scene):
    butler = scene.scene.butler
    scene.round("missed", FIRST, to=butler, hour=0, minute=0)  # the month's first local minute
    scene.round("missed", LAST, to=butler, hour=23, minute=59)  # its last
    scene.round("missed", FEB_28, to=butler, hour=23, minute=59)
    scene.round("missed", APRIL_1, to=butler, hour=0)
    assert counts_of(scene) == {butler.username: {"missed_visit": 2}}


def test_excused_cancelled_and_made_up_rounds_are_not_missed_but_an_explained_one_is(scene):
    butler = scene.scene.butler
    explained = scene.round("missed", FIRST, to=butler)
    explained.note = "电梯故障，无法上楼"
    for status in ("excused", "cancelled", "on_time", "pending"):
        scene.round(status, FIRST, to=butler)
    db.session.commit()
    assert counts_of(scene) == {butler.username: {"missed_visit": 1}}


def test_a_round_given_to_a_role_counts_to_nobody_by_name(scene):
    scene.round("missed", FIRST)
    scene.round("missed", FIRST)
    table = month_table(scene.site, MARCH, later(scene))
    assert table.unattributed == Counter(missed_visit=2)
    assert all(row.score == 100 for row in table.rows)  # never spread over people


def test_a_late_or_made_up_round_counts_to_whoever_did_the_visit(make, scene):
    other = make.user("butler", [scene.site], username="other-butler")
    butler = scene.scene.butler
    scene.round("late", FIRST, to=butler, by=other)
    scene.round("made_up", LAST, to=butler, by=butler, hour=23)
    scene.round("late", APRIL_1, to=butler, by=butler)
    assert counts_of(scene) == {"other-butler": {"late_visit": 1}, butler.username: {"late_visit": 1}}


def test_a_first_response_late_counts_to_the_assignee_by_when_it_was_due(scene):
    butler = scene.scene.butler
    due = scene.local(FIRST, 0, 0)  # the month's first local minute
    scene.task(butler, respond_by=due, acknowledged_at=due + timedelta(minutes=1))  # late
    scene.task(butler, respond_by=due, acknowledged_at=due)  # just in time
    scene.task(butler, respond_by=scene.local(FEB_28, 23, 59), acknowledged_at=scene.local(FIRST, 9))  # February's
    scene.task(butler, respond_by=scene.local(LAST, 23, 59), acknowledged_at=scene.local(APRIL_1, 1))  # late, March
    assert counts_of(scene) == {butler.username: {"late_response": 2}}


def test_a_first_response_never_given_is_late_once_it_was_due_as_feedback_overdue_is(scene):
    due = scene.local(date(2026, 3, 10), 9)
    unanswered = scene.task(None, respond_by=due, acknowledged_at=None)
    assert counts_of(scene, now=due - timedelta(minutes=1)) == {}  # not due yet
    assert counts_of(scene, now=due + timedelta(minutes=1)) == {None: {"late_response": 1}}
    assert unanswered.is_feedback_overdue(due + timedelta(minutes=1))  # the task board's word for it
    # Cancelled without a response: answered by the cancelling, in time or late.
    scene.task(None, respond_by=due, acknowledged_at=None, status="cancelled", closed_at=due - timedelta(minutes=5))
    scene.task(None, respond_by=due, acknowledged_at=None, status="cancelled", closed_at=due + timedelta(minutes=5))
    assert counts_of(scene, now=due + timedelta(hours=2)) == {None: {"late_response": 2}}


def test_a_task_closed_after_its_due_time_counts_to_its_assignee_in_the_month_it_closed(scene):
    butler = scene.scene.butler
    due = scene.local(LAST, 12)
    scene.task(butler, status="closed", due_at=due, closed_at=scene.local(LAST, 23, 59))  # late, March
    scene.task(butler, status="closed", due_at=due, closed_at=scene.local(APRIL_1, 0, 0))  # late, April
    scene.task(butler, status="closed", due_at=due, closed_at=due)  # on time
    scene.task(butler, status="cancelled", due_at=due, closed_at=scene.local(LAST, 20))  # cancelled: not closed
    assert counts_of(scene) == {butler.username: {"closed_late": 1}}
    assert counts_of(scene, MARCH.next) == {butler.username: {"closed_late": 1}}


def test_a_failed_recheck_counts_to_whom_the_fix_went_back(make, scene):
    butler = scene.scene.butler
    fixer = make.user("butler", [scene.site], username="fixer")
    task = scene.task(butler)
    scene.recheck_failed(task, scene.local(FIRST, 0, 0))
    scene.recheck_failed(task, scene.local(date(2026, 3, 20)), to=fixer)  # a round named whom it went back to
    scene.recheck_failed(task, scene.local(APRIL_1, 0, 0))
    assert counts_of(scene) == {butler.username: {"recheck_failed": 1}, "fixer": {"recheck_failed": 1}}


def test_the_month_follows_the_sites_own_clock(make):
    """The same UTC instant is March's last minute in New York and April's first hours in Shanghai."""
    new_york = month_scene(make, zone="America/New_York", name="纽约")
    shanghai = month_scene(make, name="上海")
    instant = new_york.local(LAST, 23, 59)
    for scene in (new_york, shanghai):
        scene.task(scene.scene.butler, status="closed", due_at=instant - timedelta(days=1), closed_at=instant)
    assert counts_of(new_york) == {new_york.scene.butler.username: {"closed_late": 1}}
    assert counts_of(shanghai) == {}
    assert counts_of(shanghai, MARCH.next) == {shanghai.scene.butler.username: {"closed_late": 1}}


def test_points_come_from_the_sites_rules_and_zero_turns_a_kind_off(scene):
    butler = scene.scene.butler
    for _ in range(3):
        scene.round("missed", FIRST, to=butler)
    scene.round("late", FIRST, to=butler)
    scene.task(butler, status="closed", due_at=scene.local(FIRST, 9), closed_at=scene.local(FIRST, 10))
    (row,) = [row for row in month_table(scene.site, MARCH, later(scene)).rows if row.person.id == butler.id]
    assert (row.deducted, row.score) == (5, 95)  # 1 point each by default (seed 000: 每次扣1分)

    rules = {"missed_visit": "2", "late_visit": "0", "late_response": "1", "closed_late": "10", "recheck_failed": "1"}
    assert save_rules(scene.scene.admin, scene.site, rules).ok
    table = month_table(scene.site, MARCH, later(scene))
    (row,) = [row for row in table.rows if row.person.id == butler.id]
    assert (dict(row.counts), row.deducted, row.score) == ({"missed_visit": 3, "closed_late": 1}, 16, 84)
    assert "late_visit" not in table.kinds

    many = {**rules, "missed_visit": "100"}
    save_rules(scene.scene.admin, scene.site, many)
    (row,) = [row for row in month_table(scene.site, MARCH, later(scene)).rows if row.person.id == butler.id]
    assert (row.deducted, row.score) == (310, 0)  # never below 0


def test_everyone_on_the_site_is_listed_with_100_without_a_lapse(make, scene):
    make.user("steward", [scene.site], username="steward-a")
    make.user("butler", [scene.site], username="gone", active=False)  # deactivated, nothing this month
    make.user("butler", [], username="elsewhere")
    listed = {row.person.username: row.score for row in month_table(scene.site, MARCH, later(scene)).rows}
    assert listed == {scene.scene.butler.username: 100, scene.scene.supervisor.username: 100, "steward-a": 100}


def test_someone_no_longer_on_the_site_is_still_listed_for_a_months_lapses(make, scene):
    gone = make.user("butler", [], username="moved-on", active=False)
    scene.round("missed", FIRST, to=gone)
    listed = {row.person.username: row.score for row in month_table(scene.site, MARCH, later(scene)).rows}
    assert listed["moved-on"] == 99


def test_a_persons_list_is_every_lapse_newest_first_with_the_round_or_task_behind_it(scene):
    butler = scene.scene.butler
    missed = scene.round("missed", FIRST, to=butler, hour=8)
    late = scene.round("late", date(2026, 3, 5), to=butler)
    task = scene.task(
        butler, status="closed", due_at=scene.local(date(2026, 3, 9)), closed_at=scene.local(date(2026, 3, 9), 12)
    )
    found = person_month(scene.site, MARCH, later(scene), butler.id, number=1, size=30)
    assert [(lapse.kind, lapse.visit or lapse.task) for lapse in found.lapses] == [
        ("closed_late", task),
        ("late_visit", late),
        ("missed_visit", missed),
    ]
    assert (found.deducted, found.score, found.lapses.total) == (3, 97, 3)
    nobody = person_month(scene.site, MARCH, later(scene), None, number=1, size=30)
    assert nobody.lapses.total == 0


def test_changing_the_rules_is_audited_and_refuses_what_is_not_a_whole_number_from_0_to_100(scene):
    admin = scene.scene.admin
    good = {"missed_visit": "2", "late_visit": "1", "late_response": "1", "closed_late": "1", "recheck_failed": "0"}
    for field, wrong in (("missed_visit", "-1"), ("late_visit", "101"), ("closed_late", "1.5"), ("recheck_failed", "")):
        outcome = save_rules(admin, scene.site, {**good, field: wrong})
        assert not outcome.ok and list(outcome.errors) == [field] and outcome.status == 422
    assert points_of(scene.site) == dict.fromkeys(good, 1)
    assert save_rules(admin, scene.site, good).ok
    assert save_rules(admin, scene.site, good).ok  # the same again: nothing to record
    entries = db.session.query(AuditEvent).filter_by(action="site.deductions_changed").all()
    assert [(entry.site_id, entry.actor_id, entry.details) for entry in entries] == [
        (scene.site.id, admin.id, {"missed_visit": {"from": 1, "to": 2}, "recheck_failed": {"from": 1, "to": 0}})
    ]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026-12", date(2026, 12, 1)),
        ("2026-13", None),
        ("26-03", None),
        ("", None),
        ("1999-01", None),
        ("2026-3", None),
        ("２０２６-03", None),
    ],
)
def test_a_month_is_read_only_as_yyyy_mm(text, first):
    month = Month.parse(text)
    assert (month.first if month else None) == first


def test_a_months_neighbours_and_bounds():
    assert (str(MARCH.previous), str(MARCH.next), MARCH.last) == ("2026-02", "2026-04", LAST)
    assert str(Month(date(2026, 12, 1)).next) == "2027-01" and str(Month(date(2026, 1, 1)).previous) == "2025-12"
