"""subsidy payments: paid, withheld or reclaimed after a failed re-check

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subsidy_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_yuan", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("recheck_id", sa.Integer(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reclaimed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_subsidy_payment_evaluation_id_evaluation"),
        ),
        sa.ForeignKeyConstraint(
            ["recheck_id"],
            ["evaluation.id"],
            name=op.f("fk_subsidy_payment_recheck_id_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_payment")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_subsidy_payment_evaluation_id")),
    )


def downgrade() -> None:
    op.drop_table("subsidy_payment")
