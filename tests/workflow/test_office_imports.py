"""Office files import as they come (title rows, merged cells, GBK, a matrix schedule, names
instead of ids, short unit names, a project library); a broken one gets the validation
report and leaves the database exactly as it was (compared row by row)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lifecircle.errors import RuleError
from lifecircle.store import session_scope
from lifecircle.store.models import Circle, Project, ScheduleTarget, Unit
from lifecircle.workflow._common import get_unit
from lifecircle.workflow.place_imports import import_circles
from lifecircle.workflow.places import seed_units
from lifecircle.workflow.project_import import import_projects
from lifecircle.workflow.schedule_import import import_schedule_file
from office_files import (
    CIRCLES,
    broken_xlsx,
    circle_list_gbk_csv,
    circle_list_xlsx,
    db_state,
    project_library_xlsx,
    schedule_checks_gbk_csv,
    schedule_matrix_xlsx,
)


def run(engine, fn, *args, **kwargs):
    with session_scope(engine, actor="tester") as s:
        return fn(s, *args, **kwargs)


@pytest.fixture
def units(engine):
    run(engine, seed_units)
    return engine


@pytest.fixture
def circles(units, tmp_path):
    report = run(units, import_circles, circle_list_xlsx(tmp_path / "附件1.xlsx"), commit=True)
    assert report.committed, report.problems
    return units


def test_circle_list_as_laid_out_by_an_office(units, tmp_path):
    path = circle_list_xlsx(tmp_path / "附件1.xlsx")
    before = db_state(units)
    report = run(units, import_circles, path)  # a check only
    assert report.ok and not report.committed and report.header_row == 4
    assert report.counts == {"生活圈": 5, "社区": 9}
    assert db_state(units) == before
    report = run(units, import_circles, path, commit=True)
    assert report.committed and report.counts["新增生活圈"] == 5
    with session_scope(units) as s:
        got = {
            c.code: (c.street.name, c.name, sorted(x.name for x in c.communities))
            for c in s.scalars(select(Circle))
        }
    assert got == {k: (st, n, sorted(cs)) for k, (st, n, cs) in CIRCLES.items()}
    # the same list as a GBK CSV without ids: matched by name, nothing new
    again = run(units, import_circles, circle_list_gbk_csv(tmp_path / "附件1.csv"), commit=True)
    assert again.committed and again.counts["新增生活圈"] == 0, again.problems
    assert not again.errors


def test_broken_circle_list_reports_every_problem_and_writes_nothing(circles, tmp_path):
    bad = tmp_path / "附件1.csv"
    bad.write_bytes(
        "附件1 清单,,,\n生活圈编号,生活圈名称,街道,社区\n"
        "C06,新一,,新一社区\n"  # no street
        ",新二,东塘街道,新二社区\n"  # no id
        "C07,新三,东塘街道,新三社区、新三社区二\n"
        "C08,新四,东塘街道,新三社区\n"  # listed by C07 already
        "C09,新五,侯家塘街道,梓园社区\n".encode("gbk")  # belongs to C01 in the database
    )
    before = db_state(circles)
    report = run(circles, import_circles, bad, commit=True)
    assert not report.committed and db_state(circles) == before
    where = {(p.row, p.field, p.file_row) for p in report.errors}
    assert (1, "street", 3) in where and (2, "circle_id", 4) in where
    assert any(p.row == 5 and "梓园社区" in p.message and "C01" in p.message for p in report.errors)
    assert any(p.row == 4 and "新三社区" in p.message and "C07" in p.message for p in report.errors)
    assert all(p.fix for p in report.errors)
    xlsx = report.write(tmp_path / "校验报告.xlsx")
    rows = list(load_workbook(xlsx)["校验报告"].values)
    assert rows[0] == ("类别", "行", "表格行号", "列", "值", "问题", "改法")
    assert rows[1][:4] == ("错误", 1, 3, "街道")
    csv = report.write(tmp_path / "校验报告.csv").read_text("utf-8-sig")
    assert "街道为空" in csv


def test_schedule_matrix_with_circle_names(circles, tmp_path):
    report = run(circles, import_schedule_file, schedule_matrix_xlsx(tmp_path / "附件2.xlsx"))
    assert report.ok, report.problems
    assert report.layout.startswith("矩阵") and report.counts["新增目标"] == 8
    run(circles, import_schedule_file, tmp_path / "附件2.xlsx", commit=True)
    with session_scope(circles) as s:
        got = {
            (t.circle.code, t.grade): (t.year, t.due_date)
            for t in s.scalars(select(ScheduleTarget))
        }
    # 2022 is history: the plan reports its ten AA circles as done by the end of that year
    assert got == {
        ("C01", "AA"): (2022, date(2022, 12, 31)),
        ("C01", "AAA"): (2024, date(2024, 10, 31)),
        ("C02", "AA"): (2023, date(2023, 9, 30)),
        ("C03", "AA"): (2024, date(2024, 9, 30)),
        ("C03", "AAA"): (2025, date(2025, 10, 31)),
        ("C04", "AA"): (2022, date(2022, 12, 31)),
        ("C04", "AAA"): (2023, date(2023, 10, 31)),
        ("C05", "AA"): (2025, date(2025, 9, 30)),
    }


def test_schedule_check_marks_under_graded_headers_gbk(circles, tmp_path):
    report = run(
        circles, import_schedule_file, schedule_checks_gbk_csv(tmp_path / "铺排.csv"), commit=True
    )
    assert report.committed, report.problems
    with session_scope(circles) as s:
        got = {(t.circle.code, t.grade, t.year) for t in s.scalars(select(ScheduleTarget))}
    assert got == {
        ("C01", "AA", 2023),
        ("C01", "AAA", 2024),
        ("C02", "AA", 2024),
        ("C04", "AA", 2023),
        ("C04", "AAA", 2023),
    }


def test_long_schedule_by_name_deadline_and_a_moved_target(circles, tmp_path):
    p = tmp_path / "铺排.csv"
    p.write_text(
        "年度,生活圈名称,街道,创建类型,完成时限\n2024年,梓园,侯家塘街道,AA型,2024年8月底\n", "utf-8"
    )
    assert run(circles, import_schedule_file, p, commit=True).committed
    p.write_text("年度,生活圈名称,创建类型\n2025,梓园,AA\n", "utf-8")
    report = run(circles, import_schedule_file, p, commit=True)
    assert report.committed and report.counts == {"新增目标": 0, "更新目标": 1, "未变目标": 0}
    assert any("2024 年" in n.message and "2025 年" in n.message for n in report.notices)
    with session_scope(circles) as s:
        t = s.scalar(select(ScheduleTarget))
        assert (t.year, t.due_date) == (2025, date(2025, 9, 30))


def test_broken_schedule_leaves_the_database_unchanged(circles, tmp_path):
    p = tmp_path / "铺排.csv"
    p.write_text(
        "生活圈名称,街道,2024年,2027年\n"
        "梓园,东塘街道,AA,\n"  # 梓园 lies in 侯家塘街道
        "不存在的圈,侯家塘街道,AA,\n"
        "侯家塘,侯家塘街道,AB,\n"
        "白沙,侯家塘街道,AAA,\n"  # AAA without AA
        "东塘,东塘街道,,AA\n",  # 2027 is outside the programme
        "utf-8",
    )
    before = db_state(circles)
    report = run(circles, import_schedule_file, p, commit=True)
    assert not report.committed and db_state(circles) == before
    fields = {(p.row, p.field) for p in report.errors}
    assert fields == {
        (1, "street"),
        (2, "circle_name"),
        (3, "2024年"),
        (4, "2024年"),
        (5, "2027年"),
    }
    assert "AAA 型只能" in next(p.message for p in report.errors if p.row == 4)


def test_project_library_with_short_unit_names(circles, tmp_path):
    path = project_library_xlsx(tmp_path / "项目库.xlsx")
    report = run(circles, import_projects, path, commit=True, on=date(2024, 7, 1))
    assert report.committed, [p.cells() for p in report.errors]
    with session_scope(circles) as s:
        projects = {p.name: p for p in s.scalars(select(Project))}
        kg = projects["梓园幼儿园新建"]
        assert (kg.code, kg.lead_unit.name, [u.name for u in kg.co_units]) == (
            "XM-01",
            "区教育局",
            ["侯家塘街道"],
        )
        assert (kg.status, kg.budget_yuan, kg.start_date, kg.due_date) == (
            "in_progress",
            3_205_000,
            date(2024, 3, 1),
            date(2024, 9, 30),
        )
        lift = projects["东塘老旧小区加装电梯"]
        assert lift.lead_unit.name == "区住房城乡建设局" and lift.budget_yuan == 12_000_000
        assert (lift.status, lift.completed_date, lift.funding_source) == (
            "completed",
            date(2024, 6, 20),
            "city_subsidy",
        )
        park = projects["白沙口袋公园"]
        assert (park.project_type, park.status, park.due_date, park.budget_yuan) == (
            "micro_renewal",
            "delayed",
            date(2024, 12, 31),
            850_000,
        )
        assert {lift.code, park.code} == {"XM2024-001", "XM2024-002"}
        assert [h.to_status for h in lift.history] == ["planned", "completed"]
        assert projects["湘天社区食堂"].status == "planned"


def test_broken_project_library(circles, tmp_path):
    p = tmp_path / "项目库.csv"
    p.write_text(
        "项目名称,生活圈编号,牵头单位,项目类型,项目状态,投资（万元）,完成时限\n"
        "甲,C01,区园林局,街区微改造,在建,10,2024-09-30\n"
        "乙,C01,区教育局,街区微改造,在建,100000000000000000000,2024-09-30\n"
        "丙,C01,区教育局,街区微改造,在建,10,2025-02-30\n"
        "丁,C01,区教育局,街区微改造,已验收,10,2024-09-30\n"
        "戊,C09,区教育局,菜场,在建,10,2024-09-30\n",
        "utf-8",
    )
    before = db_state(circles)
    report = run(circles, import_projects, p, commit=True)
    assert not report.committed and db_state(circles) == before
    got = {(e.row, e.field) for e in report.errors}
    assert {(1, "lead"), (2, "budget"), (3, "due"), (4, "status"), (5, "circle_id")} <= got
    assert (5, "type") in got
    assert next(e for e in report.errors if e.row == 2).column == "投资（万元）"


def test_unit_short_names_everywhere(units):
    with session_scope(units) as s:
        for name in ("区住建局", "住建局", "雨花区住房和城乡建设局", "zjj", "区住房城乡建设局"):
            assert get_unit(s, name).name == "区住房城乡建设局"
        assert get_unit(s, "侯家塘街道办事处").name == "侯家塘街道"
        assert get_unit(s, "侯家塘").name == "侯家塘街道"
        assert get_unit(s, "区卫健委").name == "区卫生健康局"
        with pytest.raises(RuleError, match="区人居环境局"):
            get_unit(s, "区人居环境")
        assert s.scalar(select(func.count()).select_from(Unit)) == 36


@pytest.mark.parametrize(
    "importer", [import_circles, import_schedule_file, import_projects], ids=lambda f: f.__name__
)
def test_a_damaged_workbook_gets_a_report_not_a_traceback(circles, tmp_path, importer):
    path = broken_xlsx(tmp_path / "表.xlsx")
    before = db_state(circles)
    report = run(circles, importer, path, commit=True)
    assert not report.committed and len(report.errors) == 1
    assert "损坏" in report.errors[0].message and report.errors[0].fix
    assert db_state(circles) == before


def test_circle_list_as_a_polygon_layer_keeps_outlines(units, tmp_path):
    import geopandas as gpd
    import shapely

    outline = shapely.box(112.98, 28.17, 112.99, 28.18)
    gpd.GeoDataFrame(
        {"生活圈编号": ["C01"], "生活圈名称": ["梓园"], "街道": ["侯家塘"], "社区": ["梓园社区"]},
        geometry=[outline],
        crs=4326,
    ).to_crs(32649).to_file(tmp_path / "生活圈.gpkg")
    report = run(units, import_circles, tmp_path / "生活圈.gpkg", commit=True)
    assert report.committed, report.problems
    with session_scope(units) as s:
        c = s.scalar(select(Circle))
        assert c.street.name == "侯家塘街道"
        assert shapely.from_wkb(c.geom_wkb).equals_exact(outline, 1e-9)
