"""Circle outlines in the database (WKB, WGS-84): imported from a polygon layer, given out as
GeoJSON for the maps."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import DistrictError, FileFormatError
from lifecircle.store.models import Circle
from lifecircle.workflow.views import cached

ID_FIELDS = ("circle_id", "生活圈编号", "id", "code")


def import_circle_geometry(session: Session, path: str | os.PathLike) -> int:
    """Store each circle's outline from a polygon layer with a ``circle_id`` column (the
    checkup's ``circles.gpkg``, or any GeoPackage/GeoJSON/Shapefile of circles).

    All or nothing: a row naming an unknown circle, or without a polygon, changes nothing.

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    path : path-like
        The polygon layer.

    Returns
    -------
    int
        Number of circles whose outline was stored.
    """
    import geopandas as gpd
    import shapely

    file = str(Path(path))
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds for unreadable files
        raise FileFormatError(
            f"无法读取生活圈范围图层：{exc}", file=file, fix="提供 GeoPackage、GeoJSON 或 Shapefile"
        ) from exc
    id_col = next((c for c in ID_FIELDS if c in gdf.columns), None)
    if id_col is None:
        raise DistrictError(
            "图层没有生活圈编号列", file=file, field="circle_id", fix="加一列 circle_id（如 C01）"
        )
    if gdf.crs is None:
        raise DistrictError(
            "图层没有坐标系",
            file=file,
            field="geometry",
            fix="保存图层时带上坐标系（如 EPSG:4326）",
        )
    gdf = gdf.to_crs(4326)
    circles = {c.code: c for c in session.scalars(select(Circle))}
    updates = []
    for i, (code, geom) in enumerate(zip(gdf[id_col], gdf.geometry, strict=True), start=1):
        key = str(code).strip()
        if key not in circles:
            raise DistrictError(
                f"生活圈 {key!r} 不在数据库中",
                file=file,
                row=i,
                field=id_col,
                fix="先导入生活圈清单或体检结果",
            )
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise DistrictError(
                "该行没有面状几何", file=file, row=i, field="geometry", fix="每个生活圈一个面"
            )
        updates.append((circles[key], shapely.to_wkb(geom)))
    for circle, wkb in updates:
        circle.geom_wkb = wkb
    session.flush()
    return len(updates)


def outlines(session: Session, codes: list[str]) -> dict[str, bytes]:
    """The stored outlines (WKB) of the circles with these codes, in one query."""
    q = select(Circle.code, Circle.geom_wkb).where(
        Circle.code.in_(codes), Circle.geom_wkb.is_not(None)
    )
    return {code: wkb for code, wkb in session.execute(q) if wkb is not None}


def feature_collection(
    wkbs: list[bytes | None], properties: list[dict[str, Any]]
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the outlines given as WKB (None: left out), with
    ``properties`` (one dict per outline, same order); coordinates rounded to ~1 m."""
    import numpy as np
    import shapely

    keep = [i for i, w in enumerate(wkbs) if w is not None]
    if not keep:
        return {"type": "FeatureCollection", "features": []}
    geoms = shapely.from_wkb(np.array([wkbs[i] for i in keep], dtype=object))
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 5))
    texts = shapely.to_geojson(geoms)
    feats = [
        {"type": "Feature", "geometry": json.loads(text), "properties": properties[i]}
        for i, text in zip(keep, texts, strict=True)
    ]
    return {"type": "FeatureCollection", "features": feats}


def outline_geometries(session: Session) -> dict[str, dict[str, Any]]:
    """Every stored circle outline as a GeoJSON geometry (coordinates rounded to ~1 m), by
    circle code; decoded once per programme version (do not change the answer)."""

    def compute() -> dict[str, dict[str, Any]]:
        q = select(Circle.code, Circle.geom_wkb).where(Circle.geom_wkb.is_not(None))
        pairs = [(code, wkb) for code, wkb in session.execute(q) if wkb is not None]
        fc = feature_collection([w for _, w in pairs], [{} for _ in pairs])
        return {code: f["geometry"] for (code, _), f in zip(pairs, fc["features"], strict=True)}

    return cached(session, "outline_geometries", None, compute)


def outline_collection(
    geometries: dict[str, dict[str, Any]], properties: list[dict[str, Any]]
) -> dict[str, Any]:
    """A FeatureCollection of the outlines of ``properties``' circles (each dict's ``id`` is
    the circle code; circles without an outline are left out)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometries[p["id"]], "properties": p}
            for p in properties
            if p["id"] in geometries
        ],
    }
