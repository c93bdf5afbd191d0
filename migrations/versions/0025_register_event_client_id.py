"""A register change sent twice (a double tap, a retried form) is one change: its form's client id

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("register_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint("uq_register_events_client_id", ["client_id"])


def downgrade():
    """Lossy downgrade: the changes' form ids are dropped (a form sent again after it may apply twice); the events stay."""
    with op.batch_alter_table("register_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_register_events_client_id", type_="unique")
        batch_op.drop_column("client_id")
