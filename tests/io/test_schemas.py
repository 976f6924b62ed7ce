"""validate_homes / validate_facilities: aliases, normalisation, and each error's row and field."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from lifecircle.errors import SchemaError
from lifecircle.io import read_layer, validate_facilities, validate_homes

SRC = "compounds.csv"


def _gdf(**columns: list) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    pts = [Point(113 + i / 100, 28) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=pts, crs=4326)


# --------------------------------------------------------------------------- homes
@pytest.mark.parametrize(("id_col", "pop_col"), [("id", "population"), ("编号", "人口"),
                                                 ("ID", "pop"), ("code", "常住人口")])  # fmt: skip
def test_homes_aliases(id_col: str, pop_col: str):
    out = validate_homes(_gdf(**{id_col: [1, 2], pop_col: ["1,200", 30.5]}), source=SRC)
    assert list(out.columns[:2]) == ["id", "population"]
    assert list(out["id"]) == ["1", "2"]
    assert out["population"].dtype == np.float64
    assert list(out["population"]) == [1200.0, 30.5]
    assert out.columns[-1] == "geometry"
    assert out.attrs["source"] == SRC


def test_homes_keeps_other_columns_and_households():
    out = validate_homes(
        _gdf(id=["a", "b"], population=[10, 0], 户数=[4, None], name=["甲", "乙"]), source=SRC
    )
    assert list(out.columns) == ["id", "population", "households", "name", "geometry"]
    assert out["households"].iloc[0] == 4 and np.isnan(out["households"].iloc[1])


def test_float_ids_lose_trailing_zero_and_text_ids_are_stripped():
    assert list(validate_homes(_gdf(id=[1.0, 2.0], pop=[1, 1]), source=SRC)["id"]) == ["1", "2"]
    assert list(validate_homes(_gdf(id=[" a ", "b"], pop=[1, 1]), source=SRC)["id"]) == ["a", "b"]


def test_missing_population_column_suggests_closest():
    with pytest.raises(SchemaError, match="缺少必需的列“population”") as err:
        validate_homes(_gdf(id=[1], populaton=[5]), source=SRC)
    e = err.value
    assert (e.file, e.field) == (SRC, "population")
    assert "populaton" in e.fix and "人口" in str(e)


def test_missing_id_column():
    with pytest.raises(SchemaError, match="缺少必需的列“id”") as err:
        validate_homes(_gdf(population=[5]), source=SRC)
    assert err.value.field == "id"


def test_duplicate_ids_name_both_rows():
    with pytest.raises(SchemaError, match="编号 'A' 在第 1、3 行重复") as err:
        validate_homes(_gdf(id=["A", "B", "A"], population=[1, 2, 3]), source=SRC)
    assert (err.value.row, err.value.field) == (3, "id")
    assert "不重复" in err.value.fix


def test_empty_id_names_row():
    with pytest.raises(SchemaError, match="“id”没有填写") as err:
        validate_homes(_gdf(id=["A", None], population=[1, 2]), source=SRC)
    assert err.value.row == 2


@pytest.mark.parametrize(
    ("values", "row", "says"),
    [([5, -1, 3], 2, "是负数"), ([5, 2, None], 3, "没有填写"), (["5", "many", "3"], 2, "不是数字"),
     ([5, 2, float("inf")], 3, "无穷大")],
)  # fmt: skip
def test_bad_population_names_row_and_field(values: list, row: int, says: str):
    with pytest.raises(SchemaError, match=says) as err:
        validate_homes(_gdf(id=[1, 2, 3], 人口=values), source=SRC)
    assert (err.value.row, err.value.field, err.value.file) == (row, "population", SRC)
    assert f"第 {row} 行" in str(err.value) and err.value.fix


def test_bad_households():
    with pytest.raises(SchemaError, match="是负数") as err:
        validate_homes(_gdf(id=[1, 2], population=[1, 2], households=[1, -2]), source=SRC)
    assert (err.value.row, err.value.field) == (2, "households")


def test_homes_must_be_points_and_not_empty():
    gdf = gpd.GeoDataFrame(
        {"id": [1, 2], "population": [1, 2]},
        geometry=[Point(0, 0), LineString([(0, 0), (1, 1)])],
        crs=4326,
    )
    with pytest.raises(SchemaError, match="不是单个点") as err:
        validate_homes(gdf, source=SRC)
    assert (err.value.row, err.value.field) == (2, "geometry")
    with pytest.raises(SchemaError, match="空的"):
        validate_homes(gdf.iloc[:0], source=SRC)


# --------------------------------------------------------------------------- facilities
CATS = ["kindergarten", "park", "community_health_station"]


@pytest.mark.parametrize("cat_col", ["category", "类别", "type", "设施类型"])
def test_facility_aliases_and_defaults(cat_col: str):
    out = validate_facilities(
        _gdf(编号=[7, 8], **{cat_col: ["park", " kindergarten "]}), source="fac.csv",
        categories=CATS,
    )  # fmt: skip
    assert list(out.columns) == ["id", "category", "capacity", "geometry"]
    assert list(out["id"]) == ["7", "8"]
    assert list(out["category"]) == ["park", "kindergarten"]
    assert out["capacity"].dtype == np.float64 and out["capacity"].isna().all()


def test_capacity_parsed_and_unknown_is_nan():
    out = validate_facilities(
        _gdf(id=[1, 2, 3], category=["kindergarten"] * 3, 容量=["90", None, 120]), source="f"
    )
    assert out["capacity"].iloc[0] == 90 and np.isnan(out["capacity"].iloc[1])


def test_capacity_not_a_number():
    with pytest.raises(SchemaError, match="'about 90' 不是数字") as err:
        validate_facilities(
            _gdf(id=[1, 2], category=["park", "park"], capacity=[3, "about 90"]), source="f.csv"
        )
    assert (err.value.row, err.value.field, err.value.file) == (2, "capacity", "f.csv")


def test_unknown_category_lists_valid_ones():
    with pytest.raises(SchemaError, match="未知的设施类别 'kindergarden'") as err:
        validate_facilities(
            _gdf(id=[1, 2], category=["park", "kindergarden"]), source="f.csv", categories=CATS
        )
    e = err.value
    assert (e.row, e.field) == (2, "category")
    assert "是否是 'kindergarten'" in e.fix
    assert all(c in e.fix for c in CATS)


def test_category_mapping_turns_chinese_names_into_ids():
    out = validate_facilities(
        _gdf(id=[1, 2], 类别=["幼儿园", "park"]),
        source="f",
        categories={"幼儿园": "kindergarten", "公园绿地": "park"},
    )
    assert list(out["category"]) == ["kindergarten", "park"]


def test_empty_category_names_row():
    with pytest.raises(SchemaError, match="“category”没有填写") as err:
        validate_facilities(_gdf(id=[1, 2], category=["park", ""]), source="f")
    assert err.value.row == 2


def test_missing_category_column_suggests_closest():
    with pytest.raises(SchemaError, match="缺少必需的列“category”") as err:
        validate_facilities(_gdf(id=[1], catgory=["park"]), source="f")
    assert "catgory" in err.value.fix


def test_read_then_validate_gbk_csv(tmp_path: Path):
    path = tmp_path / "小区.csv"
    pd.DataFrame(
        {"编号": ["001", "002"], "小区名称": ["雨花亭小区", "圭塘新村"], "人口": [1200, 800],
         "户数": [400, 260], "经度": [112.98, 113.0], "纬度": [28.11, 28.12]}
    ).to_csv(path, index=False, encoding="gbk")  # fmt: skip
    out = validate_homes(read_layer(path), source=str(path))
    assert list(out.columns) == ["id", "population", "households", "name", "geometry"]
    assert list(out["id"]) == ["001", "002"]
    assert list(out["name"]) == ["雨花亭小区", "圭塘新村"]
    assert list(out["population"]) == [1200.0, 800.0]
