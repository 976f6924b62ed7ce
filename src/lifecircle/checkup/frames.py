"""A finished checkup as tables in memory: the circles and the compounds as GeoDataFrames."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from lifecircle.checkup.result import CheckupResult
    from lifecircle.district import District

#: the per-indicator columns of `circles_frame`, ``{prefix}{indicator id}``
VALUE, STATUS, MARGIN, PASS = "value__", "status__", "margin__", "pass__"


def _number(x: float | None) -> float:
    return np.nan if x is None else float(x)


def circles_frame(result: CheckupResult, district: District) -> gpd.GeoDataFrame:
    """One row per circle: its figures, grade and every indicator, on the circle's polygon.

    The table ``circles.gpkg`` holds (`Checkup.write` writes this frame); also
    ``Checkup.circles_frame()``.

    Parameters
    ----------
    result : CheckupResult
        The checkup's result (``Checkup.result``, or one read back from a folder).
    district : District
        The district it was run on (for the circle polygons and the CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``circle_id``, ``name``, ``street``, ``communities`` (``;``-joined),
        ``population``, ``households``, ``area_km2``, ``compound_count``, ``grade``
        (NONE / AA / AAA), ``grade_reason``, ``constraint_passed``, ``shortfalls`` (how
        many), then per circle indicator, in catalogue order, ``value__<id>`` (float, NaN
        when missing), ``status__<id>`` (pass / fail / missing), ``margin__<id>`` (value −
        threshold, signed so that ≥ 0 passes; NaN when missing) and, for constraint
        indicators, ``pass__<id>`` (1 pass, 0 fail, <NA> missing). Geometry: the circle's
        polygon (None when nothing locates it), in the district's CRS.
    """
    circles = result.circles
    data: dict[str, list[object]] = {
        "circle_id": [c.id for c in circles],
        "name": [c.name for c in circles],
        "street": [c.street for c in circles],
        "communities": [";".join(c.communities) for c in circles],
        "population": [float(c.population) for c in circles],
        "households": [_number(c.households) for c in circles],
        "area_km2": [float(c.area_km2) for c in circles],
        "compound_count": [int(c.compound_count) for c in circles],
        "grade": [c.grade for c in circles],
        "grade_reason": [c.grade_reason for c in circles],
        "constraint_passed": [int(c.constraint_passed) for c in circles],
        "shortfalls": [len(c.shortfalls) for c in circles],
    }
    frame = pd.DataFrame(data)
    columns: dict[str, pd.Series] = {}
    order = list(dict.fromkeys(i.id for c in circles for i in c.indicators))
    for iid in order:
        found = [next((i for i in c.indicators if i.id == iid), None) for c in circles]
        columns[VALUE + iid] = pd.Series(
            [_number(i.value if i else None) for i in found], dtype=float
        )
        columns[STATUS + iid] = pd.Series([i.status if i else None for i in found], dtype="string")
        columns[MARGIN + iid] = pd.Series(
            [_number(i.margin if i else None) for i in found], dtype=float
        )
        if any(i is not None and i.category == "constraint" for i in found):
            columns[PASS + iid] = pd.Series(
                [None if i is None or i.status == "missing" else int(i.status == "pass")
                 for i in found],
                dtype="Int64",
            )  # fmt: skip
    frame = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
    polygons = district.circles.set_index(district.circles["circle_id"].astype(str)).geometry
    return gpd.GeoDataFrame(
        frame, geometry=polygons.reindex(frame["circle_id"]).to_numpy(), crs=district.crs
    )


def compounds_frame(homes: pd.DataFrame, district: District) -> gpd.GeoDataFrame:
    """One row per compound: its attributes, its circle and every access column.

    The table ``compounds.gpkg`` holds (`Checkup.write` writes this frame); also
    ``Checkup.compounds_frame()``.

    Parameters
    ----------
    homes : pandas.DataFrame
        ``Checkup.homes``: every compound with ``circle_id`` and the access columns.
    district : District
        The district (for the compound points and the CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        The district's compound columns (``id``, ``name``, ``community``, ``street``,
        ``population`` …), ``circle_id``, and the access columns of
        `lifecircle.access.AccessResult.homes`: ``snap_m``, ``component``,
        ``nearest_m__<category>`` (inf when unreachable, also for compounds off the
        network), ``nearest_id__<category>``, ``count_<r>m__<category>``,
        ``supply_per_1000_<r>m__<category>``. Text columns have the ``string`` dtype.
        Geometry: the compound's point, in the district's CRS.
    """
    table = homes.reset_index(drop=True)
    text = [c for c in table.columns if table[c].dtype == object]
    table = table.astype(dict.fromkeys(text, "string"))
    compounds = district.compounds
    points = compounds.set_index(compounds["id"].astype(str)).geometry
    return gpd.GeoDataFrame(
        table, geometry=points.reindex(table["id"]).to_numpy(), crs=district.crs
    )
