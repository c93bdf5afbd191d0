"""device times: when the server received an inspection, and how far the phone's clock was off

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14 09:00:00

`scanned_at` and `submitted_at` become the phone's times (checked against the server's clock, see
patrol/inspections/visit_times.py). `received_at` keeps when the server got the submit,
`clock_offset_seconds` how far the phone's clock was behind, `clock_flag` whether its times were
believed (NULL), corrected, implausible, or missing (server).

Every inspection stored before carries the server's times: they are marked so.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", patrol.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("clock_offset_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clock_flag", sa.String(length=12), nullable=True))
    op.execute(sa.text("UPDATE inspections SET received_at = submitted_at, clock_flag = 'server'"))


def downgrade():
    """Lossy downgrade: when the server received each inspection and how far the phone's clock was
    off are dropped."""
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_column("clock_flag")
        batch_op.drop_column("clock_offset_seconds")
        batch_op.drop_column("received_at")
