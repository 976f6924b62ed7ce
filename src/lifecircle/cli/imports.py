"""CLI of the office imports and the 圈长负责制: ``lifecircle import circles|district|schedule|
projects|leaders`` and ``lifecircle leader set|list|import``.

Every import checks the file and prints its validation report; it writes only with
``--commit`` and a file without errors (exit code 2 when the report holds an error).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from lifecircle.cli import app
from lifecircle.cli._programme import (
    ActorOpt,
    DbOpt,
    _handle,
    _maybe_day,
    console,
    import_app,
    open_programme,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lifecircle.workflow.imports import ImportReport

leader_app = typer.Typer(help="圈长负责制：总圈长、副总圈长、圈长。", no_args_is_help=True)
app.add_typer(leader_app, name="leader")

CommitOpt = typer.Option(
    False, "--commit", help="检查无错误时写入数据库（不加则只检查、打印校验报告，不写入）"
)
ReportOpt = typer.Option(
    None, "--report", help="把校验报告另存为 .xlsx 或 .csv", dir_okay=False, resolve_path=False
)
SheetOpt = typer.Option(None, "--sheet", help="工作表名称（默认第一个）")


def show_report(report: ImportReport, out: Path | None) -> None:
    """Print the validation report (and write it to ``out``); exit 2 when it holds errors."""
    if report.problems:
        t = Table(show_lines=True, expand=True)
        for head in ("类别", "行", "表格行号"):
            t.add_column(head, no_wrap=True)
        t.add_column("列", overflow="fold", ratio=1)
        t.add_column("值", overflow="fold", ratio=1)
        t.add_column("问题", overflow="fold", ratio=3)
        t.add_column("改法", overflow="fold", ratio=3)
        for cells in report.rows_for_output():
            style = "red" if cells[0] == "错误" else "yellow"
            t.add_row(*[str(c) for c in cells], style=style)
        console.print(t)
    if report.table_title:
        console.print(f"表格标题：{report.table_title}")
    console.print(report.summary(), style="red" if report.errors else None)
    if out is not None:
        console.print(f"校验报告已写出：{report.write(out)}")
    if report.errors:
        raise typer.Exit(2)


def _run(
    fn: Callable[..., ImportReport],
    path: Path,
    *,
    commit: bool,
    report: Path | None,
    db: str | None,
    actor: str | None,
    **options: object,
) -> None:
    from lifecircle.workflow.imports import check_report_path

    out = check_report_path(report)
    with open_programme(db, actor=actor) as s:
        result = fn(s, path, commit=commit, **options)
    show_report(result, out)


@import_app.command("circles")
@_handle
def import_circles_cmd(
    path: Path,
    commit: bool = CommitOpt,
    report: Path | None = ReportOpt,
    sheet: str | None = SheetOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """导入生活圈清单（附件1）。

    CSV/XLSX，列：生活圈编号、生活圈名称、街道、社区；标题行、合并单元格、GBK 编码照原样读。
    """
    from lifecircle.workflow.place_imports import import_circles

    _run(import_circles, path, commit=commit, report=report, db=db, actor=actor, sheet=sheet)


@import_app.command("district")
@_handle
def import_district_cmd(
    folder: Path,
    commit: bool = CommitOpt,
    report: Path | None = ReportOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """导入区数据包的生活圈、社区、小区与设施。

    给出 district.yaml 所在文件夹；检查与体检（lifecircle checkup）相同。
    """
    from lifecircle.workflow.district_import import import_district

    _run(import_district, folder, commit=commit, report=report, db=db, actor=actor)


@import_app.command("schedule")
@_handle
def import_schedule_cmd(
    path: Path,
    commit: bool = CommitOpt,
    report: Path | None = ReportOpt,
    sheet: str | None = SheetOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """导入任务铺排表（附件2）。

    长表（年度、生活圈、目标等级、完成时限）或 生活圈×年度 矩阵（单元格 AA、AA型、√ 等）；
    生活圈写编号或名称。
    """
    from lifecircle.workflow.schedule_import import import_schedule_file

    _run(import_schedule_file, path, commit=commit, report=report, db=db, actor=actor, sheet=sheet)


@import_app.command("projects")
@_handle
def import_projects_cmd(
    path: Path,
    commit: bool = CommitOpt,
    report: Path | None = ReportOpt,
    sheet: str | None = SheetOpt,
    on: str | None = typer.Option(None, help="导入日期 YYYY-MM-DD（记入项目历史），默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """批量导入项目库。

    列：项目名称、生活圈、牵头单位（可写简称，如 区住建局）、项目类型、项目状态、投资（万元）、
    资金来源、开工日期、完成时限、实际完成、补齐短板、备注。
    """
    from lifecircle.workflow.project_import import import_projects

    day = _maybe_day(on, "--on")
    _run(
        import_projects,
        path,
        commit=commit,
        report=report,
        db=db,
        actor=actor,
        sheet=sheet,
        on=day,
    )


def _import_leaders(
    path: Path,
    commit: bool,
    report: Path | None,
    sheet: str | None,
    db: str | None,
    actor: str | None,
) -> None:
    from lifecircle.workflow.leader_import import import_leaders

    _run(import_leaders, path, commit=commit, report=report, db=db, actor=actor, sheet=sheet)


@import_app.command("leaders")
@_handle
def import_leaders_cmd(
    path: Path,
    commit: bool = CommitOpt,
    report: Path | None = ReportOpt,
    sheet: str | None = SheetOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """导入圈长名单（总圈长、副总圈长、圈长）。

    列：角色、姓名、职务、单位、街道、生活圈编号或名称、联系电话、任职日期；
    圈长须为所负责生活圈所在街道的同志。
    """
    _import_leaders(path, commit, report, sheet, db, actor)


@leader_app.command("import")
@_handle
def leader_import_cmd(
    path: Path,
    commit: bool = CommitOpt,
    report: Path | None = ReportOpt,
    sheet: str | None = SheetOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """导入圈长名单（同 lifecircle import leaders）。"""
    _import_leaders(path, commit, report, sheet, db, actor)


@leader_app.command("set")
@_handle
def leader_set(
    role: str = typer.Argument(
        ..., help="总圈长 / 副总圈长 / 圈长（或 chief / deputy_chief / circle_leader）"
    ),
    name: str = typer.Argument(..., help="姓名"),
    circle: str | None = typer.Option(None, "--circle", help="生活圈编号或名称（圈长）"),
    street: str | None = typer.Option(None, "--street", help="街道（副总圈长；圈长可写以便核对）"),
    unit: str | None = typer.Option(
        None, "--unit", help="单位（默认：总圈长为区人居环境局，其余为所在街道）"
    ),
    post: str | None = typer.Option(None, "--post", help="职务，如 党工委书记、办事处副主任"),
    phone: str | None = typer.Option(None, "--phone", help="联系电话"),
    since: str | None = typer.Option(
        None, "--since", help="任职日期 YYYY-MM-DD（更换时原任职务在此日结束）"
    ),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """任命总圈长、副总圈长或圈长；更换时原任者的任职自动结束（留有记录）。"""
    from lifecircle.workflow.leaders import set_leader

    day = _maybe_day(since, "--since")
    with open_programme(db, actor=actor) as s:
        change = set_leader(
            s,
            role,
            name,
            circle=circle,
            street=street,
            unit=unit,
            post=post,
            phone=phone,
            since=day,
        )
        text = _describe(s, change)
    console.print(text)


def _describe(session: Session, change: object) -> str:
    from lifecircle.workflow.leaders import ROLE_ZH, LeaderChange

    assert isinstance(change, LeaderChange)
    ld = change.leader
    place = (
        "全区"
        if ld.role == "chief"
        else ld.street.name
        if ld.role == "deputy_chief" and ld.street
        else f"{ld.circle.code} {ld.circle.name}"
        if ld.circle
        else ""
    )
    text = f"{place} {ROLE_ZH[ld.role]}：{ld.person.name}"
    if change.unchanged:
        return text + "（原已担任，信息已更新）"
    if change.replaced is not None:
        return text + f"（接替 {change.replaced.name}）"
    return text


@leader_app.command("list")
@_handle
def leader_list(
    history: bool = typer.Option(False, "--history", help="同时列出已卸任的"),
    db: str | None = DbOpt,
) -> None:
    """列出总圈长、各街道副总圈长与各生活圈圈长，并指出未设的职务。"""
    from lifecircle.workflow.leaders import list_leaders, missing_leaders

    t = Table("角色", "范围", "姓名", "单位", "职务", "电话", "任职", "卸任")
    with open_programme(db) as s:
        rows = list_leaders(s, history=history)
        missing = missing_leaders(s)
    for v in rows:
        t.add_row(
            v.role_zh,
            v.place,
            v.name,
            v.unit,
            v.post,
            v.phone,
            v.since.isoformat() if v.since else "",
            v.until.isoformat() if v.until else "",
            style="dim" if v.until else None,
        )
    console.print(t)
    if missing:
        console.print("未设：" + "；".join(missing), style="yellow")
