"""The command line: synth → ingest → match → delineate, in Chinese, with typed errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pandas as pd
import pytest


def run(*args, cwd=None):
    """The real command in a child process (``python -m lifecircle``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "lifecircle", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=300, env=env,
    )  # fmt: skip


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """The same entry point in this process (no interpreter start): exit code and output."""
    from lifecircle.cli import main

    monkeypatch.setenv("COLUMNS", "200")

    def call(*args) -> Done:
        monkeypatch.setattr(sys, "argv", ["lifecircle", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        return Done(code, out.out, out.err)

    return call


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    from lifecircle.mobility.files import write_synthetic

    out = tmp_path_factory.mktemp("syn")
    write_synthetic(out, rows=8, cols_=8, circles=12, devices=120, coords="gcj02", seed=4)
    return out


def test_synth_command(tmp_path, cli):
    proc = cli("mobility", "synth", "--out", tmp_path, "--rows", "4", "--cols", "4",
               "--circles", "3", "--devices", "5")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "生成数据" in proc.stdout and (tmp_path / "records.csv").exists()
    assert pd.read_csv(tmp_path / "circles.csv")["circle_id"].nunique() == 3
    proc = cli("mobility", "synth", "--out", tmp_path, "--circles", "0")
    assert proc.returncode == 2 and "--circles" in proc.stderr


def test_delineate_end_to_end(syn, tmp_path, cli):
    out = tmp_path / "proposal.csv"
    proc = cli("delineate", "--communities", syn / "communities.gpkg", "--flows",
               syn / "flows_communities.csv", "--target-count", "12", "--out", out,
               "--current", syn / "circles.csv", "--min-pop", "10000")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "与现状比较：ARI" in proc.stdout
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns) == ["community_id", "circle_id"] and len(table) == 64
    assert table["circle_id"].nunique() == 12
    report = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert report["comparison"]["adjusted_rand_index"] >= 0.9
    assert all(c["contiguous"] for c in report["circles"])
    md = out.with_suffix(".md").read_text("utf-8")
    assert "## 各生活圈质量" in md and "调整兰德指数" in md
    assert out.with_suffix(".gpkg").exists()


def test_ingest_match_end_to_end(syn, tmp_path, cli):
    proc = cli("mobility", "ingest", "--records", syn / "records.csv", "--coords", "gcj02",
               "--communities", syn / "communities.gpkg", "--facilities", syn / "facilities.gpkg",
               "--out", tmp_path / "ing", "--k", "2", "--chunk-rows", "20000")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "设备 120 台" in proc.stdout.replace(",", "")
    summary = json.loads((tmp_path / "ing" / "summary.json").read_text("utf-8"))
    assert summary["devices_with_home"] == 120 and summary["k"] == 2
    proc = cli("mobility", "match", "--flows", tmp_path / "ing" / "flows_facilities.csv",
               "--communities", syn / "communities.gpkg", "--facilities", syn / "facilities.gpkg",
               "--circles", syn / "circles.csv", "--network", syn / "streets.gpkg",
               "--out", tmp_path / "m", "--k", "2")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "留在本圈" in proc.stdout
    circles = pd.read_csv(tmp_path / "m" / "match_circles.csv", encoding="utf-8-sig")
    assert {"own_circle_share", "visits_by_own_residents_share", "within_15min_share"} <= set(
        circles
    )
    proc = run(
        "mobility", "ingest", "--flows", syn / "flows_facilities.csv", "--out", tmp_path / "f"
    )
    assert proc.returncode == 0 and (tmp_path / "f" / "flows.csv").exists()


def test_errors_are_chinese_and_name_file_and_field(syn, tmp_path, cli):
    bad = tmp_path / "flows.csv"
    pd.read_csv(syn / "flows_communities.csv").rename(columns={"count": "权重"}).to_csv(
        bad, index=False
    )
    proc = cli("delineate", "--communities", syn / "communities.gpkg", "--flows", bad,
               "--target-count", "5", "--out", tmp_path / "o.csv")  # fmt: skip
    assert proc.returncode == 2
    assert "错误" in proc.stderr and "flows.csv" in proc.stderr and "'count'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli("mobility", "ingest", "--out", tmp_path / "x")
    assert proc.returncode == 2 and "--records" in proc.stderr
    proc = cli("mobility", "ingest", "--records", syn / "records.csv", "--out", tmp_path / "x",
               "--night", "22点")  # fmt: skip
    assert proc.returncode == 2 and "22-6" in proc.stderr
    proc = cli("mobility", "ingest", "--records", syn / "records.csv", "--out", tmp_path / "x",
               "--key-file", tmp_path / "nokey")  # fmt: skip
    assert proc.returncode == 2 and "密钥文件不存在" in proc.stderr
    proc = cli("mobility", "--help")
    assert proc.returncode == 0 and "匹配程度" in proc.stdout


def test_import_mobility_into_the_database_and_list_runs(tmp_path, cli):
    from lifecircle.store.db import make_engine, upgrade
    from mobility._results import write_small_result

    written = write_small_result(tmp_path / "res", circle_prefix="C")
    db = tmp_path / "p.db"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    args = ("import", "mobility", "--match", written.match, "--delineation", written.delineation,
            "--communities", written.communities, "--title", "五月（合成）", "--generated",
            "--db", db, "--actor", "测试")  # fmt: skip
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert "已导入出行分析结果“五月（合成）”（编号 1）" in proc.stdout
    assert "建议生活圈 4 个" in proc.stdout and "每条不少于 5 台设备" in proc.stdout
    proc = cli(*args)  # the same result twice
    assert proc.returncode == 2 and "已导入" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("mobility", "runs", "--db", db)
    assert proc.returncode == 0 and "五月（合成）" in proc.stdout and "是" in proc.stdout
    proc = cli("mobility", "runs", "--delete", "1", "--db", db, "--actor", "测试")
    assert proc.returncode == 0 and "已删除" in proc.stdout
    proc = cli("mobility", "runs", "--db", db)
    assert "还没有出行分析结果" in proc.stdout
    proc = cli("import", "mobility", "--match", tmp_path, "--db", db)
    assert proc.returncode == 2 and "match.json" in proc.stderr


def test_report_options_are_checked(tmp_path, cli):
    proc = cli("report", tmp_path, "--out", tmp_path / "o", "--delineation", tmp_path / "x.csv")
    assert proc.returncode == 2 and "--mobility" in proc.stderr


@pytest.mark.slow
def test_demo_with_mobility(tmp_path, cli):
    """``lifecircle demo --mobility``: synthetic trips over the demo, in its database (slow:
    it generates the demo and runs its checkup; the parts are tested on their own)."""
    from sqlalchemy import select

    from lifecircle.store.db import make_engine, session_scope
    from lifecircle.store.models import MobilityRun

    out = tmp_path / "d"
    proc = cli("demo", "--scale", "0.05", "--out", out, "--no-reports", "--mobility")
    assert proc.returncode == 0, proc.stderr
    assert "示例出行数据（合成）" in proc.stdout
    assert (out / "mobility" / "proposal.gpkg").is_file()
    assert (out / "mobility" / "match" / "match_circles.csv").is_file()
    engine = make_engine(out / "lifecircle.db")
    with session_scope(engine) as s:
        run = s.scalars(select(MobilityRun)).one()
        assert run.generated and run.title == "示例出行数据（合成）"
        assert run.summary["comparison"]["communities_moved"] > 0
    engine.dispose()


def test_synth_over_a_district_package(tmp_path, cli, demo_checkup_dir):
    package = demo_checkup_dir.parent / "district"
    proc = cli("mobility", "synth", "--district", package, "--shift", "0.1", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "社区、设施与路网取自区数据包" in proc.stdout
    today = pd.read_csv(tmp_path / "circles.csv")
    planted = pd.read_csv(tmp_path / "planted_circles.csv")
    assert len(today) == 49 and not today.equals(planted)
    proc = cli("mobility", "synth", "--district", package, "--shift", "2", "--out", tmp_path)
    assert proc.returncode == 2 and "--shift" in proc.stderr
