"""Attach points to the nearest walkable *edge*, at their offset along it (not to a node)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from lifecircle.network.graph import WalkGraph
from lifecircle.network.limits import check_max_snap

REASON_TOO_FAR = "too_far"
REASON_BAD_GEOMETRY = "bad_geometry"


@dataclass(frozen=True)
class Snapped:
    """Where each point meets the network.

    ``edge[i]`` is -1 for a point that was not snapped; ``reason[i]`` then says why
    (``too_far``: farther than ``max_snap_m`` from every edge; ``bad_geometry``: empty or
    missing point). ``offset[i]`` is measured from the edge's u end along its geometry;
    ``distance[i]`` is the straight gap from the point to the edge, added to every walk.
    """

    edge: np.ndarray
    offset: np.ndarray
    distance: np.ndarray
    reason: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Mask of points that are on the network."""
        return self.edge >= 0


def snap_points(graph: WalkGraph, points: np.ndarray, *, max_snap_m: float = 200.0) -> Snapped:
    """Snap points (shapely array, graph CRS) to their nearest edge within ``max_snap_m``.

    Ties between equally near edges go to the lowest edge index, so results are
    deterministic. Points beyond the limit are reported (``reason``), never silently
    placed on a far street: a home across a river without a bridge must not be "near".

    Parameters
    ----------
    graph : WalkGraph
        The walking network.
    points : numpy.ndarray
        Shapely points in the graph's CRS (object array).
    max_snap_m : float
        Farthest distance from an edge at which a point is still placed on it.

    Returns
    -------
    Snapped
        Per point: ``edge`` (-1 when not snapped), ``offset`` from the edge's u end,
        ``distance`` to the edge and ``reason`` (empty when snapped); ``ok`` marks the
        snapped ones.
    """
    max_snap_m = check_max_snap(max_snap_m, field="max_snap_m", limit=math.inf)
    points = np.asarray(points)
    n = len(points)
    edge = np.full(n, -1, dtype=np.int64)
    offset = np.zeros(n)
    distance = np.full(n, np.nan)
    reason = np.full(n, "", dtype=object)
    valid = ~(shapely.is_missing(points) | shapely.is_empty(points))
    reason[~valid] = REASON_BAD_GEOMETRY
    idx = np.flatnonzero(valid)
    if len(idx):
        tree = shapely.STRtree(graph.edge_geometry)
        pi, ei, dist = _nearest_edges(tree, graph, points[idx])
        # every equally near edge is there: keep the lowest edge index
        order = np.lexsort((ei, pi))
        pi, ei, dist = pi[order], ei[order], dist[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        pi, ei, dist = pi[first], ei[first], dist[first]
        distance[idx[pi]] = dist
        within = dist <= max_snap_m
        reason[idx[pi[~within]]] = REASON_TOO_FAR
        pi, ei = pi[within], ei[within]
        target = idx[pi]
        edge[target] = ei
        offset[target] = shapely.line_locate_point(graph.edge_geometry[ei], points[target])
    offset = np.clip(offset, 0.0, np.where(edge >= 0, graph.edge_length[np.maximum(edge, 0)], 0.0))
    return Snapped(edge=edge, offset=offset, distance=distance, reason=reason)


def _nearest_edges(
    tree: shapely.STRtree, graph: WalkGraph, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (point, edge, distance) where the edge is one of the point's nearest.

    Most points lie within half a typical edge of their street, where a ``dwithin``
    query and GEOS distances find the nearest edges about twice as fast as a nearest
    query; a point with no edge that close (or when the edges are too long for it to
    pay) gets the nearest query. Both see every edge at the smallest distance.
    """
    n = len(points)
    reach = float(np.median(graph.edge_length)) / 2.0 if graph.n_edges else 0.0
    found = np.zeros(n, dtype=bool)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if reach > 0:
        pi, ei = tree.query(points, predicate="dwithin", distance=reach)
        d = shapely.distance(points[pi], graph.edge_geometry[ei])
        if len(pi):
            best = np.full(n, np.inf)
            np.minimum.at(best, pi, d)
            keep = d == best[pi]
            parts.append((pi[keep], ei[keep], d[keep]))
            found[pi] = True
    rest = np.flatnonzero(~found)
    if len(rest):
        # No max_distance in this query: GEOS is slower with one, and the distance of a
        # too-far point is worth reporting anyway.
        (pj, ej), dj = tree.query_nearest(points[rest], return_distance=True, all_matches=True)
        parts.append((rest[pj], ej, dj))
    pi, ei, d = (np.concatenate(a) for a in zip(*parts, strict=True))
    return pi, ei, d
