"""Issue 15, data safety: the audit log cannot be edited (ORM guard and database triggers,
no web route), and a backup restores exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from lifecircle.cli import _register, app
from lifecircle.errors import RuleError
from lifecircle.store import backup as bk
from lifecircle.store import session_scope
from lifecircle.store.audit_guard import MESSAGE
from lifecircle.store.models import AuditLog, Street
from lifecircle.workflow.places import seed_units

_register()


def _audit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM audit_log ORDER BY id"))]


@pytest.fixture
def audited(engine):
    with session_scope(engine, actor="测试员") as s:
        seed_units(s)
        s.add(Street(name="测试加街道"))
    rows = _audit_rows(engine)
    assert len(rows) >= 2
    return engine, rows


def test_orm_cannot_change_or_delete_audit_rows(audited):
    engine, rows = audited
    with pytest.raises(RuleError, match=MESSAGE), session_scope(engine, actor="x") as s:
        s.scalars(select(AuditLog)).first().actor = "别人"
    with pytest.raises(RuleError, match=MESSAGE), session_scope(engine, actor="x") as s:
        s.delete(s.scalars(select(AuditLog)).first())
    with pytest.raises(RuleError, match=MESSAGE), session_scope(engine, actor="x") as s:
        s.execute(update(AuditLog).values(actor="别人"))
    with pytest.raises(RuleError, match=MESSAGE), session_scope(engine, actor="x") as s:
        s.execute(delete(AuditLog))
    assert _audit_rows(engine) == rows


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_log SET actor = '别人'", "DELETE FROM audit_log WHERE id > 0"]
)
def test_database_refuses_raw_sql_on_the_audit_log(audited, sql):
    engine, rows = audited
    with pytest.raises(DBAPIError) as exc, engine.begin() as conn:
        conn.execute(text(sql))
    assert MESSAGE in str(exc.value)
    assert _audit_rows(engine) == rows
    with engine.begin() as conn:  # appending still works
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, table_name) "
                "VALUES (CURRENT_TIMESTAMP, '测试', 'insert', 'street')"
            )
        )
    assert len(_audit_rows(engine)) == len(rows) + 1


def test_no_web_route_writes_the_audit_log():
    from lifecircle.web import admin, api, pages, project_pages

    for router in (api.router, pages.router, project_pages.router, admin.router):
        for route in router.routes:
            assert "audit" not in route.path.lower() or route.methods <= {"GET", "HEAD"}


def test_backup_restore_through_the_command_keeps_the_guard(audited, tmp_path):
    engine, _ = audited
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "备份.json"
    runner = CliRunner()
    res = runner.invoke(app, ["db", "backup", str(path), "--db", url])
    assert res.exit_code == 0, res.output
    saved = bk.dump(engine)
    with session_scope(engine, actor="测试员") as s:  # changes after the backup
        s.add(Street(name="测试新街道"))
        s.scalar(select(Street).where(Street.name == "测试加街道")).name = "改名街道"
    assert bk.verify(engine, saved) != []
    res = runner.invoke(app, ["db", "restore", str(path), "--yes", "--db", url])
    assert res.exit_code == 0, res.output
    assert bk.verify(engine, saved) == []
    assert json.dumps(bk.dump(engine)["tables"], sort_keys=True, default=str) == json.dumps(
        saved["tables"], sort_keys=True, default=str
    )
    with session_scope(engine) as s:
        assert (
            s.scalar(select(func.count()).select_from(Street).where(Street.name == "测试新街道"))
            == 0
        )
    # the restore lifted the triggers only inside its own transaction
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_damaged_backup_is_refused_and_changes_nothing(audited, tmp_path):
    engine, _ = audited
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "b.json"
    bk.backup(engine, path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = bk.dump(engine)
    res = CliRunner().invoke(app, ["db", "restore", str(path), "--yes", "--db", url])
    assert res.exit_code == 2 and "b.json" in res.output
    assert bk.verify(engine, before) == []
