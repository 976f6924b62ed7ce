"""One tile's access: the existing engine over the tile's piece of the network.

A `TileTask` holds everything the task needs (so a scheduler can run it again on another
worker when one is lost); `run_tile` is a plain function of it, with no state, which is
what makes a retried or re-run task give the same answer.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from lifecircle.network.graph import WalkGraph


@dataclass(frozen=True)
class TileTask:
    """The inputs of one tile in one round.

    ``homes_owned`` / ``facilities_owned`` mark the rows whose core is this tile's: only
    their results leave the task. ``exact_within_m`` is the longest walk the tile is sure
    of (its buffer; infinite when the tile holds the whole network).
    """

    tile: int
    round: int
    graph: WalkGraph
    node_component: np.ndarray  # the whole network's component of each local node
    homes: gpd.GeoDataFrame
    homes_owned: np.ndarray
    facilities: gpd.GeoDataFrame
    facilities_owned: np.ndarray
    radii: tuple[float, ...]
    categories: tuple[str, ...]
    counts_for: tuple[str, ...]
    max_snap_m: float
    exact_within_m: float

    @property
    def key(self) -> str:
        """The task's name on a scheduler (unique per tile and round)."""
        return f"lifecircle-tile-{self.round}-{self.tile}"

    def __getstate__(self) -> dict[str, Any]:
        """Geometries as WKB arrays: shapely pickles one geometry at a time, this in bulk."""
        state = dict(self.__dict__)
        state["graph"] = _graph_state(self.graph)
        state["homes"] = _frame_state(self.homes)
        state["facilities"] = _frame_state(self.facilities)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["graph"] = _graph_from_state(state["graph"])
        state["homes"] = _frame_from_state(state["homes"])
        state["facilities"] = _frame_from_state(state["facilities"])
        for k, v in state.items():
            object.__setattr__(self, k, v)


def _crs_text(crs: Any) -> str | None:
    return None if crs is None else crs.to_wkt()


def _graph_state(g: WalkGraph) -> dict[str, Any]:
    return {
        "node_x": g.node_x, "node_y": g.node_y, "edge_u": g.edge_u, "edge_v": g.edge_v,
        "edge_length": g.edge_length, "edge_wkb": shapely.to_wkb(g.edge_geometry),
        "crs": _crs_text(g.crs), "node_id": g.node_id, "edge_attrs": g.edge_attrs,
    }  # fmt: skip


def _graph_from_state(state: dict[str, Any]) -> WalkGraph:
    state = dict(state)
    geoms = shapely.from_wkb(state.pop("edge_wkb"))
    crs = state.pop("crs")
    return WalkGraph(
        **state, edge_geometry=geoms, crs=None if crs is None else pyproj.CRS.from_wkt(crs)
    )


def _frame_state(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    name = frame.geometry.name
    return {
        "table": pd.DataFrame(frame.drop(columns=name)),
        "wkb": shapely.to_wkb(np.asarray(frame.geometry.values)),
        "name": name,
        "crs": _crs_text(frame.crs),
    }


def _frame_from_state(state: dict[str, Any]) -> gpd.GeoDataFrame:
    geoms = shapely.from_wkb(state["wkb"])
    crs = state["crs"]
    frame = gpd.GeoDataFrame(
        state["table"],
        geometry=gpd.GeoSeries(geoms, index=state["table"].index, name=state["name"]),
        crs=None if crs is None else pyproj.CRS.from_wkt(crs),
    )
    return frame


@dataclass(frozen=True)
class TileResult:
    """What one tile sends back: its own homes' rows and which of their walks are exact."""

    tile: int
    round: int
    table: pd.DataFrame  # owned snapped homes, the engine's columns
    exact: dict[str, np.ndarray]  # category -> mask over table rows: nearest walk is exact
    unsnapped: pd.DataFrame  # owned homes and facilities left out
    facility_snapped: np.ndarray  # ids of owned facilities that are on the network
    radius_labels: tuple[str, ...]
    seconds: float
    exact_within_m: float = np.inf
    timings: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, Any] = field(default_factory=dict)


def run_tile(task: TileTask) -> TileResult:
    """Run `lifecircle.access.compute_access` on one tile; keep the rows it owns.

    Parameters
    ----------
    task : TileTask
        The tile's inputs.

    Returns
    -------
    TileResult
    """
    from lifecircle.access import compute_access

    t0 = time.perf_counter()
    res = compute_access(
        task.graph,
        task.homes,
        task.facilities,
        radii=task.radii,
        categories=task.categories,
        counts_for=task.counts_for,
        max_snap_m=task.max_snap_m,
    )
    owned_ids = task.homes["id"].astype(str).to_numpy()[task.homes_owned]
    table = res.homes.loc[res.homes.index.isin(owned_ids)].copy()
    # the component numbers of the whole network, not the tile's
    local_comp = table["component"].to_numpy(dtype=np.int64)
    table["component"] = _global_component(task, local_comp)
    exact = {
        cat: table[f"nearest_m__{cat}"].to_numpy(dtype=float) <= task.exact_within_m
        for cat in task.categories
    }
    fac_ids = task.facilities["id"].astype(str).to_numpy()
    owned_fac = set(fac_ids[task.facilities_owned])
    un = res.unsnapped
    mine = (un["kind"] == "home") & un["id"].isin(owned_ids)
    mine |= (un["kind"] == "facility") & un["id"].isin(owned_fac)
    lost = set(un.loc[un["kind"] == "facility", "id"])
    snapped = np.array(sorted(owned_fac - lost), dtype=object)
    return TileResult(
        tile=task.tile,
        round=task.round,
        table=table,
        exact=exact,
        unsnapped=un.loc[mine].reset_index(drop=True),
        facility_snapped=snapped,
        radius_labels=res.radius_labels,
        seconds=time.perf_counter() - t0,
        exact_within_m=task.exact_within_m,
        timings=dict(res.timings),
        sizes={
            "nodes": task.graph.n_nodes,
            "edges": task.graph.n_edges,
            "homes": len(task.homes),
            "owned_homes": int(task.homes_owned.sum()),
            "facilities": len(task.facilities),
            "peak_rss_mb": peak_rss_mb(),
        },
    )


def _global_component(task: TileTask, local_comp: np.ndarray) -> np.ndarray:
    """The whole network's component for each tile component number."""
    g = task.graph
    first = np.full(int(g.component.max(initial=-1)) + 1, -1, dtype=np.int64)
    # a node of each tile component (a tile component lies inside one whole component)
    order = np.arange(g.n_nodes)[::-1]
    first[g.component[order]] = order
    return task.node_component[first[local_comp]] if len(local_comp) else local_comp


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MB).

    Linux's ``VmHWM`` (the high-water mark of this program's memory), not ``ru_maxrss``:
    a worker process started from a large parent inherits the parent's ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0
