"""task workflow, reports, notifications, robots

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:54:35

Tasks become a workflow (in progress and cancelled join the states; a version for two people
acting at once), a problem found again lands on its open task (problem_key, seen_count), a report
(随手拍) may have no inspection nor registered location, a finding has a first-response deadline
per site, timeline events carry from/to, photos and a client id. Notifications and the group
robots with their deliveries are new. The partial indexes of open tasks are rebuilt with the new
open state in their condition.
"""
from alembic import op
import sqlalchemy as sa
import patrol.database

OLD_OPEN = sa.text("status IN ('open', 'assigned', 'fixed')")
OPEN = sa.text("status IN ('open', 'assigned', 'in_progress', 'fixed')")
OPEN_INDEXES = {
    'ix_tasks_open_due': ['due_at', 'id'],
    'ix_tasks_open_by_site': ['site_id', 'due_at', 'id', 'status'],
    'ix_tasks_open_at_location': ['location_id', 'site_id', 'due_at', 'id'],
}


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('robots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('min_severity', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', patrol.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('robots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_robots_site_id'), ['site_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('robot_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('next_attempt_at', patrol.database.UTCDateTime(), nullable=False),
    sa.Column('created_at', patrol.database.UTCDateTime(), nullable=False),
    sa.Column('sent_at', patrol.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['robot_id'], ['robots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('robot_id', 'key')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_at', 'id'], unique=False)
        batch_op.create_index('ix_deliveries_robot_sent', ['robot_id', 'sent_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('created_at', patrol.database.UTCDateTime(), nullable=False),
    sa.Column('read_at', patrol.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('task_event_photos',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['task_events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'photo_id')
    )
    with op.batch_alter_table('task_event_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_event_photos_photo_id'), ['photo_id'], unique=False)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_response_minutes', sa.Integer(), nullable=False, server_default='60'))

    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_status', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('to_status', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('value', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('inspection_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint('uq_task_events_client_id', ['client_id'])
        batch_op.create_foreign_key('fk_task_events_inspection_id', 'inspections', ['inspection_id'], ['id'])
        batch_op.create_foreign_key('fk_task_events_assignee_id', 'users', ['assignee_id'], ['id'])
        batch_op.create_foreign_key('fk_task_events_answer_id', 'answers', ['answer_id'], ['id'])

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source', sa.String(length=10), nullable=False, server_default='finding'))
        batch_op.add_column(sa.Column('category', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('problem_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('respond_by', patrol.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', patrol.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('seen_count', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('last_seen_at', patrol.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.alter_column('location_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('inspection_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('answer_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('ix_tasks_open_by_assignee', ['assignee_id', 'due_at', 'id'], unique=False, postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_tasks_problem', ['location_id', 'problem_key', 'id'], unique=False)
        batch_op.create_foreign_key('fk_tasks_follows_id', 'tasks', ['follows_id'], ['id'])
        for name, columns in OPEN_INDEXES.items():
            batch_op.drop_index(name, postgresql_where=OLD_OPEN, sqlite_where=OLD_OPEN)
            batch_op.create_index(name, columns, unique=False, postgresql_where=OPEN, sqlite_where=OPEN)

    # Tasks raised before: seen once, when raised, and keyed by their checklist and item's wording.
    op.execute("UPDATE tasks SET last_seen_at = created_at")
    op.execute(
        "UPDATE tasks SET problem_key = (SELECT substr(v.checklist_id || ':' || i.prompt, 1, 255)"
        " FROM answers a JOIN checklist_items i ON i.id = a.item_id"
        " JOIN checklist_versions v ON v.id = i.version_id WHERE a.id = tasks.answer_id)"
    )



def downgrade():
    """Lossy downgrade: reports (tasks without a finding) and their events, notifications, robots
    and their deliveries, the photos of timeline events and the workflow's columns (versions, categories,
    places, deadlines, who an event assigned, client ids) are dropped; tasks in progress go back to
    assigned, cancelled ones to closed."""
    # Tasks a later version made are put back into the states this one knew.
    op.execute("UPDATE tasks SET status = 'assigned' WHERE status = 'in_progress'")
    op.execute("UPDATE tasks SET status = 'closed' WHERE status = 'cancelled'")
    op.execute("DELETE FROM task_event_photos")
    op.execute("DELETE FROM notifications")
    op.execute("DELETE FROM task_events WHERE task_id IN (SELECT id FROM tasks WHERE answer_id IS NULL)")
    op.execute("DELETE FROM tasks WHERE answer_id IS NULL")
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        for name, columns in OPEN_INDEXES.items():
            batch_op.drop_index(name, postgresql_where=OPEN, sqlite_where=OPEN)
            batch_op.create_index(name, columns, unique=False, postgresql_where=OLD_OPEN, sqlite_where=OLD_OPEN)
        batch_op.drop_constraint('fk_tasks_follows_id', type_='foreignkey')
        batch_op.drop_index('ix_tasks_problem')
        batch_op.drop_index('ix_tasks_open_by_assignee', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.alter_column('answer_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('inspection_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('location_id', existing_type=sa.INTEGER(), nullable=False)
        for column in ('version', 'follows_id', 'reopen_count', 'last_seen_at', 'seen_count', 'acknowledged_at',
                       'respond_by', 'problem_key', 'category', 'source', 'place'):
            batch_op.drop_column(column)

    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_task_events_answer_id', type_='foreignkey')
        batch_op.drop_constraint('fk_task_events_assignee_id', type_='foreignkey')
        batch_op.drop_constraint('fk_task_events_inspection_id', type_='foreignkey')
        batch_op.drop_constraint('uq_task_events_client_id', type_='unique')
        for column in ('client_id', 'answer_id', 'inspection_id', 'value', 'assignee_id', 'to_status', 'from_status'):
            batch_op.drop_column(column)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('first_response_minutes')

    op.drop_table('task_event_photos')
    op.drop_table('notifications')
    op.drop_table('deliveries')
    op.drop_table('robots')
