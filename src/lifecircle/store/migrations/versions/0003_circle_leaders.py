"""circle leaders (圈长负责制): the leader table, filled from role assignments and circles

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30

Merging note: on a branch where ``0002_web_accounts`` exists, ``down_revision`` is "0002".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("post", sa.String(length=100), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
            name=op.f("fk_leader_circle_id_circle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_leader_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["street_id"], ["street.id"], name=op.f("fk_leader_street_id_street")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader")),
    )
    op.create_index(
        "uq_leader_current",
        "leader",
        ["role", "scope"],
        unique=True,
        sqlite_where=sa.text("until IS NULL"),
        postgresql_where=sa.text("until IS NULL"),
    )
    # leaders kept before this revision: the chief and deputy chiefs as role assignments
    # (the latest assignment of a scope wins), circle leaders on the circle
    conn = op.get_bind()
    roles = conn.execute(
        sa.text(
            "SELECT id, person_id, role, street_id FROM role_assignment "
            "WHERE role IN ('chief', 'deputy_chief') ORDER BY id"
        )
    ).all()
    current: dict[tuple[str, str], tuple[int, int | None]] = {}
    for _id, person_id, role, street_id in roles:
        scope = "district" if role == "chief" else f"street:{street_id}"
        current[(role, scope)] = (person_id, street_id if role == "deputy_chief" else None)
    leader = sa.table(
        "leader",
        sa.column("role", sa.String),
        sa.column("scope", sa.String),
        sa.column("person_id", sa.Integer),
        sa.column("street_id", sa.Integer),
        sa.column("circle_id", sa.Integer),
    )
    rows = [
        {"role": role, "scope": scope, "person_id": pid, "street_id": sid, "circle_id": None}
        for (role, scope), (pid, sid) in current.items()
    ]
    circles = conn.execute(
        sa.text("SELECT id, leader_id, street_id FROM circle WHERE leader_id IS NOT NULL")
    ).all()
    rows += [
        {
            "role": "circle_leader",
            "scope": f"circle:{cid}",
            "person_id": pid,
            "street_id": sid,
            "circle_id": cid,
        }
        for cid, pid, sid in circles
    ]
    if rows:
        op.bulk_insert(leader, rows)
    conn.execute(sa.text("DELETE FROM role_assignment WHERE role IN ('chief', 'deputy_chief')"))


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO role_assignment (person_id, role, street_id) "
            "SELECT DISTINCT person_id, role, street_id FROM leader "
            "WHERE role IN ('chief', 'deputy_chief') AND until IS NULL"
        )
    )
    op.drop_index("uq_leader_current", table_name="leader")
    op.drop_table("leader")
