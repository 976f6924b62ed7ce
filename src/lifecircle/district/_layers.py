"""The package's geometry layers: read through lifecircle.io, checked into one metric CRS."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from lifecircle.errors import SchemaError
from lifecircle.io import read_layer, to_metric, validate_facilities, validate_homes
from lifecircle.io._sniff import file_kind
from lifecircle.io.aliases import find_column
from lifecircle.io.readers import GeometryKind
from lifecircle.standards.taxonomy import Taxonomy

from ._tables import CIRCLE_ALIASES, canonical, circle_rows
from .manifest import LayerSpec, Manifest

SHARES = ("share_0_3", "share_3_6", "share_60_plus")
COMPOUND_COLUMNS = ("id", "name", "community", "street", "population", "households", *SHARES)
FACILITY_COLUMNS = ("id", "name", "category", "capacity", "floor_area_m2")


def read_geo(spec: LayerSpec, manifest: Manifest, geometry: GeometryKind) -> gpd.GeoDataFrame:
    """One layer through `lifecircle.io.read_layer`, with the manifest's coords and CRS.

    Tables (CSV/XLSX) are lon/lat in ``coords`` unless the layer entry gives ``crs``;
    geodata files keep their own CRS, and take the manifest's ``crs`` only when they
    carry none (a layer entry's ``crs`` overrides the file's).
    """
    coords = spec.coords or manifest.get("coords", "wgs84")
    crs: Any = spec.crs
    if crs is None and file_kind(spec.path) not in ("csv", "xlsx"):
        try:
            has_crs = pyogrio.read_info(spec.path, layer=spec.layer).get("crs") is not None
        except Exception:  # unreadable: let read_layer name the problem
            has_crs = True
        if not has_crs:
            crs = manifest.get("crs")
    return read_layer(
        spec.path,
        layer=spec.layer,
        geometry=geometry,
        lon_col=spec.lon_col,
        lat_col=spec.lat_col,
        coords=coords,
        crs=crs,
        encoding=spec.encoding,
    )


def _numeric(
    df: pd.DataFrame, col: str, source: str, *, low: float = 0.0, high: float = np.inf, fix: str
) -> pd.Series:
    raw = df[col]
    text = raw.astype("string").str.strip().str.replace(",", "", regex=False)
    val = pd.to_numeric(text, errors="coerce").astype(float)
    bad = (val.isna() & text.notna() & (text != "")) | (val < low) | (val > high)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{col} 的值 {raw.iloc[i]!r} 不是 {low:g}～{high:g} 之间的数",
            file=source,
            row=i + 1,
            field=col,
            fix=fix,
        )
    return val


def _text_column(df: pd.DataFrame, col: str, default: pd.Series | str = "") -> pd.Series:
    if col not in df.columns:
        return (
            pd.Series(default, index=df.index, dtype=object)
            if isinstance(default, str)
            else default
        )
    return df[col].astype("string").str.strip().fillna("").astype(object)


def compounds_layer(
    raw: gpd.GeoDataFrame, *, source: str, crs: pyproj.CRS | None
) -> gpd.GeoDataFrame:
    """Compounds as validated homes in ``crs`` (or their UTM zone), with the fixed columns.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        The layer as `lifecircle.io.read_layer` or `lifecircle.io.check_layer` returns it.
    source : str
        File (or layer) name for messages.
    crs : pyproj.CRS or None
        The metric CRS; None chooses the UTM zone of the compounds.

    Returns
    -------
    geopandas.GeoDataFrame
        `COMPOUND_COLUMNS` and geometry, projected.
    """
    src = source
    gdf = validate_homes(raw, source=src)
    for field in ("community", "street"):
        col = find_column([c for c in gdf.columns if c != "geometry"], field)
        if col is not None and col != field and field not in gdf.columns:
            gdf = gdf.rename(columns={col: field})
    if "community" not in gdf.columns:
        raise SchemaError(
            "required column 'community' is missing (accepted: community, 社区, 所属社区, 村)",
            file=src,
            field="community",
            fix="add the community (社区) of each compound; circles are groups of communities.",
        )
    out = gpd.GeoDataFrame(
        {
            "id": gdf["id"].astype(str),
            "name": _text_column(gdf, "name", gdf["id"].astype(object)),
            "community": _text_column(gdf, "community"),
            "street": _text_column(gdf, "street"),
            "population": gdf["population"].astype(float),
            "households": gdf["households"].astype(float) if "households" in gdf else np.nan,
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    out.loc[out["name"] == "", "name"] = out["id"]
    for share in SHARES:
        out[share] = (
            _numeric(gdf, share, src, high=1.0, fix="比例写成 0～1 的小数（18.5% 写 0.185）")
            if share in gdf.columns
            else np.nan
        )
    out = out[[*COMPOUND_COLUMNS, "geometry"]]
    return to_metric(out, crs=crs)


def _map_categories(gdf: gpd.GeoDataFrame, taxonomy: Taxonomy) -> gpd.GeoDataFrame:
    col = find_column([c for c in gdf.columns if c != gdf.geometry.name], "category")
    if col is None:
        return gdf  # validate_facilities names the missing column
    out = gdf.copy()
    out[col] = taxonomy.map_labels(out[col])
    return out


def facilities_layer(
    raw: gpd.GeoDataFrame, *, source: str, crs: pyproj.CRS, taxonomy: Taxonomy
) -> gpd.GeoDataFrame:
    """Facilities with taxonomy ids (ids, 中文名 or Amap typecodes accepted), in ``crs``.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        The checked layer (`lifecircle.io.read_layer` / `check_layer`).
    source : str
        File (or layer) name for messages.
    crs : pyproj.CRS
        The district's metric CRS.
    taxonomy : Taxonomy
        Facility categories; labels are mapped to their ids.

    Returns
    -------
    geopandas.GeoDataFrame
        `FACILITY_COLUMNS` and geometry, projected.
    """
    src = source
    gdf = validate_facilities(_map_categories(raw, taxonomy), source=src, categories=taxonomy.ids)
    out = gpd.GeoDataFrame(
        {
            "id": gdf["id"].astype(str),
            "name": _text_column(gdf, "name", gdf["id"].astype(object)),
            "category": gdf["category"].astype(str),
            "capacity": gdf["capacity"].astype(float),
            "floor_area_m2": (
                _numeric(gdf, "floor_area_m2", src, fix="面积以平方米为单位，写不小于 0 的数")
                if "floor_area_m2" in gdf.columns
                else np.nan
            ),
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    out.loc[out["name"] == "", "name"] = out["id"]
    return to_metric(out, crs=crs)


def communities_layer(raw: gpd.GeoDataFrame, *, source: str, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Community polygons: name, street, geometry, in ``crs``.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        The checked layer (geometry ``"any"``).
    source : str
        File (or layer) name for messages.
    crs : pyproj.CRS
        The district's metric CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``street``, geometry.
    """
    src = source
    gdf = raw
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    name_col = find_column(cols, "community") or find_column(cols, "name")
    if name_col is None:
        raise SchemaError(
            "缺少必需的列“name”（社区名称，与 circles.csv 中一致）",
            file=src,
            field="name",
            fix="加上“社区名称”（name）列",
        )
    types = gdf.geometry.geom_type.to_numpy()
    bad = ~np.isin(types, ("Polygon", "MultiPolygon"))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"这一行的几何是 {types[i]}，不是面",
            file=src,
            row=i + 1,
            field="geometry",
            fix="社区图层每个社区一个面",
        )
    street_col = find_column(cols, "street")
    out = gpd.GeoDataFrame(
        {
            "name": gdf[name_col].astype("string").str.strip().fillna("").astype(object),
            "street": _text_column(gdf, street_col) if street_col else "",
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    return to_metric(out, crs=crs)


def circle_polygons_layer(
    raw: gpd.GeoDataFrame, *, source: str, crs: pyproj.CRS
) -> tuple[pd.DataFrame, np.ndarray]:
    """Circles given as a polygon layer: the checked table and one polygon per circle.

    Columns as in circles.csv (``circle_id``, ``name``, ``street``; ``communities`` is
    optional here, since the polygons say where each circle is).

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        The checked layer (geometry ``"any"``).
    source : str
        File (or layer) name for messages.
    crs : pyproj.CRS
        The district's metric CRS.

    Returns
    -------
    table : pandas.DataFrame
        As `lifecircle.district._tables.circle_rows` returns it.
    polygons : numpy.ndarray
        One valid (Multi)Polygon per row of ``table``.
    """
    src = source
    gdf = to_metric(raw, crs=crs)
    geoms = np.asarray(gdf.geometry.values)
    bad = ~np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise SchemaError(
            "生活圈不是面",
            file=src,
            row=row,
            field="geometry",
            fix="每个生活圈给出 Polygon 或 MultiPolygon（或在 CSV 中列出它的社区）",
        )
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    table = canonical(table, CIRCLE_ALIASES, ("circle_id",), src)
    return circle_rows(table, src), shapely.make_valid(geoms)
