"""``lifecircle schedule plan``: the creation schedule worked out by a MILP, as the 任务铺排表."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from lifecircle.cli.db import _day, _handle, console, open_programme, schedule_app

GRADE_ZH = {"AA": "AA型", "AAA": "AAA型"}


@schedule_app.command("plan")
@_handle
def schedule_plan(
    out: Path = typer.Option(..., "--out", help="任务铺排表 XLSX 文件，如 任务铺排表.xlsx"),
    budget: float | None = typer.Option(None, "--budget", help="年度预算（万元/年）；默认不限"),
    objective: str = typer.Option(
        "cost", "--objective", help="优化目标：cost（费用最省）或 residents（惠及居民最多）"
    ),
    start: str | None = typer.Option(None, "--start", help="开工起算日期 YYYY-MM-DD，默认今天"),
    costs: Path | None = typer.Option(
        None, "--costs", help="费用表 YAML（默认内置示例数字，须按本区实际替换）"
    ),
    checkup: Path | None = typer.Option(
        None, "--checkup", help="用该体检结果文件夹（默认用数据库中各圈最新体检结果）"
    ),
    catalogue: str | None = typer.Option(None, "--catalogue", help="指标体系（默认体检所用的）"),
    title: str | None = typer.Option(None, "--title", help="表头标题（默认按区名生成）"),
    commit: bool = typer.Option(False, "--commit", help="把铺排写入数据库的任务铺排表"),
    db: str | None = typer.Option(
        None, "--db", help="数据库 URL 或 SQLite 文件（默认 $LIFECIRCLE_DB_URL 或 ./lifecircle.db）"
    ),
    actor: str | None = typer.Option(None, "--actor", help="操作人（写入审计日志），默认当前用户"),
) -> None:
    """按体检短板、费用工期与全区目标（每年AA≥5、AAA≥3，2025年底AA 25个、AAA 10个）求解创建任务铺排。"""
    from lifecircle.workflow.planning import commit_plan, parse_objective, plan_creation_schedule
    from lifecircle.workflow.planning_xlsx import write_schedule_xlsx

    goal = parse_objective(objective)
    day = _day(start, "--start") if start else None
    result = None
    if checkup is not None:
        from lifecircle.checkup import CheckupResult

        result = CheckupResult.read(checkup)
    with open_programme(db, actor=actor) as s:
        planned = plan_creation_schedule(
            s, budget=budget, objective=goal, start=day, costs=costs, catalogue=catalogue,
            checkup=result,
        )  # fmt: skip
        path = write_schedule_xlsx(planned, out, title=title)
        written = commit_plan(s, planned) if commit else None  # refuses a plan short of the targets
    plan = planned.plan
    if planned.table.placeholder:
        console.print(f"[yellow]{planned.table.note_zh}[/yellow]")
    t = Table("年度", "铺排AA型（个）", "铺排AAA型（个）", "费用（万元）", title="创建任务铺排")
    for y in plan.plan_years:
        aa = sum(1 for a in plan.assignments if a.grade == "AA" and a.year == y)
        aaa = sum(1 for a in plan.assignments if a.grade == "AAA" and a.year == y)
        t.add_row(str(y), str(aa), str(aaa), f"{plan.cost_by_year.get(y, 0.0):,.0f}")
    console.print(t)
    if plan.feasible:
        console.print(plan.message)
    else:
        console.print("[red]无法满足全部创建目标[/red]")
        console.print(plan.message)
    if planned.unplanned:
        console.print(
            f"[yellow]无体检结果、未纳入铺排的生活圈：{'、'.join(planned.unplanned)}[/yellow]"
        )
    console.print(f"已写出 {path}")
    if written is not None:
        console.print(f"已写入数据库任务铺排表 {written} 条")
