"""session version: end sessions on password reset

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 13:47:03.748806
"""
from alembic import op
import sqlalchemy as sa
import patrol.database


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    """Lossy downgrade: users' session versions are dropped."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

