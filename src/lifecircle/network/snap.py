"""Attach points to the nearest walkable *edge*, at their offset along it (not to a node)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from lifecircle.network.graph import WalkGraph

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
    """
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
        # No max_distance in the query: GEOS is slower with one, and the distance of a
        # too-far point is worth reporting anyway.
        (pi, ei), dist = tree.query_nearest(points[idx], return_distance=True, all_matches=True)
        # all_matches returns every equally near edge: keep the lowest edge index.
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
