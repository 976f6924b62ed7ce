"""Matching degree (匹配程度): residents' facility trips against circles and walking access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import SchemaError
from lifecircle.mobility.privacy import DEFAULT_K, suppress
from lifecircle.mobility.walk import walk_matrix
from lifecircle.network import WalkGraph

__all__ = ["MatchResult", "matching_degree"]

Progress = Callable[[str, int, int], None]
#: A walk within this many metres of the nearest facility's still counts as "to the nearest".
_SAME_M = 1.0


@dataclass(frozen=True)
class MatchResult:
    """Matching degree tables.

    ``trips``: every flow row with its circles, walking distance and nearest facility.
    ``communities``: per community of origin. ``circles``: per circle, both directions
    (residents' trips staying inside; visits made by own residents). ``categories``:
    observed use against computed access per facility category. ``pairs``: per community
    and category. ``summary``: district-wide figures and options.
    """

    trips: pd.DataFrame
    communities: pd.DataFrame
    circles: pd.DataFrame
    categories: pd.DataFrame
    pairs: pd.DataFrame
    summary: dict[str, Any]
    warnings: tuple[str, ...]


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype("float64")


def _facility_circles(
    facilities: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, circle_of: pd.Series
) -> pd.Series:
    """Circle of each facility: its own ``circle_id`` column, else the polygon it lies in."""
    if "circle_id" in facilities.columns:
        given = facilities["circle_id"].astype("string")
        if given.notna().all():
            return pd.Series(given.to_numpy(dtype=object), index=facilities["id"].to_numpy())
    tree = shapely.STRtree(communities.geometry.to_numpy())
    pi, ci = tree.query(facilities.geometry.to_numpy(), predicate="intersects")
    order = np.lexsort((ci, pi))
    pi, ci = pi[order], ci[order]
    first = np.ones(len(pi), dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    comm_of = np.full(len(facilities), None, dtype=object)
    comm_of[pi[first]] = communities["id"].to_numpy()[ci[first]]
    circles = pd.Series(comm_of).map(circle_of)
    return pd.Series(circles.to_numpy(dtype=object), index=facilities["id"].to_numpy())


def matching_degree(
    flows: pd.DataFrame,
    *,
    communities: gpd.GeoDataFrame,
    circle_of: pd.Series,
    facilities: gpd.GeoDataFrame,
    graph: WalkGraph,
    minutes: float = 15.0,
    walk_speed_m_per_min: float = 80.0,
    k: int = DEFAULT_K,
    max_snap_m: float = 200.0,
    progress: Progress | None = None,
) -> MatchResult:
    """How well residents' facility use matches their life circle and their walking access.

    Four measures, from aggregated community-to-facility trips:

    1. of a community's (circle's) residents' facility trips, the share whose facility
       lies in their own circle (``own_circle_share``);
    2. of a circle's facility visits, the share made by its own residents
       (``visits_by_own_residents_share``);
    3. the share of trips whose walk over the street network is within ``minutes``
       at ``walk_speed_m_per_min`` (default 15 minutes = 1,200 m);
    4. per category, observed use against computed access: the share of trips that go
       to the nearest facility of the category (by walking distance from the origin),
       the share that walk past it to a farther one (``bypass_share``), and the mean
       walk against the mean nearest distance.

    The origin of a community's trips is a point inside its polygon (shapely
    ``point_on_surface``): distances are community-level, as the flows are.
    ``match_index`` is the harmonic mean of measures 1 and 2 for a circle: 1 when its
    residents use only its facilities and only its residents use them.

    Parameters
    ----------
    flows : pandas.DataFrame
        ``origin`` (community id), ``destination`` (facility id), ``count``, optional
        ``devices`` (rows below ``k`` devices are dropped again, to be safe).
    communities : geopandas.GeoDataFrame
        ``id`` and polygons, in the graph's CRS.
    circle_of : pandas.Series
        Circle id per community id.
    facilities : geopandas.GeoDataFrame
        ``id``, ``category``, points in the graph's CRS; optional ``circle_id``.
    graph : WalkGraph
        The walking network.

    Returns
    -------
    MatchResult
    """
    warnings: list[str] = []
    flows = flows.copy()
    if "devices" in flows.columns:
        flows, dropped = suppress(flows, k=k)
        if dropped:
            warnings.append(f"{dropped} 条流不足 {k} 台设备，已压制（不参与计算）。")
    else:  # no device counts: a flow of fewer than k trips has fewer than k devices
        flows, dropped = suppress(flows.assign(devices=flows["count"]), k=k)
        flows = flows.drop(columns="devices")
        if dropped:
            warnings.append(
                f"{dropped} 条流不足 {k} 次出行（流量表无设备数，按出行量压制），不参与计算。"
            )
    comm_ids = pd.Index(communities["id"].astype(str).to_numpy())
    fac_ids = pd.Index(facilities["id"].astype(str).to_numpy())
    o = comm_ids.get_indexer(flows["origin"].astype(str))
    f = fac_ids.get_indexer(flows["destination"].astype(str))
    for mask, what, col in ((o < 0, "起点社区", "origin"), (f < 0, "设施", "destination")):
        if mask.any():
            warnings.append(
                f"{int(mask.sum())} 条流的{what}不在图层中（如 {flows[col].iloc[int(np.flatnonzero(mask)[0])]!r}），未参与计算。"
            )
    keep = (o >= 0) & (f >= 0)
    if not keep.any():
        raise SchemaError(
            "没有一条流的起点社区与设施都能在图层中找到",
            field="origin",
            fix="流量表的 origin 应为社区 id，destination 应为设施 id（如 mobility ingest 输出的 flows_facilities.csv）。",
        )
    flows, o, f = flows.loc[keep].reset_index(drop=True), o[keep], f[keep]
    circle_of = circle_of.astype(str)
    fac_circle = _facility_circles(facilities, communities, circle_of)
    cats = facilities["category"].astype(str).to_numpy()
    used_o = np.unique(o)
    origin_pts = shapely.point_on_surface(communities.geometry.to_numpy()[used_o])
    dist = walk_matrix(
        graph, origin_pts, facilities.geometry.to_numpy(), max_snap_m=max_snap_m, progress=progress
    )
    row_of = np.full(len(communities), -1, dtype=np.int64)
    row_of[used_o] = np.arange(len(used_o))
    limit = minutes * walk_speed_m_per_min
    walk = dist[row_of[o], f]
    trips = pd.DataFrame(
        {
            "origin": flows["origin"].astype(str).to_numpy(),
            "destination": flows["destination"].astype(str).to_numpy(),
            "category": cats[f],
            "count": flows["count"].to_numpy(dtype=np.float64),
            "origin_circle": comm_ids.to_series().map(circle_of).to_numpy()[o],
            "facility_circle": fac_circle.to_numpy()[f],
            "walk_m": walk,
        }
    )
    if trips["origin_circle"].isna().any():
        missing = trips.loc[trips["origin_circle"].isna(), "origin"].iloc[0]
        warnings.append(f"有社区不属于任何生活圈（如 {missing!r}），其出行不计入圈内份额。")
    nearest_m = np.full(len(trips), np.inf)
    nearest_id = np.full(len(trips), None, dtype=object)
    for cat in np.unique(trips["category"]):
        members = np.flatnonzero(cats == cat)
        sub = dist[:, members]
        best = np.argmin(sub, axis=1)
        rows = np.flatnonzero(trips["category"].to_numpy() == cat)
        r = row_of[o[rows]]
        nearest_m[rows] = sub[r, best[r]]
        found = np.isfinite(nearest_m[rows])
        nearest_id[rows[found]] = fac_ids.to_numpy()[members[best[r[found]]]]
    trips["nearest_id"] = nearest_id
    trips["nearest_m"] = nearest_m
    reach = np.isfinite(walk)
    trips["within_limit"] = walk <= limit
    trips["own_circle"] = (trips["origin_circle"] == trips["facility_circle"]).to_numpy() & trips[
        "origin_circle"
    ].notna().to_numpy()
    trips["to_nearest"] = reach & (walk <= nearest_m + _SAME_M)
    trips["bypass"] = reach & (walk > nearest_m + _SAME_M)
    trips["nearest_within_limit"] = nearest_m <= limit
    if (~reach).any():
        warnings.append(
            f"{int((~reach).sum())} 条流的起点与设施之间路网不连通或点离路网太远，步行距离记为无穷大。"
        )
    return _tables(trips, limit, warnings, minutes=minutes, speed=walk_speed_m_per_min, k=k)


def _weighted(trips: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    t = trips.assign(
        w_own=trips["count"] * trips["own_circle"],
        w_limit=trips["count"] * trips["within_limit"],
        w_near=trips["count"] * trips["to_nearest"],
        w_bypass=trips["count"] * trips["bypass"],
        w_nl=trips["count"] * trips["nearest_within_limit"],
        w_walk=trips["count"] * np.where(np.isfinite(trips["walk_m"]), trips["walk_m"], 0.0),
        w_nm=trips["count"] * np.where(np.isfinite(trips["nearest_m"]), trips["nearest_m"], 0.0),
        w_fin=trips["count"] * np.isfinite(trips["walk_m"]),
        w_nfin=trips["count"] * np.isfinite(trips["nearest_m"]),
    )
    g = t.groupby(by, sort=True, dropna=False)
    s = g[
        [
            "count",
            "w_own",
            "w_limit",
            "w_near",
            "w_bypass",
            "w_nl",
            "w_walk",
            "w_nm",
            "w_fin",
            "w_nfin",
        ]
    ].sum()
    out = pd.DataFrame(index=s.index)
    out["trips"] = s["count"]
    out["own_circle_share"] = _share(s["w_own"], s["count"])
    out["within_limit_share"] = _share(s["w_limit"], s["count"])
    out["to_nearest_share"] = _share(s["w_near"], s["count"])
    out["bypass_share"] = _share(s["w_bypass"], s["count"])
    out["nearest_within_limit_share"] = _share(s["w_nl"], s["count"])
    out["mean_walk_m"] = _share(s["w_walk"], s["w_fin"])
    out["mean_nearest_m"] = _share(s["w_nm"], s["w_nfin"])
    return out


def _tables(
    trips: pd.DataFrame, limit: float, warnings: list[str], *, minutes: float, speed: float, k: int
) -> MatchResult:
    comm = _weighted(trips, ["origin"]).reset_index().rename(columns={"origin": "community_id"})
    circle_of_comm = trips.drop_duplicates("origin").set_index("origin")["origin_circle"]
    comm.insert(1, "circle_id", comm["community_id"].map(circle_of_comm))
    res = _weighted(trips.dropna(subset=["origin_circle"]), ["origin_circle"])
    visits = trips.dropna(subset=["facility_circle"])
    vis = (
        visits.assign(w=visits["count"] * visits["own_circle"])
        .groupby("facility_circle", sort=True)[["count", "w"]]
        .sum()
    )
    circles = pd.DataFrame(index=res.index.union(vis.index).rename("circle_id"))
    circles["resident_trips"] = res["trips"]
    circles["own_circle_share"] = res["own_circle_share"]
    circles["visits"] = vis["count"]
    circles["visits_by_own_residents_share"] = _share(vis["w"], vis["count"])
    a, b = circles["own_circle_share"], circles["visits_by_own_residents_share"]
    circles["match_index"] = (2 * a * b / (a + b)).where((a + b) > 0)
    circles["within_limit_share"] = res["within_limit_share"]
    circles["mean_walk_m"] = res["mean_walk_m"]
    circles = circles.reset_index()
    cats = _weighted(trips, ["category"]).reset_index()
    cats["excess_walk_m"] = cats["mean_walk_m"] - cats["mean_nearest_m"]
    pairs = (
        _weighted(trips, ["origin", "category"])
        .reset_index()
        .rename(columns={"origin": "community_id"})
    )
    nearest = trips.drop_duplicates(["origin", "category"]).set_index(["origin", "category"])[
        ["nearest_id", "nearest_m"]
    ]
    pairs = pairs.drop(columns=["mean_nearest_m"]).merge(
        nearest.reset_index().rename(columns={"origin": "community_id"}),
        on=["community_id", "category"],
    )
    total = float(trips["count"].sum())
    w = trips["count"]
    summary: dict[str, Any] = {
        "trips": total,
        "flows": len(trips),
        "communities": int(trips["origin"].nunique()),
        "circles": int(trips["origin_circle"].nunique()),
        "facilities": int(trips["destination"].nunique()),
        "own_circle_share": float((w * trips["own_circle"]).sum() / total) if total else None,
        "within_limit_share": float((w * trips["within_limit"]).sum() / total) if total else None,
        "to_nearest_share": float((w * trips["to_nearest"]).sum() / total) if total else None,
        "bypass_share": float((w * trips["bypass"]).sum() / total) if total else None,
        "options": {"minutes": minutes, "walk_speed_m_per_min": speed, "limit_m": limit, "k": k},
    }
    rename = {
        "within_limit_share": f"within_{minutes:g}min_share",
        "nearest_within_limit_share": f"nearest_within_{minutes:g}min_share",
    }
    return MatchResult(
        trips=trips.rename(
            columns={
                "within_limit": f"within_{minutes:g}min",
                "nearest_within_limit": f"nearest_within_{minutes:g}min",
            }
        ),
        communities=comm.rename(columns=rename),
        circles=circles.rename(columns=rename),
        categories=cats.rename(columns=rename),
        pairs=pairs.rename(columns=rename),
        summary=summary,
        warnings=tuple(warnings),
    )
