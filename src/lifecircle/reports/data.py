"""The checkup as the renderers take it: cleaned of the mirror's string, and small helpers."""

from __future__ import annotations

import math
import weakref
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar, cast

import geopandas as gpd
import pandas as pd

from lifecircle.checkup import CheckupFolder

# The plan's text came from a mirror that replaced "政府" with this string; it must never be
# shown. Any text read from a checkup is cleaned of it on the way in.
_MIRROR_JUNK = "\u548c\u8bb0AG"  # escaped so the string itself never sits in the tree

_T = TypeVar("_T")


def clean_text(obj: _T) -> _T:
    """Return ``obj`` with every string cleaned of the mirror's advertising string.

    Walks strings, lists, tuples, dicts and dataclasses (``CheckupResult`` and its parts);
    returns ``obj`` itself when nothing in it needed cleaning.

    Parameters
    ----------
    obj : object
        A string, a container, or a (frozen) dataclass.

    Returns
    -------
    object
        The same type, cleaned.
    """
    out: Any
    if isinstance(obj, str):
        out = obj.replace(_MIRROR_JUNK, "政府") if _MIRROR_JUNK in obj else obj
    elif isinstance(obj, list | tuple):
        items = [clean_text(v) for v in obj]
        same = all(a is b for a, b in zip(items, obj, strict=True))
        out = obj if same else type(obj)(items)
    elif isinstance(obj, dict):
        cleaned = {k: clean_text(v) for k, v in obj.items()}
        out = obj if all(cleaned[k] is v for k, v in obj.items()) else cleaned
    elif is_dataclass(obj) and not isinstance(obj, type):
        changed = {}
        for f in fields(obj):
            if f.init:
                value = getattr(obj, f.name)
                new = clean_text(value)
                if new is not value:
                    changed[f.name] = new
        out = replace(obj, **changed) if changed else obj
    else:
        out = obj
    return cast(_T, out)


def clean_checkup(ck: CheckupFolder) -> CheckupFolder:
    """``ck`` with its result and its layers' text cleaned (``ck`` itself when clean).

    The answer is remembered for ``ck`` (as long as its parts are the same objects), so
    rendering one circle after another from the same folder cleans it once.
    """
    parts = (ck.result, ck.circles, ck.compounds, ck.facilities, ck.service_areas)
    seen = _CLEANED.get(ck)
    if seen is not None and all(a is b for a, b in zip(seen[0], parts, strict=True)):
        return seen[1] or ck
    result = clean_text(ck.result)
    circles, compounds = _clean_frame(ck.circles), _clean_frame(ck.compounds)
    facilities = None if ck.facilities is None else _clean_frame(ck.facilities)
    areas = None if ck.service_areas is None else _clean_frame(ck.service_areas)
    new = (result, circles, compounds, facilities, areas)
    cleaned = None
    if not all(a is b for a, b in zip(new, parts, strict=True)):
        cleaned = CheckupFolder(result, circles, compounds, facilities, areas, path=ck.path)
    _CLEANED[ck] = (parts, cleaned)  # neither holds ``ck``: it can still be collected
    return cleaned or ck


_CLEANED: weakref.WeakKeyDictionary[
    CheckupFolder, tuple[tuple[object, ...], CheckupFolder | None]
] = weakref.WeakKeyDictionary()


def _clean_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    dirty = [
        col
        for col in gdf.columns
        if (gdf[col].dtype == object or isinstance(gdf[col].dtype, pd.StringDtype))
        and gdf[col].astype("string").str.contains(_MIRROR_JUNK, regex=False).any()
    ]
    if not dirty:
        return gdf
    out = gdf.copy()
    for col in dirty:
        out[col] = out[col].map(clean_text)
    return out


def finite(x: Any) -> float | None:
    """``x`` as a float, or ``None`` for null / NaN / infinity."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
