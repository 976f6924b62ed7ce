"""mobility aggregates: matching degree per circle and community, proposed circles, flows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mobility_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_run")),
        sa.UniqueConstraint("run_key", name=op.f("uq_mobility_run_run_key")),
    )
    op.create_table(
        "mobility_community",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("community", sa.String(length=100), nullable=False),
        sa.Column("circle_code", sa.String(length=50), nullable=True),
        sa.Column("proposed_code", sa.String(length=50), nullable=True),
        sa.Column("trips", sa.Float(), nullable=True),
        sa.Column("own_circle_share", sa.Float(), nullable=True),
        sa.Column("within_limit_share", sa.Float(), nullable=True),
        sa.Column("to_nearest_share", sa.Float(), nullable=True),
        sa.Column("bypass_share", sa.Float(), nullable=True),
        sa.Column("mean_walk_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mobility_run.id"],
            name=op.f("fk_mobility_community_run_id_mobility_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_community")),
        sa.UniqueConstraint("run_id", "community", name=op.f("uq_mobility_community_run_id")),
    )
    op.create_table(
        "mobility_flow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("count", sa.Float(), nullable=False),
        sa.Column("walk_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mobility_run.id"],
            name=op.f("fk_mobility_flow_run_id_mobility_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_flow")),
    )
    with op.batch_alter_table("mobility_flow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mobility_flow_run_id"), ["run_id"], unique=False)

    op.create_table(
        "mobility_proposed_circle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("communities", sa.JSON(), nullable=False),
        sa.Column("population", sa.Float(), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("self_containment", sa.Float(), nullable=True),
        sa.Column("capture", sa.Float(), nullable=True),
        sa.Column("contiguous", sa.Boolean(), nullable=False),
        sa.Column("geom_wkb", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mobility_run.id"],
            name=op.f("fk_mobility_proposed_circle_run_id_mobility_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_proposed_circle")),
        sa.UniqueConstraint("run_id", "code", name=op.f("uq_mobility_proposed_circle_run_id")),
    )
    op.create_table(
        "mobility_circle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("resident_trips", sa.Float(), nullable=True),
        sa.Column("own_circle_share", sa.Float(), nullable=True),
        sa.Column("visits", sa.Float(), nullable=True),
        sa.Column("visits_by_own_residents_share", sa.Float(), nullable=True),
        sa.Column("match_index", sa.Float(), nullable=True),
        sa.Column("within_limit_share", sa.Float(), nullable=True),
        sa.Column("mean_walk_m", sa.Float(), nullable=True),
        sa.Column("geom_wkb", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
            name=op.f("fk_mobility_circle_circle_id_circle"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mobility_run.id"],
            name=op.f("fk_mobility_circle_run_id_mobility_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_circle")),
        sa.UniqueConstraint("run_id", "code", name=op.f("uq_mobility_circle_run_id")),
    )


def downgrade() -> None:
    op.drop_table("mobility_circle")
    op.drop_table("mobility_proposed_circle")
    with op.batch_alter_table("mobility_flow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mobility_flow_run_id"))

    op.drop_table("mobility_flow")
    op.drop_table("mobility_community")
    op.drop_table("mobility_run")
