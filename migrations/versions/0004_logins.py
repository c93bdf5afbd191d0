"""logins: one row per signed-in device, replacing users.session_version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:00:00
"""
from alembic import op
import sqlalchemy as sa
import patrol.database


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('logins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', patrol.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', patrol.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_logins_user_id'), ['user_id'], unique=False)
    # Cookies issued before this named a user and a session version: they all stop working,
    # so everyone signs in once more.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')


def downgrade():
    """Lossy downgrade: the signed-in devices (logins) are dropped, so everyone is signed out;
    users.session_version comes back at 0."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_logins_user_id'))
    op.drop_table('logins')
