"""Walkable adjacency of communities: polygons that touch, or lie within a distance."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = ["adjacency_pairs", "components"]


def adjacency_pairs(
    geometries: NDArray[np.object_], *, tolerance_m: float = 1.0
) -> NDArray[np.int64]:
    """Pairs of polygons that touch or lie within ``tolerance_m`` of each other.

    Parameters
    ----------
    geometries : array of shapely geometries
        Community polygons in a metric CRS.
    tolerance_m : float
        Largest gap (metres) that still counts as adjacent: 0 or a metre for polygons
        drawn edge to edge, more (say 50 m) across a street drawn as a gap.

    Returns
    -------
    numpy.ndarray of int64, shape (m, 2)
        Index pairs ``(a, b)`` with ``a < b``, sorted.
    """
    geoms = np.asarray(geometries, dtype=object)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=max(float(tolerance_m), 0.0))
    keep = a < b
    pairs = np.unique(np.stack([a[keep], b[keep]], axis=1).astype(np.int64), axis=0)
    return pairs.reshape(-1, 2)


def components(nodes: NDArray[np.int64], pairs: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    """Connected pieces of the sub-graph on ``nodes`` (adjacency ``pairs``), largest first.

    Parameters
    ----------
    nodes : array of int
        Node indexes of the sub-graph.
    pairs : array of int, shape (m, 2)
        Adjacency of the whole graph.

    Returns
    -------
    list of numpy.ndarray
        Node indexes of each piece, sorted; pieces by size (descending), then first node.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return []
    local = {int(v): i for i, v in enumerate(nodes)}
    inside = np.isin(pairs[:, 0], nodes) & np.isin(pairs[:, 1], nodes)
    a = np.array([local[int(v)] for v in pairs[inside, 0]], dtype=np.int64)
    b = np.array([local[int(v)] for v in pairs[inside, 1]], dtype=np.int64)
    m = len(nodes)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    pieces = [np.sort(nodes[labels == c]) for c in range(int(labels.max()) + 1)]
    pieces.sort(key=lambda p: (-len(p), int(p[0])))
    return pieces
