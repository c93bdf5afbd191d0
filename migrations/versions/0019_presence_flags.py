"""Proof-of-presence flags, a checklist's shortest believable visit, and the indexes the flags need

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-22 09:00:00

- presence_flags: one doubt about an inspection per kind (unique), cleared by a supervisor with a comment.
- checklists.min_seconds: a submit quicker than this after the scan is flagged; NULL: no minimum.
- answer_photos(photo_id): the inspections that show a picture (the same photo twice is flagged).
- inspections(inspector_id, scanned_at): one person's scans within a minute (a sticker sheet).
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UNCLEARED = sa.text("cleared_at IS NULL")


def upgrade():
    op.create_table(
        "presence_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", patrol.database.UTCDateTime(), nullable=False),
        sa.Column("cleared_by_id", sa.Integer(), nullable=True),
        sa.Column("cleared_at", patrol.database.UTCDateTime(), nullable=True),
        sa.Column("clear_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["cleared_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id", "kind", name="uq_presence_flags_inspection_kind"),
    )
    with op.batch_alter_table("presence_flags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_presence_flags_uncleared", ["raised_at"], unique=False, postgresql_where=UNCLEARED, sqlite_where=UNCLEARED
        )
    with op.batch_alter_table("checklists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("answer_photos", schema=None) as batch_op:
        batch_op.create_index("ix_answer_photos_photo_id", ["photo_id"], unique=False)
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index("ix_inspections_inspector_scanned", ["inspector_id", "scanned_at"], unique=False)


def downgrade():
    """Lossy downgrade: the flags, their clearing comments and every checklist's minimum visit time are dropped."""
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_inspector_scanned")
    with op.batch_alter_table("answer_photos", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_photos_photo_id")
    with op.batch_alter_table("checklists", schema=None) as batch_op:
        batch_op.drop_column("min_seconds")
    with op.batch_alter_table("presence_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_flags_uncleared")
    op.drop_table("presence_flags")
