"""The demo database built from a database migrated beforehand equals one migrated in place."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from lifecircle.workflow.demo import build_demo_database, migrate_demo_database

#: columns that hold the wall-clock time of the build
_CLOCK = {"at", "imported_at", "created_at", "updated_at", "uploaded_at", "published_at"}


def _content(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        out = {}
        names = "select name from sqlite_master where type = 'table' order by name"
        for (table,) in con.execute(names).fetchall():
            cols = [r[1] for r in con.execute(f"pragma table_info({table})")]
            keep = [i for i, c in enumerate(cols) if c not in _CLOCK]
            rows = con.execute(f"select * from {table} order by rowid").fetchall()
            out[table] = [tuple(_unclocked(r[i]) for i in keep) for r in rows]
        out["schema"] = [
            (kind, name, _lines(sql))
            for kind, name, sql in con.execute(
                "select type, name, sql from sqlite_master order by name"
            )
        ]
        return out
    finally:
        con.close()


def _lines(sql: str | None) -> list[str]:
    """A CREATE statement's lines in order of text: Alembic's batch mode (migration 0008)
    writes a rebuilt table's foreign keys in an order that varies from run to run."""
    return sorted(line.strip().rstrip(",").strip() for line in (sql or "").splitlines())


def _unclocked(value: object) -> object:
    """An audit entry's JSON without the build's clock times."""
    if isinstance(value, str) and value.startswith("{"):
        data = json.loads(value)
        return json.dumps({k: v for k, v in data.items() if k not in _CLOCK}, sort_keys=True)
    return value


def test_a_database_migrated_beforehand_gives_the_same_database(tmp_path, demo_checkup) -> None:
    early = migrate_demo_database(tmp_path / "a" / "demo.db")
    assert early.parent == tmp_path / "a" and early.name.startswith(".demo.")
    assert not any(p.name.endswith(("-wal", "-shm")) for p in early.parent.iterdir())
    a = build_demo_database(tmp_path / "a" / "demo.db", demo_checkup, migrated=early)
    b = build_demo_database(tmp_path / "b" / "demo.db", demo_checkup)
    assert not early.exists()
    assert sorted(p.name for p in a.parent.iterdir()) == ["demo.db"]
    ca, cb = _content(a), _content(b)
    assert ca.keys() == cb.keys()
    for table in ca:
        if table == "programme_version":  # a random stamp per build (the web's cache key)
            assert [r[::2] for r in ca[table]] == [r[::2] for r in cb[table]]
            continue
        assert ca[table] == cb[table], table
    assert len(ca["project"]) > 0 and len(ca["alembic_version"]) == 1
