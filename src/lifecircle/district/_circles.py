"""Tie compounds to circles through their community; build circle polygons; locate facilities."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from lifecircle.errors import DistrictError

from ._warnings import warning

#: a circle without community polygons is the convex hull of its compounds, buffered by this
HULL_BUFFER_M = 250.0


def community_circle_map(circles: pd.DataFrame, source: str) -> dict[str, str]:
    """community name -> circle id; a community listed by two circles is an error."""
    owner: dict[str, tuple[str, int]] = {}
    for cid, comms, row in zip(
        circles["circle_id"], circles["communities"], circles["row"], strict=True
    ):
        for comm in comms:
            if comm in owner and owner[comm][0] != cid:
                first, first_row = owner[comm]
                raise DistrictError(
                    f"社区 {comm!r} 同时列在两个生活圈：{first}（第 {first_row} 行）和 {cid}",
                    file=source,
                    row=int(row),
                    field="communities",
                    fix="一个社区只属于一个生活圈：从其中一个生活圈中删去",
                )
            owner[comm] = (cid, int(row))
    return {k: v[0] for k, v in owner.items()}


def assign_compounds(
    compounds: gpd.GeoDataFrame,
    circles: pd.DataFrame,
    *,
    compounds_file: str,
    circles_file: str,
    strict: bool,
    warnings: list[dict[str, Any]],
) -> gpd.GeoDataFrame:
    """Set ``circle_id`` on every compound from its community.

    A compound whose community is in no circle stops the load (`DistrictError`), or with
    ``strict=False`` is kept with ``circle_id`` None and reported as
    ``compound_in_no_circle``. Communities listed in the circles table that no compound
    names are reported as ``community_without_compounds``.
    """
    comm_of = community_circle_map(circles, circles_file)
    cid = compounds["community"].map(comm_of)
    missing = np.flatnonzero(cid.isna().to_numpy())
    if len(missing):
        i = int(missing[0])
        comm = compounds["community"].iloc[i]
        what = f"所属社区 {comm!r}" if comm else "没有填写所属社区"
        message = f"小区 {compounds['id'].iloc[i]!r} {what}，该社区不在任何生活圈中" + (
            f"（共 {len(missing)} 个小区）" if len(missing) > 1 else ""
        )
        fix = f"在 {circles_file} 中把 {comm!r} 列入某个生活圈的社区，或改正社区名称"
        if strict:
            raise DistrictError(message, file=compounds_file, row=i + 1, field="community", fix=fix)
        for j in missing:
            c = compounds["community"].iloc[j]
            warnings.append(
                warning(
                    "compound_in_no_circle",
                    f"compound {compounds['id'].iloc[j]!r} ({compounds['population'].iloc[j]:g} "
                    f"residents) has community {c!r}, which no circle lists; it counts in no "
                    "circle",
                    file=compounds_file,
                    row=int(j) + 1,
                    field="community",
                )
            )
    have = set(compounds["community"])
    for comms, row, circle in zip(
        circles["communities"], circles["row"], circles["circle_id"], strict=True
    ):
        for comm in comms:
            if comm not in have:
                warnings.append(
                    warning(
                        "community_without_compounds",
                        f"community {comm!r} of circle {circle} has no compound in "
                        f"{compounds_file}",
                        file=circles_file,
                        row=int(row),
                        field="communities",
                    )
                )
    out = compounds.copy()
    out["circle_id"] = pd.Series(
        [comm_of.get(c) for c in compounds["community"]], index=compounds.index, dtype=object
    )
    return out


def circle_polygons(
    circles: pd.DataFrame,
    compounds: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None,
    *,
    circles_file: str,
    warnings: list[dict[str, Any]],
) -> np.ndarray:
    """One geometry per circle: union of its community polygons, else a buffered hull.

    The hull is the convex hull of the circle's compounds buffered by `HULL_BUFFER_M`;
    a circle with neither polygons nor compounds gets None (and a warning).
    """
    polys: dict[str, Any] = {}
    if communities is not None:
        for name, geom in zip(communities["name"], communities.geometry.values, strict=True):
            polys[name] = geom if name not in polys else shapely.union(polys[name], geom)
    by_circle = compounds.groupby("circle_id").indices
    pts = compounds.geometry.values
    out = np.empty(len(circles), dtype=object)
    for k, (cid, comms, row) in enumerate(
        zip(circles["circle_id"], circles["communities"], circles["row"], strict=True)
    ):
        parts = [polys[c] for c in comms if c in polys]
        if communities is not None and len(parts) < len(comms):
            lacking = [c for c in comms if c not in polys]
            warnings.append(
                warning(
                    "community_without_polygon",
                    f"circle {cid}: no polygon in the communities layer for "
                    + "、".join(lacking)
                    + ("; the circle's area leaves them out" if parts else "; hull of compounds"),
                    file=circles_file,
                    row=int(row),
                    field="communities",
                )
            )
        if parts:
            out[k] = shapely.union_all(parts)
        elif cid in by_circle:
            hull = shapely.convex_hull(shapely.multipoints(pts[by_circle[cid]]))
            out[k] = shapely.buffer(hull, HULL_BUFFER_M)
        else:
            out[k] = None
    return out


def locate(points: np.ndarray, polygons: np.ndarray, ids: list[str]) -> np.ndarray:
    """Id of the first polygon holding each point (boundary included), else None."""
    result = np.full(len(points), None, dtype=object)
    valid = np.array([g is not None for g in polygons], dtype=bool)
    if not valid.any() or len(points) == 0:
        return result
    idx = np.flatnonzero(valid)
    tree = shapely.STRtree(polygons[idx])
    pt_i, poly_j = tree.query(points, predicate="intersects")
    order = np.lexsort((poly_j, pt_i))  # first circle in table order wins on overlaps
    pt_i, poly_j = pt_i[order], poly_j[order]
    first = np.ones(len(pt_i), dtype=bool)
    first[1:] = pt_i[1:] != pt_i[:-1]
    id_arr = np.asarray(ids, dtype=object)[idx]
    result[pt_i[first]] = id_arr[poly_j[first]]
    return result


def circle_table(
    circles: pd.DataFrame,
    compounds: gpd.GeoDataFrame,
    geometry: np.ndarray,
    *,
    crs: pyproj.CRS,
    circles_file: str,
    warnings: list[dict[str, Any]],
) -> gpd.GeoDataFrame:
    """The circles frame: ids, names, communities, population/households sums, area."""
    pop = compounds.groupby("circle_id")["population"].sum()
    hh = compounds.groupby("circle_id")["households"].sum(min_count=1)
    count = compounds.groupby("circle_id").size()
    for cid, row in zip(circles["circle_id"], circles["row"], strict=True):
        if cid not in count.index:
            warnings.append(
                warning(
                    "circle_without_compounds",
                    f"circle {cid} has no compound (none of its communities has one); it is "
                    "kept with population 0",
                    file=circles_file,
                    row=int(row),
                    field="communities",
                )
            )
    ids = circles["circle_id"]
    area = np.array([shapely.area(g) / 1e6 if g is not None else np.nan for g in geometry])
    return gpd.GeoDataFrame(
        {
            "circle_id": ids.to_numpy(dtype=object),
            "name": circles["name"].to_numpy(dtype=object),
            "street": circles["street"].to_numpy(dtype=object),
            "communities": [list(c) for c in circles["communities"]],
            "population": ids.map(pop).fillna(0.0).to_numpy(float),
            "households": ids.map(hh).to_numpy(float),
            "compound_count": ids.map(count).fillna(0).to_numpy(np.int64),
            "area_km2": area,
        },
        geometry=gpd.GeoSeries(list(geometry), crs=crs),
        crs=crs,
    )


#: how far (m) a compound may sit outside its community's polygon before it is reported:
#: generous, because community outlines are often drawn loosely along streets
OUTSIDE_COMMUNITY_TOLERANCE_M = 50.0


def check_compounds_in_communities(
    compounds: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    compounds_file: str,
    warnings: list[dict[str, Any]],
) -> None:
    """Warn of compounds that lie outside the polygon of the community they name.

    A compound placed in the wrong community is counted in the wrong circle, which no
    later check could see; this is where a typo in ``community`` or a coordinate in the
    wrong system shows. Compounds of communities without a polygon are not checked.
    """
    shapes = communities.dissolve(by="name")["geometry"] if len(communities) else None
    if shapes is None:
        return
    own = shapes.reindex(compounds["community"].astype(str)).to_numpy()
    has = ~pd.isna(own)
    if not has.any():
        return
    pts = np.asarray(compounds.geometry.values)[has]
    dist = shapely.distance(pts, np.asarray(own[has], dtype=object))
    far = np.flatnonzero(has)[dist > OUTSIDE_COMMUNITY_TOLERANCE_M]
    if len(far) == 0:
        return
    ids = compounds["id"].astype(str).to_numpy()[far]
    shown = "、".join(
        f"{i}（{compounds['community'].iloc[k]}）" for i, k in zip(ids[:10], far[:10], strict=True)
    )
    warnings.append(
        {
            "code": "compound_outside_community",
            "message": f"{len(far)} 个小区位于其所属社区边界之外超过 "
            f"{OUTSIDE_COMMUNITY_TOLERANCE_M:.0f} 米，请核对社区名称或坐标：{shown}"
            + ("…" if len(far) > 10 else ""),
            "file": compounds_file,
            "row": int(far[0]) + 1,
            "field": "community",
        }
    )


def assign_by_polygon(
    compounds: gpd.GeoDataFrame,
    circles: pd.DataFrame,
    polygons: np.ndarray,
    *,
    compounds_file: str,
    circles_file: str,
    strict: bool,
    warnings: list[dict[str, Any]],
) -> gpd.GeoDataFrame:
    """Set ``circle_id`` on every compound from the circle polygon that holds it.

    For circles given as polygons. A compound in no polygon stops the load, or with
    ``strict=False`` is kept with ``circle_id`` None and reported (``compound_in_no_circle``),
    as for circles given by communities.
    """
    ids = circles["circle_id"].tolist()
    located = locate(np.asarray(compounds.geometry.values), polygons, ids)
    outside = np.flatnonzero(pd.isna(pd.Series(located, dtype=object)).to_numpy())
    if len(outside):
        i = int(outside[0])
        message = f"小区 {compounds['id'].iloc[i]!r} 不在任何生活圈范围内" + (
            f"（共 {len(outside)} 个小区）" if len(outside) > 1 else ""
        )
        fix = f"扩大 {circles_file} 中某个生活圈的范围以包含它，或改正它的坐标"
        if strict:
            raise DistrictError(message, file=compounds_file, row=i + 1, field="geometry", fix=fix)
        for j in outside:
            warnings.append(
                warning(
                    "compound_in_no_circle",
                    f"compound {compounds['id'].iloc[j]!r} "
                    f"({compounds['population'].iloc[j]:g} residents) lies in no circle polygon; "
                    "it counts in no circle",
                    file=compounds_file,
                    row=int(j) + 1,
                    field="geometry",
                )
            )
    out = compounds.copy()
    out["circle_id"] = pd.Series(list(located), index=compounds.index, dtype=object)
    return out
