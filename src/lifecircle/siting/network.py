"""Siting over the walking network: demand × candidate walks within a radius, candidate sites."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from lifecircle.errors import CRSError, SchemaError
from lifecircle.network import kernels as net_kernels
from lifecircle.network.graph import WalkGraph
from lifecircle.network.snap import snap_points
from lifecircle.siting import _kernels
from lifecircle.siting._coverage import (
    FloatArray,
    IntArray,
    check_radius_and_count,
    check_weights,
    coverage_pairs,
)
from lifecircle.siting._instance import Instance

_TRUE = {"1", "true", "t", "yes", "y", "是", "已有", "现状", "既有"}
_FALSE = {"0", "false", "f", "no", "n", "否", "新增", "候选", ""}


@dataclass(frozen=True)
class SnapReport:
    """Which points met the network: indices (0-based rows) of those that did not.

    ``demand_snap_m`` / ``candidate_snap_m`` are the straight gaps to the network (NaN
    where a point was not snapped); both gaps are part of every walk.
    """

    demand_unsnapped: IntArray
    candidate_unsnapped: IntArray
    demand_snap_m: FloatArray
    candidate_snap_m: FloatArray
    unsnapped_weight: float


def walking_pairs(
    graph: WalkGraph,
    demand_points: Any,
    candidate_points: Any,
    *,
    radius: float,
    max_snap_m: float = 200.0,
) -> tuple[sp.csr_matrix, SnapReport]:
    """Walking distance of every demand × candidate pair within ``radius``.

    Both point sets are snapped to their nearest edge (at their offset along it, gap
    added), and one search bounded by ``radius`` runs from each candidate with the
    access engine's kernel, so distances equal those of
    :func:`lifecircle.access.compute_access`.

    Parameters
    ----------
    graph
        The walking network.
    demand_points, candidate_points
        Shapely point arrays in the graph's CRS.
    radius
        Largest walk kept (metres, boundary included).
    max_snap_m
        Points farther than this from every edge get no pairs.

    Returns
    -------
    (scipy.sparse.csr_matrix, SnapReport)
        Demand × candidate distances, stored only for pairs within ``radius``
        (explicit zeros kept), and the snapping report (``unsnapped_weight`` is 0: it
        is filled by callers that know the weights).
    """
    check_radius_and_count(radius, None)
    dem = np.asarray(demand_points)
    cand = np.asarray(candidate_points)
    hs = snap_points(graph, dem, max_snap_m=max_snap_m)
    fs = snap_points(graph, cand, max_snap_m=max_snap_m)
    h_ok = np.flatnonzero(hs.ok)
    f_ok = np.flatnonzero(fs.ok).astype(np.int64)
    h_edge = hs.edge[h_ok]
    order = np.argsort(h_edge, kind="stable").astype(np.int64)
    h_ptr = np.zeros(graph.n_edges + 1, dtype=np.int64)
    np.cumsum(np.bincount(h_edge, minlength=graph.n_edges), out=h_ptr[1:])
    offsets, home, dist = _kernels.bounded_pairs(
        graph.indptr, graph.indices, graph.weights, graph.csr_edge,
        graph.edge_u, graph.edge_v, graph.edge_length,
        f_ok, fs.edge, fs.offset, np.nan_to_num(fs.distance, nan=0.0),
        h_ptr, order, hs.offset[h_ok], hs.distance[h_ok], float(radius),
        net_kernels.default_chunks(),
    )  # fmt: skip
    cand_of_pair = np.repeat(f_ok, np.diff(offsets))
    raw = sp.csr_matrix(
        (np.asarray(dist), (h_ok[np.asarray(home)], cand_of_pair)),
        shape=(len(dem), len(cand)),
    )
    report = SnapReport(
        demand_unsnapped=np.flatnonzero(~hs.ok).astype(np.int64),
        candidate_unsnapped=np.flatnonzero(~fs.ok).astype(np.int64),
        demand_snap_m=np.where(hs.ok, hs.distance, np.nan),
        candidate_snap_m=np.where(fs.ok, fs.distance, np.nan),
        unsnapped_weight=0.0,
    )
    return coverage_pairs(raw, radius, name="walking distances"), report


def layer_instance(
    demand_gdf: Any,
    candidate_gdf: Any,
    *,
    graph: WalkGraph,
    weights_col: str,
    service_radius: float,
    fixed_col: str | None,
    capacity_col: str | None,
    max_snap_m: float,
) -> tuple[Instance, SnapReport]:
    """A siting instance from a demand layer and a candidate layer over ``graph``."""
    _check_layer(demand_gdf, "demand", [weights_col], graph)
    cols = [c for c in (fixed_col, capacity_col) if c is not None]
    _check_layer(candidate_gdf, "candidates", cols, graph)
    weights = check_weights(
        pd.to_numeric(demand_gdf[weights_col], errors="coerce").to_numpy(dtype=np.float64),
        len(demand_gdf),
        field=weights_col,
    )
    fixed = (
        _flags(candidate_gdf[fixed_col], fixed_col)
        if fixed_col is not None
        else np.zeros(len(candidate_gdf), dtype=bool)
    )
    caps = _capacities(candidate_gdf[capacity_col], capacity_col) if capacity_col else None
    pairs, report = walking_pairs(
        graph,
        _points(demand_gdf),
        _points(candidate_gdf),
        radius=service_radius,
        max_snap_m=max_snap_m,
    )
    report = SnapReport(
        demand_unsnapped=report.demand_unsnapped,
        candidate_unsnapped=report.candidate_unsnapped,
        demand_snap_m=report.demand_snap_m,
        candidate_snap_m=report.candidate_snap_m,
        unsnapped_weight=float(weights[report.demand_unsnapped].sum()),
    )
    inst = Instance(pairs, weights, fixed, caps, float(service_radius))
    return inst, report


def candidates_from_network(
    graph: WalkGraph,
    *,
    spacing_m: float | None = 100.0,
    nodes: bool = True,
    area: Any = None,
) -> gpd.GeoDataFrame:
    """Candidate sites proposed by the network itself: its nodes and points along edges.

    Parameters
    ----------
    graph
        The walking network.
    spacing_m
        A point every ``spacing_m`` metres along each edge (ends excluded: they are
        nodes); None for none.
    nodes
        Whether every node with an edge is a candidate.
    area
        A shapely polygon (e.g. a circle: ``Point(x, y).buffer(800)``, or a life
        circle's outline) in the graph's CRS; only candidates inside it (boundary
        included) are kept.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (``N{node}`` or ``E{edge}@{metres}``), ``kind`` (``node``/``edge``),
        ``edge`` and ``offset_m`` (where it sits; for nodes, an edge it ends), point
        geometry, in the graph's CRS.
    """
    sites = network_sites(graph, spacing_m=spacing_m, nodes=nodes)
    edge, offset = sites.edge, sites.offset
    n_nodes = len(sites.nodes)
    ids = [sites.id(k) for k in range(len(edge))]  # one spelling of the ids: NetworkSites.id
    geom = shapely.line_interpolate_point(graph.edge_geometry[edge], offset)
    frame = gpd.GeoDataFrame(
        {
            "id": np.array(ids, dtype=object),
            "kind": np.array(["node"] * n_nodes + ["edge"] * (len(edge) - n_nodes), dtype=object),
            "edge": edge,
            "offset_m": offset,
        },
        geometry=geom,
        crs=graph.crs,
    )
    if area is not None:
        frame = frame[shapely.covers(area, np.asarray(frame.geometry.values))]
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class NetworkSites:
    """Candidate places on the network, without geometry: nodes first, then edge points.

    ``nodes`` are the node numbers of the first ``len(nodes)`` candidates; every
    candidate sits on ``edge`` at ``offset`` metres from its ``u`` end.
    """

    nodes: IntArray
    edge: IntArray
    offset: FloatArray

    def id(self, k: int) -> str:
        """Candidate ``k``'s id: ``N{node}`` or ``E{edge}@{metres}``."""
        n_nodes = len(self.nodes)
        if k < n_nodes:
            return f"N{self.nodes[k]}"
        return f"E{self.edge[k]}@{self.offset[k]:g}"


def network_sites(
    graph: WalkGraph, *, spacing_m: float | None = 100.0, nodes: bool = True
) -> NetworkSites:
    """Where :func:`candidates_from_network` puts its candidates, as arrays (no points).

    Parameters
    ----------
    graph
        The walking network.
    spacing_m
        A point every ``spacing_m`` metres along each edge (ends excluded); None for none.
    nodes
        Whether every node with an edge is a candidate.

    Returns
    -------
    NetworkSites
    """
    node_ids = np.zeros(0, dtype=np.int64)
    edges: list[np.ndarray] = []
    offs: list[np.ndarray] = []
    if nodes:
        node_ids = np.flatnonzero(np.diff(graph.indptr) > 0).astype(np.int64)
        first = graph.csr_edge[graph.indptr[node_ids]]
        at_u = graph.edge_u[first] == node_ids
        edges.append(first)
        offs.append(np.where(at_u, 0.0, graph.edge_length[first]))
    if spacing_m is not None:
        if not np.isfinite(spacing_m) or spacing_m <= 0:
            msg = f"候选点间距须为正数（米），现为 {spacing_m}"
            raise SchemaError(msg, field="spacing_m", fix="例如 spacing_m=100。")
        per = np.ceil(graph.edge_length / spacing_m).astype(np.int64) - 1
        per = np.maximum(per, 0)
        e = np.repeat(np.arange(graph.n_edges), per)
        start = np.cumsum(per) - per
        k = np.arange(len(e)) - np.repeat(start, per) + 1
        edges.append(e)
        offs.append(k * float(spacing_m))
    edge = np.concatenate(edges) if edges else np.zeros(0, dtype=np.int64)
    offset = np.concatenate(offs) if offs else np.zeros(0)
    return NetworkSites(node_ids, edge.astype(np.int64), offset.astype(np.float64))


def _check_layer(frame: Any, name: str, columns: list[str], graph: WalkGraph) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"{name} 应为 GeoDataFrame（点图层）"
        raise SchemaError(msg, file=name, fix="用 lifecircle.io.read_layer 读入。")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"缺少列 {missing}；现有列：{list(frame.columns)}"
        raise SchemaError(
            msg, file=name, field=missing[0], fix="检查列名，或在参数中指定正确的列。"
        )
    if graph.crs is not None and frame.crs is not None and frame.crs != graph.crs:
        msg = f"{name} 的坐标系为 {frame.crs.to_string()}，路网为 {graph.crs.to_string()}"
        raise CRSError(msg, file=name, field="geometry", fix="先投影到路网的坐标系（to_crs）。")


def _flags(values: pd.Series, field: str) -> np.ndarray:
    if values.dtype == bool:
        return np.asarray(values.to_numpy(dtype=bool), dtype=bool)
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip().lower()
        if text.endswith(".0"):
            text = text[:-2]
        if text in _TRUE:
            out[i] = True
        elif text not in _FALSE:
            msg = f"无法识别的是否值 {v!r}"
            raise SchemaError(
                msg,
                file="candidates",
                row=i + 1,
                field=field,
                fix="填 是/否（或 1/0、true/false）。",
            )
    return out


def _capacities(values: pd.Series, field: str) -> np.ndarray:
    raw = values.to_numpy(dtype=object)
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    blank = pd.isna(values).to_numpy() | np.array([str(v).strip() == "" for v in raw])
    bad = (np.isnan(num) & ~blank) | (num < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        msg = f"容量应为非负数（空白表示不限），第 {row} 行为 {raw[row - 1]!r}"
        raise SchemaError(msg, file="candidates", row=row, field=field, fix="填入可服务的居民数。")
    return np.where(blank, np.inf, num)


def _points(frame: Any) -> np.ndarray:
    geoms: np.ndarray = np.asarray(frame.geometry.values)
    not_point = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) != 0)
    if not_point.any():  # polygons (compounds, idle buildings): walk from a point inside
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    return geoms
