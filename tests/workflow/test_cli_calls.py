"""The programme CLI parses, calls one workflow function and prints: what that looks like."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

import lifecircle.cli.bulletin  # registers the commands
import lifecircle.cli.db  # noqa: F401
from lifecircle.cli import app
from lifecircle.store import is_migrated, make_engine
from lifecircle.store.models import AuditLog, SubsidyRule


def _run(*args: str, code: int = 0) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.output


def _rules(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(SubsidyRule)) or 0)


def test_unmigrated_database_is_refused_and_left_alone(tmp_path: Path):
    db = str(tmp_path / "new.db")
    out = _run("project", "list", "--db", db, code=2)
    assert "未迁移" in out and "lifecircle db upgrade" in out
    out = _run("bulletin", "--period", "2024-09", "--out", str(tmp_path / "b"), "--db", db, code=2)
    assert "未迁移" in out and not (tmp_path / "b").exists()
    engine = make_engine(db)
    assert not is_migrated(engine)
    engine.dispose()


def test_subsidy_rules_come_from_upgrade_not_from_listing(engine: Engine, tmp_path: Path):
    url = engine.url.render_as_string(hide_password=False)
    _run("db", "upgrade", "--no-seed", "--db", url)
    _run("evaluate", "subsidies", "--db", url, "--out", str(tmp_path / "奖补.xlsx"))
    assert _rules(engine) == 0  # a listing writes nothing
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditLog)) == 0
    assert (tmp_path / "奖补.xlsx").exists()
    assert "数据库已就绪" in _run("db", "upgrade", "--db", url)
    assert _rules(engine) == 2


def test_bulletin_files_dates_actor_and_dead_commands(engine: Engine, tmp_path: Path):
    url = engine.url.render_as_string(hide_password=False)
    _run("db", "upgrade", "--db", url)
    out = _run("bulletin", "--period", "2024-09", "--out", str(tmp_path / "通报"), "--db", url)
    assert "创建工作通报（2024年9月）" in out and "逾期项目 0 个" in out
    names = sorted(p.name for p in (tmp_path / "通报").iterdir())
    assert names == ["通报_2024-09.docx", "通报_2024-09.xlsx"]
    out = _run("project", "list", "--today", "2024/09/30", "--db", url, code=2)
    assert "--today" in out and "不是日期" in out
    out = _run("import", "units", "--actor", " ", "--db", url, code=2)
    assert "操作人不能为空" in out
    _run("project", "export-json", "--db", url, code=2)  # removed: no such command
