"""The audit log is append-only: triggers refuse UPDATE and DELETE of its rows.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

from lifecircle.store.audit_guard import create_guard, drop_guard

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_guard(op.get_bind())


def downgrade() -> None:
    drop_guard(op.get_bind())
