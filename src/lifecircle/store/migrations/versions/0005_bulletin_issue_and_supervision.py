"""bulletin issue numbers (期号 per year, 成文日期) and 督办整改 records

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulletin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_bulletin_year"), ["year", "number"])
    op.create_table(
        "supervision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bulletin_id"], ["bulletin.id"], name=op.f("fk_supervision_bulletin_id_bulletin")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision")),
        sa.UniqueConstraint("bulletin_id", "target", name=op.f("uq_supervision_bulletin_id")),
    )
    op.create_table(
        "supervision_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervision_id", sa.Integer(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervision_id"],
            ["supervision.id"],
            name=op.f("fk_supervision_note_supervision_id_supervision"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_note")),
    )


def downgrade() -> None:
    op.drop_table("supervision_note")
    op.drop_table("supervision")
    with op.batch_alter_table("bulletin", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_bulletin_year"), type_="unique")
        batch_op.drop_column("issued_on")
        batch_op.drop_column("number")
        batch_op.drop_column("year")
