"""load_district on the tiny hand-written package and on a small generated demo package."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely

from district._pkg import COMPOUNDS, grid_lines
from lifecircle.demo import generate_demo
from lifecircle.district import District, load_district


def codes(district: District) -> list[str]:
    return [w["code"] for w in district.warnings]


def test_tiny_package_joins_compounds_facilities_and_circles(make_package) -> None:
    d = load_district(make_package())
    assert d.crs == pyproj.CRS.from_epsg(32649)  # lon/lat input -> UTM zone of Changsha
    assert d.name == "测试区" and d.admin_code == "430199" and not d.generated
    assert d.compounds.crs == d.facilities.crs == d.circles.crs == d.graph.crs == d.crs
    assert dict(zip(d.compounds["id"], d.compounds["circle_id"], strict=True)) == {
        "K1": "C1", "K2": "C1", "K3": "C1", "K4": "C2", "K5": "C2",
    }  # fmt: skip
    circles = d.circles.set_index("circle_id")
    assert circles.loc["C1", "population"] == 2300.0
    assert circles.loc["C2", "population"] == 1900.0
    assert circles.loc["C3", "population"] == 0.0
    assert circles.loc["C1", "households"] == 900.0
    assert circles.loc["C2", "communities"] == ["C社区", "D社区"]
    assert circles.loc["C3", "geometry"] is None
    # the hull of K4, K5 buffered by 250 m: a segment of ~313 m -> ~0.35 km²
    assert 0.3 < circles.loc["C2", "area_km2"] < 0.4
    # categories as 中文 name, id and Amap typecode all become taxonomy ids
    fac = d.facilities.set_index("id")
    assert fac["category"].to_dict() == {
        "F1": "kindergarten",
        "F2": "community_health_station",
        "F3": "supermarket",
        "F4": "pharmacy",
    }
    assert fac.loc["F1", "capacity"] == 120.0 and math.isnan(fac.loc["F2", "capacity"])
    assert fac["circle_id"].to_dict() == {"F1": "C1", "F2": "C2", "F3": "C2", "F4": None}
    assert sorted(set(codes(d))) == ["circle_without_compounds", "community_without_compounds"]
    w = next(w for w in d.warnings if w["code"] == "community_without_compounds")
    assert w["file"].endswith("circles.csv") and w["row"] == 2 and w["field"] == "communities"
    assert "D社区" in w["message"]
    w = next(w for w in d.warnings if w["code"] == "circle_without_compounds")
    assert w["row"] == 3 and "C3" in w["message"]
    assert d.compounds["share_0_3"].isna().all()
    mv = d.manual_values
    assert mv["value"].tolist() == [76.4, 95.0]
    assert mv["date"].tolist() == ["2023-12-31", "2024-03-01"]
    assert mv["scope"].tolist() == ["district", "C1"]
    assert d.graph.n_edges == 2 * 10 * 11


def test_projected_manifest_crs_is_used_and_geojson_keeps_its_own(make_package) -> None:
    from district._pkg import manifest

    d = load_district(make_package(doc=manifest(crs="EPSG:4547")))  # CGCS2000 3-degree GK 114E
    assert d.crs == pyproj.CRS.from_epsg(4547)
    assert d.graph.crs == d.crs
    xs = d.compounds.geometry.x
    assert (xs > 300_000).all() and (xs < 700_000).all()


def test_separators_in_communities(make_package) -> None:
    circles = 'circle_id,name,street,communities\nC1,甲,东,"A社区 , B社区"\nC2,乙,西,C社区；D社区\n'
    d = load_district(make_package(circles=circles))
    assert d.circles["communities"].tolist() == [["A社区", "B社区"], ["C社区", "D社区"]]


def test_community_polygons_make_the_circle(make_package, tmp_path) -> None:
    import geopandas as gpd

    from district._pkg import manifest

    box = shapely.box(113.0, 28.1, 113.01, 28.11)  # A, B share it by halves
    comm = gpd.GeoDataFrame(
        {"name": ["A社区", "B社区", "C社区"], "street": ["东街道", "东街道", "西街道"]},
        geometry=[
            shapely.box(113.0, 28.1, 113.01, 28.104),
            shapely.box(113.0, 28.104, 113.01, 28.11),
            shapely.box(113.01, 28.11, 113.02, 28.12),
        ],
        crs="EPSG:4326",
    )
    root = make_package()
    comm.to_file(root / "communities.geojson", driver="GeoJSON")
    doc = manifest()
    doc["layers"]["communities"] = "communities.geojson"
    d = load_district(make_package(doc=doc))
    c1 = d.circles.set_index("circle_id").loc["C1"]
    expected = gpd.GeoSeries([box], crs="EPSG:4326").to_crs(d.crs).area.iloc[0] / 1e6
    assert c1["area_km2"] == pytest.approx(expected, rel=1e-6)
    assert d.communities["circle_id"].tolist() == ["C1", "C1", "C2"]
    # D社区 is listed by C2 but has no polygon: reported
    assert "community_without_polygon" in codes(d)


def test_manual_values_are_optional(make_package) -> None:
    d = load_district(make_package(manual=None))
    assert len(d.manual_values) == 0
    assert list(d.manual_values.columns) == ["scope", "indicator_id", "value", "evidence", "date"]


def test_strict_false_keeps_a_compound_in_no_circle_as_a_warning(make_package) -> None:
    from district._pkg import manifest

    compounds = COMPOUNDS + "K6,己小区,Z社区,西街道,300,100,113.017,28.117\n"
    d = load_district(make_package(compounds=compounds, doc=manifest(strict=False)))
    w = next(w for w in d.warnings if w["code"] == "compound_in_no_circle")
    assert w["row"] == 6 and w["field"] == "community" and w["file"].endswith("compounds.csv")
    assert "Z社区" in w["message"] and "K6" in w["message"]
    k6 = d.compounds.set_index("id").loc["K6"]
    assert k6["circle_id"] is None
    assert d.circles["population"].sum() == 4200.0  # K6 counts in no circle


def test_small_demo_package(tmp_path) -> None:
    root = generate_demo(tmp_path / "demo", scale=0.05)
    d = load_district(root)
    assert d.generated and d.notice == "示例数据：几何为生成数据" and d.notice_en
    assert d.circles_note and d.name == "雨花区" and d.admin_code == "430111"
    assert d.crs == pyproj.CRS.from_epsg(32649)
    assert len(d.circles) == 49 and d.circles["circle_id"].is_unique
    assert d.compounds["circle_id"].notna().all()
    assert d.circles["population"].sum() == pytest.approx(d.compounds["population"].sum())
    assert d.circles["population"].sum() == pytest.approx(1_264_895, rel=0.01)
    assert (d.circles["population"] > 0).all() and d.warnings == []
    assert d.circles.geometry.notna().all()
    assert (d.circles["area_km2"] > 0).all()
    # the demo keeps facilities inside their community, so all but a few fall in a circle
    assert d.facilities["circle_id"].notna().mean() > 0.99
    assert set(d.facilities["category"]) >= {"kindergarten", "fresh_market", "bus_stop"}
    assert set(d.manual_values["scope"]) - {"district"} <= set(d.circles["circle_id"])
    assert d.graph.n_nodes > 1000
    for col in ("share_0_3", "share_3_6", "share_60_plus"):
        assert d.compounds[col].between(0, 1).all()


def test_grid_fixture_is_noded() -> None:
    g = grid_lines(3)
    assert len(g) == 2 * 3 * 2
    assert np.allclose(shapely.length(g.geometry.to_numpy()).sum(), 2 * 3 * 2 * 0.002)


def test_chinese_headers_and_gbk(make_package) -> None:
    root = make_package()
    compounds = COMPOUNDS.replace(
        "id,name,community,street,population,households,lon,lat",
        "编号,小区名称,所属社区,所属街道,常住人口,户数,经度,纬度",
    )
    (root / "compounds.csv").write_bytes(compounds.encode("gbk"))
    circles = (
        "生活圈编号,生活圈名称,街道,包含社区\nC1,东一,东街道,A社区、B社区\nC2,西一,西街道,C社区\n"
    )
    (root / "circles.csv").write_bytes(circles.encode("gbk"))
    (root / "manual_values.csv").unlink()
    import yaml

    doc = yaml.safe_load((root / "district.yaml").read_text(encoding="utf-8"))
    doc["layers"].pop("manual_values")
    (root / "district.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    d = load_district(root)
    assert d.compounds["community"].tolist()[:3] == ["A社区", "A社区", "B社区"]
    assert d.compounds["name"].iloc[0] == "甲小区" and d.compounds["street"].iloc[0] == "东街道"
    assert d.circles.set_index("circle_id")["population"].to_dict() == {"C1": 2300.0, "C2": 1900.0}
    assert d.warnings == []


def test_the_offset_check_shortcut_agrees_with_the_median_distance():
    """Points near the network's vertices settle the GCJ-02 check without measuring; when
    they are not, the median distance to the lines is measured as before."""
    from lifecircle.district._offset import FAR_M, _median_distance, _surely_near

    rng = np.random.default_rng(3)
    # a 100 m street grid, one line per block side (vertices at the junctions only)
    lines = shapely.linestrings(
        [
            [(100.0 * i, 100.0 * j), (100.0 * i + 100, 100.0 * j)]
            for i in range(10)
            for j in range(11)
        ]
        + [
            [(100.0 * j, 100.0 * i), (100.0 * j, 100.0 * i + 100)]
            for i in range(10)
            for j in range(11)
        ]
    )
    tree = shapely.STRtree(lines)
    settled = []
    for spread in (5.0, 30.0, 45.0, 60.0, 90.0):
        pts = shapely.points(rng.uniform(0, 1000, (200, 2)))
        near_vertex = rng.integers(0, 11, (200, 2)) * 100.0 + rng.normal(0, spread, (200, 2))
        pts = np.concatenate([pts, shapely.points(near_vertex)])
        settled.append(_surely_near(pts, lines))
        if settled[-1]:
            assert _median_distance(pts, tree, lines) < FAR_M
    assert True in settled and False in settled
    assert not _surely_near(shapely.points([(np.nan, 1.0)] * 3), lines)
    assert not _surely_near(np.array([shapely.MultiPoint([(0, 0), (1, 1)])] * 3), lines)
