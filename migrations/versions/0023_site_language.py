"""A site's own language for its printed sheets, robot messages and reports

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 13:30:00

- sites.language: zh_Hans, zh_Hant or en; NULL (every existing site) speaks the install's default.
- ix_inspections_location_scanned: a site's report reads the rounds done at its locations in a period;
  ix_tasks_site_created: and the tasks raised at the site in a period.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    op.create_index("ix_inspections_location_scanned", "inspections", ["location_id", "scanned_at"], unique=False)
    op.create_index("ix_tasks_site_created", "tasks", ["site_id", "created_at"], unique=False)


def downgrade():
    """Lossy downgrade: each site's own language is forgotten; every site speaks the install's default again."""
    op.drop_index("ix_tasks_site_created", table_name="tasks")
    op.drop_index("ix_inspections_location_scanned", table_name="inspections")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("language")
