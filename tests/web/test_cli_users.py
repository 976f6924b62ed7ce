"""`lifecircle user add|list|disable` and `lifecircle serve`'s refusal of an empty database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

import lifecircle.cli.db
import lifecircle.cli.web  # noqa: F401
from lifecircle.cli import app
from lifecircle.store import session_scope
from lifecircle.store.models import User
from lifecircle.workflow import accounts
from lifecircle.workflow.places import seed_units, upsert_circle

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run(
        [sys.executable, "-m", "lifecircle", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_user_commands(engine):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine, actor="test") as s:
        seed_units(s)
        upsert_circle(s, "C01", "梓园生活圈", "侯家塘街道", ["梓园社区"])
        upsert_circle(s, "C02", "东塘生活圈", "左家塘街道", ["东塘社区"])
    r = CliRunner()

    def run(*args: str, stdin: str = "") -> str:
        res = r.invoke(app, [*args, "--db", url], input=stdin)
        assert res.exit_code == 0, (res.output, res.exception)
        return res.output

    out = run(
        "user",
        "add",
        "zhang",
        "--role",
        "圈长",
        "--circle",
        "C01",
        "--street",
        "侯家塘街道",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert "已添加用户 zhang（圈长" in out
    run(
        "user",
        "add",
        "edu",
        "--role",
        "责任单位",
        "--unit",
        "区教育局",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    run(
        "user",
        "add",
        "chief",
        "--role",
        "district",
        "--display-name",
        "区人居环境局",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    listing = run("user", "list")
    assert (
        "zhang" in listing
        and "圈长" in listing
        and "C01" in listing
        and "区教育局" in listing
        and "共 3 个账号" in listing
    )
    with session_scope(engine) as s:
        u = s.scalar(select(User).where(User.username == "zhang"))
        assert u.password_hash.startswith("$argon2id$") and "a-long-password" not in u.password_hash
        assert accounts.authenticate(s, "zhang", "a-long-password") is not None
    assert "已停用用户 zhang" in run("user", "disable", "zhang")
    assert "已停用" in run("user", "list")
    with session_scope(engine) as s:
        assert accounts.authenticate(s, "zhang", "a-long-password") is None


def test_user_errors_are_plain_chinese(engine):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine, actor="test") as s:
        seed_units(s)
        upsert_circle(s, "C01", "梓园生活圈", "侯家塘街道", ["梓园社区"])
        upsert_circle(s, "C02", "东塘生活圈", "左家塘街道", ["东塘社区"])
    cases = [
        (["--role", "市长"], "未知角色"),
        (["--role", "圈长"], "圈长账号需要指定生活圈"),
        (["--role", "圈长", "--circle", "C99"], "没有编号为 'C99' 的生活圈"),
        (["--role", "圈长", "--circle", "C02", "--street", "侯家塘街道"], "不属于街道"),
        (["--role", "街道", "--street", "火星街道"], "没有名为 '火星街道' 的街道"),
        (["--role", "unit", "--unit", "区宇航局"], "没有责任单位“区宇航局”"),
    ]
    for extra, message in cases:
        res = _cli(
            "user", "add", "li", *extra, "--password-stdin", "--db", url, stdin="a-long-password\n"
        )
        assert res.returncode == 2, res.stderr
        assert message in res.stderr and "Traceback" not in res.stderr
    res = _cli(
        "user", "add", "li", "--role", "admin", "--password-stdin", "--db", url, stdin="short\n"
    )
    assert res.returncode == 2 and "密码太短" in res.stderr
    with session_scope(engine) as s:
        assert s.scalar(select(User)) is None  # nothing half-written


def test_serve_refuses_a_database_without_schema(tmp_path):
    res = _cli("serve", "--db", str(tmp_path / "empty.db"), "--port", "1")
    assert (
        res.returncode == 2
        and "还没有建立表结构" in res.stderr
        and "lifecircle db upgrade" in res.stderr
    )
    res = _cli("serve", "--db", str(tmp_path / "empty.db"), "--today", "2024-02-30")
    assert res.returncode == 2 and "日期" in res.stderr


def test_import_geometry_command(engine, demo_checkup_dir, tmp_path):

    from lifecircle.checkup import CheckupResult
    from lifecircle.store.models import Circle
    from lifecircle.workflow.checkups import import_checkup

    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine, actor="test") as s:
        import_checkup(s, CheckupResult.read(demo_checkup_dir))
    res = CliRunner().invoke(
        app, ["import", "geometry", str(demo_checkup_dir / "circles.gpkg"), "--db", url]
    )
    assert res.exit_code == 0, res.output
    assert "已导入 49 个生活圈的范围" in res.output
    with session_scope(engine) as s:
        assert all(c.geom_wkb for c in s.scalars(select(Circle)))
    # a layer naming a circle the database does not know changes nothing
    import geopandas as gpd

    bad = gpd.read_file(demo_checkup_dir / "circles.gpkg")
    bad.loc[3, "circle_id"] = "C99"
    bad.to_file(tmp_path / "bad.gpkg", driver="GPKG")
    res = _cli("import", "geometry", str(tmp_path / "bad.gpkg"), "--db", url)
    assert res.returncode == 2 and "C99" in res.stderr and "第 4 行" in res.stderr
