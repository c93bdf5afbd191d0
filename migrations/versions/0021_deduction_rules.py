"""Staff scores: each site's deduction rules, and the indexes a month's lapses are counted from

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:00:00

- deduction_rules: points taken off per lapse, one row per site (none: 1 point for each kind).
- tasks (site_id, respond_by): a site's first responses due in a month.
- tasks (site_id, closed_at) WHERE closed: a site's tasks closed in a month.
- task_events (kind, created_at): a month's failed re-checks.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

CLOSED = sa.text("status = 'closed'")


def upgrade():
    op.create_table(
        "deduction_rules",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("missed_visit", sa.Integer(), nullable=False),
        sa.Column("late_visit", sa.Integer(), nullable=False),
        sa.Column("late_response", sa.Integer(), nullable=False),
        sa.Column("closed_late", sa.Integer(), nullable=False),
        sa.Column("recheck_failed", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", patrol.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("site_id"),
    )
    op.create_index("ix_tasks_site_respond_by", "tasks", ["site_id", "respond_by"], unique=False)
    op.create_index(
        "ix_tasks_closed_by_site",
        "tasks",
        ["site_id", "closed_at"],
        unique=False,
        postgresql_where=CLOSED,
        sqlite_where=CLOSED,
    )
    op.create_index("ix_task_events_kind_created", "task_events", ["kind", "created_at"], unique=False)


def downgrade():
    """Lossy downgrade: every site's deduction rules are dropped (scores go back to 1 point a lapse)."""
    op.drop_index("ix_task_events_kind_created", table_name="task_events")
    op.drop_index("ix_tasks_closed_by_site", table_name="tasks", postgresql_where=CLOSED, sqlite_where=CLOSED)
    op.drop_index("ix_tasks_site_respond_by", table_name="tasks")
    op.drop_table("deduction_rules")
