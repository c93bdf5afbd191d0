"""Upgrading an install that already has schedules: each becomes its first version, in force since it
was created, with its hand-picked locations; locations are in use since their creation."""

from __future__ import annotations

from datetime import UTC, datetime, time

from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import select, text

from patrol.extensions import db
from patrol.models import Location, ScheduleVersion
from tests.test_migration_drift import scratch_app  # noqa: F401 (the fixture: a database of its own)

CREATED = "2026-01-05 02:00:00.000000"
ROWS = [
    "INSERT INTO sites (id, name, timezone, created_at) VALUES (1, '星河湾', 'Asia/Shanghai', :created)",
    "INSERT INTO checklists (id, name, created_at) VALUES (1, '巡楼检查', :created)",
    *(
        "INSERT INTO locations (id, site_id, name, kind, building, floor, unit, qr_token, short_code, qr_issued_at,"
        f" active, created_at) VALUES ({n}, 1, '{n}F', 'floor', '', '', '', 'token{n}', 'CODE{n}', :created,"
        " :yes, :created)"
        for n in (1, 2, 3)
    ),
    "INSERT INTO schedules (id, site_id, name, checklist_id, location_kind, recurrence, every_hours, start_time,"
    " end_time, weekdays, window_minutes, grace_minutes, responsible_role, active, created_at) VALUES"
    " (1, 1, '每小时巡楼', 1, 'floor', 'hourly', 2, '08:00:00', '20:00:00', '[]', 45, 15, 'butler', :yes, :created)",
    "INSERT INTO schedules (id, site_id, name, checklist_id, recurrence, start_time, weekdays, window_minutes,"
    " grace_minutes, responsible_role, active, created_at) VALUES"
    " (2, 1, '空置房周检', 1, 'weekly', '14:00:00', '[0, 3]', 480, 120, 'butler', :no, :created)",
    "INSERT INTO schedule_locations (schedule_id, location_id) VALUES (2, 3)",
    "INSERT INTO schedule_locations (schedule_id, location_id) VALUES (2, 1)",
]


def test_existing_schedules_become_their_first_versions(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        config = scratch_app.extensions["migrate"].migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision("0018").down_revision
        upgrade(revision=before)
        for statement in ROWS:
            db.session.execute(text(statement), {"created": CREATED, "yes": True, "no": False})
        db.session.commit()
        upgrade()
        created = datetime(2026, 1, 5, 2, tzinfo=UTC)
        hourly, weekly = db.session.scalars(select(ScheduleVersion).order_by(ScheduleVersion.schedule_id))
        assert (hourly.schedule_id, hourly.effective_from, hourly.created_at, hourly.active) == (
            1,
            created,
            created,
            True,
        )
        assert (hourly.recurrence, hourly.every_hours, hourly.start_time, hourly.end_time) == (
            "hourly",
            2,
            time(8),
            time(20),
        )
        assert (hourly.location_kind, hourly.location_ids, hourly.weekdays) == ("floor", [], [])
        assert (hourly.window_minutes, hourly.grace_minutes, hourly.makeup_hours) == (45, 15, 0)
        assert (hourly.responsible_role, hourly.responsible_user_id, hourly.checklist_id) == ("butler", None, 1)
        assert (weekly.active, weekly.location_kind, weekly.location_ids, weekly.weekdays) == (
            False,
            None,
            [1, 3],
            [0, 3],
        )
        assert {location.active_since for location in db.session.scalars(select(Location))} == {created}
