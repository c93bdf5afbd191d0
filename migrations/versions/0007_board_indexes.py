"""board indexes: tasks by when they were raised

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:10:00

The task board sorts by when a task was raised (newest or oldest first). Open tasks are few and
sort cheaply, but closed ones and "all" are the whole history: without an index in that order,
every page of them read and sorted every task: on a generated history of 300,000 inspections
(bench/history.py: 32,507 tasks) on PostgreSQL, 0.5–1.6 s a page. With it a page reads its 31 rows
from the index, in either direction: 20–80 ms.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_created", ["created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_created")
