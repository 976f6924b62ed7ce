"""The explicit table of accepted column names (English and Chinese) for each canonical field."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = ["ALIASES", "closest_column", "find_column", "normalise_name"]

#: canonical field -> accepted names, in order of preference. Matching ignores case,
#: surrounding spaces, and the difference between ``_``, ``-`` and space.
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "lon": ("lon", "lng", "longitude", "long", "经度", "wgs84_lon", "gcj02_lon", "x", "x坐标"),
    "lat": ("lat", "latitude", "纬度", "wgs84_lat", "gcj02_lat", "y", "y坐标"),
    "location": ("location", "lnglat", "lng_lat", "经纬度", "坐标"),  # "lng,lat" in one cell
    "id": ("id", "编号", "编码", "代码", "code", "fid", "uid", "poi_id", "序号"),
    "name": ("name", "名称", "小区名称", "设施名称", "小区", "名字"),
    "population": ("population", "pop", "人口", "人口数", "常住人口", "居住人口", "人数"),
    "households": ("households", "hh", "户数", "住户数", "总户数"),
    "category": ("category", "类别", "类型", "设施类别", "设施类型", "分类", "type", "kind"),
    "capacity": ("capacity", "容量", "规模", "学位", "床位", "托位", "cap"),
    "community": ("community", "社区", "所属社区", "村"),
    "street": ("street", "街道", "所属街道", "镇"),
    "floor_area_m2": ("floor_area_m2", "area_m2", "建筑面积", "面积", "占地面积"),
}


def normalise_name(name: object) -> str:
    """Column name as compared: stripped, lower-case, ``-``/space turned into ``_``."""
    return str(name).strip().lower().replace("-", "_").replace(" ", "_")


def find_column(columns: Iterable[object], field: str) -> str | None:
    """Return the column of ``columns`` that stands for canonical ``field``, or None.

    The canonical name wins, then the aliases in the order of `ALIASES`.
    """
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise_name(col), str(col))
    for alias in ALIASES.get(field, (field,)):
        hit = by_norm.get(normalise_name(alias))
        if hit is not None:
            return hit
    return None


def closest_column(columns: Sequence[object], field: str) -> str | None:
    """The existing column most like ``field`` or one of its aliases (difflib), or None."""
    names = [str(c) for c in columns if str(c) != "geometry"]
    norm = {normalise_name(c): c for c in names}
    best: tuple[float, str] | None = None
    for alias in ALIASES.get(field, (field,)):
        for match in difflib.get_close_matches(normalise_name(alias), list(norm), n=1, cutoff=0.6):
            score = difflib.SequenceMatcher(None, normalise_name(alias), match).ratio()
            if best is None or score > best[0]:
                best = (score, norm[match])
    return best[1] if best else None
