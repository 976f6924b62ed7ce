"""Validate and normalise the homes (compounds) and facilities layers the engine consumes."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import SchemaError

from .aliases import ALIASES, closest_column, find_column

__all__ = ["validate_facilities", "validate_homes"]


def _rename_aliases(gdf: gpd.GeoDataFrame, fields: Iterable[str]) -> gpd.GeoDataFrame:
    """Rename the columns found through `ALIASES` to their canonical names."""
    mapping: dict[str, str] = {}
    for field in fields:
        col = find_column([c for c in gdf.columns if c != gdf.geometry.name], field)
        if col is not None and col != field and field not in gdf.columns:
            mapping[col] = field
    return gdf.rename(columns=mapping) if mapping else gdf


def _require(gdf: gpd.GeoDataFrame, field: str, *, source: str | None) -> None:
    if field in gdf.columns:
        return
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    guess = closest_column(cols, field)
    accepted = "、".join(ALIASES.get(field, (field,)))
    raise SchemaError(
        f"缺少必需的列“{field}”（可用的列名：{accepted}；图层现有："
        f"{'、'.join(map(str, cols)) or '没有列'}）",
        file=source,
        field=field,
        fix=(f"是否是 {guess!r}？请改名为“{field}”" if guess else "") or f"加上“{field}”列",
    )


def require_filled(values: pd.Series, *, file: str | None, field: str, fix: str) -> None:
    """Raise SchemaError naming the first row whose text in ``values`` is missing or blank."""
    text = values.astype("string").str.strip()
    empty = np.flatnonzero((text.isna() | (text == "")).to_numpy())
    if len(empty):
        raise SchemaError(
            f"“{field}”没有填写", file=file, row=int(empty[0]) + 1, field=field, fix=fix
        )


_UNSAFE_ID = re.compile(r"[/\\\x00-\x1f]|\.\.")

#: numbers above this are refused: no count, capacity or area a district holds comes near it
MAX_NUMBER = 1e12


def is_unsafe_id(text: str) -> bool:
    """True when ``text`` holds ``..``, a slash or a control character (not a usable id)."""
    return bool(_UNSAFE_ID.search(text))


def require_safe_ids(values: pd.Series, *, file: str | None, field: str) -> None:
    """Raise SchemaError naming the first row whose id holds ``..``, a slash or a control
    character (ids become file names and web addresses; such an id could point elsewhere)."""
    text = values.astype("string").fillna("")
    bad = np.flatnonzero(text.str.contains(_UNSAFE_ID).fillna(False).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise SchemaError(
            f"编号 {text.iloc[i]!r} 含有“..”、斜杠或控制字符，不能作为编号",
            file=file,
            row=i + 1,
            field=field,
            fix="编号只用字母、数字、汉字、短横线或下划线，如 C01、K-12。",
        )


def _ids(gdf: gpd.GeoDataFrame, *, source: str | None) -> pd.Series:
    """Ids as stripped strings; floats that are whole numbers lose their '.0'."""
    raw = gdf["id"]
    if pd.api.types.is_float_dtype(raw):
        finite = raw.dropna()
        if (finite == np.round(finite)).all():
            raw = raw.astype("Int64")
    ids = raw.astype("string").str.strip()
    require_filled(ids, file=source, field="id", fix="每一行填写不重复的编号")
    require_safe_ids(ids, file=source, field="id")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        rows = np.flatnonzero((ids == ids.iloc[first]).to_numpy()) + 1
        raise SchemaError(
            f"编号 {ids.iloc[first]!r} 在第 {'、'.join(map(str, rows[:10]))} 行重复"
            + (f"（共 {int(dup.sum())} 行编号重复）" if dup.sum() > len(rows) else ""),
            file=source,
            row=int(rows[1]),
            field="id",
            fix="让编号不重复（如加后缀），或删除重复的行",
        )
    return ids.astype(str)


def _numbers(
    gdf: gpd.GeoDataFrame,
    field: str,
    *,
    source: str | None,
    allow_nan: bool,
    unit_hint: str,
) -> pd.Series:
    raw = gdf[field]
    values = pd.to_numeric(
        raw.astype("string").str.strip().str.replace(",", "", regex=False), errors="coerce"
    ).astype("float64")
    present = raw.notna() & (raw.astype("string").str.strip() != "")
    bad_text = np.flatnonzero((present & values.isna()).to_numpy())
    if len(bad_text):
        i = int(bad_text[0])
        raise SchemaError(
            f"{field} 的值 {raw.iloc[i]!r} 不是数字",
            file=source,
            row=i + 1,
            field=field,
            fix=f"{field} 写成纯数字（{unit_hint}）",
        )
    if not allow_nan:
        missing = np.flatnonzero(values.isna().to_numpy())
        if len(missing):
            raise SchemaError(
                f"{field} 没有填写",
                file=source,
                row=int(missing[0]) + 1,
                field=field,
                fix=f"填写 {field}（{unit_hint}）；无人居住的写 0",
            )
    negative = np.flatnonzero((values < 0).to_numpy())
    if len(negative):
        i = int(negative[0])
        raise SchemaError(
            f"{field} 的值 {values.iloc[i]:g} 是负数",
            file=source,
            row=i + 1,
            field=field,
            fix=f"{field} 应不小于 0（{unit_hint}）",
        )
    infinite = np.flatnonzero(np.isinf(values.to_numpy()))
    if len(infinite):
        raise SchemaError(
            f"{field} 是无穷大",
            file=source,
            row=int(infinite[0]) + 1,
            field=field,
            fix=f"{field} 写成有限的数",
        )
    huge = np.flatnonzero((values.abs() > MAX_NUMBER).to_numpy())
    if len(huge):
        i = int(huge[0])
        raise SchemaError(
            f"{field} 的值 {values.iloc[i]:g} 大得不合理（超过 {MAX_NUMBER:g}）",
            file=source,
            row=i + 1,
            field=field,
            fix=f"核对 {field} 的数值与单位（{unit_hint}）。",
        )
    return values


def _check_points(gdf: gpd.GeoDataFrame, *, source: str | None) -> None:
    geoms = np.asarray(gdf.geometry.values)
    bad = np.flatnonzero(
        shapely.is_missing(geoms) | shapely.is_empty(geoms) | (shapely.get_type_id(geoms) != 0)
    )
    if len(bad):
        raise SchemaError(
            "要素不是单个点",
            file=source,
            row=int(bad[0]) + 1,
            field="geometry",
            fix="每行一个点（面状要素请取中心点）",
        )


def _finish(gdf: gpd.GeoDataFrame, front: list[str], source: str | None) -> gpd.GeoDataFrame:
    geom = gdf.geometry.name
    rest = [c for c in gdf.columns if c not in front and c != geom]
    out = gdf[[*front, *rest, geom]].reset_index(drop=True)
    if geom != "geometry":
        out = out.rename_geometry("geometry")
    out.attrs.update(gdf.attrs)
    if source is not None:
        out.attrs["source"] = source
    return out


def _check_frame(gdf: object, *, source: str | None) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) == 0:
        raise SchemaError(
            "图层是空的（没有数据行）",
            file=source,
            fix="请给出至少有一行数据的图层",
        )


def validate_homes(gdf: gpd.GeoDataFrame, *, source: str | None) -> gpd.GeoDataFrame:
    """Check and normalise the homes (compounds) layer.

    Column aliases are accepted (`lifecircle.io.aliases.ALIASES`: ``pop``/``人口`` for
    population, ``编号`` for id, ``户数`` for households …) and renamed to canonical names.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Point layer, e.g. from `read_layer`.
    source : str or None
        File name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id`` (str, unique), ``population`` (float >= 0), ``households`` (float,
        when present), the other columns unchanged, then ``geometry``.

    Raises
    ------
    SchemaError
        Empty layer, missing id/population column (with the closest existing name), empty or
        duplicate id, population missing, not a number or negative, households not a
        number or negative, or a row that is not a point; names the file, row and field.
    """
    _check_frame(gdf, source=source)
    gdf = _rename_aliases(gdf, ("id", "name", "population", "households", "community"))
    for field in ("id", "population"):
        _require(gdf, field, source=source)
    _check_points(gdf, source=source)
    gdf = gdf.copy()
    gdf["id"] = _ids(gdf, source=source)
    gdf["population"] = _numbers(gdf, "population", source=source, allow_nan=False, unit_hint="人")
    front = ["id", "population"]
    if "households" in gdf.columns:
        gdf["households"] = _numbers(
            gdf, "households", source=source, allow_nan=True, unit_hint="户"
        )
        front.append("households")
    return _finish(gdf, front, source)


def _category_lookup(categories: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(categories, Mapping):
        table = {str(k).strip(): str(v) for k, v in categories.items()}
        table.update({str(v): str(v) for v in categories.values()})
        return table
    return {str(c).strip(): str(c) for c in categories}


def validate_facilities(
    gdf: gpd.GeoDataFrame,
    *,
    source: str | None,
    categories: Iterable[str] | Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Check and normalise the facilities layer.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Point layer, e.g. from `read_layer`.
    source : str or None
        File name used in error messages.
    categories : iterable of str, or mapping of label -> id, optional
        The valid category ids (e.g. from the taxonomy). A mapping also accepts other labels
        (such as the Chinese names ``幼儿园``) and turns them into ids. ``None`` accepts any
        non-empty category.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id`` (str, unique), ``category`` (str), ``capacity`` (float, NaN when
        unknown), the other columns unchanged, then ``geometry``.

    Raises
    ------
    SchemaError
        Empty layer, missing id/category column, empty or duplicate id, empty or unknown
        category (the valid ones are listed), capacity not a number or negative, or a row
        that is not a point; names the file, row and field.
    """
    _check_frame(gdf, source=source)
    gdf = _rename_aliases(gdf, ("id", "name", "category", "capacity", "floor_area_m2"))
    for field in ("id", "category"):
        _require(gdf, field, source=source)
    _check_points(gdf, source=source)
    gdf = gdf.copy()
    gdf["id"] = _ids(gdf, source=source)
    cats = gdf["category"].astype("string").str.strip()
    require_filled(
        cats,
        file=source,
        field="category",
        fix="每个设施填写类别（如 幼儿园 或 kindergarten）",
    )
    if categories is not None:
        lookup = _category_lookup(categories)
        mapped = cats.map(lookup)
        unknown = np.flatnonzero(mapped.isna().to_numpy())
        if len(unknown):
            i = int(unknown[0])
            bad = str(cats.iloc[i])
            valid = sorted(set(lookup.values()))
            near = difflib.get_close_matches(bad, list(lookup), n=1, cutoff=0.6)
            raise SchemaError(
                f"未知的设施类别 {bad!r}",
                file=source,
                row=i + 1,
                field="category",
                fix=(f"是否是 {lookup[near[0]]!r}？" if near else "")
                + "请用以下类别之一（中文名、英文代码或高德类型码均可）："
                + "、".join(valid),
            )
        cats = mapped
    gdf["category"] = cats.astype(str)
    if "capacity" in gdf.columns:
        gdf["capacity"] = _numbers(
            gdf, "capacity", source=source, allow_nan=True, unit_hint="学位、床位、车位等"
        )
    else:
        gdf["capacity"] = np.nan
    return _finish(gdf, ["id", "category", "capacity"], source)
