"""The demo's model room: its register seeded zone by zone, three counts built from it, scheduled for the steward."""

from datetime import time

from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import Location, RegisterEvent, Schedule, User
from patrol.setup import catalogue
from patrol.setup.checklists import current_versions_for, items_of


def test_the_demo_seeds_model_room_a_register_and_its_counting_day(app):
    assert app.test_cli_runner().invoke(args=["patrol", "seed-demo"]).exit_code == 0
    with app.app_context():
        room = db.session.scalar(select(Location).where(Location.kind == "model_room"))
        version = current_version(room.id)
        lines = lines_of(version.id)
        assert version.number == 1 and len(lines) == len(catalogue.MODEL_ROOM_ASSETS)
        zones = list(dict.fromkeys(line.zone for line in lines))
        assert zones == ["大堂", "客厅", "餐厅", "主卧", "次卧"]
        chairs = next(line for line in lines if line.name == "餐椅")
        assert (chairs.expected, chairs.unit, str(chairs.unit_value)) == (4, "把", "980.00")
        [event] = db.session.scalars(select(RegisterEvent).where(RegisterEvent.location_id == room.id))
        assert event.kind == "created" and event.actor.role == "supervisor"

        for checklist in current_versions_for(room):
            kinds = [item.item_type for item in items_of(checklist.id)]
            assert kinds.count("inventory") == 1 and "count" not in kinds, checklist.name

        steward = db.session.scalar(select(User).where(User.role == "steward"))
        schedules = db.session.scalars(select(Schedule).where(Schedule.locations.any(Location.id == room.id)))
        plan = sorted((s.recurrence, s.start_time, s.end_time, s.responsible_user_id) for s in schedules)
        assert plan == [
            ("daily", time(8, 30), None, steward.id),
            ("daily", time(19), None, steward.id),
            ("hourly", time(9), time(18), steward.id),
        ]
        db.session.remove()
