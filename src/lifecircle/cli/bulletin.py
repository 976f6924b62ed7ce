"""``lifecircle bulletin``: publish a period's 通报, and follow its 督办整改 records."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from lifecircle.cli import app
from lifecircle.cli.db import ActorOpt, DbOpt, _day, _handle, _maybe_day, console, open_programme

bulletin_app = typer.Typer(
    help="通报：按期生成通报（Word 公文与 Excel），跟踪通报批评的督办整改。",
    no_args_is_help=True,
)  # `lifecircle bulletin --period …` publishes too (the callback), as before
supervise_app = typer.Typer(
    help="督办整改：列出、跟进、销号（每条通报批评一条记录）。", no_args_is_help=True
)
app.add_typer(bulletin_app, name="bulletin")
bulletin_app.add_typer(supervise_app, name="supervise")


PeriodOpt = typer.Option(None, "--period", help="通报月份 YYYY-MM，如 2024-09")
TodayOpt = typer.Option(None, "--today", help="判定日期，默认该月最后一天")
DateOpt = typer.Option(None, "--date", help="成文日期，默认判定日期（期号按成文年份顺延）")
NumberOpt = typer.Option(None, "--number", help="期号，默认本年下一期")
OfficeOpt = typer.Option(None, "--office", help="发文机关，默认 workflow/data/bulletin.yaml 的设置")
OutOpt = typer.Option(Path("."), "--out", help="输出目录")


@bulletin_app.callback(invoke_without_command=True)
@_handle
def bulletin_main(
    ctx: typer.Context,
    period: str | None = PeriodOpt,
    today: str | None = TodayOpt,
    date_: str | None = DateOpt,
    number: int | None = NumberOpt,
    office: str | None = OfficeOpt,
    out: Path = OutOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """通报：lifecircle bulletin --period 2024-09 生成某期通报（同 bulletin publish）；
    bulletin supervise … 跟踪督办整改。"""
    if ctx.invoked_subcommand is not None:
        return
    if period is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    _publish(period, today, date_, number, office, out, db, actor)


@bulletin_app.command("publish")
@_handle
def bulletin_publish(
    period: str = typer.Option(..., "--period", help="通报月份 YYYY-MM，如 2024-09"),
    today: str | None = TodayOpt,
    date_: str | None = DateOpt,
    number: int | None = NumberOpt,
    office: str | None = OfficeOpt,
    out: Path = OutOpt,
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """生成并保存某期通报（公文格式 Word 与 Excel），为每条通报批评建立督办整改记录。"""
    _publish(period, today, date_, number, office, out, db, actor)


def _publish(
    period: str,
    today: str | None,
    date_: str | None,
    number: int | None,
    office: str | None,
    out: Path,
    db: str | None,
    actor: str | None,
) -> None:
    from lifecircle.workflow.bulletins import publish_bulletin

    day = _maybe_day(today, "--today")
    issued = _maybe_day(date_, "--date")
    with open_programme(db, actor=actor) as s:
        b = publish_bulletin(
            s, period, today=day, issued_on=issued, number=number, issuer=office, out_dir=out
        )
        issue = b.bulletin.data["issue"]["text"]
        open_items = len(b.bulletin.data.get("supervision", []))
    console.print(f"{b.title}（{issue}）")
    console.print(
        f"逾期项目 {b.overdue} 个，表扬 {b.praised}，批评 {b.criticised}（已建督办记录），"
        f"前期督办未销号 {open_items} 条"
    )
    console.print(f"已写出 {b.docx} 与 {b.xlsx}")


@supervise_app.command("list")
@_handle
def supervise_list(
    state: str | None = typer.Option(
        None, "--state", help="只列某一状态：整改中、逾期未整改、已整改、逾期整改"
    ),
    target: str | None = typer.Option(None, "--target", help="只列某一督办对象（单位或街道）"),
    on: str | None = typer.Option(None, "--on", help="按哪一天判定状态，默认今天"),
    db: str | None = DbOpt,
) -> None:
    """列出督办整改记录及其在某日的状态。"""
    from lifecircle.workflow.supervision import list_records, record_data

    day = _day(on)
    t = Table("编号", "督办对象", "事由", "通报期次", "整改时限", "状态", "跟进情况")
    for col in t.columns:
        col.overflow = "fold"
    with open_programme(db) as s:
        for rec in list_records(s, on=day, state=state, target=target):
            r = record_data(rec, day)
            t.add_row(
                str(r["id"]),
                r["target"],
                r["reason"],
                r["issue"],
                r["deadline"],
                r["state_zh"] + (f"（{r['closed_on']}销号）" if r["closed_on"] else ""),
                "\n".join(r["notes"]),
            )
    console.print(t)


@supervise_app.command("follow")
@_handle
def supervise_follow(
    record_id: int = typer.Argument(..., help="督办记录编号（见 supervise list）"),
    note: str = typer.Option(..., "--note", help="跟进情况，如“已约谈，承诺10月底前完工”"),
    on: str | None = typer.Option(None, "--on", help="跟进日期，默认今天"),
    version: int | None = typer.Option(
        None, "--version", help="你看到的版本号（防止覆盖他人修改）"
    ),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """记录一次督办跟进。"""
    from lifecircle.workflow.supervision import follow_up

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        rec = follow_up(s, record_id, note, on=day, expected_version=version)
        target = rec.target
    console.print(f"督办记录 {record_id}（{target}）：已记录 {day} 的跟进情况")


@supervise_app.command("close")
@_handle
def supervise_close(
    record_id: int = typer.Argument(..., help="督办记录编号（见 supervise list）"),
    on: str | None = typer.Option(None, "--on", help="整改完成（销号）日期，默认今天"),
    note: str | None = typer.Option(None, "--note", help="整改情况说明"),
    version: int | None = typer.Option(
        None, "--version", help="你看到的版本号（防止覆盖他人修改）"
    ),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """整改到位，督办销号。"""
    from lifecircle.workflow.supervision import STATE_ZH, close, state_on

    day = _day(on)
    with open_programme(db, actor=actor) as s:
        rec = close(s, record_id, on=day, note=note, expected_version=version)
        target, state = rec.target, STATE_ZH[state_on(rec, day)]
    console.print(f"督办记录 {record_id}（{target}）已销号：{state}")
