"""Coordinate reference systems: sanity checks, CGCS2000, and choosing a metric (UTM) CRS."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from lifecircle.errors import CRSError

__all__ = [
    "CGCS2000",
    "WGS84",
    "check_crs_plausible",
    "choose_metric_crs",
    "is_metric",
    "normalise_geographic",
    "to_metric",
]

WGS84 = pyproj.CRS.from_epsg(4326)
#: China Geodetic Coordinate System 2000. Its ellipsoid and ITRF97 realisation agree with
#: WGS-84 to a few centimetres, so lon/lat in CGCS2000 are relabelled as WGS-84 unchanged.
CGCS2000 = pyproj.CRS.from_epsg(4490)


def _source(gdf: gpd.GeoDataFrame, source: str | None) -> str | None:
    return source if source is not None else gdf.attrs.get("source")


def _finite_bounds(
    gdf: gpd.GeoDataFrame, *, to: pyproj.CRS | None = None
) -> tuple[float, float, float, float] | None:
    """Bounds of the finite coordinates, in the layer's CRS or transformed ``to`` another.

    In the layer's own CRS the geometries' envelopes give them (GEOS skips NaN values);
    only when an envelope is infinite are the coordinates read one by one. Transformed,
    the coordinate array is transformed as it is, without building geometries anew.
    """
    geoms = np.asarray(gdf.geometry.values)
    if to is None:
        envelopes = shapely.bounds(geoms)
        envelopes = envelopes[~np.isnan(envelopes).any(axis=1)]  # empty or missing rows
        if len(envelopes) and np.isfinite(envelopes).all():
            low = envelopes[:, :2].min(axis=0)
            high = envelopes[:, 2:].max(axis=0)
            return float(low[0]), float(low[1]), float(high[0]), float(high[1])
    xy = shapely.get_coordinates(geoms)
    if to is not None:
        transformer = pyproj.Transformer.from_crs(gdf.crs, to, always_xy=True)
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        xy = np.column_stack([x, y])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        return None
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def check_crs_plausible(gdf: gpd.GeoDataFrame, *, source: str | None = None) -> None:
    """Stop when coordinates cannot be in the CRS the layer claims.

    Two common mistakes of exported layers are caught: metres labelled as degrees (a
    geographic CRS with |x| > 180 or |y| > 90) and lon/lat labelled as a projected CRS (the
    values, read as degrees, fall in the CRS's area of use and, read as metres, outside it).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer to check; a layer without a CRS is an error too.
    source : str, optional
        File name for the message (defaults to ``gdf.attrs["source"]``).

    Raises
    ------
    CRSError
        Naming the file, the offending values and the fix.
    """
    src = _source(gdf, source)
    if gdf.crs is None:
        raise CRSError(
            "图层没有坐标系",
            file=src,
            field="geometry",
            fix="指明文件的坐标系（经纬度用 crs='EPSG:4326'，投影坐标用导出时的 EPSG 代码），"
            "或为文件补上 .prj/坐标系",
        )
    bounds = _finite_bounds(gdf)
    if bounds is None:
        return
    minx, miny, maxx, maxy = bounds
    if gdf.crs.is_geographic:
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise CRSError(
                f"图层标为 {gdf.crs.to_string()}（度），但坐标达到 x {minx:.6g}～{maxx:.6g}，"
                f"y {miny:.6g}～{maxy:.6g}：像是投影坐标（米）被标成了度",
                file=src,
                field="geometry",
                fix="指明数据实际的投影坐标系（如 CGCS2000 3 度带中央经线 114E 用 crs='EPSG:4547'，"
                "UTM 49N 用 crs='EPSG:32649'）",
            )
    elif _degrees_in_projected(gdf.crs, bounds):
        raise CRSError(
            f"图层标为 {gdf.crs.to_string()}（投影，米），但所有坐标都在 x {minx:.6g}～{maxx:.6g}、"
            f"y {miny:.6g}～{maxy:.6g} 之内：像是经纬度（度）",
            file=src,
            field="geometry",
            fix="这个文件请用 crs='EPSG:4326'（经纬度）",
        )


def _degrees_in_projected(crs: pyproj.CRS, bounds: tuple[float, float, float, float]) -> bool:
    """True when projected coordinates are really lon/lat: read as degrees they fall in the
    CRS's area of use, read as metres they fall outside it.

    Both conditions are needed so that a small synthetic grid near (0, 0) metres stays
    legal; CRSs without an area of use (local, custom) are never flagged.
    """
    minx, miny, maxx, maxy = bounds
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        return False
    area = crs.area_of_use
    if area is None:
        return False
    west, south, east, north = area.bounds
    if not (west - 1 <= minx and maxx <= east + 1 and south - 1 <= miny and maxy <= north + 1):
        return False
    try:
        to_crs = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
        pminx, pminy, pmaxx, pmaxy = to_crs.transform_bounds(west, south, east, north)
    except (pyproj.exceptions.ProjError, ValueError):
        return False
    if not all(map(math.isfinite, (pminx, pminy, pmaxx, pmaxy))):
        return False
    inside = pminx <= minx and maxx <= pmaxx and pminy <= miny and maxy <= pmaxy
    return not inside


def normalise_geographic(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return lon/lat layers in EPSG:4326; projected layers are returned as they are.

    CGCS2000 (EPSG:4490) is relabelled without moving any coordinate (the datums agree to
    a few centimetres); other geographic CRSs are transformed with pyproj.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A layer with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in EPSG:4326 if it was geographic, else ``gdf`` itself.
    """
    crs = gdf.crs
    if crs is None or not crs.is_geographic or crs.equals(WGS84):
        return gdf
    if crs.equals(CGCS2000) or crs.to_epsg() == 4490:
        return gdf.set_crs(WGS84, allow_override=True)
    return gdf.to_crs(WGS84)


def _wgs84_centre(gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    bounds = _finite_bounds(gdf, to=None if gdf.crs.is_geographic else WGS84)
    if bounds is None:
        raise CRSError(
            "无法选择米制坐标系：图层没有有效坐标",
            file=gdf.attrs.get("source"),
            field="geometry",
            fix="核对图层中有几何有效的要素",
        )
    minx, miny, maxx, maxy = bounds
    return (minx + maxx) / 2.0, (miny + maxy) / 2.0


#: largest scale error (relative) of a projected CRS that is used as it is for lengths;
#: UTM stays within 0.1 % inside its zone, 3-degree Gauss-Kruger within 0.03 %
MAX_SCALE_ERROR = 0.002


def is_metric(gdf: gpd.GeoDataFrame) -> bool:
    """True when the layer's own CRS measures true metres where the data lies.

    That is a projected CRS in metres whose scale at the centre of the data differs from
    1 by at most `MAX_SCALE_ERROR` (UTM or Gauss-Kruger zones holding the data; not Web
    Mercator, whose metres are 13 % short at 28 degrees north).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any layer.

    Returns
    -------
    bool
        Whether lengths measured in the layer's CRS are metres on the ground.
    """
    crs = gdf.crs
    if crs is None or not crs.is_projected:
        return False
    if any(axis.unit_conversion_factor != 1.0 for axis in crs.axis_info[:2]):
        return False
    bounds = _finite_bounds(gdf)
    if bounds is None:
        return False
    try:
        to_wgs84 = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
        lon, lat = to_wgs84.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
        factors = pyproj.Proj(crs).get_factors(lon, lat)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError):
        return False
    scales = (factors.meridional_scale, factors.parallel_scale)
    return all(math.isfinite(k) and abs(k - 1.0) <= MAX_SCALE_ERROR for k in scales)


def choose_metric_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """Choose the WGS-84 / UTM zone CRS (metres) holding the centre of the data.

    UTM keeps scale error below 0.1 % within its 6-degree zone, which is far more than a
    district or a city spans, so walking lengths in metres are true lengths.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any layer with a CRS.

    Returns
    -------
    pyproj.CRS
        EPSG:326NN (north) or EPSG:327NN (south) for the zone NN of the bounding-box centre.

    Raises
    ------
    CRSError
        If the layer has no CRS, an implausible one, or no finite coordinates.
    """
    check_crs_plausible(gdf)
    lon, lat = _wgs84_centre(gdf)
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def to_metric(gdf: gpd.GeoDataFrame, crs: Any = None) -> gpd.GeoDataFrame:
    """Project a layer to metres: to ``crs`` if given, else to `choose_metric_crs`.

    Without ``crs``, a layer already in a metric CRS (`is_metric`: projected, in metres,
    true to scale where the data lies) is kept in it, unprojected.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Layer with a (plausible) CRS.
    crs : pyproj.CRS, str or int, optional
        Target projected CRS. A geographic target is refused, since lengths must be metres.

    Returns
    -------
    geopandas.GeoDataFrame
        A projected copy (``attrs`` kept).

    Raises
    ------
    CRSError
        If the layer's CRS is missing or implausible, or ``crs`` is not a projected CRS.
    """
    check_crs_plausible(gdf)
    if crs is None and is_metric(gdf):
        return gdf.copy()
    if crs is None:
        target = choose_metric_crs(gdf)
    else:
        try:
            target = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise CRSError(
                f"无法识别的坐标系 {crs!r}（{exc}）",
                file=gdf.attrs.get("source"),
                field="crs",
                fix="写 EPSG 代码，如 'EPSG:32649'；或不写，按数据自动选择 UTM 带",
            ) from None
        if not target.is_projected:
            raise CRSError(
                f"坐标系 {target.to_string()} 不是投影坐标系（单位不是米）",
                file=gdf.attrs.get("source"),
                field="crs",
                fix="写投影坐标系，如 'EPSG:32649'（UTM 49N），或不写",
            )
    out = normalise_geographic(gdf).to_crs(target)
    out.attrs.update(gdf.attrs)
    return out
