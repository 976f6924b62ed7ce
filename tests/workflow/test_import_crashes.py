"""The import crashes of issue 9, each now a clear Chinese message with no traceback, no
output file and no database change; and the documented package imports."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

import lifecircle.cli.db  # noqa: F401  (registers the commands)
from district._pkg import CIRCLES, COMPOUNDS, FACILITIES, MANUAL, grid_lines, manifest
from lifecircle.cli import app
from lifecircle.district import load_district
from lifecircle.store import session_scope
from lifecircle.store.models import Circle, Compound, Facility
from lifecircle.workflow.district_import import import_district
from lifecircle.workflow.places import seed_units
from office_files import broken_xlsx, db_state


def _package(root: Path, *, encoding: str = "utf-8", raw: str | None = None) -> Path:
    """The documented minimal package: compounds and facilities as lon/lat CSVs."""
    root.mkdir(exist_ok=True)
    (root / "compounds.csv").write_text(COMPOUNDS, "utf-8")
    (root / "facilities.csv").write_text(FACILITIES, "utf-8")
    (root / "circles.csv").write_text(CIRCLES, "utf-8")
    (root / "manual_values.csv").write_text(MANUAL, "utf-8")
    grid_lines().to_file(root / "network.geojson", driver="GeoJSON")
    text = raw if raw is not None else yaml.safe_dump(manifest(), allow_unicode=True)
    (root / "district.yaml").write_bytes(text.encode(encoding))
    return root


@pytest.fixture
def cli(engine, tmp_path, monkeypatch):
    """Run the CLI on the test database from an empty working folder."""
    with session_scope(engine, actor="tester") as s:
        seed_units(s)
    url = engine.url.render_as_string(hide_password=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        res = runner.invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})
        assert res.exit_code == code, res.output
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        assert "Traceback" not in res.output
        return res.output

    return run, work


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_documented_package_with_csv_compounds_imports(engine, cli, tmp_path, encoding):
    run, _ = cli
    pkg = _package(tmp_path / "pkg", encoding=encoding)
    before = db_state(engine)
    out = run("import", "district", str(pkg))
    assert "检查通过，未写入数据库" in out and "{" not in out
    assert db_state(engine) == before
    out = run("import", "district", str(pkg), "--commit")
    assert "已写入数据库" in out and "小区 5" in out
    with session_scope(engine) as s:
        assert len(s.scalars(select(Circle)).all()) == 3
        k1 = s.scalar(select(Compound).where(Compound.code == "K1"))
        assert k1.circle_id is not None and k1.population == 1000 and k1.geom_wkb
        assert s.scalar(select(Facility).where(Facility.code == "F1")).category == "kindergarten"
    if encoding == "gbk":  # the checkup reads the same GBK manifest
        assert load_district(pkg).name == "测试区"


@pytest.mark.parametrize(
    ("raw", "says"),
    [("- a\n- b\n", "不是“键: 值”形式的 YAML"), ("format: [lifecircle\nname: x\n", "YAML")],
    ids=["yaml-list", "broken-yaml"],
)
def test_bad_manifest_is_a_clear_error_and_changes_nothing(engine, cli, tmp_path, raw, says):
    run, work = cli
    pkg = _package(tmp_path / "pkg", raw=raw)
    before = db_state(engine)
    out = run("import", "district", str(pkg), "--commit", code=2)
    assert says in out and "district.yaml" in out and "未写入数据库" in out
    assert db_state(engine) == before and list(work.iterdir()) == []


def test_bad_compound_row_in_a_package_names_file_row_field(engine, tmp_path):
    pkg = _package(tmp_path / "pkg")
    (pkg / "compounds.csv").write_text(COMPOUNDS.replace("K2,乙小区,A社区", "K2,乙小区,Z社区"))
    with session_scope(engine, actor="tester") as s:
        seed_units(s)
    before = db_state(engine)
    with session_scope(engine, actor="tester") as s:
        report = import_district(s, pkg, commit=True)
    (err,) = report.errors
    assert (err.row, err.field, Path(err.file).name) == (2, "community", "compounds.csv")
    assert db_state(engine) == before


@pytest.mark.parametrize("kind", ["circles", "schedule", "projects", "leaders"])
def test_damaged_workbook_on_the_command_line(engine, cli, tmp_path, kind):
    run, work = cli
    path = broken_xlsx(tmp_path / "表.xlsx")
    before = db_state(engine)
    out = run("import", kind, str(path), "--commit", code=2)
    assert "损坏" in out and "未写入数据库" in out
    assert db_state(engine) == before and list(work.iterdir()) == []


def test_report_option_is_checked_before_anything(engine, cli, tmp_path):
    run, work = cli
    pkg = _package(tmp_path / "pkg")
    (work / "已有文件夹.xlsx").mkdir()
    before = db_state(engine)
    assert "文件夹" in run(
        "import", "district", str(pkg), "--commit", "--report", "已有文件夹.xlsx", code=2
    )
    assert ".xlsx 或 .csv" in run("import", "district", str(pkg), "--report", "r.txt", code=2)
    assert db_state(engine) == before and [p.name for p in work.iterdir()] == ["已有文件夹.xlsx"]
    run("import", "district", str(pkg), "--report", "报告.xlsx")
    assert (work / "报告.xlsx").exists()
