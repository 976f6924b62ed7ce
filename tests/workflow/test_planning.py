"""``lifecircle schedule plan`` on the demo programme: targets met, committed, the 任务铺排表."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from lifecircle.errors import RuleError
from lifecircle.store.models import Evaluation, ScheduleTarget
from lifecircle.workflow import config
from lifecircle.workflow.demo import seed_demo_programme
from lifecircle.workflow.planning import PLAN_NOTE, commit_plan, plan_creation_schedule
from lifecircle.workflow.planning_xlsx import write_schedule_xlsx
from lifecircle.workflow.schedule import check_totals

START = date(2024, 3, 1)


@pytest.fixture
def seeded(session, checkup):
    """The demo programme: 2022-23 evaluations done, targets 2022-2025, projects."""
    seed_demo_programme(session, checkup, today=date(2024, 2, 28))
    session.commit()
    return session


def _reached(session) -> dict[tuple[str, str], int]:
    """(circle code, grade) -> year reached, from the accepted evaluations themselves."""
    out: dict[tuple[str, str], int] = {}
    q = select(Evaluation).where(Evaluation.verdict == "accepted", Evaluation.is_recheck.is_(False))
    for e in session.scalars(q):
        key = (e.circle.code, e.grade)
        out[key] = min(out.get(key, e.year), e.year)
    return out


def test_plan_meets_every_target_commits_and_writes_the_xlsx(seeded, tmp_path):
    s = seeded
    planned = plan_creation_schedule(s, start=START)
    plan = planned.plan
    assert plan.feasible, plan.message
    reached = _reached(s)
    # every target of programme.yaml, counted from the evaluations and the assignments
    for rule in config.programme()["totals"]:
        years = set(rule["years"])
        if max(years) < 2024:
            continue
        grade = rule["grade"]
        held = {
            c for (c, g), y in reached.items()
            if (g == grade or (grade == "AA" and g == "AAA"))
            and (y in years or (len(years) > 1 and y < min(years)))
        }  # fmt: skip
        planned_n = sum(1 for a in plan.assignments if a.grade == grade and a.year in years)
        assert len(held) + planned_n >= rule["min"], rule["id"]
    # AAA never before AA, never for a circle holding it
    for a in plan.assignments:
        assert (a.circle, a.grade) not in reached
        if a.grade == "AAA" and (a.circle, "AA") not in reached:
            assert plan.for_circle(a.circle)["AA"] <= a.year
    n = commit_plan(s, planned)
    s.commit()
    rows = {(t.circle.code, t.grade): t for t in s.scalars(select(ScheduleTarget))}
    assert n == len(plan.assignments)
    for a in plan.assignments:
        t = rows[(a.circle, a.grade)]
        assert (t.year, t.due_date, t.note) == (a.year, a.due, PLAN_NOTE)
    # the database's own check of the totals agrees
    assert all(c.planned_ok for c in check_totals(s) if max(c_years(c)) >= 2024)
    # the 任务铺排表 in the office's layout
    planned = plan_creation_schedule(s, start=START, objective="惠及居民")  # Chinese works
    path = write_schedule_xlsx(planned, tmp_path / "任务铺排表.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["任务铺排表", "费用明细", "目标核对"]
    ws = wb["任务铺排表"]
    assert ws["A1"].value == "雨花区创建“绿色完整”居住社区生活圈任务铺排表（2022-2025年）"
    assert "示例数字" in "".join(str(ws.cell(r, 1).value) for r in range(2, 4))
    header = next(r for r in range(1, 8) if ws.cell(r, 1).value == "序号")
    heads = [c.value for c in ws[header]]
    assert heads[:6] == ["序号", "街道", "生活圈编号", "生活圈名称", "常住人口", "体检评级"]
    assert heads[6:10] == ["2022年", "2023年", "2024年", "2025年"]
    codes = [ws.cell(r, 3).value for r in range(header + 1, header + 50)]
    assert sorted(codes) == sorted(planned.circles)
    grid = {ws.cell(r, 3).value: [ws.cell(r, c).value or "" for c in range(7, 11)]
            for r in range(header + 1, header + 50)}  # fmt: skip
    for a in planned.plan.assignments:
        assert {"AA": "AA型", "AAA": "AAA型"}[a.grade] in grid[a.circle][a.year - 2022]


def c_years(check) -> list[int]:
    return next(r["years"] for r in config.programme()["totals"] if r["id"] == check.id)


def test_an_impossible_plan_explains_itself_and_is_not_committed(seeded, tmp_path):
    """Planning after 30 September 2024 with fewer than 5 AA reached in 2024: that target is lost."""
    planned = plan_creation_schedule(seeded, start=date(2024, 10, 15))
    plan = planned.plan
    assert not plan.feasible and plan.diagnosis is not None
    done = sum(1 for (_, g), y in _reached(seeded).items() if g == "AA" and y == 2024)
    assert done < 5
    (gap,) = [g for g in plan.diagnosis.gaps if g.target.id == "aa_2024"]
    assert (gap.best, gap.short) == (done, 5 - done)
    assert "2024年的时限已过（2024-09-30）" in plan.message and f"差 {5 - done} 个" in plan.message
    path = write_schedule_xlsx(planned, tmp_path / "x.xlsx")
    why = openpyxl.load_workbook(path)["无法满足的原因"]
    assert any("2024年创建AA型不少于5个" in str(r[0]) for r in why.iter_rows(values_only=True))
    before = len(seeded.scalars(select(ScheduleTarget)).all())
    with pytest.raises(RuleError, match="未满足全部创建目标"):
        commit_plan(seeded, planned)
    assert len(seeded.scalars(select(ScheduleTarget)).all()) == before


def test_cli_plan(tmp_path, demo_checkup):
    from lifecircle.workflow.demo import build_demo_database

    db = build_demo_database(tmp_path / "demo.db", demo_checkup)
    out = tmp_path / "任务铺排表.xlsx"

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "lifecircle", "schedule", "plan", "--db", str(db), *args],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    r = run("--out", str(out), "--start", "2024-03-01", "--objective", "cost", "--commit")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "已写出" in r.stdout and "已写入数据库任务铺排表" in r.stdout
    assert out.exists()
    bad = run("--out", str(out), "--objective", "fastest")
    assert bad.returncode != 0 and "未知的优化目标" in (bad.stdout + bad.stderr)
