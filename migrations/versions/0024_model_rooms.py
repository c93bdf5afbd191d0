"""Model rooms: an asset register per room, counts against it, loss cases and handovers

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 16:00:00

- assets, register_versions, register_lines, register_events: a room's versioned register and its history;
- count_lines: what a count found of each line (inspections.register_version_id pins a count to its version);
- loss_cases, loss_sightings: one case per missing or damaged item, with the counts that saw it short;
- handovers: a room passed to night security at closing and back at opening;
- locations.blind_count: a room counted without seeing the expected quantities;
- users.pin_hash: night security confirms a handover on the steward's phone with a PIN.
"""

import sqlalchemy as sa
from alembic import op

import patrol.database

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OPEN_CASE = sa.text("status = 'open'")


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, patrol.database.UTCDateTime(), nullable=nullable)


def upgrade():
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("locations.id"), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_assets_location_id", "assets", ["location_id"])
    op.create_table(
        "register_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _at("created_at"),
        sa.UniqueConstraint("location_id", "number"),
    )
    op.create_table(
        "register_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("register_versions.id"), nullable=False),
        sa.Column("asset_id", sa.Integer(), sa.ForeignKey("assets.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("unit", sa.String(12), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("unit_value", sa.Numeric(12, 2), nullable=True),
        sa.Column("photo_id", sa.Integer(), sa.ForeignKey("photos.id"), nullable=True),
        sa.UniqueConstraint("version_id", "asset_id"),
    )
    op.create_index("ix_register_lines_version_id", "register_lines", ["version_id"])
    # Plain ADD COLUMNs: a batch would copy these tables on SQLite, and dropping the old copy fails while
    # other tables' rows point at it.
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a column's reference only inline
        op.execute(
            "ALTER TABLE inspections ADD COLUMN register_version_id INTEGER REFERENCES register_versions (id)"
        )
    else:
        op.add_column("inspections", sa.Column("register_version_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_inspections_register_version_id", "inspections", "register_versions", ["register_version_id"], ["id"]
        )
    op.add_column("users", sa.Column("pin_hash", sa.String(255), nullable=True))
    op.add_column("locations", sa.Column("blind_count", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "count_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=False),
        sa.Column("asset_id", sa.Integer(), sa.ForeignKey("assets.id"), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("damaged", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        _at("counted_at"),
        sa.UniqueConstraint("inspection_id", "asset_id"),
    )
    op.create_index("ix_count_lines_asset", "count_lines", ["asset_id", "inspection_id"])
    _create_cases()
    _create_register_events()
    _create_handovers()


def _create_cases():
    op.create_table(
        "loss_cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("asset_id", sa.Integer(), sa.ForeignKey("assets.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("last_complete_inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=True),
        sa.Column("first_short_inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=False),
        sa.Column("found_inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tasks.id"), nullable=True, unique=True),
        _at("opened_at"),
        _at("closed_at", nullable=True),
        sa.Column("closed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=False),
        sa.Column("cause", sa.String(10), nullable=True),
        sa.Column("management_at_fault", sa.Boolean(), nullable=True),
        sa.Column("responsible_party", sa.String(120), nullable=False),
        sa.Column("compensation", sa.Numeric(12, 2), nullable=True),
        sa.Column("record_note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _at("recorded_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "uq_loss_cases_open",
        "loss_cases",
        ["asset_id", "kind"],
        unique=True,
        postgresql_where=OPEN_CASE,
        sqlite_where=OPEN_CASE,
    )
    op.create_index("ix_loss_cases_location", "loss_cases", ["location_id", "status", "id"])
    op.create_index("ix_loss_cases_site", "loss_cases", ["site_id", "status", "id"])
    op.create_table(
        "loss_sightings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("loss_cases.id"), nullable=False),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("damaged", sa.Integer(), nullable=False),
        _at("seen_at"),
        sa.UniqueConstraint("case_id", "inspection_id"),
    )


def _create_register_events():
    op.create_table(
        "register_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("register_versions.id"), nullable=False),
        sa.Column("asset_id", sa.Integer(), sa.ForeignKey("assets.id"), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("quantity_before", sa.Integer(), nullable=True),
        sa.Column("quantity_after", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("loss_cases.id"), nullable=True),
        _at("created_at"),
    )
    op.create_index("ix_register_events_location", "register_events", ["location_id", "id"])


def _create_handovers():
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False, unique=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("from_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("to_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        _at("handed_at"),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.String(8), nullable=False),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"), nullable=True),
        _at("created_at"),
    )
    op.create_index("ix_handovers_location_at", "handovers", ["location_id", "handed_at"])


def downgrade():
    """Lossy downgrade: every register, count line, loss case and handover is deleted, and guards' PINs."""
    op.drop_index("ix_handovers_location_at", table_name="handovers")
    op.drop_table("handovers")
    op.drop_index("ix_register_events_location", table_name="register_events")
    op.drop_table("register_events")
    op.drop_table("loss_sightings")
    op.drop_index("ix_loss_cases_site", table_name="loss_cases")
    op.drop_index("ix_loss_cases_location", table_name="loss_cases")
    op.drop_index("uq_loss_cases_open", table_name="loss_cases")
    op.drop_table("loss_cases")
    op.drop_index("ix_count_lines_asset", table_name="count_lines")
    op.drop_table("count_lines")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("blind_count")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pin_hash")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":  # there, the reference is unnamed and goes with its column
            batch_op.drop_constraint("fk_inspections_register_version_id", type_="foreignkey")
        batch_op.drop_column("register_version_id")
    op.drop_index("ix_register_lines_version_id", table_name="register_lines")
    op.drop_table("register_lines")
    op.drop_table("register_versions")
    op.drop_index("ix_assets_location_id", table_name="assets")
    op.drop_table("assets")
