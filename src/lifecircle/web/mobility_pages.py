"""Mobility on the platform: the matching-degree and proposed-circle layers (GeoJSON under
``/api/v1/mobility``) and the page ``/mobility``. Every figure comes from
``workflow.mobility``; only aggregates are stored, so nothing here can name a device."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from lifecircle.web.api import ERRORS
from lifecircle.web.deps import OptionalRowIdQuery, api_actor, page_actor, work
from lifecircle.web.render import render, staff_or_login
from lifecircle.workflow import mobility as wm
from lifecircle.workflow.permissions import Actor, require

__all__ = ["api_router", "page_router"]

api_router = APIRouter(prefix="/api/v1/mobility", tags=["mobility"], responses=ERRORS)
page_router = APIRouter(include_in_schema=False)

GEOJSON = "application/geo+json"
# the OpenAPI document says what these answer: a GeoJSON FeatureCollection
_GEOJSON_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"description": "GeoJSON FeatureCollection（WGS-84）", "content": {GEOJSON: {}}}
}


def _layers(request: Request, actor: Actor, run: int | None) -> dict[str, Any]:
    require(actor, "map.read")
    with work(request, actor) as s:
        return wm.mobility_layers(s, run)


def _collection(layers: dict[str, Any], name: str) -> JSONResponse:
    body = dict(layers[name])
    body["run"] = layers["run"]  # a foreign member: which run, its title, k, data note
    if name == "proposed":
        body["edges"] = layers["edges"]  # the boundaries as lines, each shared edge once
    return JSONResponse(body, media_type=GEOJSON)


@api_router.get(
    "/circles.geojson",
    response_class=Response,
    responses=_GEOJSON_ANSWER,
    summary="按生活圈的匹配程度（GeoJSON）",
    description="现状生活圈的范围及其匹配程度：match_index（本圈居民只用本圈设施、本圈设施只服务本圈居民时为 1）、"
    "own_circle_share、visits_by_own_residents_share、within_limit_share。默认为最新导入的结果，"
    "可用 run 指定编号。只含聚合结果。",
)
def circles_geojson(
    request: Request, actor: Annotated[Actor, Depends(api_actor)], run: OptionalRowIdQuery = None
) -> Response:
    return _collection(_layers(request, actor, run), "circles")


@api_router.get(
    "/proposed.geojson",
    response_class=Response,
    responses=_GEOJSON_ANSWER,
    summary="生活圈划分建议的范围（GeoJSON）",
    description="按实际出行联系划分的建议生活圈范围，带社区数、人口、自足率与是否连续；"
    "edges 为各建议生活圈的边界线（相邻生活圈共用的边只出现一次，便于画虚线）。",
)
def proposed_geojson(
    request: Request, actor: Annotated[Actor, Depends(api_actor)], run: OptionalRowIdQuery = None
) -> Response:
    return _collection(_layers(request, actor, run), "proposed")


@page_router.get("/mobility")
def mobility_page(
    request: Request, actor: Annotated[Actor, Depends(page_actor)], run: OptionalRowIdQuery = None
) -> Response:
    staff_or_login(actor, request)
    with work(request, actor) as s:
        view = wm.mobility_view(s, run)
        runs = [(r.id, r.title) for r in wm.mobility_runs(s)]
        return render(request, "mobility.html", {"view": view, "runs": runs})
