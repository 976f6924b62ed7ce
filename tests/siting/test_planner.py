"""SitePlanner's candidates as coordinate arrays: the same as the shapely points and tree."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from lifecircle.demo import generate_demo
from lifecircle.district import load_district
from lifecircle.siting.network import candidates_from_network, network_sites
from lifecircle.siting.suggest import SitePlanner, within_of_any


def _tree_answer(xy: np.ndarray, points: np.ndarray, radius: float) -> np.ndarray:
    """What the planner asked an STRtree of its candidate points before."""
    tree = shapely.STRtree(shapely.points(xy))
    hit = tree.query(points, predicate="dwithin", distance=radius)
    return np.unique(hit[1]).astype(np.int64)


@pytest.mark.parametrize("radius", [5.0, 13.0, 25.0])
def test_within_of_any_is_the_tree_answer_on_the_boundary_too(radius):
    rng = np.random.default_rng(7)
    # whole metres: 3-4-5 triangles put many candidates exactly at the radius
    xy = rng.integers(0, 400, (4000, 2)).astype(float)
    xy[:5] = np.nan  # no coordinates: never near
    homes = rng.integers(100, 300, (40, 2)).astype(float)
    points = shapely.points(homes)
    points[3] = None  # a missing home meets nothing
    got = within_of_any(xy, points, radius)
    assert np.array_equal(got, _tree_answer(xy, points, radius))
    d = np.hypot(*(xy[:, None, :] - homes[None, :, :]).transpose(2, 0, 1))
    d[:, 3] = np.inf
    assert (np.nanmin(d, axis=1) == radius).sum() > 0  # the boundary was met
    assert within_of_any(xy, np.array([None], dtype=object), radius).size == 0


@pytest.fixture(scope="module")
def small_district(tmp_path_factory):
    return load_district(generate_demo(tmp_path_factory.mktemp("planner") / "d", scale=0.05))


def test_network_candidates_are_those_of_candidates_from_network(small_district):
    graph = small_district.graph
    frame = candidates_from_network(graph, spacing_m=50.0)
    planner = SitePlanner(graph, spacing_m=50.0)
    sites = network_sites(graph, spacing_m=50.0)
    assert list(planner.ids) == [str(i) for i in frame["id"]]
    assert planner.ids[-1] == frame["id"].iloc[-1] and planner.ids[0:2] == list(frame["id"][:2])
    assert np.array_equal(planner.xy, shapely.get_coordinates(frame.geometry.values))
    assert np.array_equal(sites.edge, frame["edge"].to_numpy())
    assert np.array_equal(sites.offset, frame["offset_m"].to_numpy())
    assert (frame["kind"] == "node").sum() == len(sites.nodes)
    with pytest.raises(IndexError):
        planner.ids[len(planner.ids)]


def test_the_candidates_of_each_circle_are_those_the_tree_found(small_district):
    d = small_district
    planner = SitePlanner(d.graph)
    homes = np.asarray(d.compounds.geometry.values)
    circle_of = d.compounds["circle_id"].astype(str).to_numpy()
    checked = 0
    for cid, area in zip(d.circles["circle_id"].astype(str), d.circles.geometry, strict=True):
        pts = homes[circle_of == cid]
        for radius in (300.0, 500.0, 1000.0):
            got = planner._near(pts, radius, area, 100.0)
            want = _tree_answer(planner.xy, pts, radius)
            want = want[planner.snaps.edge[want] >= 0]
            zone = shapely.buffer(area, 100.0)
            want = want[shapely.covers(zone, shapely.points(planner.xy[want]))]
            assert np.array_equal(got, want), (cid, radius)
            checked += len(got)
    assert checked > 1000
