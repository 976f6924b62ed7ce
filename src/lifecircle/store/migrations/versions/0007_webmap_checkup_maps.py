"""the checkup's map layers per run: compounds with walking distances, facilities, service areas

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["run_id"],
        ["checkup_run.id"],
        name=op.f(f"fk_{table}_run_id_checkup_run"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "checkup_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("district_path", sa.Text(), nullable=True),
        sa.Column("catalogue_path", sa.Text(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("max_snap_m", sa.Float(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        _run_fk("checkup_map"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkup_map")),
        sa.UniqueConstraint("run_id", name=op.f("uq_checkup_map_run_id")),
    )
    op.create_table(
        "map_compound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("circle_code", sa.String(length=20), nullable=True),
        sa.Column("population", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("nearest_m", sa.JSON(), nullable=False),
        _run_fk("map_compound"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_compound")),
    )
    op.create_index("ix_map_compound_run_circle", "map_compound", ["run_id", "circle_code"])
    op.create_table(
        "map_facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("circle_code", sa.String(length=20), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        _run_fk("map_facility"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_facility")),
    )
    op.create_index("ix_map_facility_run_category", "map_facility", ["run_id", "category"])
    op.create_table(
        "map_service_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("geom_wkb", sa.LargeBinary(), nullable=False),
        _run_fk("map_service_area"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_service_area")),
    )


def downgrade() -> None:
    op.drop_table("map_service_area")
    op.drop_index("ix_map_facility_run_category", table_name="map_facility")
    op.drop_table("map_facility")
    op.drop_index("ix_map_compound_run_circle", table_name="map_compound")
    op.drop_table("map_compound")
    op.drop_table("checkup_map")
