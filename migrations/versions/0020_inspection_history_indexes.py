"""inspection history indexes: submitted inspections newest first, everywhere, at a location, by a person

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-21 09:00:00

The history list (patrol/inspections/listing.py) reads submitted inspections newest first by the
time they were completed on the phone, then by id (a keyset page continues after its last row):
over the reader's sites, at one location (its page and the list filtered by it), or by one person
(their page and the list filtered by them). Each order is read straight from an index, without
sorting a location's or a person's whole history. The single-column indexes on submitted_at and
location_id are the first columns of the new ones, and go.
"""
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_inspections_submitted', 'inspections', ['submitted_at', 'id'], unique=False)
    op.create_index('ix_inspections_location_submitted', 'inspections', ['location_id', 'submitted_at', 'id'], unique=False)
    op.create_index('ix_inspections_inspector_submitted', 'inspections', ['inspector_id', 'submitted_at', 'id'], unique=False)
    op.drop_index('ix_inspections_submitted_at', table_name='inspections')
    op.drop_index('ix_inspections_location_id', table_name='inspections')


def downgrade():
    op.create_index('ix_inspections_location_id', 'inspections', ['location_id'], unique=False)
    op.create_index('ix_inspections_submitted_at', 'inspections', ['submitted_at'], unique=False)
    op.drop_index('ix_inspections_inspector_submitted', table_name='inspections')
    op.drop_index('ix_inspections_location_submitted', table_name='inspections')
    op.drop_index('ix_inspections_submitted', table_name='inspections')
