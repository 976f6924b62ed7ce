"""The what-if page (情景推演): place new facilities on a circle's map and see it change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from lifecircle.web.deps import page_actor, work
from lifecircle.web.render import csrf_guard, render, staff_or_login, today_of
from lifecircle.workflow import maps, overview, scenarios
from lifecircle.workflow.permissions import Actor, require

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


@router.get("/circles/{code}/whatif")
def whatif_page(
    request: Request,
    code: str,
    actor: ActorDep,
    add: Annotated[list[str] | None, Query()] = None,
    category: str | None = None,
) -> Response:
    staff_or_login(actor, request)
    require(actor, "circle.read_internal")
    with work(request, actor) as s:
        d = overview.circle_detail(s, code, today=today_of(request))
        if d is None:
            raise HTTPException(404, f"没有编号为 {code} 的生活圈")
        offered = maps.map_categories(s, code)
        if not offered:
            raise HTTPException(
                404, "尚无体检地图数据，无法推演：请管理员先导入（lifecircle import maps）"
            )
        initial = scenarios.places_of(add or [])
        ids = [c.id for c in offered]
        wanted = category or (initial[0]["category"] if initial else None)
        selected = wanted if wanted in ids else ids[0]
        return render(
            request,
            "whatif.html",
            {"d": d, "map_categories": offered, "selected": selected, "initial": initial},
        )
