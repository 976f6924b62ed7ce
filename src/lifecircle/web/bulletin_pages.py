"""The 简报 pages: generate a period's bulletin (通报), preview it, download Word and Excel,
and the list of bulletins issued."""

from __future__ import annotations

import tempfile
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from lifecircle.errors import InputError, RuleError
from lifecircle.web.deps import page_actor, work
from lifecircle.web.office import rendered, zh
from lifecircle.web.render import csrf_guard, form_date, redirect, render, staff_or_login, today_of
from lifecircle.workflow.bulletin_archive import (
    FORMATS,
    get_bulletin,
    judge_day,
    list_bulletins,
    preview_tables,
    write_file,
)
from lifecircle.workflow.bulletin_files import _zh_date as zh_date
from lifecircle.workflow.bulletins import file_stem, publish_bulletin
from lifecircle.workflow.permissions import Actor, can, require

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


def _list_page(
    request: Request,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    today = today_of(request)
    with work(request, actor) as s:
        return render(
            request,
            "bulletins.html",
            {
                "entries": list_bulletins(s),
                "may_publish": can(actor, "bulletin.publish"),
                "form": form or {"period": f"{today:%Y-%m}"},
                "form_error": error,
            },
            status=status,
        )


@router.get("/bulletins")
def bulletins_page(request: Request, actor: ActorDep) -> Response:
    staff_or_login(actor, request)
    require(actor, "bulletin.read")
    return _list_page(request, actor)


@router.post("/bulletins")
def bulletin_generate(
    request: Request,
    actor: ActorDep,
    period: Annotated[str, Form()] = "",
    issued_on: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    issuer: Annotated[str, Form()] = "",
) -> Response:
    staff_or_login(actor, request)
    require(actor, "bulletin.publish")
    form = {"period": period, "issued_on": issued_on, "number": number, "issuer": issuer}
    period = period.strip()
    try:
        no = _issue_number(number)
        day = form_date(issued_on, "成文日期")
        with work(request, actor) as s, tempfile.TemporaryDirectory() as tmp:
            on = judge_day(checked_period(period), today_of(request))
            b = publish_bulletin(
                s,
                period,
                out_dir=tmp,
                today=on,
                issued_on=day,
                number=no,
                issuer=issuer.strip() or None,
            )
            issue = b.bulletin.data["issue"]["text"]
            text = f"已生成{b.title}（{issue}）：逾期项目 {b.overdue} 个，表扬 {b.praised}，批评 {b.criticised}。"
    except (InputError, RuleError) as exc:
        return _list_page(request, actor, form=form, error=zh(exc), status=400)
    return redirect(request, f"/bulletins/{period}", flash=("ok", text))


def checked_period(period: str) -> str:
    """``period`` when it is YYYY-MM, else an error in Chinese."""
    try:
        file_stem(period)
    except InputError:
        raise InputError(
            f"通报月份 {period!r} 无效", field="period", fix="按 年-月 填写，如 2024-09"
        ) from None
    return period


def _issue_number(value: str) -> int | None:
    v = (value or "").strip()
    if not v:
        return None
    if not v.isdigit():
        raise InputError(f"期号 {v!r} 不是整数", field="number", fix="填写正整数，或留空自动编号")
    return int(v)


@router.get("/bulletins/{period}")
def bulletin_preview(request: Request, period: str, actor: ActorDep) -> Response:
    staff_or_login(actor, request)
    require(actor, "bulletin.read")
    with work(request, actor) as s:
        try:
            entry = get_bulletin(s, period)
        except (InputError, RuleError) as exc:
            raise HTTPException(404, zh(exc)) from None
        return render(
            request,
            "bulletin.html",
            {
                "entry": entry,
                "d": entry.bulletin.data,
                "tables": preview_tables(entry.bulletin.data),
                "formats": FORMATS,
                "as_of_zh": zh_date(entry.bulletin.data["as_of"]),
                "zh_date": zh_date,
            },
        )


@router.get("/bulletins/{period}/download/{fmt}")
def bulletin_download(request: Request, period: str, fmt: str, actor: ActorDep) -> Response:
    staff_or_login(actor, request)
    require(actor, "bulletin.read")
    if fmt not in FORMATS:
        raise HTTPException(404, "只提供 docx（Word）与 xlsx（Excel）两种格式")
    with work(request, actor) as s:
        try:
            entry = get_bulletin(s, period)
        except (InputError, RuleError) as exc:
            raise HTTPException(404, zh(exc)) from None
        name = f"{file_stem(period)}.{fmt}"
        return rendered(lambda folder: write_file(entry, fmt, folder), name)
