"""append_only_timeline: the database refuses to change or delete a task's timeline events

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 09:00:00

The ORM already refused to update or delete a TaskEvent; a bulk statement or SQL typed by hand went
past it. Triggers now refuse every UPDATE and DELETE on task_events, on PostgreSQL (a plpgsql
function) and SQLite (RAISE(ABORT)). No column of an event is written after its insert, so they
cover every column. patrol.models.task creates the same triggers when create_all builds the table.

SQLite drops a table's triggers with the table: a later migration that rebuilds task_events in batch
mode must create them again.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

GUARD = {
    "sqlite": (
        "CREATE TRIGGER task_events_no_update BEFORE UPDATE ON task_events"
        " BEGIN SELECT RAISE(ABORT, 'task_events is append-only, an event cannot be changed'); END",
        "CREATE TRIGGER task_events_no_delete BEFORE DELETE ON task_events"
        " BEGIN SELECT RAISE(ABORT, 'task_events is append-only, an event cannot be deleted'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION task_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RAISE EXCEPTION USING MESSAGE = 'task_events is append-only, ' || TG_OP || ' refused'; END $$",
        "CREATE TRIGGER task_events_append_only BEFORE UPDATE OR DELETE ON task_events"
        " FOR EACH ROW EXECUTE FUNCTION task_events_append_only()",
    ),
}
UNGUARD = {
    "sqlite": ("DROP TRIGGER IF EXISTS task_events_no_update", "DROP TRIGGER IF EXISTS task_events_no_delete"),
    "postgresql": (
        "DROP TRIGGER IF EXISTS task_events_append_only ON task_events",
        "DROP FUNCTION IF EXISTS task_events_append_only()",
    ),
}


def _run(statements: dict) -> None:
    for statement in statements.get(op.get_context().dialect.name, ()):
        op.execute(statement)


def upgrade():
    _run(GUARD)


def downgrade():
    """The triggers go; every event stays."""
    _run(UNGUARD)
