"""Handover requests: a model room's handover waiting for night security to confirm on their phone

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 18:00:00

The Handover row is written only when the guard confirms; until then the steward's request waits here.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

WAITING = sa.text("status = 'waiting'")


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, patrol.database.UTCDateTime(), nullable=nullable)


def upgrade():
    op.create_table(
        "handover_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False, unique=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("steward_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("guard_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        _at("asked_at"),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("handovers.id"), nullable=True),
        _at("settled_at", nullable=True),
        _at("created_at"),
    )
    op.create_index(
        "uq_handover_requests_waiting",
        "handover_requests",
        ["location_id"],
        unique=True,
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )
    op.create_index("ix_handover_requests_guard", "handover_requests", ["guard_id", "status"])


def downgrade():
    """Lossy downgrade: handovers still waiting for a guard are forgotten (confirmed ones are Handover rows)."""
    op.drop_index("ix_handover_requests_guard", table_name="handover_requests")
    op.drop_index("uq_handover_requests_waiting", table_name="handover_requests")
    op.drop_table("handover_requests")
