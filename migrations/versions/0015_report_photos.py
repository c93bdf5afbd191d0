"""report_photos: a report's photos arrive before the report

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-14 09:00:00

The phone's outbox sends a report's (随手拍) photos one by one, each under its own operation id,
before the report that lists them. They wait in `report_photos`, scoped to the person and keyed by
that id, until the report claims them; `sweep-photos` removes those of a report that never came.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_photos",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("report_client_id", sa.String(length=36), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", patrol.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "op_id"),
    )
    with op.batch_alter_table("report_photos", schema=None) as batch_op:
        batch_op.create_index("ix_report_photos_report", ["user_id", "report_client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_photos_photo_id"), ["photo_id"], unique=False)


def downgrade():
    """Lossy downgrade: photos sent ahead of a report that has not come yet are forgotten
    (report_photos is dropped); their photo rows stay, linked to nothing."""
    with op.batch_alter_table("report_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_photos_photo_id"))
        batch_op.drop_index("ix_report_photos_report")
    op.drop_table("report_photos")
