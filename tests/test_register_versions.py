"""A room's register is versioned: a change of quantity makes a new version and says why, the old one stays."""

import pytest

from patrol.extensions import db
from patrol.modelrooms.register import change_quantity, current_version, lines_of
from patrol.models import RegisterEvent
from patrol.outcome import Refused


@pytest.fixture
def room(make):
    site = make.site()
    room = make.location(site, kind="model_room", name="样板间A")
    boss = make.user("supervisor", sites=[site])
    make.register(room, [("客厅", "抱枕", 6), ("客厅", "茶几", 1), ("主卧", "台灯", 2)], boss)
    return room, boss


def test_a_write_off_makes_the_next_version_and_keeps_the_first(room):
    room, boss = room
    first = current_version(room.id)
    cushion = lines_of(first.id)[0]
    second = change_quantity(
        room, cushion.asset_id, 5, kind="write_off", reason="丢失一只，已核销", approver=boss, actor=boss
    )
    db.session.commit()

    assert current_version(room.id).number == 2
    assert [(line.name, line.expected) for line in lines_of(second.id)] == [("抱枕", 5), ("茶几", 1), ("台灯", 2)]
    assert [line.expected for line in lines_of(first.id)] == [6, 1, 2]
    event = db.session.query(RegisterEvent).filter_by(version_id=second.id).one()
    assert (event.kind, event.quantity_before, event.quantity_after, event.approved_by_id) == (
        "write_off",
        6,
        5,
        boss.id,
    )


def test_a_quantity_change_without_a_reason_is_refused_and_changes_nothing(room):
    room, boss = room
    cushion = lines_of(current_version(room.id).id)[0]
    with pytest.raises(Refused):
        change_quantity(room, cushion.asset_id, 4, kind="removal", reason="  ", approver=boss, actor=boss)
    db.session.rollback()
    assert current_version(room.id).number == 1
