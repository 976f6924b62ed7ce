"""CLI of the creation programme: db, import, project, schedule, evaluate, bulletin.

Handlers only parse arguments and print; every rule lives in ``lifecircle.workflow``.
"""

from __future__ import annotations

import functools
import getpass
import json
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lifecircle.cli import app
from lifecircle.errors import LifecircleError

console = Console()
err = Console(stderr=True)

db_app = typer.Typer(help="数据库：迁移、备份、恢复。", no_args_is_help=True)
import_app = typer.Typer(
    help="导入：责任单位、生活圈清单（附件1）、区数据包、体检结果、任务铺排表。",
    no_args_is_help=True,
)
project_app = typer.Typer(help="项目库：补短板项目及其状态。", no_args_is_help=True)
schedule_app = typer.Typer(help="任务铺排表与全区目标。", no_args_is_help=True)
evaluate_app = typer.Typer(
    help="评定：居民自评、申报、区级审核、联合评定、公布挂牌、复核、奖补。", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(project_app, name="project")
app.add_typer(schedule_app, name="schedule")
app.add_typer(evaluate_app, name="evaluate")

DbOpt = typer.Option(
    None, "--db", help="数据库 URL 或 SQLite 文件（默认 $LIFECIRCLE_DB_URL 或 ./lifecircle.db）"
)
ActorOpt = typer.Option(None, "--actor", help="操作人（写入审计日志），默认当前用户")


def _handle(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LifecircleError as exc:
            err.print(f"[red]错误[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _engine(db: str | None, *, migrated: bool = True):
    from lifecircle.errors import RuleError
    from lifecircle.store import is_migrated, make_engine

    engine = make_engine(db)
    if migrated and not is_migrated(engine):
        raise RuleError(
            f"database {engine.url.render_as_string()} has no schema",
            fix="run `lifecircle db upgrade` first",
        )
    return engine


@contextmanager
def _scope(db, actor=None):
    """One unit of work on a fresh engine that is disposed afterwards."""
    from lifecircle.store import session_scope

    engine = _engine(db)
    try:
        with session_scope(engine, actor=actor or getpass.getuser()) as s:
            yield s
    finally:
        engine.dispose()


@contextmanager
def _engine_ctx(db, *, migrated=True):
    engine = _engine(db, migrated=migrated)
    try:
        yield engine
    finally:
        engine.dispose()


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()


# --- db ---------------------------------------------------------------------------------------


@db_app.command("upgrade")
@_handle
def db_upgrade(db: str = DbOpt, seed: bool = typer.Option(True, help="同时写入责任单位与街道")):
    """建立或升级数据库结构（Alembic 迁移）。"""
    from lifecircle.store import session_scope, upgrade
    from lifecircle.workflow.places import seed_units

    with _engine_ctx(db, migrated=False) as engine:
        upgrade(engine)
        if seed:
            with session_scope(engine, actor="lifecircle db upgrade") as s:
                seed_units(s)
        console.print(f"数据库已就绪：{engine.url.render_as_string()}")


@db_app.command("backup")
@_handle
def db_backup(path: Path, db: str = DbOpt):
    """把所有表导出为可移植的 JSON 备份。"""
    from lifecircle.store.backup import backup

    with _engine_ctx(db) as engine:
        counts = backup(engine, path)
    console.print(f"已备份 {sum(counts.values())} 行到 {path}")


@db_app.command("restore")
@_handle
def db_restore(
    path: Path, db: str = DbOpt, yes: bool = typer.Option(False, "--yes", help="确认覆盖现有数据")
):
    """用备份替换数据库中的全部数据（一个事务，恢复后逐表核对）。"""
    from lifecircle.store.backup import restore

    if not yes:
        typer.confirm("恢复将替换数据库中的全部数据，继续？", abort=True)
    with _engine_ctx(db) as engine:
        counts = restore(engine, path)
    console.print(f"已恢复 {sum(counts.values())} 行，逐表核对一致")


# --- import -----------------------------------------------------------------------------------


@import_app.command("units")
@_handle
def import_units(db: str = DbOpt, actor: str = ActorOpt):
    """写入方案列明的责任单位和各街道（可重复执行）。"""
    from lifecircle.workflow.places import seed_units

    with _scope(db, actor) as s:
        console.print(seed_units(s))


@import_app.command("circles")
@_handle
def import_circles(path: Path, db: str = DbOpt, actor: str = ActorOpt):
    """导入生活圈清单（附件1，CSV/XLSX：生活圈编号、名称、街道、社区）。"""
    from lifecircle.workflow.places import import_circle_list

    with _scope(db, actor) as s:
        console.print(f"已导入 {import_circle_list(s, path)} 个生活圈")


@import_app.command("district")
@_handle
def import_district(folder: Path, db: str = DbOpt, actor: str = ActorOpt):
    """导入区数据包的生活圈、社区与小区（几何以 WKB 存储）。"""
    from lifecircle.workflow.places import import_district_package

    with _scope(db, actor) as s:
        console.print(import_district_package(s, folder))


@import_app.command("checkup")
@_handle
def import_checkup_cmd(path: Path, db: str = DbOpt, actor: str = ActorOpt):
    """导入一次体检结果（checkup.json），保留指标体系版本与输入哈希。"""
    from lifecircle.workflow.checkups import import_checkup, load_checkup_file

    with _scope(db, actor) as s:
        run = import_checkup(s, load_checkup_file(path), source=str(path))
        console.print(f"已导入体检 {run.run_key}（{run.catalogue_id} {run.catalogue_version}）")


@import_app.command("geometry")
@_handle
def import_geometry_cmd(path: Path, db: str = DbOpt, actor: str = ActorOpt):
    """导入生活圈范围（面图层，含 circle_id 列，如体检输出的 circles.gpkg），供网页地图使用。"""
    from lifecircle.workflow.geometry import import_circle_geometry

    with _scope(db, actor) as s:
        console.print(f"已导入 {import_circle_geometry(s, path)} 个生活圈的范围")


@import_app.command("schedule")
@_handle
def import_schedule_cmd(path: Path, db: str = DbOpt, actor: str = ActorOpt):
    """导入任务铺排表（附件2，XLSX/CSV：年度、生活圈编号、目标等级、备注）。"""
    from lifecircle.workflow.schedule import import_schedule

    with _scope(db, actor) as s:
        console.print(f"已导入 {import_schedule(s, path)} 条创建目标")


# --- project ----------------------------------------------------------------------------------


@project_app.command("list")
@_handle
def project_list(
    db: str = DbOpt,
    circle: str = typer.Option(None),
    unit: str = typer.Option(None),
    status: str = typer.Option(None),
    today: str = typer.Option(None),
    overdue: bool = typer.Option(False, help="只列逾期未完成项目"),
):
    """列出项目（按日期判断按期/逾期）。"""
    from lifecircle.workflow import projects as pj

    day = _day(today)
    with _scope(db) as s:
        rows = pj.list_projects(
            s, circle=circle, unit=unit, status=status, overdue_on=day if overdue else None
        )
        t = Table("编号", "名称", "生活圈", "牵头单位", "状态", "完成时限", "进度", "判定", "版本")
        for p in rows:
            tl = pj.timeliness(p, day)
            t.add_row(
                p.code,
                p.name,
                p.circle.code,
                p.lead_unit.name,
                pj.STATUS_ZH[p.status],
                p.due_date.isoformat(),
                f"{p.progress}%",
                tl.zh,
                str(p.version),
            )
        console.print(t)


@project_app.command("add")
@_handle
def project_add(
    code: str,
    name: str,
    circle: str = typer.Option(...),
    project_type: str = typer.Option(..., "--type", help="七个统筹之一"),
    lead: str = typer.Option(..., help="牵头单位"),
    due: str = typer.Option(..., help="完成时限 YYYY-MM-DD"),
    co: list[str] = typer.Option([], help="配合单位，可重复"),
    indicator: list[str] = typer.Option([], help="补齐的指标 id，可重复"),
    budget: int = typer.Option(0, help="投资（元）"),
    funding: str = typer.Option("district_finance", help="区级财政/市级补助/社会资本"),
    start: str = typer.Option(None),
    on: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """新增补短板项目（状态：计划）。"""
    from lifecircle.workflow.projects import create_project

    with _scope(db, actor) as s:
        p = create_project(
            s,
            code=code,
            name=name,
            circle=circle,
            project_type=project_type,
            lead_unit=lead,
            co_units=co,
            indicator_ids=indicator,
            budget_yuan=budget,
            funding_source=funding,
            start_date=date.fromisoformat(start) if start else None,
            due_date=date.fromisoformat(due),
            on=_day(on),
        )
        console.print(f"已新增项目 {p.code}（版本 {p.version}）")


@project_app.command("status")
@_handle
def project_status(
    code: str,
    to: str,
    on: str = typer.Option(None),
    version: int = typer.Option(None, help="你看到的版本（防止覆盖他人修改）"),
    note: str = typer.Option(None),
    new_due: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """变更项目状态：approved / in_progress / completed / verified / delayed / cancelled。"""
    from lifecircle.workflow.projects import transition

    with _scope(db, actor) as s:
        p = transition(
            s,
            code,
            to,
            on=_day(on),
            expected_version=version,
            note=note,
            new_due_date=date.fromisoformat(new_due) if new_due else None,
        )
        console.print(f"{p.code} → {p.status}（版本 {p.version}）")


@project_app.command("progress")
@_handle
def project_progress(
    code: str,
    percent: int,
    version: int = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """报送项目进度（%）。"""
    from lifecircle.workflow.projects import report_progress

    with _scope(db, actor) as s:
        p = report_progress(s, code, percent, expected_version=version)
        console.print(f"{p.code} 进度 {p.progress}%（版本 {p.version}）")


@project_app.command("evidence")
@_handle
def project_evidence(code: str, file: Path, db: str = DbOpt, actor: str = ActorOpt):
    """上传项目佐证材料（保存内容与 sha256）。"""
    from lifecircle.workflow.projects import attach_evidence

    with _scope(db, actor) as s:
        ev = attach_evidence(s, code, file.name, file.read_bytes())
        console.print(f"已保存 {ev.filename} sha256:{ev.sha256}")


@project_app.command("history")
@_handle
def project_history(code: str, db: str = DbOpt):
    """项目状态变更历史。"""
    from lifecircle.workflow.projects import get_project

    with _scope(db) as s:
        for h in get_project(s, code).history:
            console.print(f"{h.on} {h.from_status or '-'} → {h.to_status} {h.actor} {h.note or ''}")


# --- schedule ---------------------------------------------------------------------------------


@schedule_app.command("list")
@_handle
def schedule_list(year: int = typer.Option(None), today: str = typer.Option(None), db: str = DbOpt):
    """任务铺排表及每个目标的状态。"""
    from lifecircle.workflow.schedule import list_targets, target_state

    with _scope(db) as s:
        t = Table("年度", "生活圈", "名称", "街道", "等级", "时限", "状态", "说明")
        for x in list_targets(s, year=year):
            st = target_state(s, x, _day(today))
            t.add_row(
                str(x.year),
                x.circle.code,
                x.circle.name,
                x.circle.street.name,
                x.grade,
                x.due_date.isoformat(),
                st.zh,
                st.reason,
            )
        console.print(t)


@schedule_app.command("add")
@_handle
def schedule_add(
    circle: str,
    year: int,
    grade: str,
    note: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """把生活圈列入某年度 AA / AAA 创建目标。"""
    from lifecircle.workflow.schedule import add_target

    with _scope(db, actor) as s:
        t = add_target(s, circle, year, grade, note)
        console.print(f"{circle} {t.grade} {t.year}，完成时限 {t.due_date}")


@schedule_app.command("check")
@_handle
def schedule_check(today: str = typer.Option(None), db: str = DbOpt):
    """核对全区目标（2025年底AA 25个、AAA 10个，每年AA≥5、AAA≥3）。"""
    from lifecircle.workflow.schedule import check_totals

    with _scope(db) as s:
        t = Table("目标", "要求", "已铺排", "已达标", "铺排")
        for c in check_totals(s, as_of=_day(today)):
            t.add_row(
                c.label,
                str(c.required),
                str(c.planned),
                str(c.achieved),
                "满足" if c.planned_ok else "[red]不足[/red]",
            )
        console.print(t)


@schedule_app.command("export")
@_handle
def schedule_export(path: Path, db: str = DbOpt):
    """导出任务铺排表为 XLSX。"""
    from lifecircle.workflow.schedule import export_schedule

    with _scope(db) as s:
        console.print(f"已导出 {export_schedule(s, path)} 条到 {path}")


# --- evaluate ---------------------------------------------------------------------------------


@evaluate_app.command("self")
@_handle
def evaluate_self(
    circle: str,
    grade: str,
    year: int = typer.Option(...),
    respondents: int = typer.Option(...),
    satisfaction: float = typer.Option(...),
    on: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """记录居民自评（问卷份数、满意度%）。"""
    from lifecircle.workflow.evaluation import self_assessment

    with _scope(db, actor) as s:
        e = self_assessment(
            s,
            circle,
            grade,
            year=year,
            on=_day(on),
            respondents=respondents,
            satisfaction=satisfaction,
        )
        console.print(f"评定 {e.id}：{circle} {grade} 居民自评已记录")


@evaluate_app.command("declare")
@_handle
def evaluate_declare(
    evaluation_id: int,
    on: str = typer.Option(None),
    override_reason: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """街道申报（最新体检须全部通过约束性指标，否则须记录理由）。"""
    from lifecircle.workflow.evaluation import declare

    with _scope(db, actor) as s:
        e = declare(s, evaluation_id, on=_day(on), override_reason=override_reason)
        console.print(
            f"评定 {e.id} 已申报" + (f"（例外：{e.override_reason}）" if e.override_reason else "")
        )


@evaluate_app.command("review")
@_handle
def evaluate_review(
    evaluation_id: int,
    passed: bool = typer.Option(..., "--passed/--failed"),
    note: str = typer.Option(None),
    on: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """区级审核。"""
    from lifecircle.workflow.evaluation import district_review

    with _scope(db, actor) as s:
        console.print(
            district_review(s, evaluation_id, on=_day(on), passed=passed, note=note).stage
        )


@evaluate_app.command("joint")
@_handle
def evaluate_joint(
    evaluation_id: int,
    accepted: bool = typer.Option(..., "--accepted/--rejected"),
    evidence: list[Path] = typer.Option(..., help="评定验收佐证文件，可重复"),
    note: str = typer.Option(None),
    on: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """市区联合评定验收（须附佐证）。"""
    from lifecircle.workflow.evaluation import joint_evaluation

    with _scope(db, actor) as s:
        e = joint_evaluation(
            s,
            evaluation_id,
            on=_day(on),
            accepted=accepted,
            note=note,
            evidence=[(p.name, p.read_bytes()) for p in evidence],
        )
        console.print(f"评定 {e.id}：{e.verdict}")


@evaluate_app.command("publish")
@_handle
def evaluate_publish(
    evaluation_id: int, on: str = typer.Option(None), db: str = DbOpt, actor: str = ActorOpt
):
    """向社会公布。"""
    from lifecircle.workflow.evaluation import publish

    with _scope(db, actor) as s:
        console.print(publish(s, evaluation_id, on=_day(on)).stage)


@evaluate_app.command("plaque")
@_handle
def evaluate_plaque(
    evaluation_id: int, on: str = typer.Option(None), db: str = DbOpt, actor: str = ActorOpt
):
    """挂牌。"""
    from lifecircle.workflow.evaluation import hang_plaque

    with _scope(db, actor) as s:
        console.print(hang_plaque(s, evaluation_id, on=_day(on)).stage)


@evaluate_app.command("recheck")
@_handle
def evaluate_recheck(
    circle: str,
    year: int = typer.Option(...),
    passed: bool = typer.Option(..., "--passed/--failed"),
    evidence: list[Path] = typer.Option(...),
    note: str = typer.Option(None),
    on: str = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """年度复核（未通过则降级）。"""
    from lifecircle.workflow.evaluation import held_grade, recheck

    with _scope(db, actor) as s:
        recheck(
            s,
            circle,
            year=year,
            on=_day(on),
            passed=passed,
            note=note,
            evidence=[(p.name, p.read_bytes()) for p in evidence],
        )
        console.print(f"{circle} 现持有等级：{held_grade(s, circle)}")


@evaluate_app.command("list")
@_handle
def evaluate_list(circle: str = typer.Option(None), db: str = DbOpt):
    """列出评定记录。"""
    from lifecircle.workflow.evaluation import STAGE_ZH, list_evaluations

    with _scope(db) as s:
        t = Table("编号", "生活圈", "等级", "年度", "阶段", "申报例外")
        for e in list_evaluations(s, circle=circle):
            t.add_row(
                str(e.id),
                e.circle.code,
                e.grade,
                str(e.year),
                STAGE_ZH[e.stage],
                e.override_reason or "",
            )
        console.print(t)


@evaluate_app.command("subsidies")
@_handle
def evaluate_subsidies(
    out: Path = typer.Option(None, help="导出 XLSX"),
    year: int = typer.Option(None),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """按奖补规则测算每个达标生活圈的奖补，可导出。"""
    from lifecircle.workflow import subsidies

    with _scope(db, actor) as s:
        subsidies.ensure_default_rules(s)
        lines = subsidies.compute(s, year=year)
        t = Table("生活圈", "等级", "年度", "金额（元）", "说明")
        for x in lines:
            t.add_row(
                f"{x.circle_code} {x.circle_name}",
                x.grade,
                str(x.year),
                f"{x.amount_yuan:,}",
                x.reason,
            )
        console.print(t)
        if out:
            subsidies.export_xlsx(lines, out)
            console.print(f"已导出 {out}")


# --- bulletin ---------------------------------------------------------------------------------


@app.command("bulletin")
@_handle
def bulletin_cmd(
    period: str = typer.Option(..., help="YYYY-MM，如 2024-09"),
    today: str = typer.Option(None, help="判定日期，默认该月最后一天"),
    out: Path = typer.Option(Path("."), help="输出目录"),
    db: str = DbOpt,
    actor: str = ActorOpt,
):
    """生成并保存某期通报（Word 与 Excel）。"""
    from lifecircle.workflow import bulletins

    with _scope(db, actor) as s:
        b = bulletins.publish(s, period, today=date.fromisoformat(today) if today else None)
        out.mkdir(parents=True, exist_ok=True)
        d = bulletins.render_docx(b.data, out / f"通报_{period}.docx")
        x = bulletins.render_xlsx(b.data, out / f"通报_{period}.xlsx")
        sm = b.data["summary"]
        console.print(
            f"{bulletins.title(b.data)}：逾期项目 {sm['overdue']} 个，"
            f"表扬 {len(b.data['praised'])}，批评 {len(b.data['criticised'])}"
        )
        console.print(f"已写出 {d} 与 {x}")


@project_app.command("export-json", hidden=True)
@_handle
def project_export_json(db: str = DbOpt):
    from lifecircle.workflow.projects import list_projects

    with _scope(db) as s:
        typer.echo(json.dumps([p.code for p in list_projects(s)], ensure_ascii=False))
