"""Checkup.circles_frame() / compounds_frame() on the hand-built district (figures by hand)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from handbuilt_district import CATALOGUE, write_package
from lifecircle.checkup import run_checkup
from lifecircle.district import load_district
from lifecircle.standards import load_catalogue

CIRCLE_INDICATORS = [i["id"] for i in CATALOGUE["indicators"] if i.get("scope") != "district"]
CONSTRAINTS = [
    i["id"]
    for i in CATALOGUE["indicators"]
    if i["category"] == "constraint" and i.get("scope") != "district"
]


@pytest.fixture(scope="module")
def checkup(tmp_path_factory):
    package = write_package(tmp_path_factory.mktemp("hb") / "district")
    return run_checkup(load_district(package), load_catalogue(package / "catalogue.yaml"))


@pytest.fixture(scope="module")
def circles(checkup) -> gpd.GeoDataFrame:
    return checkup.circles_frame()


def test_one_row_per_circle_with_grade_and_figures(checkup, circles) -> None:
    assert isinstance(circles, gpd.GeoDataFrame) and circles.crs == checkup.district.crs
    assert circles["circle_id"].tolist() == ["C1", "C2", "C3"]
    assert circles["grade"].tolist() == ["NONE", "AAA", "AA"]
    c1 = circles.set_index("circle_id").loc["C1"]
    assert c1["population"] == 1500 and c1["compound_count"] == 2
    assert c1["communities"] == "A社区" and c1["name"] == "一号圈"
    assert c1["area_km2"] == pytest.approx(1000 * 200 / 1e6)
    assert c1["shortfalls"] == 2 and c1["constraint_passed"] == 1
    assert "幼儿园500米覆盖率" in c1["grade_reason"]
    # the polygons are the district's circles
    assert shapely.equals(circles.geometry.values, checkup.district.circles.geometry.values).all()


def test_systematic_indicator_columns(circles) -> None:
    for iid in CIRCLE_INDICATORS:
        assert {f"value__{iid}", f"status__{iid}", f"margin__{iid}"} <= set(circles.columns)
    assert sorted(c[len("pass__") :] for c in circles.columns if c.startswith("pass__")) == sorted(
        CONSTRAINTS
    )
    assert "value__dt_share" not in circles.columns  # district scope: not per circle
    by = circles.set_index("circle_id")
    # C1: kindergarten coverage at 500 m is 1000 / 1500 (K2 walks 730 m)
    assert by.loc["C1", "value__c_kg_500"] == pytest.approx(100 * 1000 / 1500)
    assert by.loc["C1", "status__c_kg_500"] == "fail"
    assert by.loc["C1", "margin__c_kg_500"] == pytest.approx(100 * 1000 / 1500 - 90)
    assert by.loc["C1", "pass__c_kg_500"] == 0 and by.loc["C2", "pass__c_kg_500"] == 1
    # C3 has no manual value: missing, no value, no margin
    assert by.loc["C3", "status__g_manual"] == "missing"
    assert math.isnan(by.loc["C3", "value__g_manual"])
    assert math.isnan(by.loc["C3", "margin__g_manual"])
    assert by.loc["C2", "value__g_manual"] == 85
    assert by.loc["C2", "value__g_kg_places"] == pytest.approx(100 / 3)
    assert by["value__c_kg_500"].dtype == float and by["pass__c_barber"].dtype == "Int64"


def test_frame_agrees_with_the_result(checkup, circles) -> None:
    for c, row in zip(checkup.result.circles, circles.itertuples(index=False), strict=True):
        for ind in c.indicators:
            assert getattr(row, f"status__{ind.id}") == ind.status
            value = getattr(row, f"value__{ind.id}")
            assert (math.isnan(value) and ind.value is None) or value == ind.value


def test_compounds_with_circle_and_access_columns(checkup) -> None:
    compounds = checkup.compounds_frame()
    assert isinstance(compounds, gpd.GeoDataFrame) and compounds.crs == checkup.district.crs
    assert compounds["id"].tolist() == ["K1", "K2", "K3", "K4"]
    assert set(checkup.access.homes.columns) <= set(compounds.columns)
    by = compounds.set_index("id")
    nearest = by["nearest_m__kindergarten"].to_dict()
    assert nearest == pytest.approx({"K1": 130, "K2": 730, "K3": 130, "K4": 330})
    ids = by["nearest_id__kindergarten"]
    assert (ids["K1"], ids["K3"], ids["K4"]) == ("F1", "F3", "F3")
    assert ids["K2"] in ("F1", "F3")  # 730 m to either
    assert by["circle_id"].tolist() == ["C1", "C1", "C2", "C3"]
    assert by.loc["K1", "supply_per_1000_1000m__kindergarten"] == pytest.approx(200 / 3)
    points = checkup.district.compounds.set_index("id").geometry
    assert shapely.equals(by.geometry.values, points.reindex(by.index).values).all()
    assert pd.api.types.is_string_dtype(by["circle_id"])


def test_written_layers_are_the_frames(checkup, circles, tmp_path) -> None:
    """circles.gpkg and compounds.gpkg hold exactly the frames (one definition)."""
    checkup.write(tmp_path)
    written = gpd.read_file(tmp_path / "circles.gpkg")
    assert list(written.columns) == list(circles.columns)
    for col in circles.columns:
        if col == "geometry":
            assert shapely.equals(written.geometry.values, circles.geometry.values).all()
        elif pd.api.types.is_numeric_dtype(circles[col]):
            np.testing.assert_allclose(
                written[col].astype(float), circles[col].astype(float), equal_nan=True
            )
        else:
            assert written[col].tolist() == circles[col].tolist()
    compounds = checkup.compounds_frame()
    on_disk = gpd.read_file(tmp_path / "compounds.gpkg")
    assert list(on_disk.columns) == list(compounds.columns)
    np.testing.assert_allclose(
        on_disk["nearest_m__kindergarten"], compounds["nearest_m__kindergarten"]
    )


def test_frames_are_fresh_copies(checkup) -> None:
    a = checkup.circles_frame()
    a.loc[0, "grade"] = "AAA"
    assert checkup.circles_frame().loc[0, "grade"] == "NONE"
    b = checkup.compounds_frame()
    b.loc[0, "population"] = -1
    assert checkup.homes["population"].iloc[0] == 1000
