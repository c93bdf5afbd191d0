"""setup: sites hours and archive, location details, schedules, audit log, password reset

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 12:54:57.594476
"""
from alembic import op
import sqlalchemy as sa
import patrol.database


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get the same defaults the models give new ones.
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', patrol.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)

    op.create_table('schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('location_kind', sa.String(length=20), nullable=True),
    sa.Column('recurrence', sa.String(length=10), nullable=False),
    sa.Column('every_hours', sa.Integer(), nullable=True),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('window_minutes', sa.Integer(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('responsible_user_id', sa.Integer(), nullable=True),
    sa.Column('responsible_role', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', patrol.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], ),
    sa.ForeignKeyConstraint(['responsible_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedules_site_id'), ['site_id'], unique=False)

    op.create_table('schedule_locations',
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], ),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('schedule_id', 'location_id')
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('permit_number', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contractor', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('works_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('works_planned_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('handover_date', sa.Date(), nullable=True))

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', sa.Time(), nullable=False, server_default='08:30:00'))
        batch_op.add_column(sa.Column('closes_at', sa.Time(), nullable=False, server_default='18:00:00'))
        batch_op.add_column(sa.Column('archived_at', patrol.database.UTCDateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    """Lossy downgrade: sites' opening hours and archive dates, locations' permit, contractor and
    works dates, who must change their password, the schedules and the audit log are dropped."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('handover_date')
        batch_op.drop_column('works_planned_end')
        batch_op.drop_column('works_start')
        batch_op.drop_column('contractor')
        batch_op.drop_column('permit_number')

    op.drop_table('schedule_locations')
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedules_site_id'))

    op.drop_table('schedules')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
