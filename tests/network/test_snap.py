"""Snapping onto edges, checked against geometry computed by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from lifecircle.access import compute_access
from lifecircle.network import graph_from_lines, snap_points

CRS = "EPSG:32649"


def _lines(*coords):
    return gpd.GeoDataFrame(geometry=[shapely.LineString(c) for c in coords], crs=CRS)


def _pts(ids, xy, **cols):
    return gpd.GeoDataFrame({"id": ids, **cols}, geometry=shapely.points(xy), crs=CRS)


def test_home_beside_middle_of_400m_edge_walks_the_offset_and_the_gap():
    graph = graph_from_lines(_lines([(0, 0), (400, 0)], [(400, 0), (400, 300)]))
    s = snap_points(graph, shapely.points([(200, 30)]))
    assert s.edge[0] == 0
    assert s.offset[0] == pytest.approx(200.0)
    assert s.distance[0] == pytest.approx(30.0)
    homes = _pts(["h"], [(200, 30)], population=[50.0])
    # facility at the far end of the second edge: 30 + 200 (to x=400) + 300
    fac = _pts(["f"], [(400, 300)], category=["clinic"])
    res = compute_access(graph, homes, fac, radii=(500, 530))
    assert res.homes.loc["h", "nearest_m__clinic"] == pytest.approx(530.0)
    assert res.homes.loc["h", "count_500m__clinic"] == 0  # nearest-node snapping would say 500
    assert res.homes.loc["h", "count_530m__clinic"] == 1


def test_facility_across_a_river_without_bridge_is_not_near():
    # two banks, 100 m apart; the only bridge is 2 km to the east
    graph = graph_from_lines(
        _lines(
            [(0, 0), (2000, 0)],  # south bank street
            [(0, 100), (2000, 100)],  # north bank street
            [(2000, 0), (2000, 100)],  # the bridge
        )
    )
    homes = _pts(["h"], [(100, -10)], population=[80.0])
    fac = _pts(["k"], [(100, 110)], category=["kindergarten"])
    res = compute_access(graph, homes, fac, radii=(300, 1000))
    # 10 + 1900 + 100 + 1900 + 10
    assert res.homes.loc["h", "nearest_m__kindergarten"] == pytest.approx(3920.0)
    assert res.homes.loc["h", "count_300m__kindergarten"] == 0
    assert res.homes.loc["h", "count_1000m__kindergarten"] == 0


def test_point_past_max_snap_is_reported_not_dropped():
    graph = graph_from_lines(_lines([(0, 0), (100, 0)]))
    homes = _pts(["near", "far"], [(50, 10), (50, 450)], population=[10.0, 20.0])
    fac = _pts(["f"], [(0, 5)], category=["shop"])
    res = compute_access(graph, homes, fac, max_snap_m=200)
    assert list(res.homes.index) == ["near"]
    row = res.unsnapped.set_index("id").loc["far"]
    assert row["kind"] == "home"
    assert row["reason"] == "too_far"
    assert row["distance_m"] == pytest.approx(450.0)
    assert res.unsnapped_population == 20.0
    cov = res.coverage.set_index("radius").loc["300m"]
    assert cov["unsnapped_population"] == 20.0


def test_home_and_facility_on_the_same_edge_walk_along_it():
    graph = graph_from_lines(_lines([(0, 0), (1000, 0)]))
    homes = _pts(["h"], [(300, 20)], population=[1.0])
    fac = _pts(["f"], [(450, -5)], category=["park"])
    res = compute_access(graph, homes, fac)
    assert res.homes.loc["h", "nearest_m__park"] == pytest.approx(20 + 150 + 5)


def test_ties_snap_to_lowest_edge_deterministically():
    graph = graph_from_lines(_lines([(0, 0), (100, 0)], [(0, 20), (100, 20)]))
    s = snap_points(graph, shapely.points([(50, 10)]))
    assert s.edge[0] == 0
    assert np.isclose(s.distance[0], 10.0)
