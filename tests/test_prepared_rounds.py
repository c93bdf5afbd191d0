"""What a phone keeps for an offline round (/prepare.json, patrol.views.app_shell): the checkpoints of
the person's rounds for the next hours, in the order they will be walked, with the page of the
checklist due at each; someone with no round ahead keeps the home page's first checkpoints."""

from __future__ import annotations

from patrol.extensions import db
from patrol.rounds.planning import plan_visits
from patrol.views.app_shell import PREPARE_LIMIT, ROUNDS_PREPARE_LIMIT, prepare_plan
from tests.model_room_day import CLOSING, HOURLY, OPENING, model_room_day
from tests.rounds_scene import at, build


def scan_url(room, checklist_id: int | None = None) -> str:
    return f"/c/{room.qr_token}" + (f"?checklist={checklist_id}" if checklist_id else "")


def test_a_butler_keeps_the_floors_of_the_rounds_due_in_the_next_hours_in_walking_order(make):
    scene = build(make)  # ten floors, hourly 08:00–20:00 given to the butlers
    scene.schedule()
    other = make.location(scene.site, name="会所")  # on the home page, but on no round
    plan_visits(at(7))
    scene.count(scene.rooms[0], at(10, 5))  # 1F done in the 10:00 round
    db.session.commit()
    plan = prepare_plan(scene.butler, at(10, 10))
    expected = [scene.rooms[n] for n in (*range(1, 10), 0)]  # 2F…10F still to do, then 1F at 11:00
    assert plan["urls"] == ["/", "/report", *(scan_url(room) for room in expected)]
    assert [c["name"] for c in plan["checkpoints"]] == [room.name for room in expected]
    assert not any(other.qr_token in url for url in plan["urls"])


def test_a_steward_keeps_the_choice_and_the_counts_due_soon_not_the_evenings(make):
    day = model_room_day(make)
    plan_visits(at(7))
    db.session.commit()
    due = {name: version.checklist_id for name, version in day.checklists.items()}
    plan = prepare_plan(day.steward, at(8, 40))
    kept = sorted((due[HOURLY], due[OPENING]))  # in the order the choice page lists them
    assert plan["urls"][2:] == [scan_url(day.room), *(scan_url(day.room, checklist) for checklist in kept)]
    assert scan_url(day.room, due[CLOSING]) not in plan["urls"]


def test_with_no_round_ahead_the_home_pages_first_checkpoints_are_kept(make):
    scene = build(make)
    scene.schedule(start_time="08:00", end_time="09:00")  # the day's rounds are over by 10:00
    plan_visits(at(7))
    db.session.commit()
    plan = prepare_plan(scene.butler, at(10, 10))
    assert len(plan["checkpoints"]) == len(scene.rooms) <= PREPARE_LIMIT


def test_a_long_round_is_kept_up_to_its_limit_a_checkpoint_whole(make):
    scene = build(make, rooms=ROUNDS_PREPARE_LIMIT + 4)
    scene.schedule()
    plan_visits(at(7))
    db.session.commit()
    plan = prepare_plan(scene.butler, at(10, 10))
    assert len(plan["checkpoints"]) == ROUNDS_PREPARE_LIMIT and len(plan["urls"]) == ROUNDS_PREPARE_LIMIT + 2


def test_a_page_kept_for_offline_use_leaves_the_message_for_the_page_the_person_opens(browser, make):
    site = make.site()
    butler = make.user("butler", sites=[site], locale="en")
    make.location(site)
    browser.login(butler.username)
    with browser.client.session_transaction() as session:
        session["_flashes"] = [("success", "Your password was changed.")]
    kept = browser.get("/", headers={"X-Patrol-Prepare": "1"}).get_data(as_text=True)
    assert "Your password was changed." not in kept  # a copy shown offline hours later would repeat it
    assert "Your password was changed." in browser.get("/").get_data(as_text=True)
