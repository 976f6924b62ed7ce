"""Matching degree on a street computed by hand (every figure below is worked out in comments)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from lifecircle.errors import SchemaError
from lifecircle.mobility.match import matching_degree
from lifecircle.mobility.synth import synthetic_city, synthetic_facility_flows
from lifecircle.network import graph_from_lines

CRS = "EPSG:32649"
# one street along y = 0, in two pieces joined at x = 1000
STREET = gpd.GeoDataFrame(
    geometry=[shapely.LineString([(0, 0), (1000, 0)]), shapely.LineString([(1000, 0), (3000, 0)])],
    crs=CRS,
)
# communities straddle the street; their origin points (point_on_surface) are x = 100, 600, 2000
COMMUNITIES = gpd.GeoDataFrame(
    {"id": ["A", "B", "C"]},
    geometry=[shapely.box(0, -100, 200, 100), shapely.box(200, -100, 1000, 100),
              shapely.box(1000, -100, 3000, 100)],
    crs=CRS,
)  # fmt: skip
CIRCLE_OF = pd.Series({"A": "K1", "B": "K1", "C": "K2"})
FACILITIES = gpd.GeoDataFrame(
    {
        "id": ["M1", "M2", "H1"],
        "category": ["fresh_market", "fresh_market", "community_health_station"],
    },
    geometry=[shapely.Point(150, 0), shapely.Point(1900, 0), shapely.Point(900, 0)],
    crs=CRS,
)
FLOWS = pd.DataFrame(
    [
        ("A", "M1", 10, 9),  # 50 m, own circle, nearest market of A
        ("A", "M2", 5, 5),  # 1,800 m, other circle, walks past M1 (50 m)
        ("B", "M1", 20, 12),  # 450 m, own, nearest (M2 is 1,300 m)
        ("C", "M2", 8, 6),  # 100 m, own, nearest
        ("C", "M1", 2, 2),  # 1,850 m, other circle, past M2: only 2 devices, suppressed at k=2?
        ("C", "H1", 4, 5),  # 1,100 m (within 1,200), other circle, the only clinic
        ("B", "H1", 6, 5),  # 300 m, own, nearest
    ],
    columns=["origin", "destination", "count", "devices"],
)


@pytest.fixture(scope="module")
def graph():
    return graph_from_lines(STREET)


def run(graph, flows=FLOWS, **kw):
    return matching_degree(
        flows,
        communities=COMMUNITIES,
        circle_of=CIRCLE_OF,
        facilities=FACILITIES,
        graph=graph,
        **kw,
    )


def test_by_hand(graph):
    r = run(graph, k=1)
    walk = r.trips.set_index(["origin", "destination"])["walk_m"]
    assert walk.to_dict() == pytest.approx(
        {("A", "M1"): 50, ("A", "M2"): 1800, ("B", "M1"): 450, ("C", "M2"): 100,
         ("C", "M1"): 1850, ("C", "H1"): 1100, ("B", "H1"): 300}
    )  # fmt: skip
    c = r.communities.set_index("community_id")
    assert c.loc["A", "trips"] == 15
    assert c.loc["A", "own_circle_share"] == pytest.approx(10 / 15)
    assert c.loc["A", "within_15min_share"] == pytest.approx(10 / 15)
    assert c.loc["A", "bypass_share"] == pytest.approx(5 / 15)
    assert c.loc["A", "mean_walk_m"] == pytest.approx((10 * 50 + 5 * 1800) / 15)
    assert c.loc["B", "own_circle_share"] == 1.0 and c.loc["B", "to_nearest_share"] == 1.0
    assert c.loc["C", "own_circle_share"] == pytest.approx(8 / 14)
    assert c.loc["C", "within_15min_share"] == pytest.approx(12 / 14)
    assert c.loc["C", "to_nearest_share"] == pytest.approx(12 / 14)
    k = r.circles.set_index("circle_id")
    # K1's residents (A, B) make 41 trips, 36 to K1's facilities (M1, H1); K1's facilities get
    # 42 visits (A->M1 10, B->M1 20, C->M1 2, C->H1 4, B->H1 6), 36 by its own residents
    assert k.loc["K1", "resident_trips"] == 41
    assert k.loc["K1", "own_circle_share"] == pytest.approx(36 / 41)
    assert k.loc["K1", "visits"] == 42
    assert k.loc["K1", "visits_by_own_residents_share"] == pytest.approx(36 / 42)
    a, b = 36 / 41, 36 / 42
    assert k.loc["K1", "match_index"] == pytest.approx(2 * a * b / (a + b))
    assert k.loc["K2", "own_circle_share"] == pytest.approx(8 / 14)
    assert k.loc["K2", "visits_by_own_residents_share"] == pytest.approx(8 / 13)
    cat = r.categories.set_index("category")
    m = cat.loc["fresh_market"]
    assert m["trips"] == 45
    assert m["to_nearest_share"] == pytest.approx(38 / 45)
    assert m["bypass_share"] == pytest.approx(7 / 45)
    assert m["mean_walk_m"] == pytest.approx((500 + 9000 + 9000 + 800 + 3700) / 45)
    # trip-weighted nearest market: A 50 m (15 trips), B 450 m (20), C 100 m (10)
    assert m["mean_nearest_m"] == pytest.approx((15 * 50 + 20 * 450 + 10 * 100) / 45)
    assert cat.loc["community_health_station", "within_15min_share"] == 1.0
    pairs = r.pairs.set_index(["community_id", "category"])
    assert pairs.loc[("C", "fresh_market"), "nearest_id"] == "M2"
    assert pairs.loc[("C", "fresh_market"), "nearest_m"] == pytest.approx(100)
    assert r.summary["trips"] == 55 and r.summary["own_circle_share"] == pytest.approx(44 / 55)


def test_minutes_and_speed_set_the_limit(graph):
    r = run(graph, k=1, minutes=10, walk_speed_m_per_min=100)  # 1,000 m
    c = r.communities.set_index("community_id")
    assert c.loc["C", "within_10min_share"] == pytest.approx(8 / 14)


def test_small_flows_are_suppressed_again(graph):
    r = run(graph, k=3)  # C->M1 rests on 2 devices
    assert ("C", "M1") not in set(zip(r.trips["origin"], r.trips["destination"], strict=True))
    assert any("不足 3 台设备" in w for w in r.warnings)


def test_circle_from_the_facility_layer_and_unknown_ids(graph):
    fac = FACILITIES.assign(circle_id=["K2", "K2", "K2"])  # a facility's own circle wins
    flows = pd.concat(
        [FLOWS, pd.DataFrame([("Z", "M1", 9, 9), ("A", "Q9", 9, 9)], columns=FLOWS.columns)]
    )
    r = matching_degree(
        flows, communities=COMMUNITIES, circle_of=CIRCLE_OF, facilities=fac, graph=graph, k=1
    )
    assert r.circles.set_index("circle_id").loc["K1", "own_circle_share"] == 0.0
    assert sum("不在图层中" in w for w in r.warnings) == 2
    with pytest.raises(SchemaError):
        run(graph, flows=FLOWS.assign(origin="nowhere"))


def test_planted_circles_show_in_the_shares():
    city = synthetic_city(rows=6, cols=6, n_circles=6, seed=2)
    graph = graph_from_lines(city.streets)
    shares = []
    for noise in (0.0, 0.5, 1.0):
        flows = synthetic_facility_flows(city, noise=noise, seed=1)
        r = matching_degree(flows, communities=city.communities, circle_of=city.planted,
                            facilities=city.facilities, graph=graph, k=1)  # fmt: skip
        shares.append(r.summary["own_circle_share"])
    assert shares[0] == 1.0 and shares[0] > shares[1] > shares[2]
