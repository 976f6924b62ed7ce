"""tiled_access: `compute_access` over tiles of one large network, merged, exactly equal.

Every tile has a buffer of twice the largest radius (`tiles.access_pad_m`): counts and
2SFCA supply of the homes of its core are then those of the whole network, and so is each
nearest walk of at most the buffer. Each home's rows come from the one tile whose core
holds it (its owner), so nothing is counted twice and nothing is left out. A home whose
nearest facility of some category lies beyond the buffer (or was not found in the tile)
gets that walk from one more search per such category over the whole network, for those
homes only: the nearest search costs the same however few homes need it, so one search
over the whole network is cheaper than tiles with ever wider buffers.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.access.engine import (
    _categories,
    _check_frame,
    _points,
    _radii,
    compute_access,
    missing_capacity_warning,
)
from lifecircle.access.result import AccessResult, column_names
from lifecircle.network.graph import WalkGraph
from lifecircle.scale.runner import LocalRunner, Progress, Runner
from lifecircle.scale.task import TileResult, TileTask, run_tile
from lifecircle.scale.tiles import (
    TileGrid,
    access_pad_m,
    cut_graph,
    edge_bounds,
    plan_grid,
    point_xy,
    within_box,
)


def tiled_access(
    graph: WalkGraph,
    homes: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    radii: Sequence[float] | None = None,
    categories: Iterable[str] | None = None,
    counts_for: Iterable[str] | None = None,
    max_snap_m: float = 200.0,
    tiles: int | None = None,
    tile_size_m: float | None = None,
    runner: Runner | None = None,
    progress: Progress | None = None,
) -> AccessResult:
    """The same `AccessResult` as `compute_access`, computed tile by tile.

    Parameters
    ----------
    graph, homes, facilities, radii, categories, counts_for, max_snap_m
        As for `lifecircle.access.compute_access` (radii in metres).
    tiles : int, optional
        About how many tiles; default 1 (one tile: the whole network).
    tile_size_m : float, optional
        The side of a tile's core (metres), instead of ``tiles``.
    runner : Runner, optional
        Where the tiles run (`LocalRunner`, or `lifecircle.scale.cluster.DaskRunner`).
    progress : callable, optional
        ``progress(stage, done, total)``; stages ``tiles`` and ``tiles_far``.

    Returns
    -------
    AccessResult
        Equal to `compute_access`'s: the same rows in the same order, the same columns,
        distances and counts; 2SFCA supply equal up to the order of float additions.
    """
    t0 = time.perf_counter()
    labels, radii_m = _radii(radii, None, 80.0)
    _check_frame(homes, "homes", ("id", "population"), graph)
    _check_frame(facilities, "facilities", ("id", "category"), graph)
    cats = tuple(_categories(facilities, categories))
    bounded = tuple(c for c in cats if counts_for is None or c in set(map(str, counts_for)))
    run = runner or LocalRunner()
    grid = plan_grid(graph, tiles=tiles, size_m=tile_size_m)
    plan = _Plan(graph, homes, facilities, grid, max_snap_m)
    pad = access_pad_m(radii_m)
    ids = plan.occupied()
    tasks = (
        plan.task(t, 0, pad, radii=tuple(radii_m), categories=cats, counts_for=bounded,
                  home_rows=None)
        for t in ids
    )  # fmt: skip
    first: list[TileResult] = run.map(
        run_tile, tasks, stage="tiles", progress=progress, total=len(ids)
    )
    table = _merge_tables(first, homes, cats, labels, bounded)
    exact = _exact_array(first, table, cats)
    near_m = {c: table[f"nearest_m__{c}"].to_numpy(dtype=np.float64).copy() for c in cats}
    near_id = {c: np.array(table[f"nearest_id__{c}"].to_numpy(), dtype=object) for c in cats}
    far_homes, far_s = 0, 0.0
    if not exact.all():
        t_far = time.perf_counter()
        # walks longer than the buffer: one search per such category over the whole
        # network, here, for the homes that need it (cheaper than ever wider tiles)
        report = progress or (lambda stage, done, total: None)
        report("tiles_far", 0, 1)
        todo = ~exact.all(axis=1)
        far_cats = tuple(c for k, c in enumerate(cats) if not exact[:, k].all())
        ids = table.index[todo]
        far_h = homes.loc[homes["id"].astype(str).isin(ids).to_numpy()]
        far_f = facilities.loc[facilities["category"].astype(str).isin(far_cats).to_numpy()]
        far = compute_access(
            graph, far_h, far_f, radii=radii_m, categories=far_cats, counts_for=(),
            max_snap_m=max_snap_m,
        )  # fmt: skip
        pos = table.index.get_indexer(far.homes.index)
        for cat in far_cats:
            k = cats.index(cat)
            take = ~exact[pos, k]
            near_m[cat][pos[take]] = far.homes[f"nearest_m__{cat}"].to_numpy()[take]
            near_id[cat][pos[take]] = far.homes[f"nearest_id__{cat}"].to_numpy()[take]
        far_homes, far_s = int(todo.sum()), time.perf_counter() - t_far
        report("tiles_far", 1, 1)
    for cat in cats:
        table[f"nearest_m__{cat}"] = near_m[cat]
        table[f"nearest_id__{cat}"] = near_id[cat]
    table = _as_engine_builds(table)
    result = _result(
        graph, homes, facilities, first, table, cats, labels, radii_m, bounded, t0, far_homes,
        max_snap_m,
    )  # fmt: skip
    result.options["far_seconds"] = far_s
    return result


class _Plan:
    """Cuts the tiles of one run (the network's edge boxes and points' owners computed once)."""

    def __init__(
        self,
        graph: WalkGraph,
        homes: gpd.GeoDataFrame,
        facilities: gpd.GeoDataFrame,
        grid: TileGrid,
        max_snap_m: float,
    ) -> None:
        self.graph, self.homes, self.facilities = graph, homes, facilities
        self.grid, self.max_snap_m = grid, max_snap_m
        self.bounds = edge_bounds(graph)
        self.hx, self.hy = point_xy(homes.geometry.values)
        self.fx, self.fy = point_xy(facilities.geometry.values)
        self.h_owner = grid.owner(self.hx, self.hy)
        self.f_owner = grid.owner(self.fx, self.fy)
        self.fac_cat = facilities["category"].astype(str).to_numpy()

    def occupied(self) -> list[int]:
        """The tiles that own a home or a facility (round 0 runs each of them)."""
        used = np.union1d(np.unique(self.h_owner), np.unique(self.f_owner))
        return [int(t) for t in used]

    def task(
        self,
        t: int,
        round_: int,
        pad: float,
        *,
        radii: tuple[float, ...],
        categories: tuple[str, ...],
        counts_for: tuple[str, ...],
        home_rows: np.ndarray | None,
    ) -> TileTask:
        """Tile ``t`` with a buffer of ``pad``: in round 0 every home near it (2SFCA needs
        them) and the facilities it owns; later only ``home_rows`` (its own) and nearest."""
        g = self.graph
        first = home_rows is None
        owned_h = self.h_owner == t
        if not first:
            sel = np.zeros(len(self.homes), dtype=bool)
            sel[home_rows] = True
            owned_h &= sel
        owned_f = (self.f_owner == t) if first else np.zeros(len(self.fx), dtype=bool)
        box = self.grid.core(t)
        sub = cut_graph(g, box, pad + self.max_snap_m, bounds=self.bounds)
        if sub is None:  # no street near: its points are all off the network
            sub = cut_graph(g, box, np.inf, bounds=self.bounds)
        assert sub is not None
        of_cats = np.isin(self.fac_cat, categories)
        near_h = (within_box(self.hx, self.hy, box, pad) | owned_h) if first else owned_h
        near_f = (within_box(self.fx, self.fy, box, pad) & of_cats) | owned_f
        whole = (
            len(sub.edge) == g.n_edges
            and bool(near_f[np.isfinite(self.fx) & of_cats].all())
            and (not first or bool(near_h[np.isfinite(self.hx)].all()))
        )
        return TileTask(
            tile=t,
            round=round_,
            graph=sub.graph,
            node_component=g.component[sub.node],
            homes=self.homes.loc[near_h],
            homes_owned=owned_h[near_h],
            facilities=self.facilities.loc[near_f],
            facilities_owned=owned_f[near_f],
            radii=radii,
            categories=categories,
            counts_for=counts_for,
            max_snap_m=self.max_snap_m,
            exact_within_m=np.inf if whole else pad,
        )


def _columns(
    cats: Sequence[str], labels: list[str], bounded: Collection[str], present: set[str]
) -> list[str]:
    """The engine's column order: per category nearest, then counts and supply by radius."""
    cols = ["population", "snap_m", "component"]
    for cat in cats:
        names = column_names(cat, labels)
        cols += [names.nearest_m, names.nearest_id]
        if cat not in bounded:
            continue
        supply = names.supply[labels[0]] in present
        for label in labels:
            cols.append(names.count[label])
            if supply:
                cols.append(names.supply[label])
    return cols


def _merge_tables(
    results: list[TileResult],
    homes: gpd.GeoDataFrame,
    cats: Sequence[str],
    labels: list[str],
    bounded: Collection[str],
) -> pd.DataFrame:
    """The owned rows of every tile, in the homes' order, with the engine's columns."""
    parts = [r.table for r in results if len(r.table)]
    present = {c for p in parts for c in p.columns}
    cols = _columns(cats, labels, bounded, present)
    if parts:
        merged = pd.concat([p.reindex(columns=cols) for p in parts])
    else:
        merged = pd.DataFrame(columns=cols, index=pd.Index([], name="id"))
    for c in cols:
        if c.startswith("supply_per_1000_"):
            merged[c] = merged[c].astype(np.float64).fillna(0.0)
    ids = homes["id"].astype(str)
    order = ids[ids.isin(merged.index)].to_numpy()
    table = merged.loc[order]
    table.index.name = "id"
    return table


def _as_engine_builds(table: pd.DataFrame) -> pd.DataFrame:
    """The table rebuilt from numpy columns as the engine builds it (the same dtypes)."""
    columns: dict[str, np.ndarray] = {}
    for c in table.columns:
        values = table[c].to_numpy()
        if c.startswith("nearest_id__"):
            values = np.array(values, dtype=object)
            values[pd.isna(values)] = None
        columns[c] = values
    return pd.DataFrame(columns, index=pd.Index(table.index.to_numpy(), name="id"))


def _exact_array(results: list[TileResult], table: pd.DataFrame, cats: Sequence[str]) -> np.ndarray:
    """Per home (table row) and category: is the nearest walk of round 0 exact?"""
    exact = np.ones((len(table), len(cats)), dtype=bool)
    for r in results:
        pos = table.index.get_indexer(r.table.index)
        for cat, ok in r.exact.items():
            exact[pos[~ok], cats.index(cat)] = False
    return exact


def _result(
    graph: WalkGraph,
    homes: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    first: list[TileResult],
    table: pd.DataFrame,
    cats: Sequence[str],
    labels: list[str],
    radii_m: Sequence[float],
    bounded: Collection[str],
    t0: float,
    far_homes: int,
    max_snap_m: float,
) -> AccessResult:
    """The merged `AccessResult`, built as the engine builds its own."""
    h_ok = homes["id"].astype(str).isin(table.index).to_numpy()
    un = pd.concat([r.unsnapped for r in first if len(r.unsnapped)] or [_empty_unsnapped()])
    pos_h = {i: k for k, i in enumerate(homes["id"].astype(str))}
    pos_f = {i: k for k, i in enumerate(facilities["id"].astype(str))}
    key = [
        (0, pos_h[i]) if kind == "home" else (1, pos_f[i])
        for kind, i in zip(un["kind"], un["id"], strict=True)
    ]
    un = un.iloc[sorted(range(len(un)), key=key.__getitem__)].reset_index(drop=True)
    warnings = _capacity_warnings(facilities, first, cats, bounded)
    timings: dict[str, float] = {}
    for r in first:
        for k, v in r.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    return AccessResult(
        homes=table,
        home_geometry=_points(homes)[h_ok],
        radii_m=tuple(float(r) for r in radii_m),
        radius_labels=tuple(labels),
        categories=tuple(cats),
        unsnapped=un,
        unsnapped_population=float(homes["population"].to_numpy(dtype=float)[~h_ok].sum()),
        network=graph.summary(),
        crs=graph.crs,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - t0,
        timings=timings,
        options={
            "max_snap_m": max_snap_m,
            "walk_speed_m_per_min": 80.0,
            "tiles": len(first),
            "far_homes": far_homes,
        },
    )


def _capacity_warnings(
    facilities: gpd.GeoDataFrame,
    first: list[TileResult],
    cats: Sequence[str],
    bounded: Collection[str],
) -> list[str]:
    """The engine's warning for snapped facilities without capacity, over the whole run."""
    snapped = {i for r in first for i in r.facility_snapped}
    ids = facilities["id"].astype(str)
    cap = (
        pd.to_numeric(facilities["capacity"], errors="coerce").to_numpy(dtype=np.float64)
        if "capacity" in facilities.columns
        else np.full(len(facilities), np.nan)
    )
    cat_of = facilities["category"].astype(str).to_numpy()
    on = ids.isin(snapped).to_numpy()
    out = []
    for cat in cats:
        if cat not in bounded:
            continue
        members = on & (cat_of == cat)
        if (
            members.any()
            and np.isfinite(cap[members]).any()
            and not np.isfinite(cap[members]).all()
        ):
            n_missing = int((~np.isfinite(cap[members])).sum())
            out.append(missing_capacity_warning(cat, n_missing))
    return out


def _empty_unsnapped() -> pd.DataFrame:
    return pd.DataFrame(columns=["kind", "id", "distance_m", "reason"])


def describe(result: AccessResult) -> dict[str, Any]:
    """The tiling figures of a tiled result (tiles, far homes), for logs and benchmarks."""
    return {k: result.options[k] for k in ("tiles", "far_homes") if k in result.options}
