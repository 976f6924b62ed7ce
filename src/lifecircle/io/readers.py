"""Read point and line layers (GeoJSON, GeoPackage, Shapefile, CSV/XLSX) as GeoDataFrames."""

from __future__ import annotations

import warnings
from os import PathLike
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from lifecircle.errors import CRSError, FileFormatError, InputError, SchemaError
from lifecircle.io.foreign_zh import explain

from ._sniff import file_kind, require_file, sniff
from ._tables import numeric_where_possible, read_csv_table, read_xlsx_table
from .aliases import ALIASES, closest_column, find_column
from .coords import COORD_SYSTEMS, coords_key, to_wgs84
from .crs import WGS84, check_crs_plausible, normalise_geographic

__all__ = ["check_layer", "read_layer"]

GeometryKind = Literal["point", "line", "any"]

_ALLOWED_TYPES: Final = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString"),
}
#: Geometry type names by shapely type id.
_TYPE_NAMES: Final = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection")  # fmt: skip
#: Columns a table reader keeps as text even when they look numeric.
_TEXT_FIELDS: Final = ("id", "name", "category", "community", "street")


_AXIS_ZH: Final = {"lon": "经度", "lat": "纬度"}
_GEOM_ZH: Final = {"point": "点", "line": "线", "polygon": "面", "any": "任意几何"}


def _coords_key(coords: str, *, source: str) -> str:
    key = coords_key(coords)
    if key is None:
        raise CRSError(
            f"未知的经纬度坐标系 {coords!r}",
            file=source,
            field="coords",
            fix="写以下之一：" + "、".join(COORD_SYSTEMS) + "（高德、腾讯导出为 gcj02，"
            "百度导出为 bd09，GPS/OSM 为 wgs84，天地图等官方地图为 cgcs2000）",
        )
    return key


def _parse_crs(crs: Any, *, source: str) -> pyproj.CRS | None:
    if crs is None:
        return None
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"无法识别的坐标系 {crs!r}（{exc}）",
            file=source,
            field="crs",
            fix="写 EPSG 代码，如 'EPSG:4326' 或 'EPSG:4547'",
        ) from None


# --------------------------------------------------------------------------- vector files
def _read_vector(path: Path, *, layer: str | None) -> gpd.GeoDataFrame:
    source = str(path)
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise FileFormatError(
            f"无法作为地理数据打开：{explain(exc)}",
            file=source,
            fix="核对文件是否完整（Shapefile 旁边须有 .shx 和 .dbf），或重新导出",
        ) from None
    if layer is not None and layer not in layers:
        raise FileFormatError(
            f"文件中没有图层 {layer!r}",
            file=source,
            field="layer",
            fix="请用以下图层之一：" + "、".join(layers),
        )
    if layer is None and len(layers) > 1:
        raise FileFormatError(
            f"文件中有 {len(layers)} 个图层，没有指定用哪一个",
            file=source,
            field="layer",
            fix="指定图层（layer=）为以下之一：" + "、".join(layers),
        )
    try:
        with warnings.catch_warnings():
            # GDAL notes (e.g. a shapefile without .prj) become our own CRS errors below
            warnings.simplefilter("ignore", RuntimeWarning)
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True)
    except Exception as exc:
        raise FileFormatError(
            f"无法读取图层：{exc}",
            file=source,
            field="layer",
            fix="从 GIS 软件重新导出该图层（GeoPackage 最稳妥）",
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise FileFormatError(
            "图层没有几何列（是普通表格）",
            file=source,
            fix="导出带点/线几何的图层，或带经度、纬度列的 CSV/XLSX",
        )
    return gdf


# --------------------------------------------------------------------------- tables
def _resolve_xy_column(df: pd.DataFrame, given: str | None, field: str, *, source: str) -> str:
    if given is not None:
        if given in df.columns:
            return given
        guess = closest_column(list(df.columns), given) or closest_column(list(df.columns), field)
        raise SchemaError(
            f"表中没有列 {given!r}（现有列：{'、'.join(map(str, df.columns))}）",
            file=source,
            field=given,
            fix=(f"是否是 {guess!r}？" if guess else "")
            + f"请按表头原样写{_AXIS_ZH.get(field, field)}列的列名",
        )
    found = find_column(df.columns, field)
    if found is None:
        guess = closest_column(list(df.columns), field)
        names = "/".join(ALIASES[field][:4])
        raise SchemaError(
            f"没有找到{_AXIS_ZH.get(field, field)}列（找过 {names} 等；现有列："
            f"{'、'.join(map(str, df.columns))}）",
            file=source,
            field=field,
            fix=(f"是否是 {guess!r}？" if guess else "")
            + f"把该列改名为“{_AXIS_ZH.get(field, field)}”或“{field}”",
        )
    return found


def _split_location(df: pd.DataFrame) -> tuple[pd.DataFrame, str | None, str | None]:
    """Split an Amap-style ``location`` column ("113.01,28.12") into two coordinate columns.

    Used only when the table has no separate lon/lat columns. Returns the table and the
    names of the new columns (``"location(lon)"``, ``"location(lat)"``), or Nones.
    """
    if find_column(df.columns, "lon") is not None or find_column(df.columns, "lat") is not None:
        return df, None, None
    loc = find_column(df.columns, "location")
    if loc is None:
        return df, None, None
    parts = df[loc].astype("string").str.replace("，", ",").str.split(",", n=1, expand=True)
    if parts.shape[1] != 2:
        return df, None, None
    lon, lat = f"{loc}(lon)", f"{loc}(lat)"
    out = df.drop(columns=[loc])
    out[lon], out[lat] = parts[0], parts[1]
    return out, lon, lat


def _table_to_points(
    df: pd.DataFrame,
    *,
    source: str,
    lon_col: str | None,
    lat_col: str | None,
    crs: pyproj.CRS | None,
) -> gpd.GeoDataFrame:
    if df.empty:
        raise SchemaError(
            "表格只有表头，没有数据行",
            file=source,
            fix="重新导出表格，包括数据行",
        )
    xcol = _resolve_xy_column(df, lon_col, "lon", source=source)
    ycol = _resolve_xy_column(df, lat_col, "lat", source=source)
    xy: dict[str, np.ndarray] = {}
    for col in (xcol, ycol):
        raw = df[col]
        values = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            i = int(bad[0])
            shown = raw.iloc[i]
            blank = pd.isna(shown) or not str(shown).strip()
            what = "是空的" if blank else f"不是数字（{shown!r}）"
            raise SchemaError(
                f"坐标{what}" + (f"；共 {len(bad)} 行如此" if len(bad) > 1 else ""),
                file=source,
                row=i + 1,
                field=col,
                fix="以十进制度数填写坐标，或删除这一行",
            )
        xy[col] = values
    keep = [c for c in df.columns if c not in (xcol, ycol)]
    text = {c for c in keep for f in _TEXT_FIELDS if find_column([c], f) == c}
    attrs = numeric_where_possible(df[keep], keep_text=text)
    geometry = shapely.points(xy[xcol], xy[ycol])
    return gpd.GeoDataFrame(attrs, geometry=geometry, crs=crs or WGS84)


# --------------------------------------------------------------------------- checks
def _check_geometry(gdf: gpd.GeoDataFrame, geometry: str, *, source: str) -> gpd.GeoDataFrame:
    geoms = np.asarray(gdf.geometry.values)
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(missing):
        raise SchemaError(
            "要素没有几何" + (f"；共 {len(missing)} 个要素如此" if len(missing) > 1 else ""),
            file=source,
            row=int(missing[0]) + 1,
            field="geometry",
            fix="补画或补上坐标，或删除该要素",
        )
    if geometry == "any":
        return gdf
    types = shapely.get_type_id(geoms)
    allowed = [_TYPE_NAMES.index(name) for name in _ALLOWED_TYPES[geometry]]
    wrong = np.flatnonzero(~np.isin(types, allowed))
    if len(wrong):
        i = int(wrong[0])
        raise SchemaError(
            f"要素是 {_TYPE_NAMES[types[i]]}，这里要{_GEOM_ZH.get(geometry, geometry)}图层"
            + (f"；共 {len(wrong)} 个要素如此" if len(wrong) > 1 else ""),
            file=source,
            row=i + 1,
            field="geometry",
            fix=f"请给出{_GEOM_ZH.get(geometry, geometry)}图层（面状要素请取中心点）",
        )
    if geometry == "point":
        multi = types == _TYPE_NAMES.index("MultiPoint")
        if multi.any():
            parts = shapely.get_num_geometries(geoms)
            many = np.flatnonzero(multi & (parts != 1))
            if len(many):
                raise SchemaError(
                    f"要素是含 {int(parts[many[0]])} 个点的多点；每行只能一个点",
                    file=source,
                    row=int(many[0]) + 1,
                    field="geometry",
                    fix="把多点拆成每行一个点",
                )
            geoms = np.where(multi, shapely.get_geometry(geoms, 0), geoms)
            gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    return gdf


def _check_coordinates(gdf: gpd.GeoDataFrame, *, source: str, fields: tuple[str, str]) -> None:
    xy, index = shapely.get_coordinates(np.asarray(gdf.geometry.values), return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            "坐标为 NaN 或无穷大",
            file=source,
            row=int(index[j]) + 1,
            field=fields[0] if not np.isfinite(xy[j, 0]) else fields[1],
            fix="改正或删除该要素的坐标",
        )
    if gdf.crs is None or not gdf.crs.is_geographic or len(xy) == 0:
        return
    out_x = np.abs(xy[:, 0]) > 180
    out_y = np.abs(xy[:, 1]) > 90
    if not (out_x.any() or out_y.any()):
        return
    j = int(np.flatnonzero(out_x | out_y)[0])
    x, y = xy[j]
    field = fields[0] if out_x[j] else fields[1]
    if abs(x) <= 90 and abs(y) <= 180:
        fix = "经度和纬度似乎写反了：请交换这两列"
    elif out_x.mean() > 0.5 or out_y.mean() > 0.5:
        fix = "多数数值像是投影坐标（米），不是度数：请用 crs= 指明坐标系（如 'EPSG:4547'）"
    else:
        fix = "改正数值：经度应在 -180～180 之间，纬度应在 -90～90 之间"
    raise CRSError(
        f"坐标（{x:.6g}, {y:.6g}）超出经纬度范围",
        file=source,
        row=int(index[j]) + 1,
        field=field,
        fix=fix,
    )


def _apply_offset(gdf: gpd.GeoDataFrame, coords: str, *, source: str) -> gpd.GeoDataFrame:
    if coords in ("wgs84", "cgcs2000"):
        return gdf
    if gdf.crs is None or not gdf.crs.is_geographic:
        raise CRSError(
            f"coords={coords!r} 只适用于经纬度，但图层是投影坐标系 "
            f"{gdf.crs.to_string() if gdf.crs else '（无）'}",
            file=source,
            field="coords",
            fix="投影坐标的图层用 coords='wgs84'，或提供经纬度数据",
        )

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords=coords)
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(
        shapely.transform(np.asarray(gdf.geometry.values), shift), index=gdf.index, crs=gdf.crs
    )
    return out


# --------------------------------------------------------------------------- public
def read_layer(
    path: str | PathLike[str],
    *,
    layer: str | None = None,
    geometry: GeometryKind = "point",
    lon_col: str | None = None,
    lat_col: str | None = None,
    coords: str = "wgs84",
    crs: Any = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a point or line layer from a file, checked and in WGS-84 when it is lon/lat.

    Accepts GeoJSON, GeoPackage and Shapefile (through pyogrio) and CSV/XLSX tables with
    longitude/latitude columns. Every problem a user can fix stops with a typed error that
    names the file, the 1-based data row and the field, and says how to fix it.

    Parameters
    ----------
    path : str or path-like
        The file. Its extension decides the reader, and its first bytes must agree.
    layer : str, optional
        Layer of a GeoPackage, or sheet of a workbook. Needed when a file holds several.
    geometry : {"point", "line", "any"}
        Geometry the layer must hold. Single-part MultiPoints become Points.
    lon_col, lat_col : str, optional
        Coordinate columns of a table. Found by name when not given (lon/lng/longitude/经度/x,
        lat/latitude/纬度/y; see `lifecircle.io.aliases.ALIASES`).
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        The system lon/lat values are given in. GCJ-02 (Amap, Tencent) and BD-09 (Baidu)
        are converted to WGS-84 with exact inverses (to ~1e-9 degree); CGCS2000 is taken as
        WGS-84 (they agree to a few cm).
    crs : str, int or pyproj.CRS, optional
        CRS of the data. For tables, the CRS of the coordinate columns (default EPSG:4326).
        For geodata files, it overrides the CRS stored in the file (the fix for a file whose
        CRS label is wrong) and is needed when the file carries none.
    encoding : str, optional
        Text encoding of a CSV. Default: try UTF-8 (with or without BOM), then GB18030
        (a superset of GBK, the usual encoding of Chinese Excel exports).

    Returns
    -------
    geopandas.GeoDataFrame
        Features with their attributes; CRS EPSG:4326 for lon/lat data, else the projected
        CRS of the data. ``attrs["source"]`` holds the file name for later messages.

    Raises
    ------
    InputError
        If the file does not exist.
    FileFormatError
        If the file is not what its extension says, is empty, undecodable, or lacks the layer.
    SchemaError
        If the layer has no rows, lacks coordinate columns, has NaN coordinates, missing or
        wrong geometry.
    CRSError
        If ``coords``/``crs`` is unknown, coordinates are out of range, or the CRS label
        cannot be true (metres labelled as degrees, or the opposite).
    """
    p = Path(path)
    source = str(p)
    key = _coords_key(coords, source=source)
    _check_kind(geometry, source=source)
    target_crs = _parse_crs(crs, source=source)
    require_file(p)
    kind = file_kind(p)
    sniff(p, kind)
    if kind in ("csv", "xlsx"):
        df = (
            read_csv_table(p, encoding=encoding)
            if kind == "csv"
            else read_xlsx_table(p, sheet=layer)
        )
        gdf, fields = _table_layer(
            df, source=source, lon_col=lon_col, lat_col=lat_col, crs=target_crs
        )
    else:
        gdf = _read_vector(p, layer=layer)
        if target_crs is not None:
            gdf = gdf.set_crs(target_crs, allow_override=True)
        fields = ("geometry", "geometry")
    return _checked(gdf, geometry, key, source=source, fields=fields, layer=layer)


def check_layer(
    frame: pd.DataFrame,
    *,
    source: str,
    geometry: GeometryKind = "point",
    lon_col: str | None = None,
    lat_col: str | None = None,
    coords: str = "wgs84",
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Check a layer held in memory exactly as :func:`read_layer` checks one read from a file.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A GeoDataFrame with an active geometry column, or a plain table with
        longitude/latitude columns (found by name as in a CSV, or ``lon_col``/``lat_col``).
        It is not modified.
    source : str
        The name errors give as ``file`` (e.g. the layer key ``"compounds"``).
    geometry : {"point", "line", "any"}
        Geometry the layer must hold. Single-part MultiPoints become Points.
    lon_col, lat_col : str, optional
        Coordinate columns of a table.
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        The system lon/lat values are given in (see :func:`read_layer`).
    crs : str, int or pyproj.CRS, optional
        For a table, the CRS of its coordinate columns (default EPSG:4326); for a
        GeoDataFrame, it replaces the frame's CRS (and is needed when the frame has none).

    Returns
    -------
    geopandas.GeoDataFrame
        A checked copy with a fresh 0-based index, as :func:`read_layer` returns it.

    Raises
    ------
    SchemaError, CRSError, InputError
        As :func:`read_layer`; ``file`` is ``source`` and rows are 1-based positions.
    """
    key = _coords_key(coords, source=source)
    _check_kind(geometry, source=source)
    target_crs = _parse_crs(crs, source=source)
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"图层是 {type(frame).__name__}，不是表格",
            file=source,
            fix="请给出 geopandas.GeoDataFrame，或带经度、纬度列的 pandas.DataFrame",
        )
    if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None:
        gdf = frame.copy()
        if gdf.geometry.name != "geometry" and "geometry" not in gdf.columns:
            gdf = gdf.rename_geometry("geometry")
        if target_crs is not None:
            gdf = gdf.set_crs(target_crs, allow_override=True)
        fields = ("geometry", "geometry")
    else:
        table = pd.DataFrame(frame).reset_index(drop=True)
        gdf, fields = _table_layer(
            table, source=source, lon_col=lon_col, lat_col=lat_col, crs=target_crs
        )
    return _checked(gdf, geometry, key, source=source, fields=fields, layer=None)


def _check_kind(geometry: str, *, source: str) -> None:
    if geometry not in ("point", "line", "any"):
        raise InputError(
            f"未知的几何类型 {geometry!r}",
            file=source,
            field="geometry",
            fix="用 'point'、'line' 或 'any'",
        )


def _table_layer(
    df: pd.DataFrame,
    *,
    source: str,
    lon_col: str | None,
    lat_col: str | None,
    crs: pyproj.CRS | None,
) -> tuple[gpd.GeoDataFrame, tuple[str, str]]:
    """Points from a lon/lat table, and the names of its coordinate columns."""
    if lon_col is None and lat_col is None:
        df, lon_col, lat_col = _split_location(df)
    gdf = _table_to_points(df, source=source, lon_col=lon_col, lat_col=lat_col, crs=crs)
    fields = (
        _resolve_xy_column(df, lon_col, "lon", source=source),
        _resolve_xy_column(df, lat_col, "lat", source=source),
    )
    return gdf, fields


def _checked(
    gdf: gpd.GeoDataFrame,
    geometry: str,
    coords: str,
    *,
    source: str,
    fields: tuple[str, str],
    layer: str | None,
) -> gpd.GeoDataFrame:
    """The checks every layer passes, from a file or from memory: rows, geometry, CRS."""
    if len(gdf) == 0:
        raise SchemaError(
            "图层是空的（没有要素）",
            file=source,
            field=layer,
            fix="重新导出带要素的图层，或换一个图层",
        )
    gdf = _check_geometry(gdf, geometry, source=source)
    _check_coordinates(gdf, source=source, fields=fields)
    check_crs_plausible(gdf, source=source)
    gdf = normalise_geographic(gdf)
    gdf = _apply_offset(gdf, coords, source=source)
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source"] = source
    return gdf
