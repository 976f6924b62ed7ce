"""Audit log: every ORM write (insert, update, delete) is recorded with who, when, before, after."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from lifecircle.errors import RuleError
from lifecircle.store.audit_guard import MESSAGE
from lifecircle.store.models import AuditLog, Base, utcnow

ACTOR_KEY = "lifecircle_actor"
# Secrets never enter the audit log: the column is recorded as changed, its value is not.
REDACTED = {"users": frozenset({"password_hash"}), "app_setting": frozenset({"value"})}


def set_actor(session: Session, actor: str) -> None:
    session.info[ACTOR_KEY] = actor


def get_actor(session: Session) -> str:
    return session.info.get(ACTOR_KEY, "system")


def _plain(value):
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
    ident = inspect(obj).identity
    if ident is None:
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
        for attr in state.mapper.column_attrs:
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
    session.connection().execute(
        insert(cast(Table, AuditLog.__table__)),  # a declarative class's table
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


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")
