"""compute_access: every home's walk to every facility category, in one call."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from lifecircle.access.result import AccessResult, column_names
from lifecircle.errors import CRSError, SchemaError
from lifecircle.network.graph import WalkGraph
from lifecircle.network.limits import check_minutes, check_radii, check_speed, check_walk_options
from lifecircle.network.snap import Snapped, snap_points

if TYPE_CHECKING:
    import geopandas as gpd

DEFAULT_RADII_M: tuple[float, ...] = (300.0, 500.0, 800.0, 1000.0)
#: a steady adult walking pace (m/min) when radii are given in minutes
DEFAULT_WALK_SPEED_M_PER_MIN = 80.0

Progress = Callable[[str, int, int], None]


def compute_access(
    graph: WalkGraph,
    homes: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    radii: Sequence[float] | None = None,
    minutes: Sequence[float] | None = None,
    walk_speed_m_per_min: float = DEFAULT_WALK_SPEED_M_PER_MIN,
    categories: Iterable[str] | None = None,
    max_snap_m: float = 200.0,
    counts_for: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> AccessResult:
    """Walking access from every home to every facility category.

    For each category: the nearest facility and its walking distance (one multi-source
    Dijkstra), the number of facilities within each radius and, where the category has
    capacities, the two-step floating catchment supply per 1,000 residents (bounded
    searches from each facility). Distances run over the network from the point's snap
    position on its nearest edge, and include both snap gaps.

    Boundary rule: a facility at exactly the radius counts as inside (``d <= r``).

    Parameters
    ----------
    graph
        The walking network (metric CRS).
    homes
        GeoDataFrame with ``id``, ``population`` and point geometry, in the graph's CRS.
    facilities
        GeoDataFrame with ``id``, ``category``, optional ``capacity``, point geometry.
    radii
        Search radii in metres; default 300/500/800/1000.
    minutes
        Radii as walking minutes instead (converted at ``walk_speed_m_per_min``); output
        columns are then named ``count_10min__…``.
    categories
        Categories to measure; default every category present in ``facilities``.
    max_snap_m
        Points farther than this from every edge are left out and reported.
    counts_for
        Categories that get counts and 2SFCA supply (bounded searches from every facility,
        the costly part); default all. Nearest distances are always computed.
    progress
        Called as ``progress(stage, done, total)`` during long work.

    Returns
    -------
    AccessResult
        One row per snapped home (nearest distance and facility id per category, counts
        and supply per radius), the points left unsnapped and the run's timings.
    """
    t0 = time.perf_counter()
    labels, radii_m = _radii(radii, minutes, walk_speed_m_per_min)
    _check_frame(homes, "homes", ("id", "population"), graph)
    _check_frame(facilities, "facilities", ("id", "category"), graph)
    cats = _categories(facilities, categories)
    bounded = set(cats) if counts_for is None else set(map(str, counts_for))
    report = progress or (lambda stage, done, total: None)

    home_pts = _points(homes)
    fac_pts = _points(facilities)
    report("snap", 0, 2)
    # one spatial index over the edges for both layers
    both = snap_points(graph, np.concatenate([home_pts, fac_pts]), max_snap_m=max_snap_m)
    hs, fs = _split(both, len(home_pts))
    report("snap", 2, 2)
    timings = {"snap": time.perf_counter() - t0, "nearest": 0.0, "counts": 0.0}

    h_ok = hs.ok
    h_edge, h_off, h_snap = hs.edge[h_ok], hs.offset[h_ok], hs.distance[h_ok]
    h_pop = homes["population"].to_numpy(dtype=np.float64)[h_ok]
    h_ptr, h_sorted = _by_edge(h_edge, graph.n_edges)
    f_edge = fs.edge
    f_off = fs.offset
    f_snap = np.nan_to_num(fs.distance, nan=0.0)
    fac_cat = facilities["category"].astype(str).to_numpy()
    cap = (
        pd.to_numeric(facilities["capacity"], errors="coerce").to_numpy(dtype=np.float64)
        if "capacity" in facilities.columns
        else np.full(len(facilities), np.nan)
    )
    fac_ids = facilities["id"].astype(str).to_numpy()

    columns: dict[str, np.ndarray] = {}
    warnings: list[str] = []
    radii_arr = np.asarray(radii_m, dtype=np.float64)
    from lifecircle.network.warmup import wait_for_kernels

    wait_for_kernels()  # a background start may still be compiling them
    from lifecircle.network import kernels  # numba: imported when needed

    t1 = time.perf_counter()
    members_of = [np.flatnonzero((fac_cat == cat) & fs.ok) for cat in cats]

    def nearest_of(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _nearest(graph, members, f_edge, f_off, f_snap, h_edge, h_off, h_snap)

    # one search per category, independent and outside the GIL: one thread per core
    workers = min(kernels.thread_count(), len(cats))
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="lifecircle-nearest") as pool:
            nearest_results = list(pool.map(nearest_of, members_of))
    else:
        nearest_results = [nearest_of(m) for m in members_of]
    timings["nearest"] = time.perf_counter() - t1
    for i, cat in enumerate(cats):
        report("access", i, len(cats))
        members = members_of[i]
        names = column_names(cat, labels)
        dist, nearest = nearest_results[i]
        t2 = time.perf_counter()
        columns[names.nearest_m] = dist
        ids = np.full(len(dist), None, dtype=object)
        found = nearest >= 0
        ids[found] = fac_ids[nearest[found]]
        columns[names.nearest_id] = ids
        if cat not in bounded:
            continue
        with_supply = bool(len(members)) and np.isfinite(cap[members]).any()
        if with_supply and not np.isfinite(cap[members]).all():
            n_missing = int((~np.isfinite(cap[members])).sum())
            warnings.append(missing_capacity_warning(cat, n_missing))
        capacity = np.nan_to_num(cap, nan=0.0)
        counts, supply = kernels.bounded_counts(
            graph.indptr, graph.indices, graph.weights, graph.csr_edge,
            graph.edge_u, graph.edge_v, graph.edge_length,
            members.astype(np.int64), f_edge, f_off, f_snap, capacity,
            h_ptr, h_sorted, h_off, h_snap, h_pop, radii_arr, with_supply,
            kernels.default_chunks(),
        )  # fmt: skip
        timings["counts"] += time.perf_counter() - t2
        for r, label in enumerate(labels):
            columns[names.count[label]] = counts[:, r]
            if with_supply:
                columns[names.supply[label]] = supply[:, r] * 1000.0
    report("access", len(cats), len(cats))

    kept = homes.loc[h_ok]
    table = pd.DataFrame(
        {
            "population": h_pop,
            "snap_m": h_snap,
            "component": graph.component[graph.edge_u[h_edge]],
            **columns,
        },
        index=pd.Index(kept["id"].astype(str).to_numpy(), name="id"),
    )
    unsnapped = _unsnapped(homes, hs, "home") + _unsnapped(facilities, fs, "facility")
    return AccessResult(
        homes=table,
        home_geometry=home_pts[h_ok],
        radii_m=tuple(float(r) for r in radii_m),
        radius_labels=tuple(labels),
        categories=tuple(cats),
        unsnapped=pd.DataFrame(unsnapped, columns=["kind", "id", "distance_m", "reason"]),
        unsnapped_population=float(homes["population"].to_numpy(dtype=float)[~h_ok].sum()),
        network=graph.summary(),
        crs=graph.crs,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - t0,
        timings=timings,
        options={"max_snap_m": max_snap_m, "walk_speed_m_per_min": walk_speed_m_per_min},
    )


def _nearest(
    graph: WalkGraph,
    members: np.ndarray,
    f_edge: np.ndarray,
    f_off: np.ndarray,
    f_snap: np.ndarray,
    h_edge: np.ndarray,
    h_off: np.ndarray,
    h_snap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest member facility of every home (distance, facility index or -1)."""
    from lifecircle.network import kernels

    if len(members) == 0:
        return np.full(len(h_edge), np.inf), np.full(len(h_edge), -1, dtype=np.int64)
    e = f_edge[members]
    seed_node = np.concatenate([graph.edge_u[e], graph.edge_v[e]])
    snap, off = f_snap[members], f_off[members]
    seed_dist = np.concatenate([snap + off, snap + graph.edge_length[e] - off])
    seed_label = np.concatenate([members, members]).astype(np.int64)
    dist, label = kernels.nearest_search(graph, seed_node, seed_dist, seed_label)
    f_ptr, f_sorted_local = _by_edge(e, graph.n_edges)
    nearest: tuple[np.ndarray, np.ndarray] = kernels.nearest_on_edges(
        dist, label, graph.edge_u, graph.edge_v, graph.edge_length,
        h_edge, h_off, h_snap, f_ptr, members[f_sorted_local].astype(np.int64), f_off, f_snap,
    )  # fmt: skip
    return nearest


def _split(snapped: Snapped, n: int) -> tuple[Snapped, Snapped]:
    """The first ``n`` points' snaps and the rest's."""
    parts = (snapped.edge, snapped.offset, snapped.distance, snapped.reason)
    return Snapped(*(a[:n] for a in parts)), Snapped(*(a[n:] for a in parts))


def _by_edge(edge: np.ndarray, n_edges: int) -> tuple[np.ndarray, np.ndarray]:
    """Group point indexes by edge: a CSR pointer over edges and the sorted indexes."""
    order = np.argsort(edge, kind="stable").astype(np.int64)
    ptr = np.zeros(n_edges + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge, minlength=n_edges), out=ptr[1:])
    return ptr, order


def missing_capacity_warning(category: str, n_missing: int) -> str:
    """The warning for facilities of ``category`` given without a capacity (2SFCA counts 0).

    Parameters
    ----------
    category : str
        The facility category.
    n_missing : int
        How many of its snapped facilities lack a capacity.

    Returns
    -------
    str
    """
    return f"{category}：{n_missing} 处设施没有容量，按 0 计"


def _radii(
    radii: Sequence[float] | None, minutes: Sequence[float] | None, speed: float
) -> tuple[list[str], list[float]]:
    check_walk_options(radii, minutes, speed, 1.0)
    if minutes is not None:
        values = check_minutes(minutes, field="minutes")
        speed = check_speed(speed, field="walk_speed_m_per_min")
        return [f"{_fmt(m)}min" for m in values], [m * speed for m in values]
    values = check_radii(radii if radii is not None else DEFAULT_RADII_M, field="radii")
    return [f"{_fmt(r)}m" for r in values], values


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _check_frame(
    frame: pd.DataFrame, name: str, required: tuple[str, ...], graph: WalkGraph
) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{name} 缺少列 {missing}；现有列 {list(frame.columns)}"
        raise SchemaError(
            msg, file=name, field=missing[0], fix="先用 lifecircle.io 的校验函数检查图层"
        )
    if graph.crs is not None and frame.crs is not None and frame.crs != graph.crs:
        msg = f"{name} 的坐标系是 {frame.crs.to_string()}，路网是 {graph.crs.to_string()}"
        raise CRSError(msg, file=name, field="geometry", fix="把两者投影到同一坐标系")
    ids = frame["id"].astype(str)
    dup = ids.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
        msg = f"编号“{ids.iloc[row - 1]}”重复"
        raise SchemaError(msg, file=name, row=row, field="id", fix="每一行用不同的编号")


def _categories(facilities: pd.DataFrame, categories: Iterable[str] | None) -> list[str]:
    present = sorted(set(facilities["category"].astype(str)))
    if categories is None:
        return present
    cats = list(dict.fromkeys(str(c) for c in categories))
    return cats


def _points(frame: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(frame.geometry.values)
    not_point = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) != 0)
    if not_point.any():  # polygons (compound outlines): walk from a point inside
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    return geoms


def _unsnapped(
    frame: pd.DataFrame, snapped: Snapped, kind: str
) -> list[tuple[str, str, float, str]]:
    bad = np.flatnonzero(~snapped.ok)
    ids = frame["id"].astype(str).to_numpy()
    return [(kind, ids[i], snapped.distance[i], snapped.reason[i]) for i in bad]
