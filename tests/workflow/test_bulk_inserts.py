"""Bulk inserts (``store.audit.insert_audited``) write what ORM objects and a flush write.

The map layers of a checkup are stored in one statement per layer for speed; these tests
hold that shortcut to the rows and audit entries the ORM path writes, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lifecircle.store.audit import insert_audited
from lifecircle.store.map_models import MapCompound, MapFacility, MapServiceArea
from lifecircle.store.models import AuditLog, CheckupRun


def _snapshot(session, model) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The model's rows and their audit entries, ids counted from the first new one."""
    rows = [
        {c.key: getattr(r, c.key) for c in model.__table__.columns}
        for r in session.scalars(select(model).order_by(model.id))
    ]
    audit = list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.table_name == model.__tablename__, AuditLog.action == "insert")
            .order_by(AuditLog.id)
        )
    )
    first = rows[0]["id"]
    for r in rows:
        r["id"] -= first
    entries = []
    for a in audit:
        after = dict(a.after)
        after["id"] -= first
        entries.append(
            {
                "actor": a.actor,
                "row_key": str(int(a.row_key) - first),  # each new row's own id
                "before": a.before,
                "after": after,
            }
        )
    return rows, entries


def _rows(model, run_id: int) -> list[dict[str, Any]]:
    if model is MapCompound:
        return [
            {
                "run_id": run_id,
                "code": f"X{k}",
                "name": f"小区{k}",
                "circle_code": "C01",
                "population": 120.5 * k,
                "lon": 112.9 + k / 1e4,
                "lat": 28.1,
                "nearest_m": {"park": None, "canteen": 412.3 + k},
            }
            for k in range(40)
        ]
    if model is MapFacility:  # name and circle left out: their default (None) is stored
        return [
            {"run_id": run_id, "code": f"F{k}", "category": "park", "lon": 113.0, "lat": 28.0}
            for k in range(25)
        ]
    return [
        {"run_id": run_id, "category": "park", "radius_m": 500.0, "geom_wkb": bytes([1, 2, k])}
        for k in range(3)
    ]


@pytest.mark.parametrize("model", [MapCompound, MapFacility, MapServiceArea])
def test_insert_audited_writes_what_the_orm_writes(programme, model) -> None:
    s = programme
    run_id = s.scalar(select(CheckupRun.id))
    s.add_all(model(**r) for r in _rows(model, run_id))
    s.flush()
    by_orm = _snapshot(s, model)
    s.rollback()

    ids = insert_audited(s, model, _rows(model, run_id))
    s.flush()
    bulk = _snapshot(s, model)
    assert bulk == by_orm
    assert len(bulk[0]) == len(ids) and ids == sorted(ids)
    assert all(e["actor"] == "tester" for e in bulk[1])


def test_insert_audited_needs_values_without_a_scalar_default(programme) -> None:
    from lifecircle.store.map_models import CheckupMap

    run_id = programme.scalar(select(CheckupRun.id))
    with pytest.raises(ValueError, match=r"checkup_map\.categories"):
        insert_audited(programme, CheckupMap, [{"run_id": run_id}])


def test_a_bulk_insert_alone_moves_the_programme_version(programme) -> None:
    # the web caches views per programme version: a Core insert must move it as a flush does
    from lifecircle.store.version import programme_version

    s = programme
    before = programme_version(s)
    run_id = s.scalar(select(CheckupRun.id))
    s.commit()
    insert_audited(s, MapFacility, _rows(MapFacility, run_id))
    s.commit()
    after = programme_version(s)
    assert before is not None and after is not None and after != before
