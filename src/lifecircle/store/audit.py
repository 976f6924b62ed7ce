"""Audit log: every ORM write (insert, update, delete) is recorded with who, when, before, after."""

from __future__ import annotations

import base64
import hashlib
import weakref
from collections.abc import Iterable
from datetime import date, datetime
from itertools import islice
from typing import Any, cast

from sqlalchemy import Column, Connection, Dialect, Table, event, func, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from lifecircle.errors import RuleError
from lifecircle.store.audit_guard import MESSAGE
from lifecircle.store.models import AuditLog, Base, utcnow
from lifecircle.store.version import note_write

ACTOR_KEY = "lifecircle_actor"
# Secrets never enter the audit log: the column is recorded as changed, its value is not.
REDACTED = {"users": frozenset({"password_hash"}), "app_setting": frozenset({"value"})}


def set_actor(session: Session, actor: str) -> None:
    session.info[ACTOR_KEY] = actor


def get_actor(session: Session) -> str:
    return session.info.get(ACTOR_KEY, "system")


#: values written to the audit log as they are (most of them): checked before the others
_AS_IS = frozenset({str, int, float, bool, type(None), dict, list})


def _plain(value):
    if type(value) in _AS_IS:
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes sha256:{hashlib.sha256(value).hexdigest()}>"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return _plain(bytes(value))
    return value


def _redact(obj, values: dict) -> dict:
    hidden = REDACTED.get(obj.__tablename__)
    if hidden:
        return {
            k: ("<redacted>" if k in hidden and v is not None else v) for k, v in values.items()
        }
    return values


def _columns(obj) -> dict:
    mapper = inspect(obj).mapper
    return _redact(obj, {c.key: _plain(getattr(obj, c.key)) for c in mapper.column_attrs})


def _key(obj) -> str | None:
    # a new object has no identity until the flush ends, but its primary key is already set
    state = inspect(obj)
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    if not ident or all(v is None for v in ident):
        return None
    return ",".join(str(v) for v in ident)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx, _instances) -> None:
    """The audit log is append-only (the database triggers of ``audit_guard`` agree)."""
    for obj in session.deleted:
        if isinstance(obj, AuditLog):
            raise RuleError(MESSAGE, fix="审计记录不能删除；更正请另写一条新记录")
    for obj in session.dirty:
        if isinstance(obj, AuditLog) and session.is_modified(obj):
            raise RuleError(MESSAGE, fix="审计记录不能修改；更正请另写一条新记录")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditLog:
        raise RuleError(MESSAGE, fix="审计记录不能修改或删除")


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    rows: list[tuple[str, Base, dict[str, Any] | None, dict[str, Any] | None]] = []
    now = utcnow()
    actor = get_actor(session)
    for obj in session.new:
        if isinstance(obj, Base) and not isinstance(obj, AuditLog):
            rows.append(("insert", obj, None, _columns(obj)))
    for obj in session.dirty:
        if not isinstance(obj, Base) or isinstance(obj, AuditLog):
            continue
        state = inspect(obj)
        before, after = {}, {}
        committed = state.committed_state  # an attribute without an entry has no changes
        for attr in state.mapper.column_attrs:
            if attr.key not in committed:
                continue
            hist = state.attrs[attr.key].history
            if hist.has_changes():
                before[attr.key] = _plain(hist.deleted[0]) if hist.deleted else None
                after[attr.key] = _plain(hist.added[0]) if hist.added else None
        if after:
            vcol = state.mapper.version_id_col
            if vcol is not None and "version" not in after:
                after["version"] = getattr(obj, "version", None)
                before["version"] = after["version"] - 1 if after["version"] else None
            rows.append(("update", obj, _redact(obj, before), _redact(obj, after)))
    for obj in session.deleted:
        if isinstance(obj, Base) and not isinstance(obj, AuditLog):
            rows.append(("delete", obj, _columns(obj), None))
    if not rows:
        return
    _write_audit(
        session.connection(),
        [
            {
                "at": now,
                "actor": actor,
                "action": action,
                "table_name": obj.__tablename__,
                "row_key": _key(obj),
                "before": before,
                "after": after,
            }
            for action, obj, before, after in rows
        ],
    )


#: rows `insert_audited` writes per statement: only one chunk's rows, driver values and
#: audit entries are alive at once (a demo's 20,000 map points at once took 28 MB)
INSERT_CHUNK = 2000


def insert_audited(
    session: Session, model: type[Base], rows: Iterable[dict[str, Any]]
) -> list[int]:
    """Insert many rows of ``model`` in a few statements, audited as an ORM flush audits them.

    The same rows and audit entries as ``session.add_all(model(**r) for r in rows)`` and a
    flush (a test compares the two), without building an ORM object per row: tens of
    thousands of map points take seconds that way. Pending objects are flushed first, so
    their audit entries come before these, as in one flush. A column missing from a row
    takes its scalar default (or None); one with any other default must be given.

    The rows are taken ``INSERT_CHUNK`` at a time (a generator is never held whole): each
    chunk is inserted and its audit entries written before the next is read, so the ids
    and the audit entries come in the order of ``rows``, as in one statement.

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    model : type
        A mapped class with an integer primary key ``id``.
    rows : iterable of dict
        Column values per row, without ``id``.

    Returns
    -------
    list of int
        The new ids, in the order of ``rows``.
    """
    it = iter(rows)
    chunk = list(islice(it, INSERT_CHUNK))
    if not chunk:
        return []
    session.flush()
    table = cast(Table, model.__table__)  # a declarative class's table
    columns = [c for c in table.columns if c.key != "id"]
    conn = session.connection()
    note_write(session)  # a Core statement: the programme version must still move
    keys = [a.key for a in inspect(model).column_attrs]
    hidden = REDACTED.get(table.name, frozenset())
    now, actor = utcnow(), get_actor(session)
    ids: list[int] = []
    while chunk:
        chunk = _with_defaults(table, columns, chunk)
        new_ids = _insert_rows(conn, table, chunk)
        entries = []
        for new_id, r in zip(new_ids, chunk, strict=True):
            after = {k: _plain(new_id if k == "id" else r[k]) for k in keys}
            for k in hidden & after.keys():
                if after[k] is not None:
                    after[k] = "<redacted>"
            entries.append(
                {
                    "at": now,
                    "actor": actor,
                    "action": "insert",
                    "table_name": table.name,
                    "row_key": str(new_id),
                    "before": None,
                    "after": after,
                }
            )
        _write_audit(conn, entries)
        ids += new_ids
        chunk = list(islice(it, INSERT_CHUNK))
    return ids


def _with_defaults(table: Table, columns: list[Column], rows: list[dict[str, Any]]) -> list[dict]:
    """``rows`` with each missing column's scalar default (or None); a column with any
    other default must be given."""
    for c in columns:
        if all(c.key in r for r in rows):
            continue
        if c.server_default is not None or (c.default is not None and not c.default.is_scalar):
            raise ValueError(f"{table.name}.{c.key}: give it in every row")
        value = None if c.default is None else c.default.arg  # type: ignore[attr-defined]
        rows = [r if c.key in r else {**r, c.key: value} for r in rows]
    return rows


_AUDIT = cast(Table, AuditLog.__table__)  # a declarative class's table
_AUDIT_KEYS = ("at", "actor", "action", "table_name", "row_key", "before", "after")
_AUDIT_INSERT = insert(_AUDIT)
_UNSET = object()
_Binds = list[tuple[str, Any]]
#: per dialect (its JSON serializer is the engine's): per table and keys, the INSERT's SQL
#: and each bind's processor
_COMPILED: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], tuple[str, _Binds]]]
_COMPILED = weakref.WeakKeyDictionary()


def _write_audit(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Insert audit entries (keys ``_AUDIT_KEYS``): `_insert_plain` on SQLite (a programme
    seed flushes two thousand times), the statement elsewhere."""
    if conn.dialect.name == "sqlite":
        _insert_plain(conn, _AUDIT, _AUDIT_KEYS, entries)
    else:
        conn.execute(_AUDIT_INSERT, entries)


def _insert_plain(
    conn: Connection, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """INSERT ``rows`` (dicts holding ``keys``) in one driver call, SQLite only.

    The statement is compiled once and each value goes through its column's own bind
    processor (the JSON text and timestamps SQLAlchemy would send) straight to the
    driver: SQLAlchemy's work per statement and per row cost more than the insert.
    """
    if not rows:
        return
    sql, binds = _compiled_insert(conn, table, keys)
    # a value the row before had too (a flush's time, None) is not processed again: 4 µs
    last: list[Any] = [_UNSET] * len(binds)
    done: list[Any] = [None] * len(binds)
    params = []
    for r in rows:
        row = []
        for i, (k, process) in enumerate(binds):
            value = r[k]
            if process is not None:
                if value is not last[i]:
                    last[i], done[i] = value, process(value)
                value = done[i]
            row.append(value)
        params.append(tuple(row))
    conn.exec_driver_sql(sql, params if len(params) > 1 else params[0])


def _compiled_insert(conn: Connection, table: Table, keys: tuple[str, ...]) -> tuple[str, _Binds]:
    """The INSERT of ``keys`` into ``table`` compiled for ``conn``'s dialect, with its
    binds in order and their processors."""
    per_dialect = _COMPILED.setdefault(conn.dialect, {})
    found = per_dialect.get((table.name, keys))
    if found is None:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(keys))
        names = list(compiled.positiontup or ())
        if sorted(names) != sorted(keys):  # binds named otherwise than their columns
            raise RuntimeError(f"数据表 {table.name} 的插入语句参数与列名不符：{names}")
        binds = [
            (k, table.c[k].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
            for k in names
        ]
        found = per_dialect[(table.name, keys)] = (compiled.string, binds)
    return found


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``; their new ids in order.

    SQLite cannot say which id RETURNING gave which row of a batch, so SQLAlchemy sends
    one statement per row there (20,000 for a demo's map layers). It gives a rowid table
    the largest id plus one for each new row, and no other writer can insert between the
    rows of a transaction that writes: one executemany, and the ids counted from the
    largest before it (checked against the largest after).
    """
    if conn.dialect.name != "sqlite":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [int(i) for i in conn.execute(stmt, rows).scalars()]
    largest = select(func.coalesce(func.max(table.c.id), 0))
    before = int(conn.execute(largest).scalar_one())
    _insert_plain(conn, table, tuple(c.key for c in table.columns if c.key != "id"), rows)
    after = int(conn.execute(largest).scalar_one())
    if after != before + len(rows):  # ids past the largest integer are drawn at random
        raise RuntimeError(
            f"数据表 {table.name} 写入 {len(rows)} 行后编号为 {before + 1}…{after}，与行数不符"
        )
    return list(range(before + 1, after + 1))


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")
