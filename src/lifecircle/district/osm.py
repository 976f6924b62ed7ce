"""A District from an OpenStreetMap extract: homes from residential buildings, facilities from tags."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from lifecircle.errors import DistrictError, FileFormatError, InputError
from lifecircle.io import check_layer, choose_metric_crs, read_layer, to_metric
from lifecircle.io.foreign_zh import explain
from lifecircle.network.osm import graph_from_osm
from lifecircle.standards import load_taxonomy

from ._build import LAYERS, assemble
from ._hash import frames_hash, input_hash
from ._hexgrid import hex_ids, hexagon_grid
from ._warnings import warning
from .model import District

#: building values that are homes wherever they stand
RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential", "apartments", "house", "detached", "semidetached_house", "terrace",
        "dormitory", "bungalow", "farm", "cabin", "static_caravan", "houseboat",
    }
)  # fmt: skip
#: building values that are homes only inside landuse=residential (and with no use tag)
GENERIC_BUILDINGS = frozenset({"yes", "building"})
#: tags that make a generic building something other than a home
NON_RESIDENTIAL_TAGS = ("amenity", "shop", "office", "tourism", "leisure", "craft", "healthcare")
#: storeys assumed when building:levels is missing or unreadable; "*" for every other type
DEFAULT_LEVELS: dict[str, float] = {
    "house": 2.0, "detached": 2.0, "semidetached_house": 2.0, "terrace": 2.0, "farm": 2.0,
    "bungalow": 1.0, "cabin": 1.0, "static_caravan": 1.0, "houseboat": 1.0, "*": 3.0,
}  # fmt: skip
#: OSM tags whose objects may be facilities (the taxonomy decides which are)
POI_FILTER: dict[str, object] = {
    "amenity": True, "shop": True, "leisure": True, "healthcare": True, "craft": True,
    "office": ["government"], "highway": ["bus_stop"], "public_transport": True,
    "railway": ["station", "halt", "subway_entrance"],
}  # fmt: skip
#: categories whose floor_area_m2 is the site area (polygon area when mapped as one)
SITE_AREA = frozenset({"park", "fitness_ground", "sports_court"})

NOTICE = "OpenStreetMap 数据：人口按建筑占地面积×层数估算；生活圈为约 {a:g} km² 的临时六边形单元"
NOTICE_EN = (
    "OpenStreetMap data: population estimated from building footprint x levels / "
    "{f:g} m² per person; circles are provisional hexagons of about {a:g} km², not official."
)
CIRCLES_NOTE = "临时六边形单元（约 {a:g} km²），并非官方生活圈。 Provisional hexagon cells, not official circles."
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def parse_levels(values: pd.Series) -> pd.Series:
    """``building:levels`` as floats: the first number in the value (``3;4`` -> 3), else NaN."""
    text = values.astype("string").fillna("")
    first = text.str.extract(f"({_NUMBER.pattern})", expand=False)
    out = pd.to_numeric(first.str.replace(",", ".", regex=False), errors="coerce").astype(float)
    return out.where(out > 0)


def _default_levels(building: pd.Series, default: float | Mapping[str, float]) -> np.ndarray:
    table = dict(DEFAULT_LEVELS) if not isinstance(default, Mapping) else dict(default)
    if not isinstance(default, Mapping):
        table["*"] = float(default)
    return np.asarray(building.map(lambda b: table.get(b, table.get("*", 3.0))).to_numpy(float))


def check_osm_options(floor_area_per_person_m2: float, hex_area_km2: float) -> None:
    """The two estimates of an OSM checkup, refused before the extract is read when they
    are not positive finite numbers (or absurd: above 1,000 m² per person, 100 km² a cell)."""
    if not 0 < float(floor_area_per_person_m2) <= 1000:
        raise InputError(
            f"人均居住面积 {floor_area_per_person_m2} 平方米不合理",
            field="--floor-area-per-person",
            fix="写大于 0 的平方米数，通常 30～40，默认 35",
        )
    if not 0 < float(hex_area_km2) <= 100:
        raise InputError(
            f"六边形单元面积 {hex_area_km2} 平方公里不合理",
            field="--hex-km2",
            fix="写大于 0、不超过 100 的平方公里数，默认 1",
        )


def _open(pbf: Path) -> Any:
    if not pbf.exists():
        raise FileFormatError("文件不存在", file=str(pbf), fix="核对路径和文件名")
    import pyrosm

    try:
        return pyrosm.OSM(str(pbf))
    except Exception as exc:  # pyrosm raises bare errors on non-PBF input
        raise FileFormatError(
            f"无法按 OpenStreetMap PBF 文件读取：{explain(exc)}",
            file=str(pbf),
            fix="请给出 .osm.pbf 数据（如从 Geofabrik 下载）",
        ) from exc


def _column(df: pd.DataFrame, key: str) -> pd.Series:
    if key in df.columns:
        return df[key].astype("string").str.strip().str.lower()
    return pd.Series(pd.NA, index=df.index, dtype="string")


def residential_buildings(osm: Any, crs: pyproj.CRS | None) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """Home buildings in a metric CRS (see `RESIDENTIAL_BUILDINGS`, `GENERIC_BUILDINGS`)."""
    b = osm.get_buildings()
    if b is None or len(b) == 0:
        raise DistrictError("数据中没有建筑", fix="请用范围更大的 OSM 数据")
    b = b[b.geometry.geom_type.isin(["Polygon", "MultiPolygon"])].copy()
    crs = crs or choose_metric_crs(b)
    b = to_metric(b, crs=crs)
    kind = _column(b, "building").fillna("")
    named = kind.isin(RESIDENTIAL_BUILDINGS)
    generic = kind.isin(GENERIC_BUILDINGS)
    for key in NON_RESIDENTIAL_TAGS:
        generic &= _column(b, key).isna()
    lu = osm.get_landuse(custom_filter={"landuse": ["residential"]})
    in_res = np.zeros(len(b), dtype=bool)
    if lu is not None and len(lu) and generic.any():
        areas = to_metric(lu[lu.geometry.geom_type.isin(["Polygon", "MultiPolygon"])], crs=crs)
        tree = shapely.STRtree(areas.geometry.values)
        pts = shapely.point_on_surface(b.geometry.values)
        hit, _ = tree.query(pts, predicate="intersects")
        in_res[np.unique(hit)] = True
    keep = named.to_numpy(bool) | (generic.to_numpy(bool) & in_res)
    out = b[keep].copy()
    out["building"] = kind[keep]
    return out, crs


def homes_from_buildings(
    buildings: gpd.GeoDataFrame,
    *,
    floor_area_per_person_m2: float,
    default_levels: float | Mapping[str, float],
) -> tuple[gpd.GeoDataFrame, int]:
    """Compounds from buildings: population = footprint m² × levels / m² per person.

    Returns the compounds and the number of buildings whose levels were defaulted.
    """
    if not floor_area_per_person_m2 > 0:
        raise ValueError("floor_area_per_person_m2 must be positive")
    levels = parse_levels(buildings.get("building:levels", pd.Series(index=buildings.index)))
    defaulted = int(levels.isna().sum())
    levels = levels.fillna(
        pd.Series(_default_levels(buildings["building"], default_levels), index=levels.index)
    )
    footprint = shapely.area(buildings.geometry.values)
    name = _column(buildings, "name") if "name" in buildings.columns else None
    ids = buildings["id"].astype("int64").astype(str)
    homes = gpd.GeoDataFrame(
        {
            "id": ids.to_numpy(object),
            "name": (buildings["name"].astype("string").fillna(ids) if name is not None else ids)
            .astype(object)
            .to_numpy(),
            "community": "",
            "street": _column(buildings, "addr:street").fillna("").astype(object).to_numpy()
            if "addr:street" in buildings.columns
            else "",
            "population": np.round(
                footprint * levels.to_numpy(float) / floor_area_per_person_m2, 1
            ),
            "households": np.nan,
            "share_0_3": np.nan,
            "share_3_6": np.nan,
            "share_60_plus": np.nan,
            "building": buildings["building"].astype(object).to_numpy(),
            "levels": levels.to_numpy(float),
            "footprint_m2": footprint,
        },
        geometry=shapely.centroid(buildings.geometry.values),
        crs=buildings.crs,
    )
    return homes.drop_duplicates("id").sort_values("id").reset_index(drop=True), defaulted


def facilities_from_osm(osm: Any, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """POIs, buildings and areas whose tags the taxonomy classifies, as points in ``crs``."""
    taxonomy = load_taxonomy()
    pois = osm.get_pois(custom_filter=POI_FILTER)
    columns = ["id", "name", "category", "capacity", "floor_area_m2", "geometry"]
    if pois is None or len(pois) == 0:
        return gpd.GeoDataFrame({c: [] for c in columns[:-1]}, geometry=[], crs=crs)
    pois = pois.copy()
    pois["category"] = taxonomy.classify_osm(pois)
    pois = pois[pois["category"].notna() & pois.geometry.notna()]
    pois = to_metric(pois, crs=crs)
    geoms = pois.geometry.values
    areal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    point = shapely.point_on_surface(geoms)  # a polygon's representative point; a line's too
    prefix = pois["osm_type"].astype(str).str[0] if "osm_type" in pois.columns else "n"
    ids = prefix + pois["id"].astype("int64").astype(str)
    site = np.where(
        areal & pois["category"].isin(SITE_AREA).to_numpy(), shapely.area(geoms), np.nan
    )
    out = gpd.GeoDataFrame(
        {
            "id": ids.to_numpy(object),
            "name": pois["name"].astype("string").fillna(ids).astype(object).to_numpy()
            if "name" in pois.columns
            else ids.to_numpy(object),
            "category": pois["category"].astype(object).to_numpy(),
            "capacity": np.nan,
            "floor_area_m2": site,
        },
        geometry=point,
        crs=crs,
    )
    return out.drop_duplicates("id").sort_values("id").reset_index(drop=True)


def _given_circles(
    circles: gpd.GeoDataFrame | str | os.PathLike[str],
) -> tuple[gpd.GeoDataFrame, str]:
    """Circle polygons given by the user, checked as a package's circles layer is."""
    if isinstance(circles, pd.DataFrame):
        return check_layer(circles, source="circles", geometry="any"), "circles"
    return read_layer(circles, geometry="any"), str(circles)


def _hex_circles(homes: gpd.GeoDataFrame, area_km2: float) -> gpd.GeoDataFrame:
    """The hexagon cells that hold homes, as a circles polygon layer (ids H001 …)."""
    x, y = homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy()
    cells, _ = hexagon_grid(x, y, area_km2)
    ids = hex_ids(len(cells))
    return gpd.GeoDataFrame(
        {"circle_id": ids, "name": [f"六边形单元 {i}" for i in ids], "street": ""},
        geometry=list(cells),
        crs=homes.crs,
    )


def _buildings_outside(warnings: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """The join's warnings, with one line for all buildings in no circle (not one each)."""
    outside = sum(1 for w in warnings if w["code"] == "compound_in_no_circle")
    kept = [w for w in warnings if w["code"] != "compound_in_no_circle"]
    if outside:
        kept.append(
            warning(
                "compound_in_no_circle",
                f"{outside} residential buildings lie in no circle polygon; they count in none",
                file=str(path),
            )
        )
    return kept


def district_from_osm(
    pbf: str | os.PathLike[str],
    *,
    circles: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    floor_area_per_person_m2: float = 35.0,
    default_levels: float | Mapping[str, float] = DEFAULT_LEVELS,
    hex_area_km2: float = 1.0,
    name: str | None = None,
    crs: str | int | pyproj.CRS | None = None,
) -> District:
    """A District for a real city from an OpenStreetMap extract (docs/district-format.md).

    Parameters
    ----------
    pbf : str or path-like
        The ``.osm.pbf`` extract.
    circles : GeoDataFrame or path, optional
        Circle polygons with ``circle_id`` (and ``name``, ``street``), checked as a
        package's circles polygon layer is; buildings in no circle are counted in none
        and reported in one warning (``compound_in_no_circle``). Default: a regular
        hexagon grid of ``hex_area_km2`` cells over the homes, ids ``H001`` …, reported as
        provisional (warning ``provisional_circles``).
    floor_area_per_person_m2 : float
        Floor area per resident; population = footprint m² × levels / this.
    default_levels : float or mapping of building type -> levels
        Levels for buildings without ``building:levels``; a float replaces the ``"*"``
        entry of `DEFAULT_LEVELS` (houses keep 2, bungalows 1).
    hex_area_km2 : float
        Area of a hexagon cell.
    name : str, optional
        District name (default: the file name).
    crs : optional
        Metric CRS (default: the UTM zone of the buildings).

    Returns
    -------
    District
        ``root`` None, ``generated`` False, homes as building centroids with id = OSM id.
        Homes, facilities and circles are checked and joined by the code behind
        `load_district` and `District.from_frames`.
    """
    check_osm_options(floor_area_per_person_m2, hex_area_km2)
    path = Path(pbf)
    osm = _open(path)
    metric = pyproj.CRS.from_user_input(crs) if crs is not None else None
    buildings, metric = residential_buildings(osm, metric)
    if len(buildings) == 0:
        raise DistrictError(
            "数据中没有居住建筑", file=str(path), field="building",
            fix="请用含居住建筑的 OSM 数据，或在区数据包中给出小区图层",
        )  # fmt: skip
    homes, defaulted = homes_from_buildings(
        buildings,
        floor_area_per_person_m2=floor_area_per_person_m2,
        default_levels=default_levels,
    )
    warnings: list[dict[str, Any]] = []
    if defaulted:
        warnings.append(
            warning(
                "levels_defaulted",
                f"{defaulted} of {len(homes)} residential buildings have no building:levels; "
                "their population uses the default levels",
                file=str(path),
                field="building:levels",
            )
        )
    provisional = circles is None
    if provisional:
        table = _hex_circles(homes, hex_area_km2)
        circles_source = str(path)
        warnings.append(
            warning(
                "provisional_circles",
                f"no circles given: {len(table)} hexagons of about {hex_area_km2:g} km² stand "
                "in for the circles; grades are per hexagon, not per official circle",
                file=str(path),
            )
        )
    else:
        table, circles_source = _given_circles(circles)
    parts = assemble(
        compounds=homes,
        facilities=facilities_from_osm(osm, metric),
        network=lambda crs: graph_from_osm(path, crs=crs),
        circles=table,
        communities=None,
        manual_values=None,
        sources={**{k: str(path) for k in LAYERS}, "circles": circles_source},
        crs=metric,
        strict=False,
    )
    warnings.extend(_buildings_outside(parts.pop("warnings"), path))
    params = {
        "floor_area_per_person_m2": floor_area_per_person_m2,
        "default_levels": default_levels,
        "hex_area_km2": hex_area_km2 if provisional else None,
        "crs": metric.to_string(),
    }
    digest = input_hash([("osm", path)])
    h = hashlib.sha256((digest + json.dumps(params, sort_keys=True, default=str)).encode())
    if isinstance(circles, pd.DataFrame):
        h.update(frames_hash([("circles", circles)], {}).encode())
    elif circles is not None:
        h.update(input_hash([("circles", Path(circles))]).encode())
    return District(
        root=None,
        name=name or path.name.split(".")[0],
        admin_code=None,
        generated=False,
        notice=NOTICE.format(a=hex_area_km2) if provisional else None,
        notice_en=NOTICE_EN.format(a=hex_area_km2, f=floor_area_per_person_m2)
        if provisional
        else None,
        circles_note=CIRCLES_NOTE.format(a=hex_area_km2) if provisional else None,
        warnings=warnings,
        input_hash="sha256:" + h.hexdigest(),
        **parts,
    )
