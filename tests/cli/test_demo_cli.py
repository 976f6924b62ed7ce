"""``lifecircle demo`` end to end, in a small form (the full-scale run is in benchmarks/demo.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys


def test_demo_small_writes_everything_and_says_geometry_is_generated(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "demo", "--scale", "0.05", "--out", str(tmp_path / "d")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "d"
    assert "示例数据：几何为生成数据" in r.stdout
    assert "并非" in r.stdout  # the circles are not the official list
    data = json.loads((out / "checkup" / "checkup.json").read_text(encoding="utf-8"))
    assert data["run"]["generated_geometry"] is True
    assert data["run"]["notice"] == "示例数据：几何为生成数据"
    assert data["summary"]["circles"] == 49
    assert data["summary"]["population"] == 1264895
    advised = [s for c in data["circles"] for s in c["shortfalls"] if s.get("suggestion")]
    assert advised  # the demo runs with 补短板建议, so its reports and pages show them
    assert (out / "reports" / "district.html").exists()
    assert (out / "reports" / "C01.docx").exists()
    with sqlite3.connect(out / "lifecircle.db") as con:
        (n_projects,) = con.execute("select count(*) from project").fetchone()
        (n_compounds,) = con.execute("select count(*) from map_compound").fetchone()
        (package,) = con.execute("select district_path from checkup_map").fetchone()
    assert n_projects > 0
    assert n_compounds == data["summary"]["compounds"]  # the web's map by facility category
    assert package == str((out / "district").resolve())  # and its what-if
    # the database migrated ahead (while the checkup ran) was moved into place, not left
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    for path in out.rglob("*"):
        if path.suffix in {".json", ".html", ".csv", ".yaml"}:
            assert "\u548c\u8bb0AG" not in path.read_text(encoding="utf-8", errors="ignore"), path


def test_demo_without_reports_or_database_writes_the_checkup_only(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "demo", "--scale", "0.05", "--out", str(tmp_path / "d"),
         "--no-reports", "--no-db"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "d"
    assert (out / "checkup" / "checkup.json").is_file()
    assert not (out / "reports").exists() and not (out / "lifecircle.db").exists()
    assert "专项体检" in r.stdout and "体检报告" not in r.stdout and "数据库" not in r.stdout


def test_demo_without_reports_builds_the_database_alone(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "demo", "--scale", "0.05", "--out", str(tmp_path / "d"),
         "--no-reports"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "d"
    assert not (out / "reports").exists()
    with sqlite3.connect(out / "lifecircle.db") as con:
        (n_projects,) = con.execute("select count(*) from project").fetchone()
    assert n_projects > 0
    assert "创建工作数据库" in r.stdout and "并行" not in r.stdout
