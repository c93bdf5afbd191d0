"""client_ops: an outbox operation's id is scoped to the person who made it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:00:00

Operation ids were unique across everyone: an id first claimed by someone else (learnt from a shared
phone, or made up) gave its owner a permanent conflict. The key becomes (user_id, op_id).

Lossy downgrade: where two people used the same id, only the earliest row of that id is kept.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _client_ops(primary_key: list[str]) -> sa.Table:
    """The table as it is to be, for SQLite's copy: only the key differs between the two revisions."""
    return sa.Table(
        "client_ops",
        sa.MetaData(),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("ack", sa.JSON(), nullable=False),
        sa.Column("created_at", patrol.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(*primary_key),
        sa.Index("ix_client_ops_inspection_id", "inspection_id"),
    )


def _set_primary_key(columns: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a key: the table is copied into one with the new key.
        with op.batch_alter_table("client_ops", copy_from=_client_ops(columns), recreate="always"):
            pass
        return
    op.drop_constraint("client_ops_pkey", "client_ops", type_="primary")
    op.create_primary_key("client_ops_pkey", "client_ops", columns)


def upgrade():
    _set_primary_key(["user_id", "op_id"])


def downgrade():
    """Lossy downgrade: where two people used the same operation id, all but the earliest of its
    operations are deleted, so that op_id alone can be the key again."""
    op.execute(
        sa.text(
            "DELETE FROM client_ops WHERE EXISTS (SELECT 1 FROM client_ops AS earlier"
            " WHERE earlier.op_id = client_ops.op_id AND earlier.created_at < client_ops.created_at)"
        )
    )
    _set_primary_key(["op_id"])
