"""CLI of the creation programme: db, import, project, schedule, evaluate (bulletin: cli/bulletin.py).

Handlers only parse arguments and print; every rule lives in ``lifecircle.workflow``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from lifecircle.cli import app
from lifecircle.cli import imports as _imports  # noqa: F401  (the office imports, leader)
from lifecircle.cli._programme import (
    ActorOpt,
    DbOpt,
    _day,
    _handle,
    _maybe_day,
    console,
    err,
    import_app,
    open_programme,
)

__all__ = ["ActorOpt", "DbOpt", "_day", "_handle", "_maybe_day", "console", "err", "open_programme"]

db_app = typer.Typer(help="数据库：迁移、备份、恢复。", no_args_is_help=True)
project_app = typer.Typer(help="项目库：补短板项目及其状态。", no_args_is_help=True)
schedule_app = typer.Typer(help="任务铺排表与全区目标。", no_args_is_help=True)
evaluate_app = typer.Typer(
    help="评定：居民自评、申报、区级审核、联合评定、公布挂牌、复核、奖补。", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(project_app, name="project")
app.add_typer(schedule_app, name="schedule")
app.add_typer(evaluate_app, name="evaluate")


# --- db ---------------------------------------------------------------------------------------


@db_app.command("upgrade")
@_handle
def db_upgrade(
    db: str | None = DbOpt,
    seed: bool = typer.Option(True, help="同时写入责任单位、街道与默认奖补规则"),
) -> None:
    """建立或升级数据库结构（Alembic 迁移），并写入责任单位、街道与默认奖补规则。"""
    from lifecircle.workflow.session import upgrade_database

    console.print(f"数据库已就绪：{upgrade_database(db, seed=seed)}")


DataDirOpt = typer.Option(
    None,
    "--data-dir",
    envvar="LIFECIRCLE_DATA_DIR",
    help="平台数据目录（佐证材料在其 evidence/ 中；默认 $LIFECIRCLE_DATA_DIR 或 ./lifecircle-data）",
)


@db_app.command("backup")
@_handle
def db_backup(
    path: Path | None = typer.Argument(None, help="备份文件（只导出数据库，不含佐证材料目录）"),
    folder: Path | None = typer.Option(
        None, "--dir", help="备份目录：写入带时间的备份、增量复制佐证材料，并只保留最新几份"
    ),
    keep: int = typer.Option(14, "--keep", min=1, help="备份目录中保留的份数（与 --dir 同用）"),
    data_dir: Path | None = DataDirOpt,
    db: str | None = DbOpt,
) -> None:
    """备份：导出所有表为可移植的 JSON；用 --dir 时连同佐证材料轮换备份（可放入 cron 定时执行）。"""
    from lifecircle.errors import InputError

    if (path is None) == (folder is None):
        raise InputError(
            "请给出备份文件或 --dir 备份目录（二者选一）",
            field="PATH / --dir",
            fix="如 lifecircle db backup 备份.json，或 lifecircle db backup --dir /备份 --keep 14",
        )
    if path is not None:
        from lifecircle.workflow.session import backup_database

        counts = backup_database(db, path)
        console.print(f"已备份 {sum(counts.values())} 行到 {path}")
        return
    from lifecircle.workflow.backups import backup_rotation

    evidence_dir = (data_dir or Path("lifecircle-data")) / "evidence"
    assert folder is not None
    run = backup_rotation(db, folder, keep=keep, evidence_dir=evidence_dir)
    console.print(
        f"已备份 {sum(run.rows.values())} 行到 {run.path}；"
        f"新复制佐证材料 {run.evidence_copied} 份；删除旧备份 {len(run.removed)} 份"
    )
    if run.evidence_missing:
        err.print(
            f"[red]警告：{len(run.evidence_missing)} 份佐证材料不在材料目录 {evidence_dir} 中"
            "或已被改动，未能备份；请用 --data-dir 指向平台的数据目录[/red]"
        )


@db_app.command("restore")
@_handle
def db_restore(
    path: Path,
    db: str | None = DbOpt,
    data_dir: Path | None = DataDirOpt,
    yes: bool = typer.Option(False, "--yes", help="确认覆盖现有数据"),
) -> None:
    """用备份替换数据库中的全部数据（一个事务，恢复后逐表核对）；备份旁有 evidence/ 目录且给出数据目录时，同时恢复佐证材料。"""
    from lifecircle.workflow.backups import restore_backup

    if not yes:
        typer.confirm("恢复将替换数据库中的全部数据，继续？", abort=True)
    run = restore_backup(db, path, data_dir=data_dir)
    console.print(f"已恢复 {sum(run.rows.values())} 行，逐表核对一致")
    if data_dir is not None and run.evidence_referenced:
        console.print(f"已恢复佐证材料 {run.evidence_restored} 份到 {data_dir / 'evidence'}")
    elif run.evidence_referenced:
        err.print(
            f"提示：备份引用 {run.evidence_referenced} 份存于材料目录的佐证材料，未恢复；"
            "请加 --data-dir 平台数据目录"
        )
    if run.evidence_missing:
        err.print(
            f"[red]警告：{len(run.evidence_missing)} 份佐证材料不在备份旁的 evidence/ 目录中"
            "或已被改动，未能恢复[/red]"
        )


# --- import -----------------------------------------------------------------------------------


@import_app.command("units")
@_handle
def import_units(db: str | None = DbOpt, actor: str | None = ActorOpt) -> None:
    """写入方案列明的责任单位和各街道（可重复执行）。"""
    from lifecircle.workflow.places import seed_units

    with open_programme(db, actor=actor) as s:
        counts = seed_units(s)
    console.print(
        f"已写入街道 {counts['streets']} 个、责任单位 {counts['units']} 个（已有的不重复写入）"
    )


@import_app.command("checkup")
@_handle
def import_checkup_cmd(path: Path, db: str | None = DbOpt, actor: str | None = ActorOpt) -> None:
    """导入一次体检结果（checkup.json），保留指标体系版本与输入哈希。"""
    from lifecircle.workflow.checkups import import_checkup, load_checkup_file

    with open_programme(db, actor=actor) as s:
        run = import_checkup(s, load_checkup_file(path), source=str(path))
        console.print(f"已导入体检 {run.run_key}（{run.catalogue_id} {run.catalogue_version}）")


@import_app.command("geometry")
@_handle
def import_geometry_cmd(path: Path, db: str | None = DbOpt, actor: str | None = ActorOpt) -> None:
    """导入生活圈范围（面图层，含 circle_id 列，如体检输出的 circles.gpkg），供网页地图使用。"""
    from lifecircle.workflow.geometry import import_circle_geometry

    with open_programme(db, actor=actor) as s:
        n = import_circle_geometry(s, path)
    console.print(f"已导入 {n} 个生活圈的范围")


# --- project ----------------------------------------------------------------------------------


@project_app.command("list")
@_handle
def project_list(
    db: str | None = DbOpt,
    circle: str | None = typer.Option(None, help="生活圈编号"),
    unit: str | None = typer.Option(None, help="牵头单位"),
    status: str | None = typer.Option(None, help="状态，如 在建、延期"),
    today: str | None = typer.Option(None, help="判定日期 YYYY-MM-DD，默认今天"),
    overdue: bool = typer.Option(False, help="只列逾期未完成项目"),
) -> None:
    """列出项目（按日期判断按期/逾期）。"""
    from lifecircle.workflow import projects as pj

    day = _day(today, "--today")
    t = Table("编号", "名称", "生活圈", "牵头单位", "状态", "完成时限", "进度", "判定", "版本")
    with open_programme(db) as s:
        rows = pj.judge_projects(
            s, on=day, circle=circle, unit=unit, status=status, overdue_only=overdue
        )
        for p, tl in rows:
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
    circle: str = typer.Option(..., help="生活圈编号"),
    project_type: str = typer.Option(..., "--type", help="七个统筹之一"),
    lead: str = typer.Option(..., help="牵头单位"),
    due: str = typer.Option(..., help="完成时限 YYYY-MM-DD"),
    co: list[str] = typer.Option([], help="配合单位，可重复"),
    indicator: list[str] = typer.Option([], help="补齐的指标 id，可重复"),
    budget: int = typer.Option(0, help="投资（元）"),
    funding: str = typer.Option("区级财政", help="资金来源：区级财政/市级补助/社会资本"),
    start: str | None = typer.Option(None, help="开工日期 YYYY-MM-DD"),
    on: str | None = typer.Option(None, help="登记日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """新增补短板项目（状态：计划）。"""
    from lifecircle.workflow.projects import create_project

    due_date, start_date, day = _day(due, "--due"), _maybe_day(start, "--start"), _day(on)
    with open_programme(db, actor=actor) as s:
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
            start_date=start_date,
            due_date=due_date,
            on=day,
        )
        console.print(f"已新增项目 {p.code}（版本 {p.version}）")


@project_app.command("status")
@_handle
def project_status(
    code: str,
    to: str,
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    version: int | None = typer.Option(None, help="你看到的版本（防止覆盖他人修改）"),
    note: str | None = typer.Option(None, help="说明（延期、取消须写明原因）"),
    new_due: str | None = typer.Option(None, help="延期后的完成时限 YYYY-MM-DD"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """变更项目状态：已立项 / 在建 / 已完工 / 已验收 / 延期 / 已取消（也认英文代码）。"""
    from lifecircle.workflow.projects import STATUS_ZH, transition

    day, new_due_date = _day(on), _maybe_day(new_due, "--new-due")
    with open_programme(db, actor=actor) as s:
        p = transition(
            s, code, to, on=day, expected_version=version, note=note, new_due_date=new_due_date
        )
        console.print(f"{p.code} → {STATUS_ZH[p.status]}（版本 {p.version}）")


@project_app.command("progress")
@_handle
def project_progress(
    code: str,
    percent: int,
    version: int | None = typer.Option(None, help="你看到的版本（防止覆盖他人修改）"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """报送项目进度（%）。"""
    from lifecircle.workflow.projects import report_progress

    with open_programme(db, actor=actor) as s:
        p = report_progress(s, code, percent, expected_version=version)
        console.print(f"{p.code} 进度 {p.progress}%（版本 {p.version}）")


@project_app.command("evidence")
@_handle
def project_evidence(
    code: str, file: Path, db: str | None = DbOpt, actor: str | None = ActorOpt
) -> None:
    """上传项目佐证材料（保存内容与 sha256）。"""
    from lifecircle.workflow.projects import attach_evidence

    content = file.read_bytes()
    with open_programme(db, actor=actor) as s:
        ev = attach_evidence(s, code, file.name, content)
        console.print(f"已保存 {ev.filename} sha256:{ev.sha256}")


@project_app.command("history")
@_handle
def project_history(code: str, db: str | None = DbOpt) -> None:
    """项目状态变更历史。"""
    from lifecircle.workflow.projects import STATUS_ZH, get_project

    with open_programme(db) as s:
        for h in get_project(s, code).history:
            before = STATUS_ZH[h.from_status] if h.from_status else "-"
            console.print(f"{h.on} {before} → {STATUS_ZH[h.to_status]} {h.actor} {h.note or ''}")


# --- schedule ---------------------------------------------------------------------------------


@schedule_app.command("list")
@_handle
def schedule_list(
    year: int | None = typer.Option(None, help="年度"),
    today: str | None = typer.Option(None, help="判定日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
) -> None:
    """任务铺排表及每个目标的状态。"""
    from lifecircle.workflow.schedule import target_states

    day = _day(today, "--today")
    t = Table("年度", "生活圈", "名称", "街道", "圈长", "等级", "时限", "状态", "说明")
    with open_programme(db) as s:
        for st in target_states(s, on=day, year=year):
            x = st.target
            t.add_row(
                str(x.year),
                x.circle.code,
                x.circle.name,
                x.circle.street.name,
                st.leader,
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
    note: str | None = typer.Option(None, help="备注"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """把生活圈列入某年度 AA / AAA 创建目标。"""
    from lifecircle.workflow.schedule import add_target

    with open_programme(db, actor=actor) as s:
        t = add_target(s, circle, year, grade, note)
        console.print(f"{circle} {t.grade} {t.year}，完成时限 {t.due_date}")


@schedule_app.command("check")
@_handle
def schedule_check(
    today: str | None = typer.Option(None, help="判定日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
) -> None:
    """核对全区目标（2025年底AA 25个、AAA 10个，每年AA≥5、AAA≥3）。"""
    from lifecircle.workflow.schedule import check_totals

    day = _day(today, "--today")
    t = Table("目标", "要求", "已铺排", "已达标", "铺排")
    with open_programme(db) as s:
        for c in check_totals(s, as_of=day):
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
def schedule_export(path: Path, db: str | None = DbOpt) -> None:
    """导出任务铺排表为 XLSX。"""
    from lifecircle.workflow.schedule import export_schedule

    with open_programme(db) as s:
        n = export_schedule(s, path)
    console.print(f"已导出 {n} 条到 {path}")


# --- evaluate ---------------------------------------------------------------------------------


def _evidence(paths: list[Path]) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


@evaluate_app.command("self")
@_handle
def evaluate_self(
    circle: str,
    grade: str,
    year: int = typer.Option(..., help="年度"),
    respondents: int = typer.Option(..., help="问卷份数"),
    satisfaction: float = typer.Option(..., help="满意度（%）"),
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """记录居民自评（问卷份数、满意度%）。"""
    from lifecircle.workflow.evaluation import self_assessment

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        e = self_assessment(
            s,
            circle,
            grade,
            year=year,
            on=day,
            respondents=respondents,
            satisfaction=satisfaction,
        )
        console.print(f"评定 {e.id}：{circle} {grade} 居民自评已记录")


@evaluate_app.command("declare")
@_handle
def evaluate_declare(
    evaluation_id: int,
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    override_reason: str | None = typer.Option(None, help="未全部通过约束性指标时的申报理由"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """街道申报（最新体检须全部通过约束性指标，否则须记录理由）。"""
    from lifecircle.workflow.evaluation import declare

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        e = declare(s, evaluation_id, on=day, override_reason=override_reason)
        why = f"（例外：{e.override_reason}）" if e.override_reason else ""
        console.print(f"评定 {e.id} 已申报{why}")


@evaluate_app.command("review")
@_handle
def evaluate_review(
    evaluation_id: int,
    passed: bool = typer.Option(..., "--passed/--failed", help="审核通过 / 不通过"),
    note: str | None = typer.Option(None, help="说明"),
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """区级审核。"""
    from lifecircle.workflow.evaluation import STAGE_ZH, district_review

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        e = district_review(s, evaluation_id, on=day, passed=passed, note=note)
        console.print(f"评定 {e.id}：{STAGE_ZH[e.stage]}")


@evaluate_app.command("joint")
@_handle
def evaluate_joint(
    evaluation_id: int,
    accepted: bool = typer.Option(..., "--accepted/--rejected", help="验收通过 / 不通过"),
    evidence: list[Path] = typer.Option(..., help="评定验收佐证文件，可重复"),
    note: str | None = typer.Option(None, help="说明"),
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """市区联合评定验收（须附佐证）。"""
    from lifecircle.workflow.evaluation import STAGE_ZH, joint_evaluation

    day, files = _day(on), _evidence(evidence)
    with open_programme(db, actor=actor) as s:
        e = joint_evaluation(s, evaluation_id, on=day, accepted=accepted, note=note, evidence=files)
        console.print(f"评定 {e.id}：{STAGE_ZH[e.stage]}")


@evaluate_app.command("publish")
@_handle
def evaluate_publish(
    evaluation_id: int,
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """向社会公布。"""
    from lifecircle.workflow.evaluation import STAGE_ZH, publish

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        e = publish(s, evaluation_id, on=day)
        console.print(f"评定 {e.id}：{STAGE_ZH[e.stage]}")


@evaluate_app.command("plaque")
@_handle
def evaluate_plaque(
    evaluation_id: int,
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """挂牌。"""
    from lifecircle.workflow.evaluation import STAGE_ZH, hang_plaque

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        e = hang_plaque(s, evaluation_id, on=day)
        console.print(f"评定 {e.id}：{STAGE_ZH[e.stage]}")


@evaluate_app.command("recheck")
@_handle
def evaluate_recheck(
    circle: str,
    year: int = typer.Option(..., help="复核年度"),
    passed: bool = typer.Option(..., "--passed/--failed", help="复核通过 / 不通过"),
    evidence: list[Path] = typer.Option(..., help="复核佐证文件，可重复"),
    note: str | None = typer.Option(None, help="说明（不通过须写明原因）"),
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD，默认今天"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """年度复核（未通过则降级）。"""
    from lifecircle.workflow.config import GRADE_ZH
    from lifecircle.workflow.evaluation import recheck_circle

    day, files = _day(on), _evidence(evidence)
    with open_programme(db, actor=actor) as s:
        out = recheck_circle(s, circle, year=year, on=day, passed=passed, note=note, evidence=files)
    console.print(f"{circle} 现持有等级：{GRADE_ZH[out.held_grade]}")


@evaluate_app.command("list")
@_handle
def evaluate_list(
    circle: str | None = typer.Option(None, help="生活圈编号"), db: str | None = DbOpt
) -> None:
    """列出评定记录。"""
    from lifecircle.workflow.evaluation import STAGE_ZH, list_evaluations

    t = Table("编号", "生活圈", "等级", "年度", "阶段", "申报例外")
    with open_programme(db) as s:
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
    out: Path | None = typer.Option(None, help="导出 XLSX"),
    year: int | None = typer.Option(None, help="年度"),
    db: str | None = DbOpt,
) -> None:
    """按奖补规则测算每个达标生活圈的奖补，可导出（规则由 db upgrade 写入）。"""
    from lifecircle.workflow.subsidies import subsidy_report

    t = Table("评定编号", "生活圈", "等级", "年度", "金额（元）", "状态", "说明")
    with open_programme(db) as s:
        report = subsidy_report(s, year=year, out=out)
    for x in report.lines:
        t.add_row(
            str(x.evaluation_id),
            f"{x.circle_code} {x.circle_name}",
            x.grade,
            str(x.year),
            f"{x.amount_yuan:,}",
            x.state_zh,
            x.reason,
        )
    console.print(t)
    if report.path is not None:
        console.print(f"已导出 {report.path}")


@evaluate_app.command("pay")
@_handle
def evaluate_pay(
    evaluation_id: int = typer.Argument(..., help="评定编号（见 evaluate subsidies）"),
    on: str | None = typer.Option(None, help="拨付日期 YYYY-MM-DD，默认今天"),
    amount: int | None = typer.Option(None, help="拨付金额（元），默认按奖补规则"),
    note: str | None = typer.Option(None, help="说明，如拨付凭证号"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """登记奖补已拨付（复核不通过的不能登记）。"""
    from lifecircle.workflow.subsidies import record_payment

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        p = record_payment(s, evaluation_id, on=day, amount_yuan=amount, note=note)
        console.print(f"评定 {evaluation_id}：已登记拨付 {p.amount_yuan:,} 元（{p.paid_on}）")


@evaluate_app.command("reclaim")
@_handle
def evaluate_reclaim(
    evaluation_id: int = typer.Argument(..., help="评定编号"),
    on: str | None = typer.Option(None, help="追回日期 YYYY-MM-DD，默认今天"),
    note: str | None = typer.Option(None, help="说明"),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """登记复核不通过后应追回的奖补已追回。"""
    from lifecircle.workflow.subsidies import record_reclaim

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        p = record_reclaim(s, evaluation_id, on=day, note=note)
        console.print(f"评定 {evaluation_id}：已登记追回 {p.amount_yuan:,} 元（{p.reclaimed_on}）")
