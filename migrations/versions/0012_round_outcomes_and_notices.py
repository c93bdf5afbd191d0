"""A round's page reads its findings' outcomes from the task timeline; notices keep their addressee and requirement

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14 08:00:00

task_events.inspection_id gets an index: the result page of a round looks up the events it wrote.
task_notices holds what a supervisor chose for a task's rectification notice (致：… and 整改要求).
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task_events") as batch:
        batch.create_index("ix_task_events_inspection_id", ["inspection_id", "id"])
    op.create_table(
        "task_notices",
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("addressee", sa.String(length=12), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("issued_at", patrol.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("task_id"),
    )


def downgrade():
    """Lossy downgrade: what supervisors chose for rectification notices (task_notices: addressee
    and requirement) is dropped."""
    op.drop_table("task_notices")
    with op.batch_alter_table("task_events") as batch:
        batch.drop_index("ix_task_events_inspection_id")
