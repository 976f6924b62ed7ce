"""Delineation: planted circles recovered, contiguity always, constraints, comparison, errors."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sklearn.metrics import adjusted_rand_score

from lifecircle.errors import SchemaError
from lifecircle.mobility import compare_partitions, delineate, name_after
from lifecircle.mobility._flowgraph import FlowGraph
from lifecircle.mobility._repair import split_disconnected
from lifecircle.mobility.adjacency import adjacency_pairs
from lifecircle.mobility.synth import synthetic_city, synthetic_flows


@pytest.fixture(scope="module")
def city():
    return synthetic_city(seed=1)


def ari(city, result) -> float:
    proposed = result.assignment.set_index("community_id")["circle_id"]
    planted = city.planted
    return float(adjusted_rand_score(planted.to_numpy(), proposed.loc[planted.index].to_numpy()))


def contiguous_by_geometry(communities: gpd.GeoDataFrame, assignment: pd.DataFrame) -> bool:
    """Independent check: the union of each circle's polygons is one polygon."""
    geo = communities.set_index("id").geometry
    for _, group in assignment.groupby("circle_id"):
        union = shapely.union_all(
            shapely.set_precision(geo.loc[group["community_id"]].to_numpy(), 0.01)
        )
        if union.geom_type != "Polygon":
            return False
    return True


@pytest.mark.parametrize("noise", [0.0, 0.3, 0.5])
def test_planted_circles_are_recovered(city, noise):
    flows = synthetic_flows(city, noise=noise, seed=7)
    result = delineate(city.communities, flows, target_count=30)
    assert len(result.circles) == 30
    assert ari(city, result) >= 0.9
    assert contiguous_by_geometry(city.communities, result.assignment)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_recovery_on_other_cities(seed):
    other = synthetic_city(rows=10, cols=10, n_circles=20, seed=seed)
    result = delineate(
        other.communities, synthetic_flows(other, noise=0.3, seed=seed), target_count=20
    )
    assert ari(other, result) >= 0.9


def test_without_a_flow_signal_the_result_is_far_from_planted(city):
    """The test above can fail: with pure noise, nothing planted is found."""
    result = delineate(city.communities, synthetic_flows(city, noise=1.0, seed=7), target_count=30)
    assert ari(city, result) < 0.6


@pytest.mark.parametrize(
    "options",
    [
        {"target_count": 30},
        {"target_count": 12},
        {"target_count": 60},
        {"resolution": 0.5},
        {"resolution": 3.0},
        {"target_count": 30, "min_pop": 25_000, "max_pop": 40_000},
        {"min_pop": 50_000},
        {"max_pop": 20_000},
    ],
)
def test_every_circle_is_contiguous_and_every_community_placed_once(city, options):
    flows = synthetic_flows(city, noise=0.6, seed=3)
    result = delineate(city.communities, flows, **options)
    a = result.assignment
    assert sorted(a["community_id"]) == sorted(city.communities["id"])
    assert result.circles["contiguous"].all() and result.summary["all_contiguous"]
    assert contiguous_by_geometry(city.communities, a)
    pops = result.circles["population"]
    if "target_count" in options:
        assert len(result.circles) == options["target_count"]
    if "min_pop" in options:
        assert pops.min() >= options["min_pop"]
    if "max_pop" in options:
        assert pops.max() <= options["max_pop"]
    assert not result.warnings


def test_a_community_larger_than_the_maximum_stands_alone_with_a_warning(city):
    comm = city.communities.copy()
    comm.loc[0, "population"] = 90_000
    result = delineate(comm, synthetic_flows(city, noise=0.3, seed=1), max_pop=60_000)
    row = result.assignment.set_index("community_id").loc[comm["id"].iloc[0], "circle_id"]
    assert result.circles.set_index("circle_id").loc[row, "communities"] == 1
    assert any("单个社区" in w for w in result.warnings)


def test_split_disconnected_repairs_a_non_contiguous_circle():
    # four squares in a row: 0-1-2-3; circle 0 = {0, 2} is in two pieces
    cells = np.array([shapely.box(i, 0, i + 1, 1) for i in range(4)], dtype=object)
    pairs = adjacency_pairs(cells, tolerance_m=0.0)
    assert pairs.tolist() == [[0, 1], [1, 2], [2, 3]]
    from scipy.sparse import csr_matrix

    graph = FlowGraph(
        population=np.ones(4), pairs=pairs, flows=csr_matrix(np.ones((4, 4))), outside=np.zeros(4)
    )
    fixed = split_disconnected(graph, np.array([0, 1, 0, 1]))
    assert len(set(fixed)) == 4  # {0, 2} and {1, 3} are each split into two pieces


def test_same_input_same_circles(city):
    flows = synthetic_flows(city, noise=0.4, seed=9)
    a = delineate(city.communities, flows, target_count=25, seed=3)
    b = delineate(
        city.communities.sample(frac=1.0, random_state=1),
        flows.sample(frac=1.0, random_state=2),
        target_count=25,
        seed=3,
    )
    left = a.assignment.set_index("community_id")["circle_id"]
    right = b.assignment.set_index("community_id")["circle_id"].loc[left.index]
    assert adjusted_rand_score(left, right) == 1.0
    c = delineate(city.communities, flows, target_count=25, seed=3)
    pd.testing.assert_frame_equal(a.assignment, c.assignment)


def test_quality_figures_by_hand():
    # three squares in a row, populations 10, 20, 30; trips: 0->0 8, 0->1 2, 1->1 5, 2->2 9,
    # 2->1 1, 0->X (outside) 10
    cells = [shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(3)]
    comm = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "population": [10, 20, 30]}, geometry=cells, crs="EPSG:32649"
    )
    flows = pd.DataFrame(
        {"origin": ["a", "a", "b", "c", "c", "a"], "destination": ["a", "b", "b", "c", "b", "X"],
         "count": [8, 2, 5, 9, 1, 10]}
    )  # fmt: skip
    current = pd.Series({"a": "C1", "b": "C1", "c": "C2"})
    r = delineate(comm, flows, target_count=2, current=current)
    assert r.assignment.set_index("community_id")["circle_id"].to_dict() == {
        "a": "C1",
        "b": "C1",
        "c": "C2",
    }
    q = r.circles.set_index("circle_id")
    assert q.loc["C1", "internal_trips"] == 15 and q.loc["C1", "outgoing_trips"] == 25
    assert q.loc["C1", "self_containment"] == pytest.approx(15 / 25)
    assert q.loc["C1", "capture"] == pytest.approx(15 / 16)
    assert q.loc["C2", "self_containment"] == pytest.approx(9 / 10)
    assert q.loc["C1", "population"] == 30 and q.loc["C1", "area_km2"] == pytest.approx(0.02)
    assert r.comparison is not None and r.comparison.ari == 1.0 and r.comparison.moved.empty
    assert any("区外" in w or "终点不在" in w for w in r.warnings)


def test_comparison_names_circles_after_the_current_ones():
    current = pd.Series({"a": "C1", "b": "C1", "c": "C2", "d": "C2", "e": "C3"})
    proposed = pd.Series({"a": "M1", "b": "M1", "c": "M1", "d": "M2", "e": "M3"})
    named = name_after(current, proposed)
    assert named.to_dict() == {"a": "C1", "b": "C1", "c": "C1", "d": "C2", "e": "C3"}
    cmp_ = compare_partitions(current, named)
    assert cmp_.moved.to_dict("records") == [
        {"community_id": "c", "current_circle": "C2", "proposed_circle": "C1"}
    ]
    kept = cmp_.circles.set_index("current_circle")["kept_whole"].to_dict()
    assert kept == {"C1": False, "C2": False, "C3": True}
    assert 0 < cmp_.ari < 1 and 0 < cmp_.nmi < 1
    new = name_after(pd.Series({"a": "C1"}), pd.Series({"a": "M1", "b": "M2"}))
    assert new.to_dict() == {"a": "C1", "b": "N01"}


def test_bad_inputs_name_the_field(city):
    flows = synthetic_flows(city, noise=0.3)
    with pytest.raises(SchemaError) as err:
        delineate(city.communities, flows, target_count=0)
    assert err.value.field == "target_count"
    with pytest.raises(SchemaError) as err:
        delineate(city.communities, flows, min_pop=10, max_pop=5)
    assert err.value.field == "min_pop"
    with pytest.raises(SchemaError) as err:
        delineate(city.communities.drop(columns="population"), flows)
    assert err.value.field == "population"
    with pytest.raises(SchemaError) as err:
        delineate(city.communities, flows.rename(columns={"count": "weight"}))
    assert err.value.field == "count"
    bad = flows.copy()
    bad.loc[5, "count"] = -1
    with pytest.raises(SchemaError) as err:
        delineate(city.communities, bad)
    assert err.value.row == 6 and err.value.field == "count"
    with pytest.raises(SchemaError) as err:
        delineate(city.communities, flows.assign(origin="nowhere", destination="nowhere"))
    assert err.value.field == "origin"
    pts = city.communities.assign(geometry=city.communities.centroid)
    with pytest.raises(SchemaError) as err:
        delineate(pts, flows)
    assert err.value.field == "geometry" and err.value.row == 1


def test_the_generator_is_reproducible_from_its_seed():
    a, b = (
        synthetic_city(rows=5, cols=5, n_circles=4, seed=8),
        synthetic_city(rows=5, cols=5, n_circles=4, seed=8),
    )
    assert a.communities.geom_equals(b.communities).all()
    pd.testing.assert_frame_equal(synthetic_flows(a, seed=3), synthetic_flows(b, seed=3))
    assert not synthetic_flows(a, seed=3).equals(synthetic_flows(a, seed=4))
    c = synthetic_city(rows=5, cols=5, n_circles=4, seed=9)
    assert not a.communities.geom_equals(c.communities).all()
    # every planted circle is contiguous, and each has one facility of every category
    assert contiguous_by_geometry(a.communities, a.planted.rename("circle_id").reset_index())
    assert (a.facilities.groupby("circle_id")["category"].nunique() == 5).all()
