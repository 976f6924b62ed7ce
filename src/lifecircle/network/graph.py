"""The walking graph as arrays: nodes, undirected edges with geometry, and a CSR adjacency."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from lifecircle.errors import NetworkError

if TYPE_CHECKING:
    import geopandas as gpd


@dataclass(frozen=True, eq=False)
class WalkGraph:
    """An undirected pedestrian network in a metric CRS, held as flat arrays.

    Every undirected edge ``e`` joins ``edge_u[e]`` and ``edge_v[e]``; its geometry runs
    from u to v and its length (metres, float64) is the geometry's length. The CSR
    adjacency lists each edge twice (u→v and v→u); ``csr_edge[k]`` names the edge of CSR
    entry ``k``. Disconnected pieces are kept: ``component[node]`` numbers them, largest
    first.

    Build one with :func:`lifecircle.network.graph_from_lines` (any line layer) or
    :func:`lifecircle.network.osm.graph_from_osm` (a PBF file). This module is the base of
    the package: it imports no other module of ``lifecircle.network``.
    """

    node_x: np.ndarray
    node_y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_geometry: np.ndarray
    crs: pyproj.CRS | None
    node_id: np.ndarray | None = None
    edge_attrs: dict[str, np.ndarray] = field(default_factory=dict)
    indptr: np.ndarray = field(init=False)
    indices: np.ndarray = field(init=False)
    weights: np.ndarray = field(init=False)
    csr_edge: np.ndarray = field(init=False)
    component: np.ndarray = field(init=False)
    component_sizes: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n_edges = len(self.edge_u)
        if n_edges == 0:
            msg = "路网没有路段"
            raise NetworkError(msg, fix="请给出含可步行道路的线图层（或 OSM 数据）")
        n = len(self.node_x)
        u = np.asarray(self.edge_u, dtype=np.int64)
        v = np.asarray(self.edge_v, dtype=np.int64)
        src = np.concatenate([u, v])
        dst = np.concatenate([v, u])
        eid = np.concatenate([np.arange(n_edges), np.arange(n_edges)])
        order = np.argsort(src * max(n, 1) + dst, kind="stable")  # by source, then target
        src, dst, eid = src[order], dst[order], eid[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        lengths = np.asarray(self.edge_length, dtype=np.float64)
        set_ = object.__setattr__
        set_(self, "edge_u", u)
        set_(self, "edge_v", v)
        set_(self, "edge_length", lengths)
        set_(self, "indptr", indptr)
        set_(self, "indices", dst.astype(np.int64, copy=False))
        set_(self, "weights", lengths[eid])
        set_(self, "csr_edge", eid.astype(np.int64, copy=False))
        adj = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, labels = connected_components(adj, directed=False)
        sizes = np.bincount(labels)
        rank = np.empty_like(sizes)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
        set_(self, "component", rank[labels].astype(np.int64))
        set_(self, "component_sizes", np.sort(sizes)[::-1].astype(np.int64))

    @cached_property
    def bucket_width(self) -> float:
        """Bucket width (m) for bucket-queue searches: just under the shortest edge."""
        w = self.weights[self.weights > 0]
        return float(w.min()) * 0.999 if len(w) and len(w) == len(self.weights) else 0.0

    @cached_property
    def bucket_count(self) -> int:
        """Ring size for bucket-queue searches: the longest edge in buckets, plus two."""
        width = self.bucket_width
        return int(self.weights.max() / width) + 2 if width > 0 else 0

    @cached_property
    def extent_m(self) -> float:
        """A bound on walking distances: three times the diagonal of the nodes' extent."""
        dx = float(self.node_x.max() - self.node_x.min()) if self.n_nodes else 0.0
        dy = float(self.node_y.max() - self.node_y.min()) if self.n_nodes else 0.0
        return 3.0 * float(np.hypot(dx, dy)) + float(self.weights.max(initial=0.0))

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.edge_u)

    def summary(self) -> dict[str, float | int]:
        """Size and connectivity figures, for reports and logs.

        Returns
        -------
        dict
            ``nodes``, ``edges``, ``length_km``, ``components`` and
            ``largest_component_share``.
        """
        sizes = self.component_sizes
        return {
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "length_km": float(self.edge_length.sum() / 1000.0),
            "components": len(sizes),
            "largest_component_share": float(sizes[0] / self.n_nodes) if self.n_nodes else 0.0,
        }

    def edges_frame(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame (u, v, length_m, attributes, geometry).

        Returns
        -------
        geopandas.GeoDataFrame
            One row per undirected edge, in the graph's CRS.
        """
        import geopandas as gpd

        data = {"u": self.edge_u, "v": self.edge_v, "length_m": self.edge_length}
        data.update(self.edge_attrs)
        return gpd.GeoDataFrame(data, geometry=self.edge_geometry, crs=self.crs)


def edge_points(graph: WalkGraph, edge: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Points at ``offset`` metres from u along the given edges (shapely array)."""
    return np.asarray(shapely.line_interpolate_point(graph.edge_geometry[edge], offset))
