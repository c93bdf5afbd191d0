"""Rounds that are kept: schedule versions, expected visits, make-up hours, missed-visit notifications

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-20 09:00:00

- schedule_versions: a schedule's timing, scope and responsibility, one row per change; each
  existing schedule gets one, in force from its creation, as it stands now.
- expected_visits: one row per (version, round, location), written ahead by the planner.
- schedules.makeup_hours: how long after its grace a missed round may be made up (补检); 0: never.
- locations.active_since: rounds due before a location was in use never expected it
  (existing locations: since their creation).
- notifications about a missed round name it (expected_visit_id) instead of a task.
"""

import json

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
UNALERTED = sa.text("status = 'missed' AND missed_alerted_at IS NULL")


def upgrade():
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("makeup_hours", sa.Integer(), nullable=False, server_default="0"))
    # Added with a default, not made NOT NULL afterwards: that would copy the table on SQLite, whose
    # DROP of the old copy the rows pointing at locations refuse. The app always sets it itself.
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "active_since", patrol.database.UTCDateTime(), nullable=False, server_default="1970-01-01 00:00:00"
            )
        )
    op.execute("UPDATE locations SET active_since = created_at")
    _create_schedule_versions()
    _create_expected_visits()
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("expected_visit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_notifications_expected_visit_id", "expected_visits", ["expected_visit_id"], ["id"]
        )
        batch_op.create_index("ix_notifications_expected_visit_id", ["expected_visit_id"], unique=False)
    _version_existing_schedules()


def _create_schedule_versions():
    op.create_table(
        "schedule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", patrol.database.UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("location_kind", sa.String(length=20), nullable=True),
        sa.Column("location_ids", sa.JSON(), nullable=False),
        sa.Column("recurrence", sa.String(length=10), nullable=False),
        sa.Column("every_hours", sa.Integer(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("makeup_hours", sa.Integer(), nullable=False),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("responsible_role", sa.String(length=20), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", patrol.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["checklist_id"], ["checklists.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["responsible_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "effective_from"),
    )


def _create_expected_visits():
    op.create_table(
        "expected_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("schedule_version_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("due_at", patrol.database.UTCDateTime(), nullable=False),
        sa.Column("window_end", patrol.database.UTCDateTime(), nullable=False),
        sa.Column("grace_end", patrol.database.UTCDateTime(), nullable=False),
        sa.Column("makeup_end", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("responsible_role", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("done_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("clock_flag", sa.String(length=12), nullable=True),
        sa.Column("missed_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("missed_alerted_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("noted_by_id", sa.Integer(), nullable=True),
        sa.Column("noted_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("created_at", patrol.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["checklist_id"], ["checklists.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"]),
        sa.ForeignKeyConstraint(["noted_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["responsible_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"]),
        sa.ForeignKeyConstraint(["schedule_version_id"], ["schedule_versions.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id"),
        sa.UniqueConstraint("schedule_version_id", "location_id", "due_at", name="uq_expected_visits_slot"),
    )
    with op.batch_alter_table("expected_visits", schema=None) as batch_op:
        batch_op.create_index("ix_expected_visits_site_day", ["site_id", "local_day", "status"], unique=False)
        batch_op.create_index("ix_expected_visits_site_due", ["site_id", "due_at"], unique=False)
        batch_op.create_index(
            "ix_expected_visits_location_due", ["location_id", "checklist_id", "due_at"], unique=False
        )
        batch_op.create_index("ix_expected_visits_schedule_due", ["schedule_id", "due_at"], unique=False)
        batch_op.create_index(
            "ix_expected_visits_responsible_day", ["responsible_user_id", "local_day"], unique=False
        )
        batch_op.create_index(
            "ix_expected_visits_pending", ["grace_end"], unique=False, postgresql_where=PENDING, sqlite_where=PENDING
        )
        batch_op.create_index(
            "ix_expected_visits_unalerted", ["id"], unique=False, postgresql_where=UNALERTED, sqlite_where=UNALERTED
        )


# Copied as they are (untyped: each database hands back what it stored and takes it again).
COPIED = (
    "active",
    "checklist_id",
    "location_kind",
    "recurrence",
    "every_hours",
    "start_time",
    "end_time",
    "window_minutes",
    "grace_minutes",
    "responsible_user_id",
    "responsible_role",
)


def _version_existing_schedules():
    """Each schedule as it stands becomes its first version, in force since it was created."""
    connection = op.get_bind()
    schedules = sa.table("schedules", sa.column("id"), sa.column("created_at"), sa.column("weekdays"), *map(sa.column, COPIED))
    picked = sa.table("schedule_locations", sa.column("schedule_id"), sa.column("location_id"))
    versions = sa.table(
        "schedule_versions",
        *map(sa.column, COPIED),
        sa.column("schedule_id"),
        sa.column("effective_from"),
        sa.column("created_at"),
        sa.column("makeup_hours"),
        sa.column("location_ids", sa.JSON()),
        sa.column("weekdays", sa.JSON()),
    )
    chosen: dict[int, list[int]] = {}
    query = sa.select(picked.c.schedule_id, picked.c.location_id).order_by(picked.c.schedule_id, picked.c.location_id)
    for schedule_id, location_id in connection.execute(query):
        chosen.setdefault(schedule_id, []).append(location_id)
    rows = []
    for row in connection.execute(sa.select(schedules)).mappings():
        weekdays = row["weekdays"]
        rows.append(
            {name: row[name] for name in COPIED}
            | {
                "schedule_id": row["id"],
                "effective_from": row["created_at"],
                "created_at": row["created_at"],
                "makeup_hours": 0,
                "location_ids": [] if row["location_kind"] else chosen.get(row["id"], []),
                "weekdays": json.loads(weekdays) if isinstance(weekdays, str) else (weekdays or []),
            }
        )
    if rows:
        op.bulk_insert(versions, rows)


def downgrade():
    """Lossy downgrade: schedule versions, expected visits (what was done, missed, excused or explained),
    make-up hours, when each location came into use, and the notifications about missed rounds are dropped."""
    op.execute("DELETE FROM notifications WHERE expected_visit_id IS NOT NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_expected_visit_id")
        batch_op.drop_constraint("fk_notifications_expected_visit_id", type_="foreignkey")
        batch_op.drop_column("expected_visit_id")
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("expected_visits", schema=None) as batch_op:
        for name in (
            "ix_expected_visits_unalerted",
            "ix_expected_visits_pending",
            "ix_expected_visits_responsible_day",
            "ix_expected_visits_schedule_due",
            "ix_expected_visits_location_due",
            "ix_expected_visits_site_due",
            "ix_expected_visits_site_day",
        ):
            batch_op.drop_index(name)
    op.drop_table("expected_visits")
    op.drop_table("schedule_versions")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("active_since")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("makeup_hours")
