"""notifications: the action each tells of, and when and by which action it was settled

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 09:00:00

A notification that asks for an action ("a fix awaits your re-check") is settled once anyone takes
that action: it shows as done (by whom) and leaves the unread count. A notification raised by an
action (a failed re-check, a cancellation) names it, so the list can show its note (the reason).
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("settled_at", patrol.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("settled_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_notifications_event_id", "task_events", ["event_id"], ["id"])
        batch_op.create_foreign_key("fk_notifications_settled_event_id", "task_events", ["settled_event_id"], ["id"])


def downgrade():
    """Lossy downgrade: the event each notification tells of, and when and by which event it was
    settled, are dropped."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notifications_settled_event_id", type_="foreignkey")
        batch_op.drop_constraint("fk_notifications_event_id", type_="foreignkey")
        batch_op.drop_column("settled_event_id")
        batch_op.drop_column("settled_at")
        batch_op.drop_column("event_id")
