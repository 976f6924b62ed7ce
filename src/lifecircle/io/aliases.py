"""The explicit table of accepted column names (English and Chinese) for each canonical field."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

__all__ = [
    "ALIASES",
    "closest_column",
    "find_column",
    "header_key",
    "header_keys",
    "match_columns",
    "normalise_name",
]

_SPACE = re.compile(r"\s+")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")
_BRACKETS = re.compile(r"[(\[【][^)\]】]*[)\]】]")

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


def header_key(value: object) -> str:
    """A header as compared with expected names: whitespace gone next to Chinese characters
    (``"生活圈\\n编号"`` is ``生活圈编号``), lower case, ``_`` for space and ``-``, full-width
    brackets as ASCII."""
    text = _SPACE.sub(" ", str(value).replace("\u3000", " ")).strip()
    text = _CJK_SPACE.sub("", text).lower().replace("（", "(").replace("）", ")")
    return text.replace("-", "_").replace(" ", "_")


def header_keys(value: object) -> set[str]:
    """The keys a header may match by: itself, without a bracketed unit (``投资（万元）``),
    and each ``/`` part (``年度/year``, a two-row header ``创建年度/2023``)."""
    key = header_key(value)
    out = {key, _BRACKETS.sub("", key)}
    for part in re.split(r"[/／]", key):
        out |= {part, _BRACKETS.sub("", part)}
    return {k for k in out if k}


def match_columns(columns: Iterable[object], spec: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Which column stands for each field of ``spec`` (field -> accepted names).

    A column is taken once, by the first field (in ``spec`` order) that names it; within a
    field, an exact name wins over a name without its bracketed unit or a ``/`` part.

    Returns
    -------
    dict of str -> str
        field -> column, for the fields found.
    """
    cols = [str(c) for c in columns]
    exact = {c: header_key(c) for c in cols}
    loose = {c: header_keys(c) for c in cols}
    found: dict[str, str] = {}
    taken: set[str] = set()
    for field, names in spec.items():
        wanted = [header_key(n) for n in (field, *names)]
        hit = next((c for w in wanted for c in cols if c not in taken and exact[c] == w), None)
        if hit is None:
            hit = next((c for w in wanted for c in cols if c not in taken and w in loose[c]), None)
        if hit is not None:
            found[field] = hit
            taken.add(hit)
    return found
