"""A task's timeline is append-only in the database, not only in the ORM: a bulk UPDATE or DELETE, or SQL
typed by hand, is refused by triggers on task_events, on SQLite and PostgreSQL alike; the schema built by
the migrations and the one create_all builds carry the same triggers. (The ORM's own refusal, for an
event changed or deleted through the session: tests/test_task_workflow.py.)"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from patrol.extensions import db
from patrol.models import TaskEvent
from tests.task_crew import crew_fixture, events_of, task_in  # noqa: F401  (the "crew" fixture)
from tests.test_migration_drift import scratch_app  # noqa: F401  (an app on a database of its own)

CHANGES = {
    "orm_update": lambda task_id: update(TaskEvent).where(TaskEvent.task_id == task_id).values(note="rewritten"),
    "orm_delete": lambda task_id: delete(TaskEvent).where(TaskEvent.task_id == task_id),
    "core_update": lambda task_id: (
        update(TaskEvent.__table__).where(TaskEvent.__table__.c.task_id == task_id).values(to_status="closed")
    ),
    "sql_update": lambda task_id: text("UPDATE task_events SET actor_id = actor_id WHERE task_id = :id").bindparams(
        id=task_id
    ),
    "sql_delete": lambda task_id: text("DELETE FROM task_events WHERE task_id = :id").bindparams(id=task_id),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_statement_that_changes_or_deletes_events_is_refused_by_the_database(app, crew, change):
    task_id = task_in(app, crew, "fixed")
    before = events_of(app, task_id)
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(CHANGES[change](task_id))
        db.session.rollback()
        db.session.remove()
    assert events_of(app, task_id) == before


def test_events_are_still_written_after_a_refusal(app, crew):
    task_id = task_in(app, crew, "open")
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM task_events"))
        db.session.rollback()
        db.session.remove()
    task_in(app, crew, "closed")  # assigned, fixed and re-checked: three events more, on another task
    assert [event[0] for event in events_of(app, task_id)] == ["created"]


def timeline_triggers(connection) -> dict[str, str]:
    """The triggers on task_events and what they run, as the database keeps them (schema names left out)."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) || ' ' || p.prosrc FROM pg_trigger t"
            " JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = to_regclass('task_events') AND NOT t.tgisinternal"
        )
    else:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return {name: re.sub(r"\b\w+\.task_events\b", "task_events", " ".join(sql.split())) for name, sql in rows}


def test_create_all_guards_the_timeline_as_the_migrations_do(app, scratch_app):  # noqa: F811
    with app.app_context(), db.engine.connect() as connection:
        migrated = timeline_triggers(connection)
    with scratch_app.app_context():
        db.create_all()
        with db.engine.connect() as connection:
            created = timeline_triggers(connection)
    postgres = scratch_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert sorted(migrated) == (
        ["task_events_append_only"] if postgres else ["task_events_no_delete", "task_events_no_update"]
    )
    assert created == migrated
