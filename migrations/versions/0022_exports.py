"""Exports: spreadsheets of a list's filter, built by the worker for the person who asked

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:20:00

- exports: who asked for which kind of export of which filter, in which format and language; its
  status (queued, running, ready, failed), the worker's lease (claimed_at) and the private file.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=160), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", patrol.database.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("finished_at", patrol.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "client_id"),
    )
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.create_index("ix_exports_user", ["user_id", "id"], unique=False)
        batch_op.create_index("ix_exports_status", ["status", "claimed_at", "id"], unique=False)


def downgrade():
    """Lossy downgrade: the exports table (the requests and where their files are) is dropped; the
    files stay in the export folder until removed by hand."""
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_index("ix_exports_status")
        batch_op.drop_index("ix_exports_user")
    op.drop_table("exports")
