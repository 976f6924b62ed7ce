"""The 计划 page: the yearly plan (任务铺排表) against the grades circles actually hold, and
its Excel export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from lifecircle.web.deps import page_actor, work
from lifecircle.web.office import rendered
from lifecircle.web.render import csrf_guard, render, staff_or_login, today_of
from lifecircle.workflow import overview
from lifecircle.workflow.permissions import Actor, require
from lifecircle.workflow.schedule import TARGET_ZH
from lifecircle.workflow.schedule_board import export_board, schedule_board

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


def export_name(year: int | None, street: str | None) -> str:
    parts = ["任务铺排表_计划与实际", str(year) if year else "全部年度"]
    if street:
        parts.append(street)
    return "_".join(parts) + ".xlsx"


@router.get("/schedule")
def schedule_page(
    request: Request, actor: ActorDep, year: str | None = None, street: str | None = None
) -> Response:
    staff_or_login(actor, request)
    require(actor, "schedule.read")
    y = int(year) if year and year.isdigit() else None
    with work(request, actor) as s:
        board = schedule_board(s, on=today_of(request), year=y, street=street or None)
        return render(
            request,
            "schedule.html",
            {
                "board": board,
                "streets": overview.streets(s),
                "states": TARGET_ZH,
                "export_name": export_name(y, street or None),
            },
        )


@router.get("/schedule/export.xlsx")
def schedule_export(
    request: Request, actor: ActorDep, year: str | None = None, street: str | None = None
) -> Response:
    staff_or_login(actor, request)
    require(actor, "schedule.read")
    y = int(year) if year and year.isdigit() else None
    with work(request, actor) as s:
        board = schedule_board(s, on=today_of(request), year=y, street=street or None)
    name = export_name(y, street or None)
    return rendered(lambda folder: export_board(board, folder / "plan.xlsx"), name)
