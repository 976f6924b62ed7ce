"""An independent reference: the same walks computed with networkx on an exploded graph.

Every snapped point becomes a node of its own, joined to the point where it meets its edge,
and each edge is cut at those meeting points. Plain Dijkstra on that graph is the truth the
compiled kernels must match.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np


def exploded_graph(graph, snaps: dict[str, tuple[np.ndarray, object]]) -> nx.Graph:
    """networkx graph with a node ``(kind, i)`` for every snapped point of every kind."""
    g = nx.Graph()
    on_edge: dict[int, list[tuple[float, object]]] = {}
    for kind, (ids, snapped) in snaps.items():
        for i in np.flatnonzero(snapped.ok):
            e = int(snapped.edge[i])
            meet = (kind, "meet", int(i))
            on_edge.setdefault(e, []).append((float(snapped.offset[i]), meet))
            g.add_edge((kind, ids[i]), meet, weight=float(snapped.distance[i]))
    for e in range(graph.n_edges):
        u, v, length = int(graph.edge_u[e]), int(graph.edge_v[e]), float(graph.edge_length[e])
        stops = sorted(on_edge.get(e, []), key=lambda t: t[0])
        chain = [(0.0, ("node", u)), *stops, (length, ("node", v))]
        for (o1, a), (o2, b) in itertools.pairwise(chain):
            w = o2 - o1
            if a == b:
                continue
            if g.has_edge(a, b):
                w = min(w, g[a][b]["weight"])
            g.add_edge(a, b, weight=w)
    return g


def nearest_and_counts(g: nx.Graph, home_ids, fac_ids, radii):
    """Nearest facility distance per home, and facilities within each radius per home."""
    source = ("super", "source")
    for f in fac_ids:
        if ("facility", f) in g:
            g.add_edge(source, ("facility", f), weight=0.0)
    if source in g:
        dist = nx.single_source_dijkstra_path_length(g, source, weight="weight")
        g.remove_node(source)
    else:
        dist = {}
    nearest = {h: dist.get(("home", h), np.inf) for h in home_ids}
    counts = {h: [0] * len(radii) for h in home_ids}
    rmax = max(radii)
    for f in fac_ids:
        if ("facility", f) not in g:
            continue
        reach = nx.single_source_dijkstra_path_length(
            g, ("facility", f), cutoff=rmax, weight="weight"
        )
        for node, d in reach.items():
            if node[0] == "home" and node[1] in counts:
                for k, r in enumerate(radii):
                    if d <= r:
                        counts[node[1]][k] += 1
    return nearest, counts
