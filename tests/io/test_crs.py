"""Metric CRS choice (UTM zone, hemisphere), projection, and implausible CRS labels."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from lifecircle.errors import CRSError
from lifecircle.io import check_crs_plausible, choose_metric_crs, to_metric


def _pts(coords: list[tuple[float, float]], crs: object = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": range(len(coords))}, geometry=[Point(c) for c in coords], crs=crs
    )


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (112.98, 28.12, 32649),  # Changsha, zone 49N
        (116.40, 39.91, 32650),  # Beijing, 50N
        (24.94, 60.17, 32635),  # Helsinki, 35N
        (151.21, -33.87, 32756),  # Sydney, 56S
        (-0.13, 51.51, 32630),  # London, 30N
        (-179.9, 10.0, 32601),  # first zone
    ],
)
def test_choose_metric_crs_utm_zone(lon: float, lat: float, epsg: int):
    gdf = _pts([(lon - 0.01, lat - 0.01), (lon + 0.01, lat + 0.01)])
    assert choose_metric_crs(gdf).to_epsg() == epsg


def test_choose_from_projected_and_cgcs2000_input():
    gdf = _pts([(112.98, 28.12)]).to_crs(3857)
    assert choose_metric_crs(gdf).to_epsg() == 32649
    assert choose_metric_crs(_pts([(112.98, 28.12)], crs=4490)).to_epsg() == 32649


def test_to_metric_gives_true_metres():
    # 0.01 degree of latitude at 28 N is 1108.6 m (WGS-84 meridian arc)
    gdf = gpd.GeoDataFrame(
        {"id": [1]}, geometry=[LineString([(113.0, 28.0), (113.0, 28.01)])], crs=4326
    )
    out = to_metric(gdf)
    assert out.crs.to_epsg() == 32649
    assert out.geometry.length.iloc[0] == pytest.approx(1108.6, abs=1.0)
    assert to_metric(gdf, crs="EPSG:4547").crs.to_epsg() == 4547


def test_to_metric_refuses_bad_targets():
    gdf = _pts([(113.0, 28.0)])
    with pytest.raises(CRSError, match="不是投影坐标系") as err:
        to_metric(gdf, crs=4326)
    assert err.value.field == "crs"
    with pytest.raises(CRSError, match="无法识别的坐标系"):
        to_metric(gdf, crs="EPSG:999999")


def test_metres_labelled_as_degrees():
    gdf = _pts([(697000.0, 3110000.0), (698000.0, 3111000.0)])
    gdf.attrs["source"] = "homes.gpkg"
    with pytest.raises(CRSError, match="像是投影坐标（米）被标成了度") as err:
        choose_metric_crs(gdf)
    assert err.value.file == "homes.gpkg" and "crs=" in err.value.fix
    with pytest.raises(CRSError):
        to_metric(gdf)


def test_degrees_labelled_as_projected():
    gdf = _pts([(112.98, 28.12), (113.0, 28.2)], crs=32649)
    with pytest.raises(CRSError, match="像是经纬度") as err:
        check_crs_plausible(gdf, source="fac.shp")
    assert err.value.file == "fac.shp" and "EPSG:4326" in err.value.fix


def test_missing_crs():
    gdf = _pts([(112.98, 28.12)], crs=None)
    with pytest.raises(CRSError, match="图层没有坐标系"):
        to_metric(gdf)


def test_plausible_layers_pass():
    check_crs_plausible(_pts([(112.98, 28.12)]))
    check_crs_plausible(_pts([(112.98, 28.12)]).to_crs(32649))


def test_small_synthetic_metric_grid_is_not_mistaken_for_degrees():
    # a toy layer of a few metres near the origin of a UTM zone is legal input for tests
    check_crs_plausible(_pts([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], crs=32649))
    # ...while the same zone with Changsha lon/lat is not
    with pytest.raises(CRSError):
        check_crs_plausible(_pts([(112.98, 28.12)], crs=32649))
    # Gauss-Kruger CGCS2000 CM 114E (EPSG:4547) with lon/lat values
    with pytest.raises(CRSError):
        check_crs_plausible(_pts([(113.1, 28.2)], crs=4547))
