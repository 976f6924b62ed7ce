"""Tiles of one large walking network, each with a buffer that keeps its results exact.

A walk of ``d`` metres never leaves the disc of radius ``d`` around its start: network
distance is at least the straight-line distance. So a tile that holds every street, home
and facility within ``pad`` metres of its core rectangle gives the homes of its core the
same walks as the whole network does, for every walk up to ``pad`` metres.

The two-step floating catchment (2SFCA) needs more: a facility within ``r`` of a home
shares its capacity among *every* home within ``r`` of the facility, which can lie ``2r``
from the first home. Hence ``pad = 2 × largest radius`` (see `access_pad_m`), and streets
are kept ``max_snap_m`` further out so that every point in the tile snaps to the same
street as it does on the whole network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from lifecircle.network.graph import WalkGraph

#: straight-line slack (m) for float rounding in the bounds
SLACK_M = 1.0


def access_pad_m(radii_m: list[float] | tuple[float, ...]) -> float:
    """The buffer (m) that keeps counts and 2SFCA supply exact: twice the largest radius.

    Parameters
    ----------
    radii_m : sequence of float
        The walking radii of the run (metres).

    Returns
    -------
    float
    """
    return 2.0 * float(max(radii_m)) + SLACK_M


@dataclass(frozen=True)
class TileGrid:
    """A regular grid of square tile cores over the data's extent.

    Tile ``(i, j)`` covers ``[x0 + i·size, x0 + (i+1)·size)`` × the same in y; points
    beyond the last row or column belong to it (the grid covers the extent).
    """

    x0: float
    y0: float
    size_m: float
    nx: int
    ny: int

    @property
    def count(self) -> int:
        """Number of tiles."""
        return self.nx * self.ny

    def owner(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The tile (``i + nx·j``) whose core holds each point; 0 for a missing point."""
        x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=self.x0)
        y = np.nan_to_num(np.asarray(y, dtype=np.float64), nan=self.y0)
        i = np.clip(np.floor((x - self.x0) / self.size_m), 0, self.nx - 1).astype(np.int64)
        j = np.clip(np.floor((y - self.y0) / self.size_m), 0, self.ny - 1).astype(np.int64)
        return i + self.nx * j

    def core(self, tile: int) -> tuple[float, float, float, float]:
        """The core rectangle of ``tile`` (xmin, ymin, xmax, ymax)."""
        i, j = tile % self.nx, tile // self.nx
        x, y = self.x0 + i * self.size_m, self.y0 + j * self.size_m
        return (x, y, x + self.size_m, y + self.size_m)


def plan_grid(
    graph: WalkGraph, *, tiles: int | None = None, size_m: float | None = None
) -> TileGrid:
    """A grid of about ``tiles`` square tiles (or tiles of ``size_m``) over the network.

    Parameters
    ----------
    graph : WalkGraph
        The whole network.
    tiles : int, optional
        About how many tiles (rounded to a grid); ignored when ``size_m`` is given.
    size_m : float, optional
        The side of a tile core (metres).

    Returns
    -------
    TileGrid
    """
    x0, x1 = float(graph.node_x.min()), float(graph.node_x.max())
    y0, y1 = float(graph.node_y.min()), float(graph.node_y.max())
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    if size_m is None:
        n = max(1, int(tiles or 1))
        size_m = float(np.sqrt(w * h / n))
        size_m = max(size_m, max(w, h) / n)  # a long thin extent: tiles along it
    nx = max(1, int(np.ceil(w / size_m)))
    ny = max(1, int(np.ceil(h / size_m)))
    return TileGrid(x0=x0, y0=y0, size_m=float(size_m), nx=nx, ny=ny)


def point_xy(geometry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of each geometry's walking point (the point itself, or a point inside)."""
    geoms = np.asarray(geometry)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    pts = geoms.copy()
    not_point = ~missing & (shapely.get_type_id(geoms) != 0)
    if not_point.any():
        pts[not_point] = shapely.point_on_surface(geoms[not_point])
    x = np.full(len(pts), np.nan)
    y = np.full(len(pts), np.nan)
    ok = ~missing
    x[ok] = shapely.get_x(pts[ok])
    y[ok] = shapely.get_y(pts[ok])
    return x, y


def within_box(
    x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float], pad: float
) -> np.ndarray:
    """Mask of points within ``pad`` of ``box`` (a rectangle, so a square pad: a superset)."""
    xmin, ymin, xmax, ymax = box
    return (x >= xmin - pad) & (x <= xmax + pad) & (y >= ymin - pad) & (y <= ymax + pad)


@dataclass(frozen=True)
class SubGraph:
    """A piece of a network: its graph and the whole network's node and edge numbers."""

    graph: WalkGraph
    node: np.ndarray  # global node index of each local node
    edge: np.ndarray  # global edge index of each local edge


def edge_bounds(graph: WalkGraph) -> np.ndarray:
    """Each edge's bounding box, shape (edges, 4)."""
    return np.asarray(shapely.bounds(graph.edge_geometry), dtype=np.float64)


def cut_graph(
    graph: WalkGraph,
    box: tuple[float, float, float, float],
    pad: float,
    *,
    bounds: np.ndarray | None = None,
) -> SubGraph | None:
    """Every edge whose bounding box comes within ``pad`` of ``box``, in the network's order.

    Nodes and edges keep their relative order, so snapping ties (lowest edge index) and
    the order of every search are those of the whole network. None when no edge is near.
    """
    b = edge_bounds(graph) if bounds is None else bounds
    xmin, ymin, xmax, ymax = box
    keep = (
        (b[:, 2] >= xmin - pad) & (b[:, 0] <= xmax + pad)
        & (b[:, 3] >= ymin - pad) & (b[:, 1] <= ymax + pad)
    )  # fmt: skip
    edges = np.flatnonzero(keep)
    if len(edges) == 0:
        return None
    if len(edges) == graph.n_edges:
        return SubGraph(graph, np.arange(graph.n_nodes), edges)
    u, v = graph.edge_u[edges], graph.edge_v[edges]
    nodes = np.unique(np.concatenate([u, v]))
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    attrs = {k: np.asarray(a)[edges] for k, a in graph.edge_attrs.items()}
    sub = WalkGraph(
        node_x=graph.node_x[nodes],
        node_y=graph.node_y[nodes],
        edge_u=local[u],
        edge_v=local[v],
        edge_length=graph.edge_length[edges],
        edge_geometry=graph.edge_geometry[edges],
        crs=graph.crs,
        node_id=None if graph.node_id is None else np.asarray(graph.node_id)[nodes],
        edge_attrs=attrs,
    )
    return SubGraph(sub, nodes, edges)
