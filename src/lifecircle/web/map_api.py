"""The JSON API of the map by facility category and of the what-if (``/api/v1``): GeoJSON in
WGS-84, staff only; every rule in ``workflow.maps`` and ``workflow.scenarios``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from lifecircle.errors import InputError
from lifecircle.web.api import ERRORS
from lifecircle.web.deps import api_actor, work
from lifecircle.web.engines import engines
from lifecircle.workflow import maps, overview, scenarios
from lifecircle.workflow.permissions import Actor, require

ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["maps"])


def _said(exc: InputError) -> HTTPException:
    """A 400 whose detail is Chinese throughout: what is wrong, then how to fix it."""
    where = f"第 {exc.row} 处新增设施：" if exc.row is not None else ""
    fix = f"（{exc.fix.rstrip('。')}。）" if exc.fix else ""
    return HTTPException(400, f"{where}{exc.message}{fix}")


def _known(request: Request, actor: Actor, code: str) -> None:
    require(actor, "circle.read_internal")
    with work(request, actor) as s:
        if overview.find_circle(s, code) is None:
            raise HTTPException(404, f"没有编号为 {code} 的生活圈")


@router.get("/circles/{circle_id}/map/categories", summary="分类地图可选的设施类别")
def map_categories(request: Request, circle_id: str, actor: ActorDep) -> Any:
    _known(request, actor, circle_id)
    with work(request, actor) as s:
        return [
            {
                "id": c.id,
                "name_zh": c.name_zh,
                "label": c.label,
                "radius_m": c.radius_m,
                "indicator": c.indicator,
                "status": c.status,
            }
            for c in maps.map_categories(s, circle_id)
        ]


@router.get(
    "/circles/{circle_id}/map",
    summary="按设施类别的生活圈地图（GeoJSON，WGS-84）",
    description=(
        "要素的 kind：circle（生活圈范围）、service_area（该类设施的步行服务范围）、"
        "facility（设施）、compound（小区，含 nearest_m 步行距离与 band 距离分档）；"
        "meta 给出类别、服务半径、各分档人口与示例数据说明。"
    ),
)
def circle_map(
    request: Request,
    circle_id: str,
    actor: ActorDep,
    category: Annotated[str | None, Query(description="设施类别编号或中文名；默认第一个")] = None,
) -> Any:
    _known(request, actor, circle_id)
    with work(request, actor) as s:
        if not category:
            offered = maps.map_categories(s, circle_id)
            category = offered[0].id if offered else ""
        try:
            return maps.circle_category_map(s, circle_id, category)
        except InputError as exc:
            raise _said(exc) from None


@router.get("/whatif/status", summary="情景推演是否就绪（首次请求开始准备）")
def whatif_status(
    request: Request,
    actor: ActorDep,
    wait: Annotated[float, Query(ge=0, le=120, description="最多等待秒数")] = 0,
) -> Any:
    require(actor, "circle.read_internal")
    with work(request, actor) as s:
        source = scenarios.whatif_source(s)
    return engines(request).wait(source, wait).status()


@router.get(
    "/circles/{circle_id}/whatif",
    summary="情景推演：新增设施后指标与等级的变化",
    description="add 可重复，每个写成 类别@经度,纬度（WGS-84），如 幼儿园@112.98300,28.12100。",
)
def circle_whatif(
    request: Request,
    circle_id: str,
    actor: ActorDep,
    add: Annotated[list[str] | None, Query(description="类别@经度,纬度")] = None,
    category: Annotated[str | None, Query(description="返回其步行距离的设施类别")] = None,
) -> Any:
    _known(request, actor, circle_id)
    with work(request, actor) as s:
        source = scenarios.whatif_source(s)
    entry = engines(request).wait(source, 0)
    if entry.state != "ready" or entry.engine is None:
        status = entry.status()
        code = 503 if entry.state == "preparing" else 400
        raise HTTPException(code, status["message"], headers={"Retry-After": "2"})
    with entry.lock:
        try:
            return scenarios.try_facilities(entry.engine, circle_id, add or [], category=category)
        except InputError as exc:
            raise _said(exc) from None
