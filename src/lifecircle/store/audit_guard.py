"""The audit log is append-only: database triggers refuse UPDATE and DELETE of its rows.

Created by migration 0006; ``store.backup.restore`` lifts them inside its own transaction
(a restore replaces every table, the audit log included) and puts them back before it
commits. The ORM guard in ``store.audit`` says the same in Chinese before SQL is sent.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

MESSAGE = "审计日志只能追加，不能修改或删除"

_SQLITE_CREATE = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
)
_PG_CREATE = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
_PG_DROP = ("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",)


def create_guard(conn: Connection) -> None:
    """Install the append-only triggers on ``audit_log`` (SQLite or PostgreSQL)."""
    for sql in _PG_CREATE if conn.dialect.name == "postgresql" else _SQLITE_CREATE:
        conn.execute(text(sql))


def drop_guard(conn: Connection) -> None:
    """Remove the triggers (restore and downgrade only; the caller's transaction)."""
    for sql in _PG_DROP if conn.dialect.name == "postgresql" else _SQLITE_DROP:
        conn.execute(text(sql))
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only()"))


def guard_present(conn: Connection) -> bool:
    """True when the append-only triggers are installed."""
    if conn.dialect.name == "postgresql":
        sql = "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_log_append_only'"
    else:
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_log_no_%'"
    return bool(conn.execute(text(sql)).scalar())
