"""Tests of the demo district generator (small scale; the city-scale run is marked slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lifecircle.checkup import run_checkup
from lifecircle.demo import build_demo, generate_demo
from lifecircle.demo._names import CENSUS_TOTAL, STREET_POPULATION
from lifecircle.demo.generator import MANUAL_INDICATORS, NOTICE, RIVER_FILE, river_crossings
from lifecircle.district import load_district
from lifecircle.standards import load_catalogue

DATA = Path(__file__).resolve().parents[2] / "src" / "lifecircle" / "demo" / "data"
SMALL = 0.05

# The facility category ids of docs/interfaces.md.
CATEGORY_IDS = [
    *("kindergarten", "nursery", "primary_school", "middle_school", "elderly_service_station"),
    *("day_care_centre", "community_health_station", "community_service_station"),
    *("culture_station", "fitness_ground", "sports_court", "park", "supermarket"),
    *("fresh_market", "pharmacy", "barber", "laundry", "repair", "bank", "housekeeping"),
    *("restaurant", "canteen", "parcel_locker", "public_toilet", "waste_station", "bus_stop"),
    *("metro_station", "parking", "ev_charger", "bike_shed"),
]


@pytest.fixture(scope="module")
def demo():
    return build_demo(seed=2023, scale=SMALL)


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("pkg") / "yuhua", seed=2023, scale=SMALL)


def _read(path: Path):
    return pyogrio.read_dataframe(path)


def _graph(lines: np.ndarray):
    """Nodes from exact endpoint coordinates; returns (edge u, edge v, node count)."""
    coords = shapely.get_coordinates(lines)
    starts, ends = coords[0::2], coords[1::2]
    nodes, inv = np.unique(np.vstack([starts, ends]), axis=0, return_inverse=True)
    inv = inv.ravel()
    return inv[: len(starts)], inv[len(starts) :], len(nodes)


def _components(u, v, n):
    g = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    return connected_components(g, directed=False)


def test_same_seed_gives_identical_files(package, tmp_path):
    again = generate_demo(tmp_path / "again", seed=2023, scale=SMALL)
    names = sorted(p.name for p in package.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (package / name).read_bytes() == (again / name).read_bytes(), name


def test_other_seed_gives_other_geometry(package, tmp_path):
    other = generate_demo(tmp_path / "other", seed=7, scale=SMALL)
    assert (other / "network.gpkg").read_bytes() != (package / "network.gpkg").read_bytes()


def test_manifest_says_generated_and_lists_layers(package):
    doc = yaml.safe_load((package / "district.yaml").read_text(encoding="utf-8"))
    assert doc["format"] == "lifecircle-district/1"
    assert doc["name"] == "雨花区"
    assert doc["admin_code"] == "430111"
    assert doc["generated"] is True
    assert doc["notice"] == NOTICE == "示例数据：几何为生成数据"
    assert "generated" in doc["notice_en"]
    assert "并非" in doc["circles_note"] and "not the official" in doc["circles_note"]
    assert doc["crs"] == "EPSG:32649"
    for key in ("compounds", "facilities", "network", "circles", "communities", "manual_values"):
        assert (package / doc["layers"][key]).is_file(), key


def test_layers_carry_utm49n_and_sit_in_yuhua(package):
    to_wgs = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)
    for name in ("compounds", "facilities", "network", "communities"):
        info = pyogrio.read_info(package / f"{name}.gpkg")
        assert info["crs"] == "EPSG:32649", name
        x0, y0, x1, y1 = info["total_bounds"]
        lon, lat = to_wgs.transform((x0 + x1) / 2, (y0 + y1) / 2)
        assert abs(lon - 113.0) < 0.05 and abs(lat - 28.1) < 0.05


def test_population_sums_to_census_and_streets_follow_bands(package):
    comp = _read(package / "compounds.gpkg")
    assert comp["population"].sum() == CENSUS_TOTAL == 1_264_895
    by_street = comp.groupby("street")["population"].sum()
    assert by_street.to_dict() == STREET_POPULATION
    census = pd.read_csv(DATA / "yuhua_population_census2020.csv", dtype={"code_mca2025": str})
    for row in census.itertuples():
        if row.unit not in STREET_POPULATION:
            continue  # the district total and 雨花经开区 (not an admin unit)
        pop = by_street[row.unit]
        if not np.isnan(row.pop_2020_approx):
            assert pop == row.pop_2020_approx
        if not np.isnan(row.pop_2020_min):
            assert pop >= row.pop_2020_min
        if not np.isnan(row.pop_2020_max):
            assert pop <= row.pop_2020_max


def test_households_and_age_shares(package):
    comp = _read(package / "compounds.gpkg")
    assert (comp["population"] >= 1).all()
    assert np.allclose(comp["households"], np.maximum(1, np.round(comp["population"] / 2.8)))
    for col in ("share_0_3", "share_3_6", "share_60_plus"):
        assert comp[col].between(0, 1).all()
    assert comp["id"].is_unique and comp["name"].is_unique


def test_every_real_street_and_community_is_present(package):
    streets = pd.read_csv(DATA / "yuhua_streets_mca_2025.csv", dtype=str)
    comms = pd.read_csv(DATA / "yuhua_communities_names_circa2016.csv", dtype=str)
    assert len(streets) == 13 and len(comms) == 165
    comp = _read(package / "compounds.gpkg")
    cells = _read(package / "communities.gpkg")
    assert set(comp["street"]) == set(streets["name"])
    assert set(comp["community"]) == set(comms["name"])
    assert sorted(cells["name"]) == sorted(comms["name"])
    expected = dict(zip(comms["name"], comms["township"], strict=True))
    assert dict(zip(cells["name"], cells["street"], strict=True)) == expected


def test_compounds_lie_in_their_community_cell_and_not_in_the_river(demo):
    cells = demo.communities.set_index("name").geometry
    poly = cells.loc[demo.compounds["community"]].to_numpy()
    assert shapely.contains(poly, demo.compounds.geometry.to_numpy()).all()
    assert not demo.layout.in_river(demo.compounds.geometry.x, demo.compounds.geometry.y).any()


def test_49_circles_cover_every_community_once_within_one_street(package):
    circles = pd.read_csv(package / "circles.csv", dtype=str)
    assert list(circles.columns) == ["circle_id", "name", "street", "communities"]
    assert circles["circle_id"].tolist() == [f"C{i:02d}" for i in range(1, 50)]
    cells = _read(package / "communities.gpkg").set_index("name")
    members = circles["communities"].str.split(";")
    flat = [c for m in members for c in m]
    assert len(flat) == len(set(flat)) == len(cells) == 165
    for row, m in zip(circles.itertuples(), members, strict=True):
        assert row.name.startswith(row.street) and row.name.endswith("生活圈")
        assert (cells.loc[m, "street"] == row.street).all()
        union = shapely.union_all(cells.loc[m].geometry.buffer(0.5).to_numpy())
        assert union.geom_type == "Polygon", f"{row.circle_id} is not contiguous"


def test_network_is_one_piece_joined_only_by_the_bridges(demo):
    net = demo.network
    lines = net.geometry.to_numpy()
    assert set(net["highway"]) == {"primary", "secondary", "residential", "footway"}
    assert net.loc[net["highway"] != "footway", "name"].notna().all()
    u, v, n = _graph(lines)
    n_comp, _ = _components(u, v, n)
    assert n_comp == 1
    keep = ~net["bridge"].to_numpy()
    n_comp, _ = _components(u[keep], v[keep], n)
    assert n_comp == 2  # the river splits the district in two without its bridges
    # some dead ends (cul-de-sacs and removed segments)
    degree = np.bincount(np.concatenate([u, v]), minlength=n)
    assert (degree == 1).sum() > 0.002 * n


def test_river_is_crossed_only_at_the_bridges(demo):
    lines = demo.network.geometry.to_numpy()
    crossing = shapely.intersects(lines, demo.layout.river)
    assert 4 <= crossing.sum() <= 6
    assert (crossing == demo.network["bridge"].to_numpy()).all()
    assert river_crossings(demo.network, demo.layout.river) == crossing.sum()
    assert set(demo.network.loc[crossing, "highway"]) <= {"primary", "secondary", "residential"}


def test_network_file_shares_endpoints_exactly(package):
    net = _read(package / "network.gpkg")
    assert (shapely.get_num_coordinates(net.geometry.to_numpy()) == 2).all()
    u, v, n = _graph(net.geometry.to_numpy())
    assert _components(u, v, n)[0] == 1
    assert n > 5_000  # a small district still has thousands of walkable nodes


def _distance_to_network(package: Path, layer: str) -> pd.Series:
    """Distance (m) from each point of ``layer`` to the nearest edge of the package network."""
    tree = shapely.STRtree(_read(package / "network.gpkg").geometry.to_numpy())
    pts = _read(package / f"{layer}.gpkg")
    (i, _), dist = tree.query_nearest(pts.geometry.to_numpy(), return_distance=True)
    out = np.full(len(pts), np.inf)
    out[i] = dist
    return pd.Series(out, index=pts["id"])


def _assert_near_network(package: Path, max_m: float = 150.0) -> None:
    for layer in ("compounds", "facilities"):
        d = _distance_to_network(package, layer)
        far = d[d > max_m]
        assert far.empty, f"{len(far)} {layer} farther than {max_m} m: {far.head().to_dict()}"


def test_compounds_and_facilities_lie_near_the_kept_network(package):
    """Nothing is stranded on a piece of street grid that was dropped (e.g. beyond the river)."""
    _assert_near_network(package)


def test_every_category_present_with_capacities_and_areas(package):
    fac = _read(package / "facilities.gpkg")
    assert list(fac.columns) == ["id", "name", "category", "capacity", "floor_area_m2", "geometry"]
    assert set(fac["category"]) == set(CATEGORY_IDS)
    assert fac["id"].is_unique
    for cat in (
        "kindergarten",
        "nursery",
        "primary_school",
        "middle_school",
        "elderly_service_station",
        "day_care_centre",
        "parking",
        "public_toilet",
        "ev_charger",
    ):
        cap = fac.loc[fac["category"] == cat, "capacity"]
        assert (cap > 0).all(), cat
    for cat in ("park", "fitness_ground", "sports_court", "culture_station"):
        assert (fac.loc[fac["category"] == cat, "floor_area_m2"] > 0).all(), cat
    assert fac.loc[fac["category"] == "bus_stop", "capacity"].isna().all()
    per_1000 = fac.loc[fac["category"] == "nursery", "capacity"].sum() / CENSUS_TOTAL * 1000
    assert 4.0 < per_1000 < 4.5


def test_service_levels_split_in_thirds_and_poor_circles_have_gaps(demo):
    levels = pd.Series(demo.service_level).value_counts()
    assert set(levels.index) == {"good", "middling", "poor"}
    assert levels.min() >= 15
    assert set(demo.gaps) == {c for c, lv in demo.service_level.items() if lv == "poor"}
    # A poor circle's missing category has at most one facility inside its communities.
    circles = demo.circles.set_index("circle_id")
    cells = demo.communities.set_index("name").geometry
    fac = demo.facilities
    for cid, missing in demo.gaps.items():
        area = shapely.union_all(cells.loc[circles.loc[cid, "communities"].split(";")].to_numpy())
        for cat in missing:
            pts = fac.loc[fac["category"] == cat].geometry.to_numpy()
            assert shapely.contains(area, pts).sum() <= 1, (cid, cat)


def test_poor_circles_reach_their_gaps_worse_than_good_ones(demo):
    """Straight-line share of residents within 300 m of an elderly service station."""
    comm_circle = {
        c: row.circle_id for row in demo.circles.itertuples() for c in row.communities.split(";")
    }
    comp = demo.compounds
    level = comp["community"].map(comm_circle).map(demo.service_level)
    share = {}
    for cat in ("elderly_service_station", "nursery", "fresh_market"):
        fac = demo.facilities.loc[demo.facilities["category"] == cat]
        d = shapely.distance(
            comp.geometry.to_numpy()[:, None], fac.geometry.to_numpy()[None, :]
        ).min(axis=1)
        near = pd.Series(d <= 300.0) * comp["population"]
        share[cat] = near.groupby(level).sum() / comp["population"].groupby(level).sum()
    for cat, s in share.items():
        assert s["good"] > s["poor"], cat


def test_manual_values(package):
    mv = pd.read_csv(package / "manual_values.csv", dtype={"scope": str})
    assert list(mv.columns) == ["scope", "indicator_id", "value", "evidence", "date"]
    assert set(mv["indicator_id"]) == set(MANUAL_INDICATORS)
    assert (mv["evidence"] == "示例数据（生成）").all()
    assert set(mv["scope"]) == {"district"} | {f"C{i:02d}" for i in range(1, 50)}
    assert mv["value"].between(0, 100).all()


def test_no_forbidden_string_in_any_file(package):
    bad = "\u548c\u8bb0AG".encode()
    for path in package.iterdir():
        assert bad not in path.read_bytes(), path.name


def test_scale_must_be_positive():
    with pytest.raises(ValueError, match="scale"):
        build_demo(scale=0)


def _checkup(package: Path):
    district = load_district(package)
    assert district.warnings == []
    return run_checkup(district, load_catalogue("changsha-provisional")).result


def _warning_codes(result) -> set[str]:
    return {w["code"] for w in result.warnings}


def test_package_with_generator_block_and_river_loads_and_checks_up(package):
    doc = yaml.safe_load((package / "district.yaml").read_text(encoding="utf-8"))
    assert doc["generator"] == {"name": "lifecircle.demo", "seed": 2023, "scale": SMALL}
    assert (package / RIVER_FILE).is_file()
    result = _checkup(package)
    assert result.summary["compounds"] == len(_read(package / "compounds.gpkg"))
    assert "compound_off_network" not in _warning_codes(result)
    assert {c.grade for c in result.circles} == {"NONE", "AA", "AAA"}


@pytest.mark.slow
def test_city_scale_checkup_spreads_grades_for_the_intended_reasons(tmp_path):
    """The real checkup on the full demo: all three grades, no geometry artefacts.

    NONE circles are the poor ones, and each fails a constraint indicator on one of the
    services it was built without (a missing nursery, fresh market, elderly service or
    health station); good circles never fail a constraint.
    """
    out = generate_demo(tmp_path / "city", seed=2023, scale=1.0)
    result = _checkup(out)
    assert result.warnings == [], _warning_codes(result)
    grades = pd.Series([c.grade for c in result.circles]).value_counts()
    assert set(grades.index) == {"NONE", "AA", "AAA"}
    assert 0.2 <= grades["NONE"] / len(result.circles) <= 0.4, grades.to_dict()
    demo = build_demo(seed=2023, scale=1.0)
    for c in result.circles:
        level = demo.service_level[c.id]
        failing = [i for i in c.indicators if i.category == "constraint" and i.status != "pass"]
        assert all(i.status == "fail" for i in failing), (c.id, [i.id for i in failing])
        if level == "good":
            assert not failing, (c.id, [i.id for i in failing])
        if c.grade != "NONE":
            continue
        assert level == "poor", c.id
        cats = {cat for i in failing for cat in i.facility_categories}
        assert cats & set(demo.gaps[c.id]), (c.id, demo.gaps[c.id], [i.id for i in failing])
        # no indicator fails at the same value as others (the mark of unreachable compounds)
        values = [round(i.value, 1) for i in failing]
        assert len(values) == len(set(values)), (c.id, values)


@pytest.mark.slow
def test_city_scale_has_100k_nodes_and_is_deterministic(tmp_path):
    # its speed is measured by benchmarks/demo.py, not asserted here
    out = generate_demo(tmp_path / "city", seed=2023, scale=1.0)
    net = _read(out / "network.gpkg")
    u, v, n = _graph(net.geometry.to_numpy())
    assert n >= 100_000
    assert _components(u, v, n)[0] == 1
    comp = _read(out / "compounds.gpkg")
    assert 3_000 <= len(comp) <= 6_000
    assert comp["population"].sum() == CENSUS_TOTAL
    _assert_near_network(out)
    again = generate_demo(tmp_path / "again", seed=2023, scale=1.0)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_near_is_the_distance_to_the_lines():
    """`Network.near` (edge ends first, the lines only for the rest) marks exactly the points
    GEOS finds within the limit of a kept edge, also just inside and outside the limit."""
    from lifecircle.demo._layout import make_layout
    from lifecircle.demo._network import make_network

    rng = np.random.default_rng(5)
    layout = make_layout(SMALL, rng)
    net = make_network(layout, rng)
    n = 4000
    x = rng.uniform(layout.x0 - 200, layout.x0 + layout.width + 200, n)
    y = rng.uniform(layout.y0 - 200, layout.y0 + layout.height + 200, n)
    # points at 70 m (and a hair either side) straight off a footpath's end: on the limit
    pick = rng.integers(0, len(net.x1), 300)
    side = np.array([-1e-7, 0.0, 1e-7])[rng.integers(0, 3, 300)]
    x = np.concatenate([x, net.x1[pick] - 70.0 - side])
    y = np.concatenate([y, net.y1[pick]])
    lines = net.lines()
    for limit in (70.0, 90.0, 12.5):
        tree = shapely.STRtree(lines)
        hit = tree.query(shapely.points(x, y), predicate="dwithin", distance=limit)[0]
        expected = np.zeros(len(x), bool)
        expected[hit] = True
        assert np.array_equal(net.near(x, y, limit), expected)
