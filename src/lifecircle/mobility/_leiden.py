"""Leiden community detection (leidenalg) on the flow graph: one run, a target count, a split."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from lifecircle.errors import OptionalDependencyError
from lifecircle.mobility._flowgraph import FlowGraph, Labels, relabel

_GAMMA_LO = 1e-3
_GAMMA_HI = 1e3
_SEARCH_STEPS = 40


def _libs() -> tuple[Any, Any]:
    try:
        import igraph
        import leidenalg
    except ImportError as exc:  # pragma: no cover - both are runtime dependencies
        raise OptionalDependencyError(
            "生活圈划分需要 leidenalg 与 python-igraph：pip install leidenalg python-igraph"
        ) from exc
    return igraph, leidenalg


def leiden(
    graph: FlowGraph, resolution: float, *, seed: int, nodes: NDArray[np.int64] | None = None
) -> Labels:
    """Leiden (RB configuration model, i.e. modularity at ``resolution``) on ``nodes``.

    Returns labels 0..c-1 for ``nodes`` (all nodes when None), canonically numbered.
    Leiden's communities are connected in the graph it is given, and that graph has
    only adjacency edges, so every community it returns is contiguous.
    """
    igraph, leidenalg = _libs()
    idx = np.arange(graph.n) if nodes is None else np.asarray(nodes, dtype=np.int64)
    sub = graph.sym[idx][:, idx].tocoo()
    keep = sub.row <= sub.col  # each undirected edge once, self-loops once
    g = igraph.Graph(
        n=len(idx), edges=list(zip(sub.row[keep].tolist(), sub.col[keep].tolist(), strict=True))
    )
    # the diagonal of ``sym`` holds twice the loop weight; igraph counts a loop twice itself
    w = np.where(sub.row[keep] == sub.col[keep], sub.data[keep] / 2.0, sub.data[keep])
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights=w.tolist(),
        resolution_parameter=float(resolution),
        n_iterations=-1,
        seed=int(seed),
    )
    return relabel(np.asarray(part.membership, dtype=np.int64))


def leiden_count(graph: FlowGraph, target: int, *, seed: int) -> tuple[Labels, float]:
    """Leiden at the resolution whose number of circles is nearest ``target``.

    Bisection on log(resolution) between 1e-3 and 1e3 (the count grows with the
    resolution); the first resolution that gives exactly ``target`` wins, else the closest.
    """
    lo, hi = np.log(_GAMMA_LO), np.log(_GAMMA_HI)
    best: tuple[int, float, Labels] | None = None
    for _ in range(_SEARCH_STEPS):
        mid = 0.5 * (lo + hi)
        gamma = float(np.exp(mid))
        labels = leiden(graph, gamma, seed=seed)
        count = int(labels.max()) + 1
        gap = abs(count - target)
        if best is None or gap < best[0]:
            best = (gap, gamma, labels)
        if count == target:
            break
        if count < target:
            lo = mid
        else:
            hi = mid
    assert best is not None
    return best[2], best[1]


def split_two(
    graph: FlowGraph, members: NDArray[np.int64], *, resolution: float, seed: int
) -> list[NDArray[np.int64]]:
    """Split a circle into two contiguous parts along its weakest flows.

    Leiden on the circle's own sub-graph, at rising resolution until it gives two or more
    parts; extra parts are then merged pairwise (strongest link first) down to two.
    Returns the parts (one part when the circle cannot be split: a single community).
    """
    members = np.sort(np.asarray(members, dtype=np.int64))
    if len(members) < 2:
        return [members]
    gamma = max(resolution, 1e-3)
    labels = np.zeros(len(members), dtype=np.int64)
    for _ in range(30):
        labels = leiden(graph, gamma, seed=seed, nodes=members)
        if labels.max() >= 1:
            break
        gamma *= 2.0
    if labels.max() < 1:  # flows give no cut: split by adjacency alone (two BFS halves)
        return halves(graph, members)
    parts = [members[labels == c] for c in range(int(labels.max()) + 1)]
    while len(parts) > 2:
        best: tuple[float, int, int] | None = None
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                w = float(graph.sym[parts[i]][:, parts[j]].sum())
                if w > 0 and (best is None or w > best[0]):
                    best = (w, i, j)
        if best is None:
            break
        _, i, j = best
        parts[i] = np.sort(np.concatenate([parts[i], parts[j]]))
        del parts[j]
    return parts


def halves(graph: FlowGraph, members: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    """Two contiguous parts of about equal population: a breadth-first region grown from
    each community in turn, cut at half the population; the most even cut whose rest is
    connected wins (ties: the one with the strongest internal flows)."""
    members = np.sort(np.asarray(members, dtype=np.int64))
    inside = {int(m) for m in members}
    total = float(graph.population[members].sum())
    best: tuple[float, float, list[NDArray[np.int64]]] | None = None
    for start in members:
        order = [int(start)]
        seen = {int(start)}
        for v in order:
            for w in graph.neighbours[v]:
                if int(w) in inside and int(w) not in seen:
                    seen.add(int(w))
                    order.append(int(w))
        if len(order) < len(members):
            continue  # not connected: contiguity repair handles it
        pop = np.cumsum(graph.population[np.array(order)])
        for cut in range(1, len(order)):
            first = np.sort(np.array(order[:cut], dtype=np.int64))
            rest = np.setdiff1d(members, first)
            if not graph.is_contiguous(rest):
                continue
            even = min(float(pop[cut - 1]), total - float(pop[cut - 1]))
            inner = float(graph.sym[first][:, first].sum() + graph.sym[rest][:, rest].sum())
            if best is None or (even, inner) > best[:2]:
                best = (even, inner, [first, rest])
    return best[2] if best is not None else [members]
