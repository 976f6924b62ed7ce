"""The two multi-source kernels (binary heap, bucket queue) agree, and with networkx."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecircle.network import graph_from_lines, kernels


def _graph(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, (n, 2))
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    b = np.where(a == b, (b + 1) % n, b)  # no zero-length loops
    keep = np.ones(len(a), dtype=bool)
    lines = shapely.linestrings(np.stack([xy[a[keep]], xy[b[keep]]], axis=1))
    return graph_from_lines(gpd.GeoDataFrame(geometry=lines, crs="EPSG:32649")), rng


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(3, 60), st.integers(3, 150), st.integers(1, 6))
def test_bucket_queue_equals_heap_and_networkx(seed, n, m, k):
    graph, rng = _graph(seed, n, m)
    seeds = rng.integers(0, graph.n_nodes, k).astype(np.int64)
    start = rng.uniform(0, 50, k)
    labels = np.arange(k, dtype=np.int64)
    args = (graph.indptr, graph.indices, graph.weights, seeds, start, labels, graph.n_nodes)
    d_heap, l_heap = kernels.multi_source_dijkstra(*args)
    assert graph.bucket_width > 0
    d_buck, l_buck = kernels.multi_source_buckets(*args, graph.bucket_width, graph.bucket_count)
    assert np.array_equal(np.isinf(d_heap), np.isinf(d_buck))
    fin = np.isfinite(d_heap)
    assert np.allclose(d_heap[fin], d_buck[fin], atol=1e-9)
    # labels may differ only where two seeds are equally near
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_nodes))
    for u, v, w in zip(graph.edge_u, graph.edge_v, graph.edge_length, strict=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > w:
            g.add_edge(int(u), int(v), weight=float(w))
    for i in np.flatnonzero(fin & (l_heap != l_buck)):
        a, b = l_heap[i], l_buck[i]
        da = start[a] + nx.dijkstra_path_length(g, int(seeds[a]), int(i))
        db = start[b] + nx.dijkstra_path_length(g, int(seeds[b]), int(i))
        assert abs(da - db) < 1e-6


def test_nearest_search_falls_back_to_the_heap_for_tiny_edges():
    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(0, 0), (1e-3, 0)]),
            shapely.LineString([(1e-3, 0), (5e5, 0)]),
        ],
        crs="EPSG:32649",
    )
    graph = graph_from_lines(lines, tolerance_m=1e-4)
    assert graph.bucket_count > 10_000_000  # a ring that large is not worth it
    d, _ = kernels.nearest_search(
        graph, np.array([0], dtype=np.int64), np.array([0.0]), np.array([0], dtype=np.int64)
    )
    assert np.isclose(d.max(), 5e5)


def test_seeds_spread_wider_than_the_longest_edge():
    """Start distances (snap gap + offset) may differ by more than the longest edge: the
    bucket ring must still hold every seed, or a far seed's node is settled too early."""
    # a path 0-1-2-...-10 of 100 m edges; seed A at node 0 starting at 0 m, seed B at node
    # 10 starting at 950 m: B's node is reached from A after 1000 m, so A must win there
    xs = np.arange(11) * 100.0
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(xs[i], 0), (xs[i + 1], 0)]) for i in range(10)],
        crs="EPSG:32649",
    )
    graph = graph_from_lines(lines)
    node_at = {float(x): i for i, x in enumerate(graph.node_x)}
    seeds = np.array([node_at[0.0], node_at[1000.0]], dtype=np.int64)
    start = np.array([0.0, 950.0])
    labels = np.array([0, 1], dtype=np.int64)
    d, lab = kernels.nearest_search(graph, seeds, start, labels)
    want, want_lab = kernels.multi_source_dijkstra(
        graph.indptr, graph.indices, graph.weights, seeds, start, labels, graph.n_nodes
    )
    assert np.allclose(d, want)
    assert np.array_equal(lab, want_lab)
    assert d[node_at[1000.0]] == 950.0 and lab[node_at[1000.0]] == 1
    assert d[node_at[900.0]] == pytest.approx(900.0) and lab[node_at[900.0]] == 0
