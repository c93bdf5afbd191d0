"""outbox: answers carry the phone's sequence number; delivered operations are remembered

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

A phone keeps what it could not send in an outbox and sends it later, perhaps twice (a lost
acknowledgement, two tabs). `answers.seq` is the phone's sequence number of the change an answer
holds, so a late, older change never overwrites a newer one. `client_ops` remembers each photo
operation the server has taken in, with the acknowledgement it gave, so a repeat links nothing twice
and gets the same answer.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    op.create_table(
        "client_ops",
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("ack", sa.JSON(), nullable=False),
        sa.Column("created_at", patrol.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("op_id"),
    )
    with op.batch_alter_table("client_ops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_ops_inspection_id"), ["inspection_id"], unique=False)


def downgrade():
    """Lossy downgrade: the delivered outbox operations (client_ops) and the answers' sequence
    numbers are dropped."""
    with op.batch_alter_table("client_ops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_ops_inspection_id"))
    op.drop_table("client_ops")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("seq")
