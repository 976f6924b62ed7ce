"""Portable backup and restore: a JSON dump of every table in dependency order.

The same file restores into SQLite or PostgreSQL; ``verify`` compares the row sets.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, LargeBinary, delete, insert, select, text
from sqlalchemy.sql.sqltypes import JSON, Date, DateTime

from lifecircle.errors import FileFormatError
from lifecircle.store import version
from lifecircle.store.audit_guard import create_guard, drop_guard, guard_present
from lifecircle.store.db import current_revision
from lifecircle.store.models import Base

FORMAT = "lifecircle-backup/1"


def _tables() -> list:
    """The tables a backup holds: all but the programme version (a cache key, not data;
    a restore gives it a new stamp)."""
    return [t for t in Base.metadata.sorted_tables if t.name != "programme_version"]


def _encode(column, value):
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode(column, value):
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _order_by(table):
    return [table.c[c.name] for c in table.primary_key.columns]


def dump(engine: Engine) -> dict:
    """Every table's rows, in dependency order, as JSON-ready values."""
    tables = {}
    with engine.connect() as conn:
        for table in _tables():
            rows = conn.execute(select(table).order_by(*_order_by(table))).mappings().all()
            tables[table.name] = [
                {c.name: _encode(c, row[c.name]) for c in table.columns} for row in rows
            ]
    return {"format": FORMAT, "revision": current_revision(engine), "tables": tables}


def backup(engine: Engine, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write the dump to ``path``, complete or absent (``io.write_atomic``).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database.
    path : str or path-like
        The backup file.

    Returns
    -------
    dict of str -> int
        Rows per table.
    """
    return write_dump(dump(engine), path)


def write_dump(data: dict, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write a ``dump`` to ``path``, complete or absent (``io.write_atomic``); rows per table."""
    from lifecircle.io.writers import write_atomic

    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return {name: len(rows) for name, rows in data["tables"].items()}


def read_dump(path: str | os.PathLike[str]) -> dict:
    """A backup file's contents, checked to be a lifecircle backup."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(
            f"无法读取备份：{exc}",
            file=str(path),
            fix="请用 `lifecircle db backup` 生成的备份文件",
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else None
        raise FileFormatError(
            f"不是 lifecircle 的备份文件（格式 {got!r}）",
            file=str(path),
            fix="请用 `lifecircle db backup` 生成的备份文件",
        )
    return data


def restore(engine: Engine, path: str | os.PathLike) -> dict:
    """Replace every table's contents with the dump, in one transaction; verify the row sets."""
    path = Path(path)
    data = read_dump(path)
    rev = current_revision(engine)
    if data.get("revision") != rev:
        raise FileFormatError(
            f"备份的数据库结构版本是 {data.get('revision')}，当前数据库是 {rev}",
            file=str(path),
            fix="先把数据库升级（lifecircle db upgrade）到与备份相同的版本再恢复",
        )
    tables = _tables()
    with engine.begin() as conn:
        guarded = guard_present(conn)
        if guarded:  # the audit log is replaced too: lifted inside this transaction only
            drop_guard(conn)
        for table in reversed(tables):
            conn.execute(delete(table))
        for table in tables:
            rows = data["tables"].get(table.name, [])
            if rows:
                conn.execute(
                    insert(table),
                    [{c.name: _decode(c, r.get(c.name)) for c in table.columns} for r in rows],
                )
        if conn.dialect.name == "postgresql":
            for table in tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].name == "id":
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        if guarded:
            create_guard(conn)
        version.bump(conn)  # in the same transaction: every cache of the old data is stale
    mismatches = verify(engine, data)
    if mismatches:  # pragma: no cover - would be a driver bug
        raise FileFormatError(
            f"恢复后这些表与备份不一致：{mismatches}", file=str(path), fix="请把此信息报告维护人员"
        )
    return {name: len(rows) for name, rows in data["tables"].items()}


def _canon(table, rows) -> list[str]:
    out = []
    for r in rows:
        item = {}
        for c in table.columns:
            v = r.get(c.name)
            if isinstance(c.type, JSON):
                v = json.dumps(v, sort_keys=True, ensure_ascii=False)
            item[c.name] = v
        out.append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return sorted(out)


def verify(engine: Engine, data: dict) -> list[str]:
    """Names of tables whose rows differ from the dump (empty list: identical)."""
    now = dump(engine)
    bad = []
    for table in _tables():
        if _canon(table, now["tables"][table.name]) != _canon(
            table, data["tables"].get(table.name, [])
        ):
            bad.append(table.name)
    return bad
