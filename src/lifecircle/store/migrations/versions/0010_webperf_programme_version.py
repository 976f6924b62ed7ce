"""The programme version: one row whose stamp every committed write changes (cache key).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "programme_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("writes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_version")),
    )
    # a random stamp: two databases never share one (caches are keyed by it)
    op.bulk_insert(table, [{"id": 1, "stamp": uuid.uuid4().hex, "writes": 0}])


def downgrade() -> None:
    op.drop_table("programme_version")
