"""Walking distances over the street network between origin points and facilities."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
from numpy.typing import NDArray

from lifecircle.network import WalkGraph, kernels, snap_points

__all__ = ["walk_matrix"]

Progress = Callable[[str, int, int], None]
_Search = Callable[..., tuple[NDArray[np.float64], NDArray[np.int64]]]
_nearest_search = cast(_Search, kernels.nearest_search)


def walk_matrix(
    graph: WalkGraph,
    origins: NDArray[np.object_],
    targets: NDArray[np.object_],
    *,
    max_snap_m: float = 200.0,
    progress: Progress | None = None,
) -> NDArray[np.float64]:
    """Walking distance (metres) from every origin point to every target point.

    Each point attaches to its nearest edge at its offset (`lifecircle.network.snap_points`),
    so a walk runs from the origin's spot on its street, over the network, to the
    target's spot, plus both snap gaps; two points on the same edge may also walk
    straight along it. One search per origin (the network room's multi-source kernel,
    seeded with the two ends of the origin's edge).

    Parameters
    ----------
    graph : WalkGraph
        The walking network (metric CRS).
    origins, targets : array of shapely Points
        In the graph's CRS.
    max_snap_m : float
        Points farther than this from every street get no distance (inf).
    progress : callable, optional
        ``progress("walk", done, total)``.

    Returns
    -------
    numpy.ndarray, shape (len(origins), len(targets))
        Distances; ``inf`` where either point is unsnapped or the network does not join them.
    """
    so = snap_points(graph, np.asarray(origins), max_snap_m=max_snap_m)
    st = snap_points(graph, np.asarray(targets), max_snap_m=max_snap_m)
    out = np.full((len(origins), len(targets)), np.inf)
    t_ok = st.ok
    t_edge = st.edge[t_ok]
    t_off = st.offset[t_ok]
    t_snap = st.distance[t_ok]
    t_len = graph.edge_length[t_edge]
    tu = graph.edge_u[t_edge]
    tv = graph.edge_v[t_edge]
    cols = np.flatnonzero(t_ok)
    report = progress or (lambda stage, done, total: None)
    for i in range(len(origins)):
        report("walk", i, len(origins))
        if not so.ok[i]:
            continue
        e = int(so.edge[i])
        o = float(so.offset[i])
        s = float(so.distance[i])
        seed_node = np.array([graph.edge_u[e], graph.edge_v[e]], dtype=np.int64)
        seed_dist = np.array([s + o, s + graph.edge_length[e] - o], dtype=np.float64)
        dist, _ = _nearest_search(graph, seed_node, seed_dist, np.zeros(2, dtype=np.int64))
        d = np.minimum(dist[tu] + t_off, dist[tv] + (t_len - t_off)) + t_snap
        same = t_edge == e
        if same.any():
            direct = s + np.abs(t_off[same] - o) + t_snap[same]
            d[same] = np.minimum(d[same], direct)
        out[i, cols] = d
    report("walk", len(origins), len(origins))
    return out
