"""The map by facility category: a checkup's compounds (with their walk to the nearest facility
of every category), facilities and service areas stored per run, and given out as GeoJSON
(WGS-84) for one circle and one category."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lifecircle.checkup.folder import CheckupFolder
from lifecircle.errors import InputError
from lifecircle.store.audit import insert_audited
from lifecircle.store.map_models import CheckupMap, MapCompound, MapFacility, MapServiceArea
from lifecircle.store.models import CheckupRun, Circle
from lifecircle.workflow.checkups import import_checkup, latest_result

NEAREST = "nearest_m__"
DEFAULT_RADIUS_M = 500.0
#: distance bands of a compound, as multiples of the category's radius
BANDS = (
    ("within", "服务半径内"),
    ("near", "超出半径 50% 以内"),
    ("far", "超出半径 50% 以上"),
    ("none", "无法步行到达"),
)
BAND_ZH = dict(BANDS)


@dataclass(frozen=True)
class MapCategory:
    """A facility category offered by the map: its radius and how the circle fares."""

    id: str
    name_zh: str
    radius_m: float | None
    indicator: str | None  # the indicator that measures it (Chinese name)
    status: str | None  # pass / fail / missing for this circle, None without indicator

    @property
    def label(self) -> str:
        tail = {"fail": "（未达标）", "missing": "（缺数据）"}.get(self.status or "", "")
        return f"{self.name_zh}{tail}"


def _finite_list(values: Any) -> list[float | None]:
    """Each value of a float array rounded to 0.1, or None when not finite (no way)."""
    isfinite = math.isfinite
    return [round(v, 1) if isfinite(v) else None for v in values.tolist()]


def _points(geoms: Any, *, file: str) -> tuple[list[bool], list[float], list[float]]:
    """Which points are there (not missing, not empty) and their lon/lat rounded to 6
    decimals, as ``round(g.x, 6)`` gives them (a layer of other shapes is refused)."""
    import numpy as np
    import shapely

    arr = np.asarray(geoms, dtype=object)
    keep = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    not_point = keep & (shapely.get_type_id(arr) != 0)
    if not_point.any():
        raise InputError(
            f"图层中有 {int(not_point.sum())} 个几何不是点",
            file=file,
            row=int(np.flatnonzero(not_point)[0]) + 1,
            field="geometry",
            fix="用 lifecircle checkup 重新生成体检输出文件夹",
        )
    lon = [round(v, 6) for v in shapely.get_x(arr).tolist()]
    lat = [round(v, 6) for v in shapely.get_y(arr).tolist()]
    return keep.tolist(), lon, lat


def import_checkup_maps(
    session: Session,
    folder: str | os.PathLike[str] | CheckupFolder,
    *,
    district: str | os.PathLike[str] | None = None,
    catalogue: str | os.PathLike[str] | None = None,
) -> CheckupMap:
    """Store a checkup folder's map layers for the web (its run imported first if new).

    Replaces the layers of the same run when stored before. The checkup's
    ``checkup.json`` is imported too when the database does not hold its run yet.

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    folder : path or CheckupFolder
        The output folder of ``lifecircle checkup`` (``compounds.gpkg``,
        ``facilities.gpkg``, ``service_areas.gpkg``), or one read already.
    district : path, optional
        The district package the checkup ran on: the web's what-if page runs it again
        (once, kept in memory) to try new facilities.
    catalogue : path, optional
        The catalogue YAML when the checkup used one from a file (not a built-in one).

    Returns
    -------
    CheckupMap
        The stored record (``categories`` lists the categories measured).

    Raises
    ------
    InputError
        The folder is not a checkup folder, or ``district`` is not a district package.
    """
    f = folder if isinstance(folder, CheckupFolder) else CheckupFolder.read(folder)
    if district is not None and not (Path(district) / "district.yaml").is_file():
        raise InputError(
            "不是区数据包（没有 district.yaml）",
            file=str(district),
            field="--district",
            fix="给出体检所用的区数据包文件夹（含 district.yaml）",
        )
    run = session.scalar(select(CheckupRun).where(CheckupRun.run_key == f.result.run.id))
    if run is None:
        run = import_checkup(session, f.result, source=str(f.path or "checkup.json"))
    for table in (MapCompound, MapFacility, MapServiceArea, CheckupMap):
        session.execute(delete(table).where(table.run_id == run.id))
    comp = f.compounds
    categories = sorted(c[len(NEAREST) :] for c in comp.columns if c.startswith(NEAREST))
    # a layer's columns live only while it is written (a function each)
    _insert_compounds(session, run.id, f, categories)
    if f.facilities is not None:
        fac = f.facilities
        cids = fac["circle_id"].tolist() if "circle_id" in fac.columns else [None] * len(fac)
        keep, lon, lat = _points(fac.geometry, file=_layer_file(f, "facilities.gpkg"))
        insert_audited(
            session,
            MapFacility,
            (
                {
                    "run_id": run.id,
                    "code": str(code),
                    "name": _text_or_none(name),
                    "category": str(cat),
                    "circle_code": _text_or_none(cid),
                    "lon": lon[i],
                    "lat": lat[i],
                }
                for i, (code, name, cat, cid) in enumerate(
                    zip(
                        fac["id"].tolist(),
                        fac["name"].tolist(),
                        fac["category"].tolist(),
                        cids,
                        strict=True,
                    )
                )
                if keep[i]
            ),
        )
    if f.service_areas is not None:
        import shapely

        sa = f.service_areas
        insert_audited(
            session,
            MapServiceArea,
            (
                {
                    "run_id": run.id,
                    "category": str(cat),
                    "radius_m": float(r),
                    "geom_wkb": shapely.to_wkb(g),
                }
                for cat, r, g in zip(sa["category"], sa["radius_m"], sa.geometry, strict=True)
                if g is not None and not g.is_empty
            ),
        )
    rec = CheckupMap(
        run_id=run.id,
        source=str(f.path) if f.path else None,
        district_path=str(Path(district).resolve()) if district is not None else None,
        catalogue_path=str(Path(catalogue).resolve()) if catalogue is not None else None,
        categories=categories,
        max_snap_m=float(f.result.run.options.get("max_snap_m", 200.0)),
    )
    session.add(rec)
    session.flush()
    return rec


def _insert_compounds(
    session: Session, run_id: int, f: CheckupFolder, categories: list[str]
) -> None:
    """The compounds layer with each one's walking distance per category."""
    comp = f.compounds
    names = comp["name"].astype(str) if "name" in comp.columns else comp["id"]
    dist = {
        c: _finite_list(comp[NEAREST + c].to_numpy(dtype=float, na_value=math.inf))
        for c in categories
    }
    # a few statements per layer (audited as the ORM would): tens of thousands of points;
    # columns as lists and coordinates in one pass (a pandas or shapely call per value
    # cost more than the insert)
    keep, lon, lat = _points(comp.geometry, file=_layer_file(f, "compounds.gpkg"))
    insert_audited(
        session,
        MapCompound,
        (
            {
                "run_id": run_id,
                "code": str(code),
                "name": str(name),
                "circle_code": str(cid),
                "population": float(pop or 0.0),
                "lon": lon[i],
                "lat": lat[i],
                "nearest_m": {c: dist[c][i] for c in categories},
            }
            for i, (code, name, cid, pop) in enumerate(
                zip(
                    comp["id"].tolist(),
                    names.tolist(),
                    comp["circle_id"].tolist(),
                    comp["population"].tolist(),
                    strict=True,
                )
            )
            if keep[i]
        ),
    )


def _layer_file(f: CheckupFolder, name: str) -> str:
    """Where a layer of the checkup folder was read from (for messages)."""
    return str(Path(f.path).parent / name) if f.path is not None else name


def _text_or_none(value: object) -> str | None:
    """A text cell of a layer: None when missing (None, or NaN as pandas reads a gap)."""
    import pandas as pd

    return None if value is None or bool(pd.isna(value)) else str(value)


def latest_map(session: Session) -> tuple[CheckupMap, CheckupRun] | None:
    """The newest run that has map layers, with its record."""
    q = (
        select(CheckupMap, CheckupRun)
        .join(CheckupRun, CheckupRun.id == CheckupMap.run_id)
        .order_by(CheckupRun.created_at.desc(), CheckupRun.id.desc())
        .limit(1)
    )
    row = session.execute(q).first()
    return None if row is None else (row[0], row[1])


def _circle(session: Session, code: str) -> Circle:
    c = session.scalar(select(Circle).where(Circle.code == code))
    if c is None:
        raise InputError(f"没有编号为 {code} 的生活圈", field="circle", fix="用生活圈编号，如 C01")
    return c


def map_categories(session: Session, code: str) -> list[MapCategory]:
    """The categories the circle's map offers: those its failing indicators measure first
    (with a service radius before those without), then the others its indicators measure,
    then every other category measured.

    Parameters
    ----------
    session : Session
    code : str
        The circle's code.

    Returns
    -------
    list of MapCategory
        Empty when no checkup with map layers is stored.
    """
    from lifecircle.standards import load_taxonomy

    found = latest_map(session)
    if found is None:
        return []
    record, _ = found
    circle = _circle(session, code)
    res = latest_result(session, circle.id)
    tax = load_taxonomy()
    by_cat: dict[str, MapCategory] = {}
    for ind in res.indicators if res is not None else []:
        radius = ind.get("radius_m")
        for cat in ind.get("facility_categories") or []:
            if cat not in record.categories:
                continue
            old = by_cat.get(cat)
            status = ind.get("status")
            if old is None or (old.radius_m is None and radius is not None):
                by_cat[cat] = MapCategory(cat, tax.name_zh(cat), radius, ind.get("name_zh"), status)
    rank = {"fail": 0, "missing": 1, "pass": 2}
    measured = sorted(
        by_cat.values(),
        key=lambda m: (rank.get(m.status or "", 3), m.radius_m is None, m.name_zh),
    )
    rest = [
        MapCategory(c, tax.name_zh(c), None, None, None)
        for c in record.categories
        if c not in by_cat
    ]
    return measured + sorted(rest, key=lambda m: m.name_zh)


def distance_band(metres: float | None, radius_m: float) -> str:
    """``within`` the radius (boundary included), ``near`` (up to 1.5 × radius), ``far``, or
    ``none`` (no walking route)."""
    if metres is None:
        return "none"
    if metres <= radius_m:
        return "within"
    return "near" if metres <= 1.5 * radius_m else "far"


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def circle_category_map(session: Session, code: str, category: str) -> dict[str, Any]:
    """The circle's map for one facility category, as a GeoJSON FeatureCollection (WGS-84).

    Features carry ``kind``: ``circle`` (the outline), ``service_area`` (the walking
    service area of the category at its radius, clipped to the circle's surroundings, when
    the checkup drew one), ``facility`` (facilities of the category in and around the
    circle) and ``compound`` (the circle's compounds: ``nearest_m``, ``band``, ``band_zh``,
    ``population``). ``meta`` holds the category, its radius, the bands, the residents per
    band, the run and the demo notice.

    Parameters
    ----------
    session : Session
    code : str
        The circle's code.
    category : str
        A category id or its Chinese name.

    Returns
    -------
    dict
        The FeatureCollection (with ``meta``).

    Raises
    ------
    InputError
        Unknown circle or category, or no checkup with map layers stored.
    """
    import numpy as np
    import shapely

    from lifecircle.workflow.geometry import feature_collection

    found = latest_map(session)
    if found is None:
        raise InputError(
            "数据库中还没有体检地图数据",
            field="checkup_map",
            fix="运行 lifecircle import maps 体检输出文件夹 --district 区数据包",
        )
    _, run = found
    circle = _circle(session, code)
    offered = {c.id: c for c in map_categories(session, code)}
    cat = _category_id(category, offered)
    info = offered[cat]
    radius = float(info.radius_m or DEFAULT_RADIUS_M)
    comps = list(
        session.scalars(
            select(MapCompound)
            .where(MapCompound.run_id == run.id, MapCompound.circle_code == code)
            .order_by(MapCompound.code)
        )
    )
    features: list[dict[str, Any]] = []
    if circle.geom_wkb is not None:
        features += feature_collection([circle.geom_wkb], [{"kind": "circle", "id": code}])[
            "features"
        ]
        x0, y0, x1, y1 = shapely.from_wkb(circle.geom_wkb).bounds
    elif comps:
        xs = [c.lon for c in comps]
        ys = [c.lat for c in comps]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    else:
        x0 = y0 = x1 = y1 = 0.0
    pad_y = radius / 111_000.0
    pad_x = pad_y / max(math.cos(math.radians((y0 + y1) / 2)), 0.2)
    box = (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
    for area in session.scalars(
        select(MapServiceArea).where(
            MapServiceArea.run_id == run.id, MapServiceArea.category == cat
        )
    ):
        clipped = shapely.clip_by_rect(shapely.from_wkb(area.geom_wkb), *box)
        if clipped.is_empty:
            continue
        clipped = shapely.transform(clipped, lambda xy: np.round(xy, 5))
        features.append(
            _feature(
                json.loads(shapely.to_geojson(clipped)),
                kind="service_area",
                radius_m=area.radius_m,
            )
        )
    facilities = session.scalars(
        select(MapFacility).where(
            MapFacility.run_id == run.id,
            MapFacility.category == cat,
            MapFacility.lon.between(box[0], box[2]),
            MapFacility.lat.between(box[1], box[3]),
        )
    )
    for fac in facilities:
        features.append(
            _feature(
                {"type": "Point", "coordinates": [fac.lon, fac.lat]},
                kind="facility",
                id=fac.code,
                name=fac.name or fac.code,
                inside=fac.circle_code == code,
            )
        )
    residents = {b: 0.0 for b, _ in BANDS}
    for c in comps:
        m = c.nearest_m.get(cat)
        band = distance_band(m, radius)
        residents[band] += c.population
        features.append(
            _feature(
                {"type": "Point", "coordinates": [c.lon, c.lat]},
                kind="compound",
                id=c.code,
                name=c.name or c.code,
                population=round(c.population),
                nearest_m=None if m is None else round(m),
                band=band,
                band_zh=BAND_ZH[band],
            )
        )
    total = sum(residents.values())
    return {
        "type": "FeatureCollection",
        "features": features,
        "meta": {
            "circle": code,
            "category": cat,
            "category_zh": info.name_zh,
            "indicator": info.indicator,
            "status": info.status,
            "radius_m": radius,
            "radius_given": info.radius_m is not None,
            "bands": [
                {
                    "band": b,
                    "label": _band_label(b, radius),
                    "residents": round(residents[b]),
                    "share": round(100 * residents[b] / total, 1) if total else None,
                }
                for b, _ in BANDS
            ],
            "compounds": len(comps),
            "service_area": any(f["properties"]["kind"] == "service_area" for f in features),
            "run": run.run_key,
            "notice": (run.notice or "示例数据：几何为生成数据")
            if run.generated_geometry
            else None,
        },
    }


def _band_label(band: str, radius: float) -> str:
    r = f"{radius:.0f}"
    r15 = f"{1.5 * radius:.0f}"
    return {
        "within": f"步行 ≤ {r} 米（服务半径内）",
        "near": f"{r}–{r15} 米",
        "far": f"> {r15} 米",
        "none": "无法步行到达",
    }[band]


def _category_id(value: str, offered: dict[str, MapCategory]) -> str:
    v = (value or "").strip()
    if v in offered:
        return v
    for c in offered.values():
        if v == c.name_zh:
            return c.id
    some = "、".join(c.name_zh for c in list(offered.values())[:8])
    raise InputError(
        f"地图没有设施类别 {value!r}",
        field="category",
        fix=f"用体检测算过的类别编号或中文名，如：{some}",
    )
