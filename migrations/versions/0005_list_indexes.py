"""list indexes: tasks by inspection, closed tasks in closing order, open tasks by due time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 17:00:00

What the list pages' query plans asked for on a history of 1,000,000 inspections (bench/README.md,
"Lists at scale"): submitting findings and an inspection's page find its tasks without reading
them all, and the task lists read their pages straight from an index: closed tasks latest closed
first; open ones soonest due first, everywhere, on one site, or at one location (the scan page).
patrol/models/task.py says why each looks as it does.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CLOSED = sa.text("status = 'closed'")
OPEN = sa.text("status IN ('open', 'assigned', 'fixed')")


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index('ix_tasks_closed', ['status', 'closed_at', 'id'], unique=False,
                              postgresql_where=CLOSED, sqlite_where=CLOSED)
        batch_op.create_index('ix_tasks_open_due', ['due_at', 'id'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_tasks_open_by_site', ['site_id', 'due_at', 'id', 'status'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_tasks_open_at_location', ['location_id', 'site_id', 'due_at', 'id'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_at_location', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.drop_index('ix_tasks_open_by_site', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.drop_index('ix_tasks_open_due', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.drop_index('ix_tasks_closed', postgresql_where=CLOSED, sqlite_where=CLOSED)
        batch_op.drop_index(batch_op.f('ix_tasks_inspection_id'))
