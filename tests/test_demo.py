"""The demo estate the README's first command starts with."""

from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import ChecklistAssignment, Location, Schedule, Task, User
from patrol.services.checklists import current_versions_for


def test_seed_demo_builds_the_estate_from_the_domain(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["patrol", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "butler" in result.output and "patrol-demo" in result.output
    with app.app_context():
        kinds = dict(db.session.execute(select(Location.kind, func.count()).group_by(Location.kind)).all())
        assert kinds["floor"] >= 10 and kinds["renovation"] == 2 and kinds["model_room"] == 1
        assert kinds["vacant_unit"] >= 2
        assert {u.role for u in db.session.scalars(select(User))} == {"butler", "steward", "supervisor", "admin"}
        room = db.session.scalar(select(Location).where(Location.kind == "model_room"))
        names = [v.name for v in current_versions_for(room)]
        assert len(names) == 3 and any("开馆" in n for n in names) and any("闭馆" in n for n in names)
        assert db.session.scalar(select(func.count()).select_from(Task)) >= 3
        assert db.session.scalar(select(func.count()).select_from(ChecklistAssignment)) == 6
        recurrences = sorted(db.session.scalars(select(Schedule.recurrence)))
        assert recurrences == ["daily", "hourly", "hourly", "weekly"]
        db.session.remove()


def test_seed_demo_refuses_a_database_that_has_data(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["patrol", "seed-demo"]).exit_code == 0
    again = runner.invoke(args=["patrol", "seed-demo"])
    assert again.exit_code != 0 and "empty" in again.output
