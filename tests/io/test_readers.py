"""read_layer: every format, encodings, offset systems, and every bad input with its message."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPoint, Point

from lifecircle.errors import CRSError, FileFormatError, InputError, SchemaError
from lifecircle.io import bd09_to_wgs84, gcj02_to_wgs84, read_layer

NAMES = ["雨花亭小区", "圭塘新村", "砂子塘社区"]
LONS = [112.98, 113.01, 113.03]
LATS = [28.11, 28.13, 28.15]


def _points(crs: object = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["001", "002", "003"], "name": NAMES, "population": [1200, 800, 0]},
        geometry=[Point(x, y) for x, y in zip(LONS, LATS, strict=True)],
        crs=crs,
    )


def _table() -> pd.DataFrame:
    columns = {"编号": ["001", "002", "003"], "名称": NAMES, "人口": [1200, 800, 0]}
    return pd.DataFrame({**columns, "经度": LONS, "纬度": LATS})


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


# --------------------------------------------------------------------------- formats
@pytest.mark.parametrize(("suffix", "driver"), [(".geojson", "GeoJSON"), (".gpkg", "GPKG"),
                                                (".shp", "ESRI Shapefile")])  # fmt: skip
def test_vector_formats_round_trip(tmp_path: Path, suffix: str, driver: str):
    path = tmp_path / f"homes{suffix}"
    _points().to_file(path, driver=driver, engine="pyogrio")
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 4326
    np.testing.assert_allclose(_xy(gdf), np.column_stack([LONS, LATS]))
    assert list(gdf["name"]) == NAMES
    assert gdf.attrs["source"] == str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_with_chinese_names(tmp_path: Path, encoding: str):
    path = tmp_path / "homes.csv"
    _table().to_csv(path, index=False, encoding=encoding)
    if encoding == "gbk":  # really GBK bytes, not valid UTF-8
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    gdf = read_layer(path)
    assert list(gdf["名称"]) == NAMES
    assert list(gdf["编号"]) == ["001", "002", "003"]  # leading zeros kept
    assert list(gdf["人口"]) == [1200, 800, 0]
    np.testing.assert_allclose(_xy(gdf), np.column_stack([LONS, LATS]))
    assert gdf.crs.to_epsg() == 4326


def test_csv_explicit_encoding_and_tab_delimiter(tmp_path: Path):
    path = tmp_path / "homes.txt"
    _table().to_csv(path, index=False, sep="\t", encoding="gbk")
    gdf = read_layer(path, encoding="gbk")
    assert list(gdf["名称"]) == NAMES


@pytest.mark.parametrize(("lon", "lat"), [("lng", "lat"), ("longitude", "latitude"),
                                          ("LON", "LAT"), ("x", "y")])  # fmt: skip
def test_csv_detects_coordinate_column_names(tmp_path: Path, lon: str, lat: str):
    path = tmp_path / "p.csv"
    pd.DataFrame({"id": [1, 2], lon: LONS[:2], lat: LATS[:2]}).to_csv(path, index=False)
    np.testing.assert_allclose(_xy(read_layer(path)), np.column_stack([LONS[:2], LATS[:2]]))


def test_csv_explicit_coordinate_columns(tmp_path: Path):
    path = tmp_path / "p.csv"
    pd.DataFrame({"id": [1], "E": [113.0], "N": [28.0]}).to_csv(path, index=False)
    gdf = read_layer(path, lon_col="E", lat_col="N")
    assert (gdf.geometry.x[0], gdf.geometry.y[0]) == (113.0, 28.0)


def test_amap_location_column_is_split(tmp_path: Path):
    path = tmp_path / "amap_poi.csv"
    path.write_text(
        'id,name,location\nB0FFF1,幼儿园,"113.01,28.12"\nB0FFF2,药店,"113.02,28.13"\n'
        'B0FFF3,超市,"113.03"\n',
        "utf-8",
    )
    with pytest.raises(SchemaError) as err:
        read_layer(path, coords="gcj02")
    assert (err.value.row, err.value.field) == (3, "location(lat)")
    path.write_text(path.read_text("utf-8").rsplit("\n", 2)[0] + "\n", "utf-8")
    gdf = read_layer(path, coords="gcj02")
    assert list(gdf.columns) == ["id", "name", "geometry"]
    want = np.column_stack(gcj02_to_wgs84([113.01, 113.02], [28.12, 28.13]))
    np.testing.assert_allclose(_xy(gdf), want, atol=1e-12)


def test_xlsx_first_sheet_and_named_sheet(tmp_path: Path):
    path = tmp_path / "facilities.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"a": [1]}).to_excel(xl, sheet_name="说明", index=False)
        _table().to_excel(xl, sheet_name="小区", index=False)
    gdf = read_layer(path, layer="小区")
    assert list(gdf["名称"]) == NAMES
    assert list(gdf["编号"]) == ["001", "002", "003"]
    with pytest.raises(SchemaError, match="没有找到经度列"):
        read_layer(path)  # the first sheet has no coordinates
    with pytest.raises(FileFormatError) as err:
        read_layer(path, layer="Sheet9")
    assert "小区" in str(err.value) and err.value.field == "layer"


def test_gcj02_and_bd09_csv_are_converted_to_wgs84(tmp_path: Path):
    path = tmp_path / "amap.csv"
    _table().to_csv(path, index=False)
    gcj = read_layer(path, coords="gcj02")
    np.testing.assert_allclose(_xy(gcj), np.column_stack(gcj02_to_wgs84(LONS, LATS)), atol=1e-12)
    bd = read_layer(path, coords="bd09")
    np.testing.assert_allclose(_xy(bd), np.column_stack(bd09_to_wgs84(LONS, LATS)), atol=1e-12)
    # the offsets are hundreds of metres: the conversion really moved the points
    assert np.abs(_xy(gcj) - np.column_stack([LONS, LATS])).max() > 1e-3


def test_gcj02_line_layer_is_converted_vertex_by_vertex(tmp_path: Path):
    path = tmp_path / "roads.geojson"
    line = LineString(list(zip(LONS, LATS, strict=True)))
    gpd.GeoDataFrame({"id": [1]}, geometry=[line], crs=4326).to_file(path, engine="pyogrio")
    gdf = read_layer(path, geometry="line", coords="gcj02")
    got = np.asarray(gdf.geometry.iloc[0].coords)
    np.testing.assert_allclose(got, np.column_stack(gcj02_to_wgs84(LONS, LATS)), atol=1e-12)


def test_cgcs2000_is_relabelled_without_moving(tmp_path: Path):
    path = tmp_path / "cgcs.gpkg"
    _points(crs=4490).to_file(path, engine="pyogrio")
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 4326
    np.testing.assert_array_equal(_xy(gdf), np.column_stack([LONS, LATS]))


def test_projected_layer_keeps_its_crs(tmp_path: Path):
    path = tmp_path / "utm.gpkg"
    _points().to_crs(32649).to_file(path, engine="pyogrio")
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 32649


def test_single_part_multipoints_become_points(tmp_path: Path):
    path = tmp_path / "mp.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[MultiPoint([(113, 28)])], crs=4326).to_file(path)
    gdf = read_layer(path)
    assert gdf.geometry.iloc[0].geom_type == "Point"


def test_gpkg_layer_choice(tmp_path: Path):
    path = tmp_path / "two.gpkg"
    _points().to_file(path, layer="homes", engine="pyogrio")
    _points().iloc[:1].to_file(path, layer="schools", engine="pyogrio")
    assert len(read_layer(path, layer="schools")) == 1
    with pytest.raises(FileFormatError, match="2 个图层") as err:
        read_layer(path)
    assert "homes" in str(err.value) and "schools" in str(err.value)
    with pytest.raises(FileFormatError, match="没有图层 'parks'"):
        read_layer(path, layer="parks")


# --------------------------------------------------------------------------- bad files
def test_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="文件不存在") as err:
        read_layer(tmp_path / "nope.csv")
    assert err.value.file.endswith("nope.csv")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("fake.gpkg", b"id,lon,lat\n1,113,28\n", "不是 SQLite 数据库"),
        ("fake.xlsx", b"id,lon,lat\n1,113,28\n", "不是 zip"),
        ("fake.shp", b"hello", "Shapefile 标识"),
        ("fake.geojson", b"id,lon,lat\n", "JSON 对象"),
        ("fake.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "二进制"),
        ("fake2.csv", b"SQLite format 3\x00" + b"\x00" * 100, "二进制"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_file_not_what_its_extension_says(tmp_path: Path, name: str, content: bytes, says: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=says) as err:
        read_layer(path)
    assert err.value.file == str(path) and err.value.fix


def test_unsupported_extensions(tmp_path: Path):
    for name, says in (("old.xls", "另存为 .xlsx"), ("data.kml", "不支持的文件类型")):
        path = tmp_path / name
        path.write_bytes(b"x")
        with pytest.raises(FileFormatError, match=says):
            read_layer(path)


def test_undecodable_csv(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,lon,lat\n1,113,28\n\xff\xfe\xff,113,28\n")
    with pytest.raises(FileFormatError, match="无法按") as err:
        read_layer(path)
    assert err.value.row == 2 and "编码" in err.value.fix
    good = tmp_path / "gbk.csv"
    _table().to_csv(good, index=False, encoding="gbk")
    with pytest.raises(FileFormatError, match="utf-8"):
        read_layer(good, encoding="utf-8")
    with pytest.raises(FileFormatError, match="未知的文字编码"):
        read_layer(good, encoding="klingon")


def test_empty_layers(tmp_path: Path):
    csv = tmp_path / "header.csv"
    csv.write_text("id,lon,lat\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="没有数据行"):
        read_layer(csv)
    gpkg = tmp_path / "empty.gpkg"
    _points().iloc[:0].to_file(gpkg, layer="homes", engine="pyogrio")
    with pytest.raises(SchemaError, match="empty") as err:
        read_layer(gpkg)
    assert err.value.file == str(gpkg)


def test_missing_coordinate_columns_suggest_closest(tmp_path: Path):
    path = tmp_path / "p.csv"
    pd.DataFrame({"id": [1], "longitud": [113.0], "lat": [28.0]}).to_csv(path, index=False)
    with pytest.raises(SchemaError, match="没有找到经度列") as err:
        read_layer(path)
    assert err.value.field == "lon" and "longitud" in err.value.fix
    with pytest.raises(SchemaError, match="表中没有列 'lonx'") as err:
        read_layer(path, lon_col="lonx")
    assert err.value.field == "lonx"


@pytest.mark.parametrize("bad", ["", "abc", "nan"])
def test_nan_or_text_coordinate_names_row_and_column(tmp_path: Path, bad: str):
    path = tmp_path / "p.csv"
    path.write_text(f"编号,经度,纬度\n1,113.0,28.0\n2,113.1,{bad}\n3,113.2,28.2\n", "utf-8")
    with pytest.raises(SchemaError) as err:
        read_layer(path)
    assert (err.value.row, err.value.field) == (2, "纬度")
    assert "第 2 行" in str(err.value) and "纬度" in str(err.value)


def test_out_of_range_coordinates(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_text("id,lon,lat\n1,113.0,28.0\n2,113.0,28.0\n3,213.0,28.0\n", "utf-8")
    with pytest.raises(CRSError, match="超出经纬度范围") as err:
        read_layer(path)
    assert (err.value.row, err.value.field) == (3, "lon")
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("id,lon,lat\n1,28.1,112.9\n", "utf-8")
    with pytest.raises(CRSError, match="超出经纬度范围") as err:
        read_layer(swapped)
    assert (err.value.row, err.value.field) == (1, "lat") and "写反" in err.value.fix


def test_metres_in_a_csv_read_as_degrees(tmp_path: Path):
    path = tmp_path / "m.csv"
    path.write_text("id,x,y\n1,697000,3110000\n2,698000,3111000\n", "utf-8")
    with pytest.raises(CRSError) as err:
        read_layer(path)
    assert err.value.row == 1 and "crs=" in err.value.fix
    gdf = read_layer(path, crs="EPSG:32649")  # the fix works
    assert gdf.crs.to_epsg() == 32649


def test_metres_labelled_as_degrees_and_the_fix(tmp_path: Path):
    path = tmp_path / "wrong.gpkg"
    _points().to_crs(32649).set_crs(4326, allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(CRSError, match="超出经纬度范围") as err:
        read_layer(path)
    assert err.value.field == "geometry" and err.value.row == 1 and "crs=" in err.value.fix
    gdf = read_layer(path, crs="EPSG:32649")
    assert gdf.crs.to_epsg() == 32649


def test_degrees_labelled_as_metres(tmp_path: Path):
    path = tmp_path / "wrong.gpkg"
    _points().set_crs(32649, allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(CRSError, match="像是经纬度") as err:
        read_layer(path)
    assert "EPSG:4326" in err.value.fix


def test_shapefile_without_prj_needs_crs(tmp_path: Path):
    path = tmp_path / "noprj.shp"
    _points().to_file(path, engine="pyogrio")
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="图层没有坐标系"):
        read_layer(path)
    assert read_layer(path, crs=4326).crs.to_epsg() == 4326


def test_shapefile_without_dbf_is_a_format_error(tmp_path: Path):
    path = tmp_path / "broken.shp"
    _points().to_file(path, engine="pyogrio")
    path.with_suffix(".shx").unlink()
    path.with_suffix(".dbf").unlink()
    with pytest.raises(FileFormatError) as err:
        read_layer(path)
    assert err.value.file == str(path)


def test_wrong_geometry_type_names_row(tmp_path: Path):
    path = tmp_path / "mixed.gpkg"
    geoms = [Point(113, 28), LineString([(113, 28), (113.1, 28.1)])]
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=geoms, crs=4326).to_file(path, engine="pyogrio")
    with pytest.raises(SchemaError, match="LineString，这里要点图层") as err:
        read_layer(path)
    assert (err.value.row, err.value.field) == (2, "geometry")
    with pytest.raises(SchemaError, match="Point，这里要线图层") as err:
        read_layer(path, geometry="line")
    assert err.value.row == 1
    assert len(read_layer(path, geometry="any")) == 2


def test_missing_geometry_names_row(tmp_path: Path):
    path = tmp_path / "holes.gpkg"
    gdf = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[Point(113, 28), None], crs=4326)
    gdf.to_file(path, engine="pyogrio")
    with pytest.raises(SchemaError, match="没有几何") as err:
        read_layer(path)
    assert err.value.row == 2


def test_bad_options(tmp_path: Path):
    path = tmp_path / "p.csv"
    _table().to_csv(path, index=False)
    with pytest.raises(CRSError, match="未知的经纬度坐标系 'wgs'") as err:
        read_layer(path, coords="wgs")
    assert err.value.field == "coords" and "gcj02" in err.value.fix
    with pytest.raises(CRSError, match="无法识别的坐标系"):
        read_layer(path, crs="EPSG:999999")
    with pytest.raises(InputError, match="未知的几何类型"):
        read_layer(path, geometry="polygon")  # type: ignore[arg-type]
    proj = tmp_path / "utm.gpkg"
    _points().to_crs(32649).to_file(proj, engine="pyogrio")
    with pytest.raises(CRSError, match="只适用于经纬度"):
        read_layer(proj, coords="gcj02")
